"""conformance: prove that an HTTP API keeps its OpenAPI response contract.

contract = conformance.load_contract("spec/qovery-getjob.yaml")
result = contract.response_validator("getJob", 200).validate(body)
result.conforms, result.violations, result.drift

The names below are imported on first use (PEP 562): the pytest plugin lives in this
package and is imported by every pytest run, so `import conformance` must stay cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    ConfigError,
    ConformanceError,
    PayloadError,
    SpecError,
    TargetUnreachable,
    UsageError,
)

if TYPE_CHECKING:
    from .contract import Contract, load_contract
    from .formats import Format
    from .model import Finding, ValidationResult, Violation
    from .validate import ResponseValidator

_LAZY = {
    "Contract": "contract",
    "load_contract": "contract",
    "Format": "formats",
    "Finding": "model",
    "ValidationResult": "model",
    "Violation": "model",
    "ResponseValidator": "validate",
}

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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
