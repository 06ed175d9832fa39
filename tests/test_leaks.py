"""No output ever shows the API token, in any form (issue 9's leak test).

A server on 127.0.0.1 echoes the token everywhere it can: in a response header, a
body value, a member name (it becomes a drift pointer), a value that breaks a format
(it becomes a violation message), with `/` written as `\\/` (PHP's JSON), and right
where the pytest failure text cuts its body excerpt. The token holds `/` and `+`,
and both `Token` and `Bearer` schemes are used. Then `conformance run --record`,
`conformance replay` (of our cassettes and of a foreign one holding the token in
clear), pytest live and pytest with cassettes run, and every byte they print or
write is scanned for every stretch of six characters of the token, in every form:
raw, JSON-escaped (`\\/`, `\\uXXXX`, nested), percent-encoded, as a pointer (`~1`)
and as XML character references. The scanner is written here, apart from the
redactor, and is first shown to find the token in what the server sent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import qovery_server as q
from conftest import SEED_SPEC, cli

from conformance.recording import Exchange, to_json

TOKEN = "Zq9/Xv+Kp7/Wm3+Rt8Ys4/Lb"  # holds "/" and "+"
TOKEN_ENV = "LEAK_TEST_TOKEN"
LEAKY = q.BROKEN  # a job id; its answer breaks the contract and echoes the token
CUT = 240  # characters of the body the failure text shows (assertions.MAX_EXCERPT)


def _leaky_body() -> bytes:
    """The echoing answer, `/` escaped as `\\/`, the token straddling the cut."""
    body: dict[str, Any] = {"note": ""}
    body.update(q.cron_job(LEAKY))
    body["description"] = f"created with {TOKEN}"
    body["environment"] = {"id": TOKEN}  # breaks format uuid: a violation message
    body[TOKEN] = "member name"  # an undocumented member: a drift pointer
    escaped = TOKEN.replace("/", "\\/")
    for size in range(CUT):  # pad the first member until the token straddles the cut
        body["note"] = "n" * size
        text = json.dumps(body).replace("/", "\\/")
        if " ".join(text.split()).index(escaped) == CUT - 7:
            return text.encode()
    raise AssertionError("no padding puts the token across the cut")


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server protocol
        auth = self.headers.get("Authorization", "")
        if auth not in (f"Token {TOKEN}", f"Bearer {TOKEN}"):
            status, body, extra = 401, b"", {}
        elif self.path == f"/job/{LEAKY}":
            status, body, extra = 200, _leaky_body(), {"X-Echo": auth}
        else:
            status, body, extra = 200, json.dumps(q.cron_job()).encode(), {}
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for key, value in extra.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


# -- the scanner: every stretch of the token, in every form an output may take -----


def _forms(text: str) -> set[str]:
    escaped = json.dumps(text)[1:-1]
    return {
        text,
        escaped,
        escaped.replace("/", "\\/"),
        escaped.replace("/", "\\\\/"),  # a \/ body inside a JSON cassette line
        "".join(f"\\u{ord(c):04x}" for c in text),
        "".join(f"\\u{ord(c):04X}" for c in text),
        quote(text, safe=""),
        quote(text, safe="").lower(),
        quote(quote(text, safe=""), safe=""),
        text.replace("~", "~0").replace("/", "~1"),
        text.replace("/", "&#47;").replace("+", "&#43;"),
        text.replace("/", "&#x2F;").replace("+", "&#x2B;"),
    }


NEEDLES = sorted(
    {
        form
        for size in range(6, len(TOKEN) + 1)
        for start in range(len(TOKEN) - size + 1)
        for form in _forms(TOKEN[start : start + size])
    },
    key=len,
)


def leaks(outputs: dict[str, bytes]) -> list[str]:
    """`name: form` for every output holding a stretch of the token."""
    found = []
    for name, data in outputs.items():
        text = data.decode("utf-8", "replace")
        hits = [needle for needle in NEEDLES if needle in text]
        if hits:
            found.append(f"{name}: {hits[-1]!r}")
    return found


# -- the runs ---------------------------------------------------------------------

CONFIG = """
[tool.pytest.ini_options]
filterwarnings = ["error"]

[tool.conformance]
spec = {spec}
token_env = "{env}"
retries = 0
probes = [{{operation = "getJob", params = [{{jobId = "{leaky}"}},
                                            {{jobId = "{cron}"}}]}}]

[tool.conformance.targets.token]
base_url = "${{LEAK_URL}}"
auth_scheme = "Token"

[tool.conformance.targets.bearer]
base_url = "${{LEAK_URL}}"
auth_scheme = "Bearer"
"""

USER_TEST = f"""
import os

import httpx
import pytest


@pytest.mark.conformance_live
@pytest.mark.parametrize("scheme", ["Token", "Bearer"])
def test_the_api_keeps_the_contract(request, contract, scheme):
    url = request.config.getoption("conformance_base_url")
    auth = {{"Authorization": f"{{scheme}} {{os.environ['{TOKEN_ENV}']}}"}}
    with httpx.Client(base_url=url, headers=auth) as client:
        contract.assert_conforms(client.get("/job/{LEAKY}"), operation="getJob")


def test_a_decoded_body_keeps_the_contract(contract):
    # No request to learn from: only the config's token_env can hide the token.
    body = {{"id": os.environ["{TOKEN_ENV}"], "echo": os.environ["{TOKEN_ENV}"]}}
    contract.assert_conforms(body, operation="getJob", status=200)
"""


def _foreign_cassette(folder: Path, url: str) -> None:
    """A cassette written by another tool: the token in clear everywhere."""
    folder.mkdir()
    exchange = Exchange(
        0, f"getJob[jobId={LEAKY}]", "getJob", {"jobId": LEAKY}, "GET",
        f"{url}/job/{LEAKY}?t={quote(TOKEN, safe='')}",
        request_headers=(("Authorization", f"Token {TOKEN}"),), status=200,
        response_headers=(("content-type", "application/json"), ("x-echo", TOKEN)),
        body=_leaky_body(), error=None,
    )  # fmt: skip
    line = json.dumps(to_json(exchange))
    (folder / "foreign.jsonl").write_text(line + "\n", encoding="utf-8")


def _conformance(*argv: str, cwd: Path, env: dict[str, str]) -> tuple[int, bytes]:
    done = subprocess.run(
        [sys.executable, "-m", "conformance", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout + b"\n" + done.stderr


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every byte every run printed or wrote, by name, plus what the server sent."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    root = tmp_path_factory.mktemp("leaks")
    config = CONFIG.format(
        spec=json.dumps(str(SEED_SPEC)), env=TOKEN_ENV, leaky=LEAKY, cron=q.CRON
    )
    (root / "pyproject.toml").write_text(config, encoding="utf-8")
    (root / "test_user.py").write_text(USER_TEST, encoding="utf-8")
    with q.serving(server) as url:
        env = {**os.environ, TOKEN_ENV: TOKEN, "LEAK_URL": url}
        env = {k: v for k, v in env.items() if not k.startswith("PYTEST_")}
        printed, codes = {}, {}
        # The real process once (its own stdout and stderr), then the CLI as a
        # function (faster); `tape/` then holds both recordings and the foreign one.
        codes["run-token"], printed["run-token"] = _conformance(
            "run", "token", "--record", "tape/token", "--report-dir", "r1",
            cwd=root, env=env,
        )  # fmt: skip
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(root)
            for key in (TOKEN_ENV, "LEAK_URL"):
                patch.setenv(key, env[key])
            for name, argv in {
                "run-bearer": ("run", "bearer", "--record", "tape/bearer",
                               "--report-dir", "r2"),
                "replay": ("replay", "tape", "--report-dir", "r3"),
            }.items():  # fmt: skip
                if name == "replay":
                    _foreign_cassette(root / "tape" / "foreign", url)
                codes[name], out, err = cli(*argv)
                printed[name] = (out + err).encode()
        # pytest once: live probes, the user's assert_conforms, every cassette.
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
             f"--conformance-base-url={url}", "--conformance-cassettes=tape",
             "--junitxml=pytest.xml"],
            cwd=root, env=env, capture_output=True, timeout=60, check=False,
        )  # fmt: skip
        codes["pytest"], printed["pytest"] = done.returncode, done.stdout + done.stderr
    files = {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in ("pyproject.toml", "test_user.py")
        and "foreign" not in p.parts and "__pycache__" not in p.parts
    }  # fmt: skip
    return {"printed": printed, "files": files, "codes": codes, "root": root}


def test_the_scanner_finds_the_token_in_what_the_server_sent() -> None:
    sent = {"body": _leaky_body(), "header": f"Token {TOKEN}".encode()}
    assert (len(leaks(sent)), "\\/" in sent["body"].decode()) == (2, True)


def test_every_run_did_its_work(outputs: dict[str, Any]) -> None:
    # Failures (1), not usage errors (2): the echo was received, checked, reported.
    assert outputs["codes"] == {
        "run-token": 1,
        "run-bearer": 1,
        "replay": 1,
        "pytest": 1,
    }


def test_the_reports_show_where_the_token_was_without_it(
    outputs: dict[str, Any],
) -> None:
    data = json.loads(outputs["files"]["r1/results.json"])
    leaky = data["probes"][0]
    shown = (
        leaky["drift"],
        [v["pointer"] for v in leaky["violations"]],
        "body: " in outputs["printed"]["pytest"].decode(),
    )
    assert shown == (["/[REDACTED]", "/note"], ["/environment/id"], True)


def test_no_output_holds_any_form_of_the_token(outputs: dict[str, Any]) -> None:
    every = {f"printed by {k}": v for k, v in outputs["printed"].items()}
    every.update({f"file {k}": v for k, v in outputs["files"].items()})
    assert len(outputs["files"]) >= 12  # 3 x 3 reports, 2 cassettes, 1 JUnit file
    assert leaks(every) == []
