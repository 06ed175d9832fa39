"""Small one-concern OpenAPI documents for table-driven tests, and how to read them."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import conformance
from conformance.model import ValidationResult

WriteSpec = Callable[..., conformance.Contract]
Explained = tuple[str, str, str, str, int | None]
ROOT_REF = "$ref: '#/components/schemas/Root'"


def openapi(schemas: str, body: str = ROOT_REF, *, version: str = "3.0.3") -> str:
    """A one-operation document: GET /x (getX) answers 200 with `body` as schema."""
    return (
        f"openapi: {version}\n"
        "info: {title: one concern, version: '1'}\n"
        "paths:\n"
        "  /x:\n"
        "    get:\n"
        "      operationId: getX\n"
        "      responses:\n"
        "        '200':\n"
        "          description: ok\n"
        "          content:\n"
        "            application/json:\n"
        "              schema:\n"
        + textwrap.indent(textwrap.dedent(body).strip(), " " * 16)
        + "\ncomponents:\n  schemas:\n"
        + textwrap.indent(textwrap.dedent(schemas).strip(), " " * 4)
        + "\n"
    )


def line(text: str, needle: str) -> int:
    """The 1-based line of the only line of `text` that contains `needle`."""
    found = [n for n, row in enumerate(text.splitlines(), 1) if needle in row]
    assert len(found) == 1, f"needle {needle!r} is on lines {found}"
    return found[0]


def explained(result: ValidationResult) -> list[Explained]:
    """Each violation as (pointer, keyword, branch, spec pointer, spec line)."""
    return [
        (v.pointer, v.keyword, v.branch, v.spec_pointer, v.spec_line)
        for v in result.violations
    ]
