"""Replaying traffic people already have: HAR exports and vcrpy cassettes."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import httpx
import pytest
import qovery_server as q
import traffic_files as t
import vcr

from conformance.cli import main

SPEC = str(t.PROJECT / "spec" / "qovery-getjob.yaml")


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([*argv], out, err)
    return code, out.getvalue(), err.getvalue()


def replay(path: Path, reports: Path, *flags: str) -> tuple[int, dict, str]:
    code, out, err = cli(
        "replay", str(path), "--spec", SPEC, "--report-dir", str(reports), *flags
    )
    assert not err.strip() or code != 0, err
    return code, json.loads((reports / "results.json").read_text()), out


def verdicts(data: dict) -> list[tuple[str, str]]:
    return [(p["name"], p["outcome"]) for p in data["probes"]]


@pytest.fixture(params=["har", "vcr"])
def traffic(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if request.param == "har":
        return t.write_har(tmp_path / "session.har")
    return t.write_vcr(tmp_path / "cassette.yaml")


def test_replay_gives_the_verdicts_and_names_of_live_probes(
    traffic: Path, tmp_path: Path
) -> None:
    code, data, _ = replay(traffic, tmp_path / "r", "--base-url", t.HOST)
    assert (code, verdicts(data)) == (1, t.EXPECTED)


def test_the_broken_body_fails_on_its_field(traffic: Path, tmp_path: Path) -> None:
    _, data, _ = replay(traffic, tmp_path / "r", "--base-url", t.HOST)
    broken = next(p for p in data["probes"] if p["outcome"] == "failed")
    assert [(v["pointer"], v["keyword"]) for v in broken["violations"]] == [
        ("/id", "type")
    ]


def test_gzip_and_base64_bodies_are_decoded_and_judged(
    traffic: Path, tmp_path: Path
) -> None:
    _, data, _ = replay(traffic, tmp_path / "r", "--base-url", t.HOST)
    decoded = {
        p["params"]["jobId"]: p["branch"]
        for p in data["probes"]
        if p["params"]["jobId"] in (t.GZIP_ID, t.BASE64_ID)
    }
    assert decoded == dict.fromkeys(
        (t.GZIP_ID, t.BASE64_ID), "job_type=CRON → CronJobResponse"
    )


def test_an_undocumented_path_is_counted_apart_never_passed_or_failed(
    traffic: Path, tmp_path: Path
) -> None:
    _, data, out = replay(traffic, tmp_path / "r", "--base-url", t.HOST)
    listed = [(u["method"], u["url"].rsplit("/", 2)[-2:]) for u in data["unmatched"]]
    assert (data["totals"]["unmatched"], listed, len(data["probes"])) == (
        1,
        [("GET", ["v2", "health"])],
        len(t.EXPECTED),
    )
    assert "unmatched: 1 request(s)" in out
    assert (
        "entries[5]" in data["unmatched"][0]["source"]
        or "interactions[5]" in (data["unmatched"][0]["source"])
    )


def test_unmatched_fail_makes_an_unmatched_request_a_failure(tmp_path: Path) -> None:
    fine = [x for x in t.exchanges() if t.BROKEN_ID not in x["url"]]
    path = tmp_path / "fine.har"
    path.write_text(json.dumps(t.har(fine)))
    reported, _, _ = replay(path, tmp_path / "a")
    failing, _, _ = replay(path, tmp_path / "b", "--unmatched", "fail")
    junit = (tmp_path / "b" / "junit.xml").read_text()
    assert (reported, failing, 'type="unmatched"' in junit) == (0, 1, True)


def test_base_url_narrows_a_har_to_one_host(traffic: Path, tmp_path: Path) -> None:
    _, everything, _ = replay(traffic, tmp_path / "all")
    _, narrowed, _ = replay(traffic, tmp_path / "one", "--base-url", t.HOST)
    other = [p["url"] for p in everything["probes"] if t.OTHER_HOST in p["url"]]
    assert (len(other), len(narrowed["probes"])) == (1, len(t.EXPECTED))


def test_a_folder_is_searched_recursively_for_every_kind(tmp_path: Path) -> None:
    folder = tmp_path / "traffic"
    (folder / "browser").mkdir(parents=True)
    (folder / "tests" / "cassettes").mkdir(parents=True)
    t.write_har(folder / "browser" / "session.har")
    t.write_vcr(folder / "tests" / "cassettes" / "test_jobs.yaml")
    shutil.copy(t.RECORDINGS, folder / "nightly.jsonl")
    shutil.copy(SPEC, folder / "tests" / "openapi.yaml")  # not traffic: passed over
    _, data, _ = replay(folder, tmp_path / "r", "--base-url", t.HOST)
    assert (len(data["probes"]), data["totals"]["unmatched"]) == (
        2 * len(t.EXPECTED) + 4,
        2,
    )


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("x.har", "{not json", "x.har:1:2: not a HAR file (not JSON"),
        ("x.har", '{"log": {}}', "x.har: not a HAR file: expected an object with"),
        (
            "x.har",
            '{"log": {"entries": [{"request": {"method": "GET", "url": "u"}}]}}',
            "x.har (log.entries[0]): not a HAR entry: missing 'response'",
        ),
        (
            "x.har",
            json.dumps(
                {
                    "log": {
                        "entries": [
                            {
                                "request": {"method": "GET", "url": f"{t.HOST}/job/1"},
                                "response": {
                                    "status": 200,
                                    "headers": [],
                                    "content": {"text": "%%%", "encoding": "base64"},
                                },
                            }
                        ]
                    }
                }
            ),
            "x.har (log.entries[0]): body is marked base64 but is not base64",
        ),
        ("x.yaml", "a: [b", "x.yaml:1: not a vcrpy cassette"),
        ("x.yaml", "version: 1\n", "x.yaml: not a vcrpy cassette: expected a mapping"),
        (
            "x.yaml",
            "interactions:\n- request: {method: GET, uri: u}\n  response:\n"
            "    status: {code: 200}\n    headers: {Content-Encoding: [gzip]}\n"
            "    body: {string: !!binary H4sIAAAA}\n",
            "x.yaml (interactions[0]): cannot decode the gzip body",
        ),
    ],
    ids=[
        "har-not-json",
        "har-no-entries",
        "har-entry-without-response",
        "har-bad-base64",
        "vcr-not-yaml",
        "vcr-no-interactions",
        "vcr-truncated-gzip",
    ],
)
def test_a_bad_file_is_one_line_naming_the_file_and_entry(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    code, _, err = cli(
        "replay", str(path), "--spec", SPEC, "--report-dir", str(tmp_path / "r")
    )
    assert (code, len(err.strip().splitlines()), expected in err) == (2, 1, True), err


def test_a_cassette_vcrpy_itself_recorded_replays_like_the_live_answers(
    tmp_path: Path,
) -> None:
    cassette = tmp_path / "test_jobs.yaml"
    headers = {"Authorization": f"Token {q.TOKEN}", "Accept": "application/json"}
    with q.start() as server, vcr.use_cassette(str(cassette)):
        live = [
            httpx.get(f"{server.url}/job/{job}", headers=headers, timeout=5).status_code
            for job in (q.LIFECYCLE, q.CRON, q.BROKEN, q.MISSING)
        ]
    code, data, _ = replay(cassette, tmp_path / "r")
    assert live == [200, 200, 200, 404]
    assert (code, [o for _, o in verdicts(data)]) == (
        1,
        ["passed", "passed", "failed", "passed"],
    )
    assert q.TOKEN not in (tmp_path / "r" / "report.html").read_text()


def test_a_browsers_cors_preflight_is_not_an_unmatched_call(tmp_path: Path) -> None:
    document = t.har(t.exchanges()[:1])
    preflight = json.loads(json.dumps(document["log"]["entries"][0]))
    preflight["request"]["method"] = "OPTIONS"
    preflight["request"]["headers"].append(
        {"name": "Access-Control-Request-Method", "value": "GET"}
    )
    document["log"]["entries"].append(preflight)
    path = tmp_path / "cors.har"
    path.write_text(json.dumps(document))
    code, data, _ = replay(path, tmp_path / "r", "--unmatched", "fail")
    assert (code, len(data["probes"]), data["unmatched"]) == (0, 1, [])


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ((), "no request matches an operation"),
        (
            ("--base-url", "http://127.0.0.9:1"),
            "no exchange sent to http://127.0.0.9:1",
        ),
    ],
    ids=["all-unmatched", "base-url-keeps-nothing"],
)
def test_a_replay_that_judges_nothing_is_an_error_not_a_pass(
    tmp_path: Path, flags: tuple[str, ...], expected: str
) -> None:
    health = [x for x in t.exchanges() if x["url"].endswith("/v2/health")]
    path = tmp_path / "health.har"
    path.write_text(json.dumps(t.har(health)))
    code, _, err = cli(
        "replay", str(path), "--spec", SPEC, "--report-dir", str(tmp_path / "r"), *flags
    )
    assert (code, expected in err, len(err.splitlines())) == (2, True, 1), err


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"status": 0, "_error": "net::ERR_BLOCKED_BY_CLIENT"},
            "ERR_BLOCKED_BY_CLIENT",
        ),
        ({"content": {"size": 1254, "mimeType": "application/json"}}, "no body text"),
    ],
    ids=["no-answer", "body-left-out"],
)
def test_a_har_entry_without_an_answer_or_a_body_is_an_error_not_a_failure(
    tmp_path: Path, change: dict, expected: str
) -> None:
    document = t.har(t.exchanges()[:1])
    document["log"]["entries"][0]["response"].update(change)
    path = tmp_path / "partial.har"
    path.write_text(json.dumps(document))
    code, data, _ = replay(path, tmp_path / "r")
    probe = data["probes"][0]
    assert (code, probe["outcome"], expected in probe["error"]) == (3, "error", True)


def test_credentials_in_a_foreign_query_string_are_redacted_in_reports(
    tmp_path: Path,
) -> None:
    item = t.exchanges()[0]
    item["url"] += "?api_key=k-123-secret&expand=true&access_token=t-456-secret"
    path = tmp_path / "keys.har"
    path.write_text(json.dumps(t.har([item])))
    replay(path, tmp_path / "r")
    written = "".join(p.read_text() for p in (tmp_path / "r").iterdir())
    url = json.loads((tmp_path / "r" / "results.json").read_text())["probes"][0]["url"]
    assert ("k-123-secret" in written, "t-456-secret" in written) == (False, False)
    assert url.endswith("?api_key=[REDACTED]&expand=true&access_token=[REDACTED]")
