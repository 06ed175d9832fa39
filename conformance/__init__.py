"""conformance: prove that an HTTP API keeps its OpenAPI response contract.

contract = conformance.load_contract("spec/qovery-getjob.yaml")
result = contract.response_validator("getJob", 200).validate(body)
result.conforms, result.violations, result.drift
"""

from __future__ import annotations

from .contract import Contract, load_contract
from .errors import (
    ConfigError,
    ConformanceError,
    PayloadError,
    SpecError,
    TargetUnreachable,
    UsageError,
)
from .formats import Format
from .model import Finding, ValidationResult, Violation
from .validate import ResponseValidator

__all__ = [
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
