"""Verdict identity between the validator's two paths, on generated payloads.

The fast path (`is_valid`: jsonschema-rs where installed) and the explaining path
(jsonschema, `explain`) must agree on every payload: the fast engine, the pure-Python
engine (`engine="python"`) and `not explain(body)` give one verdict. Payloads are the
real getJob payloads and hand-written conforming bodies, randomly mutated, plus draws of
conforming bodies with undocumented members (`valid_bodies(extra_members=True)`)
of getJob and of a sample of the full Qovery spec's bodies.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import conformance
from conformance.validate import jsonschema_rs

NEEDS_RS = pytest.mark.skipif(
    jsonschema_rs is None,
    reason="jsonschema_rs is not importable: only the pure-Python engine is installed",
)
# Schema draws are dearer than mutating a known payload: draw fewer.
FEW = settings(
    max_examples=max(3, settings.default.max_examples // 5),
    suppress_health_check=[
        *settings.default.suppress_health_check,
        HealthCheck.filter_too_much,
    ],
)

# Mutating a known payload is cheap (about a millisecond): draw many.
MANY = settings(max_examples=settings.default.max_examples * 4)

_UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
_BASE = {
    "id": _UUID,
    "created_at": "2024-02-29T23:59:60Z",
    "updated_at": "2024-03-01T08:00:00.5+01:00",
    "environment": {"id": "9e8d7c6b-5a49-4382-b1c0-d9e8f7a6b5c4"},
    "maximum_cpu": 4000,
    "maximum_memory": 8192,
    "maximum_gpu": 0,
    "name": "nightly",
    "cpu": 500,
    "memory": 512,
    "gpu": 0,
    "auto_preview": False,
    "port": None,
    "healthchecks": {"readiness_probe": None, "liveness_probe": {"type": {}}},
    "icon_uri": "app://qovery-console/job",
    "service_type": "JOB",
}
_IMAGE = {
    "image": {
        "image_name": "busybox",
        "tag": "1.36",
        "registry": {
            "id": _UUID,
            "name": "Docker Hub",
            "url": "https://docker.io",
            "kind": "DOCKER_HUB",
        },
    }
}
_DOCKER = {
    "docker": {
        "git_repository": {
            "provider": "GITHUB",
            "owner": "Qovery",
            "name": "engine",
            "url": "https://github.com/Qovery/engine.git",
            "deployed_commit_date": "2023-10-25T12:00:00Z",
            "git_token_id": None,
        },
        "dockerfile_path": None,
    }
}
_CRON = {
    "job_type": "CRON",
    "schedule": {
        "cronjob": {"timezone": "Etc/UTC", "scheduled_at": "*/5 1-3 * JAN MON"}
    },
}
_LIFECYCLE = {
    "job_type": "LIFECYCLE",
    "schedule": {"on_start": {"arguments": ["run"]}, "lifecycle_type": "TERRAFORM"},
}
CONFORMING = {
    f"{kind}-{source}": {**_BASE, **branch, "source": body}
    for kind, branch in (("cron", _CRON), ("lifecycle", _LIFECYCLE))
    for source, body in (("image", _IMAGE), ("docker", _DOCKER))
}

# Strings that are almost (or just) a value of a format the getJob schema asserts.
NEAR_FORMATS = [
    _UUID,
    _UUID.upper(),
    _UUID[:-1],
    _UUID + "0",
    _UUID.replace("-", ""),
    "{" + _UUID + "}",
    _UUID[:8] + "_" + _UUID[9:],
    "3fa85f64-5717-4562-b3fc-2c963f66afaG",
    "2024-02-29T23:59:60Z",
    "2023-02-29T12:00:00Z",
    "2024-04-31T12:00:00Z",
    "2024-01-01t00:00:00z",
    "2024-01-01T24:00:00Z",
    "2024-01-01T00:00:00",
    "2024-01-01 00:00:00Z",
    "2024-01-01T00:00:00+0100",
    "2024-01-01",
    "https://example.com/a?b#c",
    "app://qovery-console/job",
    "//example.com/relative",
    "/relative/path",
    "http://[::1]:80/",
    "http://[::g]/",
    "https://exa mple.com",
    "mailto:a@b.c",
    "* * * * *",
    "*/5 * * * *",
    "0 0 * * 7",
    "0 3 * JAN-DEC SUN-SAT",
    "* * * *",
    "* * * * * *",
    "60 * * * *",
    "*/0 * * * *",
    "5-1 * * * *",
    "@daily",
    "0 0 ? * MON",
    " * * * * *",
]
JOB_TYPES = ["CRON", "LIFECYCLE", "cron", "", "FOO", None, 1]

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**65), max_value=2**65),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(NEAR_FORMATS),
)
json_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


# -- mutations ------------------------------------------------------------------------


def _paths(node: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [here]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*here, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out.extend(_paths(value, (*here, index)))
    return out


def _replace(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = body
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return body


def _delete(body: Any, path: tuple[Any, ...]) -> Any:
    parent = body
    for part in path[:-1]:
        parent = parent[part]
    del parent[path[-1]]
    return body


@st.composite
def _mutation(draw: st.DrawFn, body: Any) -> Any:
    """One random edit: a leaf replaced, a member deleted or added, null, job_type."""
    kind = draw(
        st.sampled_from(["value", "near-format", "delete", "add", "null", "job_type"])
    )
    paths = _paths(body)
    if kind == "job_type":
        if not isinstance(body, dict):
            return body
        new = draw(st.sampled_from([*JOB_TYPES, "<absent>"]))
        if new == "<absent>":
            body.pop("job_type", None)
        else:
            body["job_type"] = new
        return body
    if kind == "delete":
        members = [p for p in paths if p and not isinstance(p[-1], int)]
        return _delete(body, draw(st.sampled_from(members))) if members else body
    if kind == "add":
        objects = [p for p in paths if isinstance(_at(body, p), dict)]
        if not objects:
            return body
        target = _at(body, draw(st.sampled_from(objects)))
        target[draw(st.text(min_size=1, max_size=10))] = draw(json_values)
        return body
    path = draw(st.sampled_from(paths))
    value = {
        "value": json_values,
        "near-format": st.sampled_from(NEAR_FORMATS),
        "null": st.none(),
    }[kind]
    return _replace(body, path, draw(value))


def _at(body: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        body = body[part]
    return body


@st.composite
def mutants(draw: st.DrawFn, bases: st.SearchStrategy[Any]) -> Any:
    """A base payload with one to three random edits (or none, now and then)."""
    body = copy.deepcopy(draw(bases))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        body = draw(_mutation(body))
    return body


# -- generating from schemas ----------------------------------------------------------


def schema_draws(
    contract: conformance.Contract, operation_id: str, status: str
) -> st.SearchStrategy[Any]:
    """Conforming bodies with undocumented members too (open objects, as the API
    may send them), so the engines also meet drift."""
    from conformance.generate.plan import valid_bodies

    return valid_bodies(contract, operation_id, status, extra_members=True)


# -- verdicts -------------------------------------------------------------------------

Verdict = Callable[[conformance.ResponseValidator, Any], bool]


def _python_verdict(validator: conformance.ResponseValidator, body: Any) -> bool:
    return validator.is_valid(body)


def _explain_verdict(validator: conformance.ResponseValidator, body: Any) -> bool:
    return not validator.explain(body)


# (id, engine of the first validator, verdict of the second on the python validator)
COMPARISONS = [
    pytest.param(
        "rs", _python_verdict, id="rs-is_valid-vs-python-is_valid", marks=NEEDS_RS
    ),
    pytest.param("python", _explain_verdict, id="python-is_valid-vs-not-explain"),
]


def assert_one_verdict(
    contract: conformance.Contract,
    operation_id: str,
    status: str,
    engine: str,
    other: Verdict,
    body: Any,
) -> None:
    first = contract.response_validator(operation_id, status, engine=engine)
    python = contract.response_validator(operation_id, status, engine="python")
    mine, theirs = first.is_valid(body), other(python, body)
    assert mine == theirs, (
        f"{operation_id} {status}: engine={engine} says {mine}, the other path says "
        f"{theirs}; explain: {python.explain(body)[:3]}; payload: "
        f"{json.dumps(body, default=str)[:2000]}"
    )


@pytest.fixture(scope="module")
def real_payloads(payloads_dir: Any) -> list[Any]:
    files = sorted(p for p in payloads_dir.glob("*.json") if p.name != "manifest.json")
    return [json.loads(p.read_text(encoding="utf-8")) for p in files]


def test_hand_written_bodies_conform(seed_contract: conformance.Contract) -> None:
    validator = seed_contract.response_validator("getJob", 200, engine="python")
    found = {name: validator.explain(body) for name, body in CONFORMING.items()}
    assert found == {name: [] for name in CONFORMING}


@pytest.mark.parametrize(("engine", "other"), COMPARISONS)
@MANY
@given(data=st.data())
def test_engines_agree_on_mutated_getjob_payloads(
    seed_contract: conformance.Contract,
    real_payloads: list[Any],
    engine: str,
    other: Verdict,
    data: st.DataObject,
) -> None:
    bases = st.sampled_from([*real_payloads, *CONFORMING.values()])
    body = data.draw(mutants(bases), label="payload")
    assert_one_verdict(seed_contract, "getJob", "200", engine, other, body)


_GETJOB_DRAWS: dict[str, st.SearchStrategy[Any]] = {}


@pytest.mark.parametrize(("engine", "other"), COMPARISONS)
@FEW
@given(data=st.data())
def test_engines_agree_on_getjob_schema_draws_and_their_mutants(
    seed_contract: conformance.Contract,
    engine: str,
    other: Verdict,
    data: st.DataObject,
) -> None:
    if "getJob" not in _GETJOB_DRAWS:
        _GETJOB_DRAWS["getJob"] = schema_draws(seed_contract, "getJob", "200")
    body = data.draw(mutants(_GETJOB_DRAWS["getJob"]), label="payload")
    assert_one_verdict(seed_contract, "getJob", "200", engine, other, body)


# Bodies of the full spec small enough (compiled JSON length) to generate from quickly.
_SMALL_SCHEMA = 3500
_SAMPLE = 12


@pytest.fixture(scope="module")
def full_spec_sample(
    full_contract: conformance.Contract,
) -> list[tuple[str, str, st.SearchStrategy[Any]]]:
    small = [
        body
        for body in full_contract.bodies()
        if len(json.dumps(body.compiled.schema)) <= _SMALL_SCHEMA
    ]
    step = max(1, len(small) // _SAMPLE)
    return [
        (
            body.operation.operation_id,
            body.status,
            schema_draws(full_contract, body.operation.operation_id, body.status),
        )
        for body in small[::step][:_SAMPLE]
    ]


@pytest.mark.parametrize(("engine", "other"), COMPARISONS)
@given(data=st.data())
def test_engines_agree_on_a_sample_of_the_full_qovery_spec(
    full_contract: conformance.Contract,
    full_spec_sample: list[tuple[str, str, st.SearchStrategy[Any]]],
    engine: str,
    other: Verdict,
    data: st.DataObject,
) -> None:
    operation_id, status, draws = data.draw(
        st.sampled_from(full_spec_sample), label="body"
    )
    body = data.draw(mutants(draws), label="payload")
    assert_one_verdict(full_contract, operation_id, status, engine, other, body)
