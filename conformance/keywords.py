"""Regular-expression keywords read as ECMA-262, for both engines.

The pure-Python engine (jsonschema) runs `patternProperties`, `additionalProperties`
and `unevaluatedProperties` with Python's `re`, which cannot read `\\p{Lu}` or
`(?<y>…)` and reads `\\d`, `\\s` and `$` otherwise; here they match member names
with patterns.py (regress), as `pattern` does. jsonschema-rs reads every pattern in
Unicode mode the way regress does; a pattern only the legacy grammar accepts (`\\z`,
`\\-`) runs through regress as the custom keyword `x-ecma-pattern` instead.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from jsonschema.exceptions import ValidationError

from .patterns import search, unicode_mode
from .source import DATA_KEYWORDS, mappings

ECMA_PATTERN = "x-ecma-pattern"


def pattern_properties(
    validator: Any, patterns: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for name, value in instance.items():
            if search(pattern, name):
                yield from validator.descend(
                    value, subschema, path=name, schema_path=pattern
                )


def additional_members(schema: Any, instance: dict[str, Any]) -> list[str]:
    """Members that neither `properties` nor `patternProperties` of `schema` name."""
    named = schema.get("properties") or {}
    patterns = schema.get("patternProperties") or {}
    return [
        name
        for name in instance
        if name not in named and not any(search(p, name) for p in patterns)
    ]


def additional_properties(
    validator: Any, extra: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    names = additional_members(schema, instance)
    if isinstance(extra, dict):
        for name in names:
            yield from validator.descend(instance[name], extra, path=name)
    elif extra is False and names:
        listed = ", ".join(repr(n) for n in names)
        yield ValidationError(f"additional properties are not allowed ({listed})")


def unevaluated_properties(
    validator: Any, extra: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    """Members no keyword evaluated (in this schema or its valid subschemas) must
    match `extra`."""
    if not validator.is_type(instance, "object"):
        return
    rest = {k: v for k, v in schema.items() if k != "unevaluatedProperties"}
    seen = _evaluated(validator, instance, rest)
    left = [n for n in instance if n not in seen]
    bad = [n for n in left if not validator.evolve(schema=extra).is_valid(instance[n])]
    if bad:
        listed = ", ".join(repr(n) for n in bad)
        error = ValidationError(f"unevaluated properties are not allowed ({listed})")
        error.unexpected = tuple(bad)  # type: ignore[attr-defined] # for explain.py
        yield error


def _evaluated(validator: Any, instance: dict[str, Any], schema: Any) -> set[str]:
    """The members that `schema`'s keywords evaluate, where they hold."""
    if not isinstance(schema, dict):
        return set()
    if any(k in schema for k in ("additionalProperties", "unevaluatedProperties")):
        return set(instance)  # every member; a failing one fails the schema anyway
    found = {n for n in instance if n in (schema.get("properties") or {})}
    patterns = schema.get("patternProperties") or {}
    found |= {n for n in instance if any(search(p, n) for p in patterns)}
    parts: list[Any] = []
    if "$ref" in schema:
        parts.append(validator._resolver.lookup(schema["$ref"]).contents)
    for keyword in ("allOf", "anyOf", "oneOf"):
        parts.extend(schema.get(keyword) or [])
    if "if" in schema:
        taken = validator.evolve(schema=schema["if"]).is_valid(instance)
        parts += [schema["if"], schema.get("then")] if taken else [schema.get("else")]
    for name, dependent in (schema.get("dependentSchemas") or {}).items():
        if name in instance:
            parts.append(dependent)
    for part in parts:
        if part is not None and validator.evolve(schema=part).is_valid(instance):
            found |= _evaluated(validator, instance, part)
    return found


OVERRIDES = {
    "patternProperties": pattern_properties,
    "additionalProperties": additional_properties,
}
OVERRIDES_202012 = {**OVERRIDES, "unevaluatedProperties": unevaluated_properties}


@functools.lru_cache(maxsize=4096)
def rs_reads(pattern: str) -> bool:
    """Whether jsonschema-rs reads `pattern` as regress does: it compiles it, and the
    pattern is valid in Unicode mode (where both follow ECMA-262)."""
    import jsonschema_rs

    if not unicode_mode(pattern):
        return False
    try:
        jsonschema_rs.validator_for({"pattern": pattern})
    except Exception:  # noqa: BLE001 - any refusal: it cannot read it
        return False
    return True


class EcmaPattern:
    """`x-ecma-pattern` for jsonschema-rs: a `pattern` it cannot read, via regress."""

    def __init__(self, parent: Any, value: str, schema_path: Any) -> None:
        self.pattern = value

    def validate(self, instance: Any) -> None:
        if isinstance(instance, str) and not search(self.pattern, instance):
            raise ValueError(f"{instance!r} does not match {self.pattern!r}")


def for_rs(schema: Any) -> tuple[bool, bool]:
    """Rewrite `pattern`s jsonschema-rs would read otherwise into `x-ecma-pattern`
    (in place). Returns whether jsonschema-rs can then take the schema (not when a
    `patternProperties` name cannot be read alike: that schema is left to the
    pure-Python engine), and whether it needs the custom keyword."""
    custom = False
    for node in mappings(schema, skip=DATA_KEYWORDS):
        pattern = node.get("pattern")
        if isinstance(pattern, str) and not rs_reads(pattern):
            node[ECMA_PATTERN] = node.pop("pattern")
            custom = True
        names = node.get("patternProperties")
        if isinstance(names, dict) and not all(rs_reads(p) for p in names):
            return False, custom
    return True, custom
