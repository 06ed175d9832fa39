"""Nightly runs against a hostile server: each probe's fault stays that probe's.

The server is tests/fault_server.py (asyncio on 127.0.0.1, bounded in bytes and
time). Runs that measure memory or get signals are real `python -m conformance`
subprocesses; peak RSS is the child's own VmHWM, which it reports itself.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import fault_server as f
import pytest
from conftest import PROJECT

from conformance.cli import main
from conformance.errors import UsageError
from conformance.params import read_params_file
from conformance.probe import ProbeSettings, plan_requests
from conformance.recording import load
from conformance.runner import ERROR, FAILED, PASSED, run_live, run_replay

SPEC = str(Path(__file__).parent / "data" / "faults.yaml")
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def faults() -> Iterator[f.FaultServer]:
    state = f.State(delay=0.3, byte_delay=0.01, violations=2_000, max_seconds=10)
    with f.start(state) as srv:
        yield srv


@pytest.fixture(scope="module")
def contract():  # noqa: ANN201
    import conformance

    return conformance.load_contract(SPEC)


def _live(contract, url: str, modes: list[str], **options):  # noqa: ANN001, ANN202
    settings = ProbeSettings(
        **{"timeout": 10.0, "retries": 0, "concurrency": 8, **options}
    )
    requests = list(
        plan_requests(contract, [("getItems", {"mode": m}) for m in modes], url)
    )
    return run_live(contract, requests, settings, target=url)


def _by_mode(run) -> dict[str, object]:  # noqa: ANN001
    return {r.params["mode"]: r for r in run.results}


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _argv(url: str, *modes: str) -> list[str]:
    argv = ["run", "--spec", SPEC, "--base-url", url, "--operation", "getItems"]
    argv += ["--retries", "0", "--timeout", "10"]  # generous: CI machines are busy
    for mode in modes:
        argv += ["--param", f"mode={mode}"]
    return argv


# The child reports its own peak: VmHWM belongs to the address space made at exec,
# while ru_maxrss (getrusage, wait4) also counts the forked parent's pages.
_CHILD = """
import resource, sys
from conformance.cli import main
code = main(sys.argv[1:])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    with open("/proc/self/status") as status:
        peak = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
except OSError:
    pass
with open("peak-kib.txt", "w") as out:
    out.write(str(peak))
sys.exit(code)
"""


def _subprocess(
    argv: list[str], cwd: Path, preexec_fn=None
) -> tuple[int, str, str, float]:
    """Run the CLI in a child: exit code, stdout, stderr, its peak RSS (MiB)."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
        preexec_fn=preexec_fn,  # noqa: PLW1509 - rlimits for the child only
        timeout=60,
    )
    peak = cwd / "peak-kib.txt"
    mib = int(peak.read_text()) / 1024 if peak.exists() else -1.0
    return done.returncode, done.stdout, done.stderr, mib


def _reports(folder: Path) -> tuple[dict, ET.Element, str]:
    """results.json, junit.xml and summary.md of `folder`, each parsed."""
    data = json.loads((folder / "results.json").read_text())
    return (
        data,
        ET.parse(folder / "junit.xml").getroot(),
        (folder / "summary.md").read_text(),
    )


def _temp_files(*folders: Path) -> list[str]:
    return [p.name for d in folders if d.exists() for p in d.rglob("*.tmp")]


# -- 1. bounded bodies -------------------------------------------------------------


@pytest.mark.parametrize("mode", ["huge", "gzip-bomb"], ids=["2gib-chunked", "bomb"])
def test_a_body_past_the_cap_is_that_probes_error_and_memory_stays_bounded(
    faults: f.FaultServer, tmp_path: Path, mode: str
) -> None:
    # The server would send 2 GiB (or inflate to 1 GiB): a 4 MiB cap reads ~4 MiB.
    argv = _argv(faults.url, mode, "ok") + ["--max-body-size", "4MiB"]
    code, out, err, peak = _subprocess(argv + ["--report-dir", "r"], tmp_path)
    data, root, summary = _reports(tmp_path / "r")
    outcomes = {p["params"]["mode"]: (p["outcome"], p["error"]) for p in data["probes"]}
    assert (code, outcomes) == (
        3,
        {"ok": (PASSED, None), mode: (ERROR, "body larger than 4 MiB, read stopped")},
    ), err
    assert root.find(".//error").get("type") == "body"
    assert "read stopped" in summary
    assert peak < 200, f"peak RSS {peak:.0f} MiB for a 4 MiB cap"


def test_the_cap_counts_decoded_bytes_so_a_bomb_stops_early(
    contract, faults: f.FaultServer
) -> None:
    before = faults.state.sent.get("gzip-bomb", 0)
    run = _live(contract, faults.url, ["gzip-bomb"], max_body_size=MiB)
    inflated = faults.state.sent["gzip-bomb"] - before
    assert (run.results[0].error_kind, inflated < 64 * MiB) == ("body", True)


def test_replay_applies_the_same_cap(contract, tmp_path: Path) -> None:
    line = {
        "cassette": 1, "index": 0, "name": "getItems[mode=big]",
        "operation": "getItems", "params": {"mode": "big"},
        "request": {"method": "GET", "url": "http://127.0.0.1/items/big",
                    "headers": []},
        "response": {"status": 200,
                     "headers": [["content-type", "application/json"]],
                     "body": '{"count": 1, "items": [' + "1," * 1000 + "1]}"},
    }  # fmt: skip
    (tmp_path / "c.jsonl").write_text(json.dumps(line) + "\n")
    capped = run_replay(contract, tmp_path, max_body_size=1000)
    full = run_replay(contract, tmp_path)
    assert [(r.outcome, r.error) for r in capped.results + full.results] == [
        (ERROR, "body larger than 1000 bytes, read stopped"),
        (PASSED, ""),
    ]


def test_validate_caps_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    big = io.TextIOWrapper(io.BytesIO(b'{"count": 1, "items": [' + b"1," * 5000))
    monkeypatch.setattr(sys, "stdin", big)
    code, _, err = cli(
        "validate", "--spec", SPEC, "--operation", "getItems",
        "--max-body-size", "1k", "-",
    )  # fmt: skip
    assert (code, err.strip()) == (
        2,
        "error: <stdin>: larger than 1000 bytes (raise --max-body-size to read it)",
    )


# -- 2. checks off the event loop ----------------------------------------------------


def test_a_slow_check_turns_no_other_probe_into_a_timeout(
    contract, faults: f.FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One check keeps the CPU busy for 2 s; the other answers come after 0.3 s and
    # must be read within their 1.5 s timeout, because checks run off the loop.
    from conformance import checks

    def busy(exchange, op, ctx):  # noqa: ANN001, ANN202
        end = time.monotonic() + (2.0 if exchange.params["mode"] == "nan" else 0)
        while time.monotonic() < end:
            pass
        return iter(())

    monkeypatch.setitem(checks.CHECKS, "busy_check", busy)
    run = _live(
        contract, faults.url, ["nan", "slow-ok", "slow-ok", "slow-ok"], timeout=1.5
    )
    assert [r.outcome for r in run.results] == [FAILED, PASSED, PASSED, PASSED]


def test_a_body_with_many_violations_is_checked_in_full(
    contract, faults: f.FaultServer
) -> None:
    run = _live(contract, faults.url, ["violations"], timeout=10)
    assert (run.results[0].outcome, len(run.results[0].violations)) == (
        FAILED,
        faults.state.violations,
    )


# -- 3. one probe never ends the run -------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "outcome", "fragment"),
    [
        ("reset", ERROR, "ReadError"),
        ("hang", ERROR, "timed out after 1s"),
        ("truncated", ERROR, "received 20 bytes, expected 100"),
        ("slow-bytes", PASSED, ""),
        ("bigint", FAILED, "received an integer of 5000 digits"),
        ("nan", FAILED, "NaN is not a JSON value (RFC 8259) at 1:11"),
    ],
)
def test_each_fault_is_that_probes_verdict_and_the_run_goes_on(
    contract, faults: f.FaultServer, mode: str, outcome: str, fragment: str
) -> None:
    run = _live(contract, faults.url, [mode, "ok"], timeout=1 if mode == "hang" else 10)
    got, ok = run.results
    text = got.error or " ".join(v.violation.message for v in got.violations)
    assert (got.outcome, fragment in text, ok.outcome) == (outcome, True, PASSED)
    assert "null" not in text


def test_a_failing_check_is_that_probes_error(
    contract, faults: f.FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conformance import checks

    def broken(exchange, op, ctx):  # noqa: ANN001, ANN202
        if exchange.params["mode"] == "nan":
            raise KeyError("a bug in a check")
        return iter(())

    monkeypatch.setitem(checks.CHECKS, "broken_check", broken)
    run = _live(contract, faults.url, ["nan", "ok"])
    bad, ok = run.results
    assert (bad.outcome, bad.error_kind, ok.outcome) == (ERROR, "internal", PASSED)
    assert "KeyError" in bad.error


def test_a_5000_digit_integer_gets_the_same_verdict_in_run_replay_and_validate(
    faults: f.FaultServer, tmp_path: Path
) -> None:
    code, _, err = cli(
        *_argv(faults.url, "bigint"), "--record", str(tmp_path / "rec"),
        "--report-dir", str(tmp_path / "r"),
    )  # fmt: skip
    replayed = cli(
        "replay", str(tmp_path / "rec"), "--spec", SPEC,
        "--report-dir", str(tmp_path / "r2"),
    )  # fmt: skip
    payload = tmp_path / "body.json"
    payload.write_text('{"count": ' + "9" * 5000 + "}")
    validated = cli("validate", "--spec", SPEC, "--operation", "getItems", str(payload))
    assert (code, replayed[0], validated[0]) == (1, 1, 1), err + replayed[2]
    assert "received an integer of 5000 digits" in validated[1]
    live, _, _ = _reports(tmp_path / "r")
    again, _, _ = _reports(tmp_path / "r2")
    assert live["probes"][0]["violations"] == again["probes"][0]["violations"]


def test_a_number_beyond_a_float_is_judged_as_the_integer_it_is(
    tmp_path: Path,
) -> None:
    payload = tmp_path / "body.json"
    payload.write_text('{"count": 1e400, "items": [-1e999]}')
    code, out, _ = cli(
        "validate", "--spec", SPEC, "--operation", "getItems", str(payload)
    )
    assert (code, "null" in out) == (1, False), out
    assert "/count  [format]  expected int64 (<= 9223372036854775807)" in out


def test_a_long_integer_is_named_by_its_length_in_a_message(tmp_path: Path) -> None:
    payload = tmp_path / "body.json"
    payload.write_text('{"count": -' + "9" * 400 + "}")
    code, out, _ = cli(
        "validate", "--spec", SPEC, "--operation", "getItems", str(payload)
    )
    assert (code, "9" * 70 in out) == (1, False), out
    assert "(>= -9223372036854775808), received a negative integer of 400 digits" in out


# -- 4. nothing lost, nothing stale --------------------------------------------------


def test_the_journal_holds_each_finished_probe(
    faults: f.FaultServer, tmp_path: Path
) -> None:
    cli(*_argv(faults.url, "ok", "nan", "reset"), "--report-dir", str(tmp_path))
    lines = (tmp_path / "journal.jsonl").read_text().splitlines()
    seen = sorted((json.loads(line)["params"]["mode"], json.loads(line)["outcome"])
                  for line in lines)  # fmt: skip
    assert seen == [("nan", FAILED), ("ok", PASSED), ("reset", ERROR)]


def test_previous_reports_are_moved_aside_before_the_run(
    faults: f.FaultServer, tmp_path: Path
) -> None:
    (tmp_path / "junit.xml").write_text("<old/>")
    (tmp_path / "results.json").write_text('{"old": true}')
    cli(*_argv(faults.url, "ok"), "--report-dir", str(tmp_path))
    assert (tmp_path / "junit.xml.previous").read_text() == "<old/>"
    assert json.loads((tmp_path / "results.json").read_text())["totals"]["probes"] == 1


def test_the_report_set_is_all_new_or_none_changed(tmp_path: Path) -> None:
    from conformance.reporting.files import write_set

    (tmp_path / "junit.xml").write_text("old junit")
    (tmp_path / "blocker").write_text("a file where a folder is needed")
    with pytest.raises(OSError, match="blocker") as caught:
        write_set([
            (tmp_path / "junit.xml", b"new junit"),
            (tmp_path / "blocker" / "results.json", b"{}"),
        ])  # fmt: skip
    assert caught.value.filename == str(tmp_path / "blocker" / "results.json")
    assert (tmp_path / "junit.xml").read_text() == "old junit"
    assert _temp_files(tmp_path) == []


def test_a_report_being_written_leaves_no_temp_file_when_discarded(
    tmp_path: Path,
) -> None:
    # What a second signal does if it lands while the report set is being staged.
    from conformance.reporting import files

    staged = files._stage(tmp_path / "junit.xml", b"half of a set")
    assert _temp_files(tmp_path) == [Path(staged).name]
    files.discard_staged()
    assert (_temp_files(tmp_path), list(tmp_path.iterdir())) == ([], [])


def _signal_run(
    tmp_path: Path,
    url: str,
    signals: list[signal.Signals],
    modes: list[str],
    settle: float = 0.0,
) -> tuple[int, str]:
    """Start a live run, wait for its first finished probe, send `signals`."""
    argv = [
        *_argv(url, *modes), "--concurrency", "2", "--record", "rec",
        "--report-dir", "r",
    ]  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "conformance", *argv],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )
    journal = tmp_path / "r" / "journal.jsonl"
    deadline = time.monotonic() + 20
    while not (journal.exists() and journal.read_text().count("\n") >= 2):
        assert time.monotonic() < deadline, "no probe finished in 20 s"
        time.sleep(0.02)
    time.sleep(settle)
    for sig in signals:
        proc.send_signal(sig)
        time.sleep(0.3)  # two signals closer than this may arrive as one
    _, err = proc.communicate(timeout=30)
    return proc.returncode, err


@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["term", "int"]
)
def test_a_signal_writes_reports_of_the_finished_probes_marked_interrupted(
    faults: f.FaultServer, tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "junit.xml").write_text("<stale/>")
    got, err = _signal_run(tmp_path, faults.url, [sig], ["slow-ok"] * 40)
    data, root, summary = _reports(tmp_path / "r")
    finished = data["totals"]["probes"]
    assert (got, data["interrupted"], 0 < finished < 40) == (code, sig.name, True), err
    suite = root.find("testsuite")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["interrupted"] == sig.name
    assert len(root.findall(".//testcase")) == finished
    assert f"Interrupted by {sig.name}" in summary
    assert len(list(load(tmp_path / "rec"))) == finished  # the cassette replays
    assert _temp_files(tmp_path) == []


def test_a_second_signal_exits_at_once_leaving_cassette_and_journal(
    tmp_path: Path,
) -> None:
    # Two quick probes finish, then checks take long (10,000 violations each): the
    # first signal waits for the running check, the second one exits at once.
    with f.start(f.State(violations=10_000, max_seconds=10)) as srv:
        got, err = _signal_run(
            tmp_path,
            srv.url,
            [signal.SIGTERM, signal.SIGTERM],
            ["ok", "ok", *["violations"] * 10],
            settle=0.3,  # let the first long check start
        )
    journal = (tmp_path / "r" / "journal.jsonl").read_text().splitlines()
    replayed = list(load(tmp_path / "rec"))
    assert (got, "again: exiting now" in err) == (143, True), err
    assert len(replayed) >= len(journal) >= 2
    assert [json.loads(line)["outcome"] for line in journal][:2] == [PASSED] * 2
    assert not (tmp_path / "r" / "junit.xml").exists()
    assert _temp_files(tmp_path) == []


# -- 5. unwritable paths and a full disk ---------------------------------------------


def test_an_unwritable_report_path_fails_before_the_first_probe(
    faults: f.FaultServer, tmp_path: Path
) -> None:
    before = len(faults.state.requests)
    code, _, err = cli(*_argv(faults.url, "ok"), "--junit", str(tmp_path))
    assert (code, err.strip()) == (2, f"error: --junit {tmp_path}: is a directory")
    assert len(faults.state.requests) == before


def test_replay_names_the_junit_path_the_user_gave(tmp_path: Path) -> None:
    cassettes = str(PROJECT / "recordings" / "getjob")
    spec = str(PROJECT / "spec" / "qovery-getjob.yaml")
    code, _, err = cli("replay", cassettes, "--spec", spec, "--junit", str(tmp_path))
    assert (code, err.strip()) == (2, f"error: --junit {tmp_path}: is a directory")


def _limit_file_size(size: int):  # noqa: ANN202
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


def test_a_full_disk_while_writing_reports_changes_none_and_names_the_file(
    faults: f.FaultServer, tmp_path: Path
) -> None:
    # RLIMIT_FSIZE stands in for a full disk: a write past the limit fails (EFBIG).
    # The limit sits between the journal's size and results.json's, measured first.
    argv = _argv(faults.url, *["nan"] * 30) + ["--report-dir", "r"]
    _subprocess(argv, tmp_path)
    journal = (tmp_path / "r" / "journal.jsonl").stat().st_size
    results = (tmp_path / "r" / "results.json").stat().st_size
    assert journal < results
    limit = (journal + results) // 2
    code, _, err, _ = _subprocess(argv, tmp_path, preexec_fn=_limit_file_size(limit))
    assert (code, err.strip()) == (
        2,
        "error: --report-dir r/results.json: File too large",
    )
    left = sorted(p.name for p in (tmp_path / "r").iterdir())
    assert left == [
        "journal.jsonl",
        "journal.jsonl.previous",
        "junit.xml.previous",
        "report.html.previous",
        "results.json.previous",
        "summary.md.previous",
    ]


def test_a_full_disk_while_recording_names_the_cassette_and_leaves_no_temp_file(
    faults: f.FaultServer, tmp_path: Path
) -> None:
    # The 5,000-digit body makes the cassette line the first write past 4 KiB.
    argv = _argv(faults.url, "bigint", "ok") + ["--report-dir", "r", "--record", "rec"]
    code, _, err, _ = _subprocess(argv, tmp_path, preexec_fn=_limit_file_size(4096))
    assert (code, err.strip()) == (
        2,
        "error: --record rec/exchanges.jsonl: File too large",
    )
    assert _temp_files(tmp_path) == []
    assert list((tmp_path / "rec").iterdir()) == []


# -- 6. expected statuses ------------------------------------------------------------


def test_401_for_everyone_is_an_error_naming_token_env_and_exits_3(
    tmp_path: Path,
) -> None:
    with f.start(f.State(deny_all=True)) as srv:
        code, out, _ = cli(*_argv(srv.url, "ok", "ok"), "--report-dir", str(tmp_path))
    data, root, _ = _reports(tmp_path)
    assert code == 3
    assert out.splitlines()[0].startswith("no token: probing without credentials")
    assert {p["error_kind"] for p in data["probes"]} == {"status"}
    assert "expected status 200, received 401" in data["probes"][0]["error"]
    assert "check token_env" in data["probes"][0]["error"]
    assert root.find(".//error").get("type") == "status"


def test_expect_status_makes_a_documented_404_the_aim(
    faults: f.FaultServer, tmp_path: Path
) -> None:
    plain = cli(*_argv(faults.url, "nothing-here"), "--report-dir", str(tmp_path))
    aimed = cli(
        *_argv(faults.url, "nothing-here"), "--expect-status", "404",
        "--report-dir", str(tmp_path),
    )  # fmt: skip
    assert (plain[0], aimed[0]) == (3, 0)
    assert "set expect = [404]" in plain[1]


def test_expect_in_the_config_file_is_read_per_probe(
    faults: f.FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "conformance.toml").write_text(
        f"spec = {json.dumps(SPEC)}\nretries = 0\n"
        f'[targets.t]\nbase_url = "{faults.url}"\n'
        'probes = [{operation = "getItems", expect = [404], '
        'params = [{mode = "gone"}]}, '
        '{operation = "getItems", params = [{mode = "ok"}]}]\n'
    )
    code, _, err = cli("run", "t")
    assert code == 0, err


# -- 7. scale --------------------------------------------------------------------------


def test_params_file_in_json_lines_and_csv_plans_one_probe_per_row(
    faults: f.FaultServer, tmp_path: Path
) -> None:
    lines = tmp_path / "p.jsonl"
    lines.write_text('{"mode": "ok"}\n\n{"mode": "nan"}\n')
    table = tmp_path / "p.csv"
    table.write_text("mode\nok\nnan\n")
    names = []
    for source in (lines, table):
        cli("run", "--spec", SPEC, "--base-url", faults.url, "--operation", "getItems",
            "--params-file", str(source), "--report-dir", str(tmp_path))  # fmt: skip
        data = json.loads((tmp_path / "results.json").read_text())
        names.append([p["name"] for p in data["probes"]])
    assert names == [["getItems[mode=ok]", "getItems[mode=nan]"]] * 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"mode": "ok"}\n[1]\n', "p.txt:2: expected an object of parameters"),
        ('{"mode": "ok"}\n{oops\n', "p.txt:2: not a JSON object"),
        ("mode,page\nok\n", "p.txt:2: 1 cell(s), the header has 2"),
        ("", "p.txt: no parameter sets in it"),
    ],
    ids=["not-an-object", "not-json", "short-row", "empty"],
)
def test_a_bad_params_file_names_its_line(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "p.txt"
    path.write_text(text)
    code, _, err = cli(
        "run", "--spec", SPEC, "--base-url", "http://127.0.0.1:9", "--operation",
        "getItems", "--params-file", str(path), "--report-dir", str(tmp_path),
    )  # fmt: skip
    assert (code, message in err, err.count("\n")) == (2, True, 1), err


def test_twenty_thousand_rows_plan_twenty_thousand_probes(
    contract, tmp_path: Path
) -> None:
    from conformance.params import read_params_file

    path = tmp_path / "p.csv"
    path.write_text("mode\n" + "".join(f"m{i}\n" for i in range(20_000)))
    sets = read_params_file(str(path))
    planned = list(
        plan_requests(contract, (("getItems", s) for s in sets), "http://127.0.0.1")
    )
    assert (len(planned), planned[-1].name) == (20_000, "getItems[mode=m19999]")


def test_selfcheck_names_an_unwritable_junit_path_before_the_work(
    tmp_path: Path,
) -> None:
    spec = str(PROJECT / "spec" / "qovery-getjob.yaml")
    code, out, err = cli(
        "selfcheck", "--spec", spec, "--operation", "getJob", "--junit", str(tmp_path)
    )
    assert (code, out, err.strip()) == (
        2,
        "",
        f"error: --junit {tmp_path}: is a directory",
    )


def test_many_param_flags_parse_as_argparse_would() -> None:
    from conformance.cli import _take_params, build_parser

    argv = ["run", "--base-url", "http://127.0.0.1", "--operation", "getItems"]
    for i in range(100):
        argv += ["--param", f"mode=m{i}"]
    argv += ["--timeout", "3"]
    rest, params = _take_params(argv)
    fast = build_parser().parse_args(rest)
    slow = build_parser().parse_args(argv)
    assert (params, fast.timeout) == (slow.param, slow.timeout)
    assert len(params) == 100


def test_many_param_flags_in_both_forms_keep_their_order() -> None:
    from conformance.cli import _take_params, build_parser

    argv = ["run", "--base-url", "http://127.0.0.1", "--operation", "getItems"]
    for i in range(100):
        argv += ["--param", f"mode=m{i}"] if i % 2 else [f"--param=mode=m{i}"]
    rest, params = _take_params(argv)
    assert params == build_parser().parse_args(argv).param
    assert "--param=mode=m0" not in rest


def test_params_file_lines_end_at_newlines_and_numbers_stay_as_written(
    tmp_path: Path,
) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"mode": "a\u2028b\x85c", "page": 1e2}\n{"mode": 2.50}\n')
    assert read_params_file(str(path)) == [
        {"mode": "a\u2028b\x85c", "page": "1e2"},
        {"mode": "2.50"},
    ]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_params_file_refuses_what_is_not_json(tmp_path: Path, constant: str) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"mode": "ok"}\n{"mode": ' + constant + "}\n")
    with pytest.raises(UsageError, match=f"p.jsonl:2: not a JSON object .*{constant}"):
        read_params_file(str(path))


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("body", ['{"count": 1}', '{"count": "x"}'])
def test_output_to_a_full_disk_is_an_error_not_a_silent_success(
    tmp_path: Path, body: str
) -> None:
    payload = tmp_path / "body.json"
    payload.write_text(body)
    err = io.StringIO()
    full = open("/dev/full", "w")  # noqa: SIM115 - every write: No space left
    argv = ["validate", "--spec", SPEC, "--operation", "getItems", str(payload)]
    try:
        code = main(argv, out=full, err=err)
    finally:
        with contextlib.suppress(OSError):  # closing flushes into the full disk too
            full.close()
    assert (code, err.getvalue()) == (
        2,
        "error: cannot write the output: No space left on device\n",
    )


def test_a_cassette_line_with_a_huge_number_is_named_not_an_internal_error(
    tmp_path: Path,
) -> None:
    line = json.dumps({"cassette": 1, "index": 0, "name": "x"})
    (tmp_path / "c.jsonl").write_text(
        line.replace('"index": 0', '"index": ' + "9" * 5000)
    )
    code, _, err = cli("replay", str(tmp_path / "c.jsonl"), "--spec", SPEC,
                       "--report-dir", str(tmp_path / "r"))  # fmt: skip
    assert (code, err) == (
        2,
        f"error: {tmp_path / 'c.jsonl'}:1: not a cassette line: a number of more "
        "than 4300 digits\n",
    )
