"""report.html: one self-contained page, opened in a real headless Chromium.

The page is rendered from a replay of a HAR made from the bundled recordings (one
broken body, one undocumented path); Chromium loads it from disk and dumps the DOM
it built, and takes screenshots at 1280×900 and at phone width into `reports/` for
people to look at. Where Chromium is not installed the DOM tests skip and say so;
CI installs it (`.ci/run`) and sets CONFORMANCE_REQUIRE_SHARED=1, which turns the
skip into a failure.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import traffic_files as t

from conformance.cli import main

SPEC = str(t.PROJECT / "spec" / "qovery-getjob.yaml")
SCREENSHOTS = t.PROJECT / "reports"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium() -> str:
    """The Chromium binary, or a skip (a failure where CI requires it)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    reason = (
        "chromium is not installed (Debian: apt-get install -y chromium; "
        ".ci/run installs it)"
    )
    if (
        os.environ.get("CONFORMANCE_REQUIRE_SHARED") == "1"
        or os.environ.get("CONFORMANCE_REQUIRE_CHROMIUM") == "1"
    ):
        pytest.fail(reason + " (required in CI)")
    pytest.skip(reason)


def run_chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=90,
        check=True,
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """report.html of a replay with a failure, an unmatched request and drift."""
    folder = tmp_path_factory.mktemp("html")
    har = t.write_har(folder / "session.har")
    out, err = io.StringIO(), io.StringIO()
    argv = ["replay", str(har), "--spec", SPEC, "--base-url", t.HOST]
    code = main([*argv, "--report-dir", str(folder / "reports")], out, err)
    assert code == 1, err.getvalue()
    return folder / "reports" / "report.html"


class _Elements(HTMLParser):
    """Every element's attributes and text, from the DOM Chromium built."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture(scope="module")
def dom(report: Path, tmp_path_factory: pytest.TempPathFactory) -> _Elements:
    profile = tmp_path_factory.mktemp("chromium-profile")
    dumped = run_chromium(profile, "--dump-dom", report.as_uri()).stdout
    parsed = _Elements()
    parsed.feed(dumped)
    assert parsed.elements, "chromium dumped an empty DOM"
    return parsed


def _with(dom: _Elements, attribute: str) -> dict[str, dict[str, str]]:
    return {a[attribute]: a for _, a in dom.elements if attribute in a}


def test_the_failed_probe_is_listed_with_its_violation(dom: _Elements) -> None:
    probes = _with(dom, "data-probe")
    text = " ".join(" ".join(dom.text).split())
    assert list(probes) == [f"getJob[jobId={t.BROKEN_ID}]"]
    assert "/id type expected string, received integer 42" in text
    assert re.search(r"qovery-getjob\.yaml:\d+ #/components/schemas/Base", text)


def test_the_failing_body_is_shown_as_an_excerpt(dom: _Elements) -> None:
    assert '{"id": 42, "created_at"' in " ".join(dom.text)


def test_the_unmatched_request_is_listed_apart(dom: _Elements) -> None:
    rows = [
        a for tag, a in dom.elements if tag == "tr" and a.get("class") == "unmatched"
    ]
    assert (len(rows), "no path template of the spec matches /v2/health") == (
        1,
        next(s.strip() for s in dom.text if "no path template" in s),
    )


def test_the_coverage_matrix_has_a_cell_per_point_with_its_count(
    dom: _Elements,
) -> None:
    cells = {p: a["data-count"] for p, a in _with(dom, "data-point").items()}
    assert (
        cells["getJob 200"],
        cells["getJob 401"],
        cells["getJob 200 branch LIFECYCLE"],
        cells["getJob 200 branch CRON"],
        cells["getJob 200 alternatives /source (job_type=CRON) docker"],
    ) == ("6", "0", "2", "4", "0")


def test_the_totals_are_shown(dom: _Elements) -> None:
    totals = [a["data-total"] for _, a in dom.elements if "data-total" in a]
    assert totals[:7] == [
        "probes",
        "passed",
        "failed",
        "violations",
        "errors",
        "unmatched",
        "drift",
    ]


def test_the_page_loads_nothing_from_the_network(report: Path) -> None:
    page = report.read_text()
    assert (
        re.findall(r"<script|<link|<img|<iframe|url\(|@import", page),
        re.findall(r"(?:src|href)=\"https?:", page),
    ) == ([], [])


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


@pytest.mark.parametrize(
    ("width", "height"), [(1280, 900), (390, 844)], ids=["desktop", "phone"]
)
def test_a_screenshot_is_written_for_people_to_look_at(
    report: Path, tmp_path: Path, width: int, height: int
) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    shot = SCREENSHOTS / f"report-{width}x{height}.png"
    shot.unlink(missing_ok=True)
    run_chromium(
        tmp_path / "profile",
        f"--window-size={width},{height}",
        f"--screenshot={shot}",
        report.as_uri(),
    )
    assert _png_size(shot) == (width, height)


def test_many_violations_are_also_grouped_by_rule_and_pointer(tmp_path: Path) -> None:
    import json

    broken = next(x for x in t.exchanges() if t.BROKEN_ID in x["url"])
    items = []
    for n in range(5):
        body = json.loads(broken["body"]) | {"name": n}
        url = broken["url"].replace(t.BROKEN_ID, f"{n}{t.BROKEN_ID[1:]}")
        items.append(broken | {"url": url, "body": json.dumps(body).encode()})
    har = tmp_path / "many.har"
    har.write_text(json.dumps(t.har(items)))
    argv = ["replay", str(har), "--spec", SPEC, "--report-dir", str(tmp_path / "r")]
    assert main(argv, io.StringIO(), io.StringIO()) == 1
    page = (tmp_path / "r" / "report.html").read_text()
    grouped = page.split("By rule and pointer", 1)[1].split("Each failing probe", 1)[0]
    rows = re.findall(
        r'data-label="count">(\d+)</td>.*?data-label="pointer">([^<]+)<', grouped
    )
    assert sorted(rows) == [("5", "/id"), ("5", "/name")]


def test_a_credential_the_request_sent_is_redacted_in_the_body_excerpt(
    tmp_path: Path,
) -> None:
    import json

    cookie = "c7f3a91e5b2d4c68"
    broken = next(x for x in t.exchanges() if t.BROKEN_ID in x["url"])
    body = json.loads(broken["body"]) | {"id": 42, "name": f"echo {cookie} echo"}
    document = t.har([broken | {"body": json.dumps(body).encode()}])
    document["log"]["entries"][0]["request"]["headers"].append(
        {"name": "X-Api-Key", "value": cookie}
    )
    har = tmp_path / "echo.har"
    har.write_text(json.dumps(document))
    argv = ["replay", str(har), "--spec", SPEC, "--report-dir", str(tmp_path / "r")]
    assert main(argv, io.StringIO(), io.StringIO()) == 1
    page = (tmp_path / "r" / "report.html").read_text()
    assert (cookie in page, "echo [REDACTED] echo" in page) == (False, True)


def test_an_interrupted_run_and_its_errors_say_so() -> None:
    from conformance.reporting.html import render

    page = render(
        {
            "mode": "live",
            "target": "http://127.0.0.1:1",
            "exit_code": 143,
            "interrupted": "SIGTERM",
            "token": False,
            "totals": {"planned": 5, "errors": 1},
            "probes": [
                {
                    "name": "getJob[jobId=1]",
                    "outcome": "error",
                    "error_kind": "status",
                    "attempts": 1,
                    "error": "expected status 200, received 401",
                }
            ],
        }
    )
    assert "interrupted by SIGTERM: 1 of 5 probes finished" in page
    assert "no token configured" in page
    assert '<td data-label="kind">status</td>' in page
