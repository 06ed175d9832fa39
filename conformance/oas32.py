"""OpenAPI 3.2 document rules that are pure functions: the `$self` base URI and
`additionalOperations`. spec.py applies them while it indexes and resolves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["additional_operations", "under_self"]


def additional_operations(item: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(method, key) of each `additionalOperations` entry (`LINK`, `COPY`, …)."""
    extra = item.get("additionalOperations")
    if isinstance(extra, dict):
        for name, op in extra.items():
            if isinstance(op, dict):
                yield str(name).lower(), str(name)


def under_self(base: str, self_uri: Any) -> str:
    """A `$ref`'s document part read against `$self` (the document's base URI): the
    `$self` URI itself is this document (""), one under its folder the file at that
    relative place; anything else is left as it is."""
    if not base or not isinstance(self_uri, str):
        return base
    self_uri = self_uri.partition("#")[0]
    if base == self_uri:
        return ""
    folder = self_uri[: self_uri.rfind("/") + 1]
    if folder and base.startswith(folder) and "://" in folder:
        return base[len(folder) :]
    return base
