"""`assert_conforms(response)` without `operation=`: the request's route decides."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import qovery_server as q
from qovery_server import QoveryServer

from conformance.assertions import ContractFailure, assert_conforms
from conformance.errors import UsageError

AUTH = {"Authorization": f"Token {q.TOKEN}"}


@pytest.fixture(scope="module")
def server() -> Iterator[QoveryServer]:
    with q.start() as srv:
        yield srv


def get(server: QoveryServer, path: str) -> httpx.Response:
    return httpx.get(f"{server.url}{path}", headers=AUTH, timeout=5)


def test_a_conforming_response_of_a_large_spec_needs_no_operation(
    full_contract,  # noqa: ANN001
    server: QoveryServer,
) -> None:
    assert_conforms(full_contract, get(server, f"/job/{q.CRON}"))


def test_a_broken_response_is_judged_against_the_matched_operation(
    full_contract,  # noqa: ANN001
    server: QoveryServer,
) -> None:
    with pytest.raises(ContractFailure) as failure:
        assert_conforms(full_contract, get(server, f"/job/{q.BROKEN}"))
    assert str(failure.value).startswith("getJob (GET /job/{jobId})")


def test_a_request_no_operation_matches_fails_saying_why(
    full_contract,  # noqa: ANN001
    server: QoveryServer,
) -> None:
    with pytest.raises(ContractFailure, match="matches no operation") as failure:
        assert_conforms(full_contract, get(server, "/v2/health/deep"))
    assert "no path template of the spec matches /v2/health/deep" in str(failure.value)


def test_a_response_without_its_request_still_needs_the_operation(
    full_contract,  # noqa: ANN001
) -> None:
    with pytest.raises(UsageError, match="pass operation="):
        assert_conforms(full_contract, httpx.Response(200, json={}))
