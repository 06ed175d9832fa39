"""recording.py: redaction, the cassette line format, atomic cassette files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.errors import UsageError
from conformance.recording import (
    REDACTED,
    CassetteWriter,
    Exchange,
    from_json,
    load,
    redact,
    to_json,
)

SECRET = "s3cr3t-t0ken-value"


def _exchange(**changes: object) -> Exchange:
    values: dict[str, object] = {
        "index": 0,
        "name": "getJob[jobId=A]",
        "operation_id": "getJob",
        "params": {"jobId": "A"},
        "method": "GET",
        "url": "https://api.example.com/job/A",
        "request_headers": (("authorization", f"Token {SECRET}"),),
        "status": 200,
        "response_headers": (("content-type", "application/json"),),
        "body": b'{"id": "A"}',
        "elapsed": 0.125,
        "attempts": 1,
    }
    values.update(changes)
    return Exchange(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "exchange",
    [
        _exchange(request_headers=(("Authorization", f"Bearer {SECRET}"),)),
        _exchange(request_headers=(("Cookie", f"session={SECRET}"),)),
        _exchange(response_headers=(("Set-Cookie", f"s={SECRET}; HttpOnly"),)),
        _exchange(request_headers=(("X-Internal-Key", SECRET),)),
        _exchange(response_headers=(("X-Echo", f"you sent {SECRET}"),)),
        _exchange(body=f'{{"note": "{SECRET}"}}'.encode()),
        _exchange(url=f"https://api.example.com/job/A?key={SECRET}"),
        _exchange(status=None, body=b"", error=f"ConnectError: {SECRET}"),
    ],
    ids=[
        "authorization",
        "cookie",
        "set-cookie",
        "listed-header",
        "value-in-other-header",
        "value-in-body",
        "value-in-url",
        "value-in-error",
    ],
)
def test_redaction_removes_the_secret_everywhere(exchange: Exchange) -> None:
    clean = redact(exchange, secret_headers=["x-internal-key"], secret_values=[SECRET])
    assert SECRET not in json.dumps(to_json(clean))


def test_redaction_keeps_the_auth_scheme_word() -> None:
    clean = redact(_exchange())
    assert clean.request_headers == (("authorization", f"Token {REDACTED}"),)


def test_redaction_is_idempotent() -> None:
    once = redact(_exchange(), secret_values=[SECRET])
    assert redact(once, secret_values=[SECRET]) == once


@pytest.mark.parametrize(
    "exchange",
    [
        _exchange(),
        _exchange(body=b"\xff\xfe not utf-8"),
        _exchange(
            status=None,
            response_headers=(),
            body=b"",
            error="ReadTimeout (after 3 attempts)",
        ),
        _exchange(extra={"retries": ["attempt 1: status 429"]}),
    ],
    ids=["json-body", "binary-body", "no-answer", "retry-notes"],
)
def test_a_cassette_line_reads_back_as_the_same_exchange(exchange: Exchange) -> None:
    line = json.loads(json.dumps(to_json(exchange)))
    assert from_json(line) == exchange


def test_writer_publishes_a_cassette_that_loads_in_probe_order(tmp_path: Path) -> None:
    with CassetteWriter(tmp_path) as writer:
        writer.write(_exchange(index=1, name="b"))
        writer.write(_exchange(index=0, name="a"))
    assert [e.name for e in load(tmp_path)] == ["a", "b"]


def test_writer_redacts_before_writing(tmp_path: Path) -> None:
    with CassetteWriter(tmp_path, secret_values=[SECRET]) as writer:
        writer.write(_exchange(body=SECRET.encode()))
    assert SECRET not in (tmp_path / "exchanges.jsonl").read_text()


def test_a_failed_recording_leaves_the_previous_cassette(tmp_path: Path) -> None:
    with CassetteWriter(tmp_path) as writer:
        writer.write(_exchange(name="old"))

    def crash_mid_run() -> None:
        with CassetteWriter(tmp_path) as writer:
            writer.write(_exchange(name="new"))
            raise RuntimeError("crash mid-run")

    with pytest.raises(RuntimeError):
        crash_mid_run()
    assert [p.name for p in tmp_path.iterdir()] == ["exchanges.jsonl"]
    assert [e.name for e in load(tmp_path)] == ["old"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json\n", r"exchanges.jsonl:1:2: not JSON"),
        ("[1, 2]\n", r"exchanges.jsonl:1: not a cassette line"),
        ('{"cassette": 99}\n', r"unsupported cassette version 99"),
        ('{"cassette": 1, "index": 0}\n', r"missing key 'request'"),
    ],
    ids=["not-json", "not-object", "version", "missing-key"],
)
def test_a_bad_cassette_is_a_usage_error_naming_the_line(
    tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / "exchanges.jsonl").write_text(content)
    with pytest.raises(UsageError, match=message):
        list(load(tmp_path))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "absent", "no such cassette file or directory"),
        (lambda p: p, r"no cassettes \(\*.jsonl\)"),
    ],
    ids=["missing", "empty-directory"],
)
def test_nothing_to_replay_is_a_usage_error(tmp_path: Path, make, message) -> None:
    with pytest.raises(UsageError, match=message):
        list(load(make(tmp_path)))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda line: line["response"].update(status=True), "status must be"),
        (lambda line: line.update(elapsed="NaN"), "elapsed must be"),
        (
            lambda line: line["response"].update(body_base64="not base64!"),
            "not a cassette line",
        ),
        (lambda line: line.update(params=[1]), "not a cassette line"),
    ],
    ids=["status-a-boolean", "elapsed-nan", "bad-base64", "params-a-list"],
)
def test_a_hand_edited_cassette_line_of_the_wrong_shape_is_refused(
    change, message: str
) -> None:
    line = json.loads(json.dumps(to_json(_exchange())))
    line["response"].pop("body", None)
    line["response"].setdefault("body_base64", "")
    change(line)
    with pytest.raises(UsageError, match=message):
        from_json(line, "tape.jsonl:1")
