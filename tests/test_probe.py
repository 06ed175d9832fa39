"""probe.py: requests from the spec, auth, retries, limits, against a real server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace

import pytest
import qovery_server as q
from qovery_server import QoveryServer, State

from conformance.errors import UsageError
from conformance.probe import (
    ProbeSettings,
    auth_header,
    check_base_url,
    plan_requests,
    probe_name,
    retry_after,
    send_all,
)
from conformance.recording import Exchange

TOKEN_AUTH = ("Authorization", f"Token {q.TOKEN}")


@pytest.fixture
def server() -> Iterator[QoveryServer]:
    with q.start(State(slow_seconds=0.5, retry_after="1")) as srv:
        yield srv


def _send(contract, server, job_ids, **options) -> list[Exchange]:
    options.setdefault("auth", TOKEN_AUTH)
    options.setdefault("backoff", 0.001)
    settings = ProbeSettings(**options)
    probes = [("getJob", {"jobId": j}) for j in job_ids]
    requests = list(plan_requests(contract, probes, server.url, settings.auth))
    got: list[Exchange] = []
    send_all(requests, settings, got.append)
    return sorted(got, key=lambda e: e.index)


# -- planning ----------------------------------------------------------------------


def test_probe_name_lists_parameters_in_order() -> None:
    assert probe_name("getJob", {"jobId": "A", "x": "1"}) == "getJob[jobId=A,x=1]"


def test_path_parameter_is_filled_and_quoted(seed_contract) -> None:
    (request,) = plan_requests(
        seed_contract, [("getJob", {"jobId": "a/b c"})], "https://api.example.com/"
    )
    assert request.url == "https://api.example.com/job/a%2Fb%20c"


def test_missing_required_parameter_is_a_usage_error_naming_it(seed_contract) -> None:
    with pytest.raises(UsageError, match="missing required path parameter 'jobId'"):
        list(plan_requests(seed_contract, [("getJob", {})], "https://api.example.com"))


def test_unknown_parameter_is_a_usage_error_naming_it(seed_contract) -> None:
    probes = [("getJob", {"jobId": "A", "job_id": "B"})]
    with pytest.raises(UsageError, match="no parameter 'job_id'"):
        list(plan_requests(seed_contract, probes, "https://api.example.com"))


@pytest.mark.parametrize(
    "url",
    ["api.qovery.com", "ftp://api.qovery.com", "http://", "https://h/?q=1", ""],
    ids=["no-scheme", "ftp", "no-host", "query", "empty"],
)
def test_bad_base_url_is_a_usage_error(url: str) -> None:
    with pytest.raises(UsageError, match="--base-url"):
        check_base_url(url)


# -- auth --------------------------------------------------------------------------

_API_KEY_ONLY = """
openapi: 3.0.0
info: {title: t, version: "1"}
security: [{key: []}]
paths:
  /x:
    get:
      operationId: getX
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: %s}
"""


@pytest.mark.parametrize(
    ("header_name", "scheme", "expected"),
    [
        ("Authorization", None, ("Authorization", "Token t0k")),
        ("X-Api-Key", None, ("X-Api-Key", "t0k")),
        ("Authorization", "Bearer", ("Authorization", "Bearer t0k")),
    ],
    ids=["apikey-authorization-is-token", "apikey-header-is-bare", "flag-wins"],
)
def test_auth_header_follows_the_security_scheme(
    write_spec, header_name, scheme, expected
) -> None:
    contract = write_spec(_API_KEY_ONLY % header_name)
    assert auth_header(contract, contract.operation("getX"), "t0k", scheme) == expected


def test_qovery_spec_defaults_to_its_first_scheme_bearer(seed_contract) -> None:
    op = seed_contract.operation("getJob")
    assert auth_header(seed_contract, op, "t0k") == ("Authorization", "Bearer t0k")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", 0.0), ("7", 7.0), ("soon", None), (None, None)],
    ids=["zero", "seconds", "garbage", "absent"],
)
def test_retry_after_reads_delta_seconds(value, expected) -> None:
    assert retry_after(value) == expected


def test_retry_after_reads_an_http_date() -> None:
    assert retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0


# -- sending (real server on 127.0.0.1) --------------------------------------------


def test_token_is_sent_in_the_header_the_scheme_names(seed_contract, server) -> None:
    _send(seed_contract, server, [q.CRON])
    assert server.state.seen[0][2]["Authorization"] == f"Token {q.TOKEN}"


def test_exchange_snapshot_holds_the_token_only_in_the_body_the_api_sent(
    seed_contract, server
) -> None:
    # The checks judge the body as sent (a redacted body would change verdicts);
    # cassettes and reports redact it when they are written (test_runner).
    (exchange,) = _send(seed_contract, server, [q.ECHO])
    assert q.TOKEN not in repr(replace(exchange, body=b""))


def test_429_is_retried_after_the_retry_after_delay(seed_contract, server) -> None:
    (exchange,) = _send(seed_contract, server, [q.THROTTLED], retries=2)
    first, second = (t for t, job, _ in server.state.seen if job == q.THROTTLED)
    assert (exchange.status, exchange.attempts, second - first >= 0.9) == (200, 2, True)


def test_502_is_retried(seed_contract, server) -> None:
    (exchange,) = _send(seed_contract, server, [q.BAD_GATEWAY], retries=1)
    assert (exchange.status, exchange.attempts) == (200, 2)


def test_503_on_every_attempt_is_kept_as_exhausted(seed_contract, server) -> None:
    (exchange,) = _send(seed_contract, server, [q.UNAVAILABLE], retries=2)
    assert (
        exchange.status,
        exchange.attempts,
        exchange.extra["retries_exhausted"],
    ) == (
        503,
        3,
        True,
    )


def test_dropped_connection_is_retried_then_an_error(seed_contract, server) -> None:
    (exchange,) = _send(seed_contract, server, [q.DROPPED], retries=2)
    assert (
        exchange.status,
        exchange.attempts,
        "RemoteProtocolError" in exchange.error,
    ) == (
        None,
        3,
        True,
    )


def test_slow_answer_times_out_as_an_error(seed_contract, server) -> None:
    (exchange,) = _send(seed_contract, server, [q.SLOW], timeout=0.05, retries=0)
    assert exchange.error.startswith("timed out after 0.05s")


def test_refused_connection_is_an_error(seed_contract) -> None:
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = ProbeSettings(retries=1, backoff=0.001)
    requests = list(
        plan_requests(
            seed_contract, [("getJob", {"jobId": "x"})], f"http://127.0.0.1:{port}"
        )
    )
    got: list[Exchange] = []
    send_all(requests, settings, got.append)
    assert got[0].error.startswith("ConnectError")


def test_concurrency_bounds_requests_in_flight(seed_contract, server) -> None:
    server.state.slow_seconds = 0.02
    _send(seed_contract, server, [q.SLOW] * 12, concurrency=3)
    assert server.state.max_in_flight <= 3


def test_connections_are_reused(seed_contract, server) -> None:
    _send(seed_contract, server, [q.CRON] * 30, concurrency=2)
    assert len(server.state.clients) <= 2


def test_rate_limit_spaces_attempts(seed_contract, server) -> None:
    _send(seed_contract, server, [q.CRON] * 5, rate_limit=20, concurrency=5)
    times = [t for t, _, _ in server.state.seen]
    assert max(times) - min(times) >= 4 / 20 * 0.9


def test_every_probe_yields_one_exchange_in_a_long_run(seed_contract, server) -> None:
    got = _send(seed_contract, server, [q.CRON, q.MISSING] * 100, concurrency=8)
    assert [e.index for e in got] == list(range(200))


def test_memory_does_not_grow_with_the_number_of_probes(seed_contract, server) -> None:
    import gc
    import tracemalloc

    def peak(count: int) -> int:
        settings = ProbeSettings(auth=TOKEN_AUTH, concurrency=8)
        probes = (("getJob", {"jobId": q.CRON}) for _ in range(count))
        requests = plan_requests(seed_contract, probes, server.url, TOKEN_AUTH)
        gc.collect()
        tracemalloc.start()
        send_all(requests, settings, lambda exchange: None)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    server.state.keep_seen = False  # the server's request log is traced too
    peak(20)  # warm up: first-use caches (imports, SSL context) are not per probe
    # The best of three: tracemalloc also counts the other threads of this process
    # (the test servers), whose occasional bursts are not the runner's.
    small = min(peak(20) for _ in range(3))
    large = min(peak(160) for _ in range(3))
    # 8x the probes: kept bodies would show as ~1.8x; a flat run stays near 1.25x.
    assert large < small * 1.5


def test_the_same_probe_twice_gets_two_test_case_names(seed_contract) -> None:
    # CI reporters merge test cases of one name: the second is numbered.
    probes = [("getJob", {"jobId": q.CRON})] * 2
    requests = plan_requests(seed_contract, probes, "http://127.0.0.1:9", None)
    assert [r.name for r in requests] == [
        f"getJob[jobId={q.CRON}]",
        f"getJob[jobId={q.CRON}]#2",
    ]
