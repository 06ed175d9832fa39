"""The public API: `conformance.__all__` and the documented shape other code builds on.

Changing anything pinned here is a breaking change for users and for the runner,
generators and pytest plugin: update the docs and these pins together.
"""

from __future__ import annotations

import dataclasses
import inspect

import pytest
from conftest import SEED_SPEC

import conformance
from conformance import errors

PUBLIC = [
    "ConfigError",
    "ConformanceError",
    "Contract",
    "Finding",
    "Format",
    "PayloadError",
    "ResponseValidator",
    "SpecError",
    "TargetUnreachable",
    "UsageError",
    "ValidationResult",
    "Violation",
    "load_contract",
]


def parameters(func: object) -> list[tuple[str, str, object]]:
    """(name, kind, default) of each parameter, `self` left out."""
    return [
        (p.name, p.kind.name, p.default)
        for p in inspect.signature(func).parameters.values()  # type: ignore[arg-type]
        if p.name != "self"
    ]


EMPTY = inspect.Parameter.empty


def test_all_is_pinned() -> None:
    assert conformance.__all__ == PUBLIC


@pytest.mark.parametrize("name", PUBLIC, ids=PUBLIC)
def test_every_public_name_is_importable(name: str) -> None:
    assert getattr(conformance, name) is not None


def test_load_contract_signature() -> None:
    assert parameters(conformance.load_contract) == [
        ("path_or_url", "POSITIONAL_OR_KEYWORD", EMPTY),  # required (issue 9)
        ("nullable", "KEYWORD_ONLY", "common"),
        ("formats", "KEYWORD_ONLY", None),
        ("engine", "KEYWORD_ONLY", "auto"),
        ("mirrors", "KEYWORD_ONLY", None),
    ]


def test_response_validator_signature_and_defaults() -> None:
    assert parameters(conformance.Contract.response_validator) == [
        ("operation_id", "POSITIONAL_OR_KEYWORD", EMPTY),
        ("status", "POSITIONAL_OR_KEYWORD", None),
        ("media_type", "POSITIONAL_OR_KEYWORD", "application/json"),
        ("drift", "KEYWORD_ONLY", False),
        ("strict", "KEYWORD_ONLY", False),
        ("formats", "KEYWORD_ONLY", None),
        ("engine", "KEYWORD_ONLY", None),
    ]


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("response", ["operation_id", "status"]),
        ("compiled", ["operation_id", "status", "media_type", "formats"]),
        ("operation", ["operation_id"]),
        ("bodies", ["operation_ids"]),
        ("lint", []),
        ("enabled_formats", ["switches"]),
        ("register_format", ["name", "check", "strategy", "description", "sample"]),
        (
            "sample_bodies",
            ["operation_id", "status", "n", "seed", "media_type"],
        ),
        (
            "sample_invalid_bodies",
            ["operation_id", "status", "n", "seed", "media_type", "rules"],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_contract_methods_start_with_the_documented_parameters(
    method: str, expected: list[str]
) -> None:
    # Later additions are allowed; the documented parameters keep their order.
    func = getattr(conformance.Contract, method)
    names = [name for name, _, _ in parameters(func)]
    assert names[: len(expected)] == expected


@pytest.mark.parametrize(
    "name",
    ["operations", "warnings", "source", "format_registry", "compiler"],
)
def test_contract_attributes_exist(
    seed_contract: conformance.Contract, name: str
) -> None:
    assert hasattr(seed_contract, name)


@pytest.mark.parametrize(
    ("cls", "fields"),
    [
        (
            conformance.Violation,
            [
                "pointer",
                "keyword",
                "message",
                "branch",
                "spec_pointer",
                "spec_line",
                "spec_source",
            ],
        ),
        (conformance.ValidationResult, ["violations", "drift", "branch", "strict"]),
        (conformance.Finding, ["pointer", "code", "message", "line", "source"]),
        (
            conformance.Format,
            ["name", "check", "strategy", "description", "pattern", "sample"],
        ),
    ],
    ids=["Violation", "ValidationResult", "Finding", "Format"],
)
def test_values_have_the_documented_fields(cls: type, fields: list[str]) -> None:
    assert [f.name for f in dataclasses.fields(cls)] == fields


def test_values_are_frozen() -> None:
    violation = conformance.Violation("/a", "type", "expected string")
    with pytest.raises(dataclasses.FrozenInstanceError):
        violation.pointer = "/b"  # type: ignore[misc]


def test_violation_as_dict_has_exactly_the_json_keys() -> None:
    violation = conformance.Violation(
        "/id", "format", "bad", "x=1 → X", "/p/format", 7, "/s/spec.yaml"
    )
    assert violation.as_dict() == {
        "pointer": "/id",
        "keyword": "format",
        "message": "bad",
        "branch": "x=1 → X",
        "spec_pointer": "/p/format",
        "spec_line": 7,
    }
    assert violation.location == "spec.yaml:7"


def test_violation_location_falls_back_to_the_pointer_without_a_line() -> None:
    violation = conformance.Violation("", "type", "m", "", "/p", None, "/s/spec.json")
    assert violation.location == "spec.json#/p"


@pytest.mark.parametrize(
    ("violations", "drift", "strict", "conforms"),
    [
        ((), (), False, True),
        ((conformance.Violation("", "type", "m"),), (), False, False),
        ((), ("/extra",), False, True),
        ((), ("/extra",), True, False),
    ],
    ids=["clean", "violation", "drift-only", "drift-strict"],
)
def test_result_conforms_only_without_violations_and_strict_drift(
    violations: tuple[conformance.Violation, ...],
    drift: tuple[str, ...],
    strict: bool,
    conforms: bool,
) -> None:
    result = conformance.ValidationResult(violations, drift, "", strict)
    assert result.conforms is conforms
    assert bool(result) is conforms


def test_documented_usage_works_end_to_end() -> None:
    contract = conformance.load_contract(str(SEED_SPEC))
    validator = contract.response_validator(
        "getJob", 200, media_type="application/json", drift=False
    )
    assert isinstance(validator, conformance.ResponseValidator)
    result = validator.validate({"job_type": "CRON"})
    assert isinstance(result, conformance.ValidationResult)
    assert result.conforms is False
    assert result.drift == ()
    first = result.violations[0]
    assert isinstance(first, conformance.Violation)
    for name in ("pointer", "keyword", "message", "branch", "spec_pointer"):
        assert isinstance(getattr(first, name), str)
    assert isinstance(first.spec_line, int)
    assert validator.is_valid({"job_type": "CRON"}) is False
    assert validator.explain({"job_type": "CRON"}) == list(result.violations)


@pytest.mark.parametrize(
    ("cls", "code"),
    [
        (errors.ConformanceError, 2),
        (errors.SpecError, 2),
        (errors.UsageError, 2),
        (errors.ConfigError, 2),
        (errors.PayloadError, 2),
        (errors.TargetUnreachable, 3),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else str(v),
)
def test_errors_are_conformance_errors_with_exit_codes(cls: type, code: int) -> None:
    assert issubclass(cls, conformance.ConformanceError)
    assert cls.exit_code == code  # type: ignore[attr-defined]


def test_spec_error_names_source_line_and_pointer() -> None:
    exc = conformance.SpecError("/s/spec.yaml", "/paths", "bad", 3)
    assert str(exc) == "/s/spec.yaml:3 (#/paths): bad"
    assert (exc.source, exc.pointer, exc.reason, exc.line) == (
        "/s/spec.yaml",
        "/paths",
        "bad",
        3,
    )
