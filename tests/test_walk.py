"""The names OpenAPI's implicit discriminator mapping gives schemas, in any file."""

from __future__ import annotations

import pytest

from conformance.spec import Location
from conformance.walk import schema_name

FILE = "/specs/schemas/Dog.yaml"
NAMES = {
    "whole-file": ("", {}, "Dog"),
    "one-of-several-in-a-file": ("/Lizard", {}, "Lizard"),
    "a-component-of-another-document": ("/components/schemas/Cat", {}, "Cat"),
    "a-definition": ("/definitions/Fish", {}, "Fish"),
    "the-root-component-naming-the-file": (
        "",
        {Location(FILE, ""): "Canine"},
        "Canine",
    ),
    "a-whole-file-schema-items-is-inline": ("/items", {}, None),
    "a-property-is-inline": ("/Lizard/properties/tail", {}, None),
    "an-allof-member-is-inline": ("/components/schemas/Cat/allOf/1", {}, None),
}


@pytest.mark.parametrize(("pointer", "aliases", "expected"), NAMES.values(), ids=NAMES)
def test_schema_name_is_the_component_or_file_name_and_none_for_inline_schemas(
    pointer: str, aliases: dict[Location, str], expected: str | None
) -> None:
    assert schema_name(Location(FILE, pointer), aliases) == expected
