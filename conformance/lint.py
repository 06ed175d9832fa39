"""Spec defects that change verdicts: each a small pure function over the document.

Findings carry the JSON pointer, the line, and a one-line reason. Normalised defects
(reported as warnings while compiling) are listed too, so `lint` is the full picture.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .compiler import ANNOTATION_FORMATS, INT_BOUNDS
from .errors import SpecError
from .model import Finding
from .spec import Location, Operation, Spec, pointer_loc
from .walk import component_schemas, schema_name, schemas

if TYPE_CHECKING:
    from .contract import Contract

SchemaRule = Callable[["Contract", Location, dict[str, Any]], Iterator[Finding]]
RULES: dict[str, SchemaRule] = {}


def rule(fn: SchemaRule) -> SchemaRule:
    RULES[fn.__name__] = fn
    return fn


def lint(contract: Contract, *, errors: list[SpecError] | None = None) -> list[Finding]:
    """Every finding for the document and the files its `$ref`s reach, sorted.

    With `errors`, a SpecError (a schema that does not compile, an operation that
    does not index) is added to it and linting goes on; without, it is raised."""
    # Compiling everything records the normalised defects, in unused schemas too.
    for _ in contract.bodies(errors=errors):
        pass
    root = Location(contract.spec.root.uri, "/components/schemas")
    for name in component_schemas(contract.spec):
        try:
            contract.compiler.compile(pointer_loc(root, name))
        except SpecError as exc:
            if errors is None:
                raise
            if str(exc) not in {str(e) for e in errors}:
                errors.append(exc)
    found: set[Finding] = set(contract.warnings)
    for op in contract.spec.indexed_operations().values():
        found.update(_operation_findings(contract, op))
    for loc, node in schemas(contract.spec):
        for check in RULES.values():
            found.update(check(contract, loc, node))
    return sorted(
        found, key=lambda f: (f.source, f.line or 0, f.pointer, f.code, f.message)
    )


def _operation_findings(contract: Contract, op: Operation) -> Iterator[Finding]:
    if not op.responses:
        yield _finding(
            contract,
            op.location,
            "operation-without-responses",
            f"{op} ({op.operation_id}) documents no responses: nothing about its "
            "answers can be checked",
        )


@dataclass
class Flat:
    """A schema with `$ref`s followed and `allOf` merged, for structural reasoning."""

    types: set[str] | None = None  # None: any type
    properties: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    closed: bool = False  # additionalProperties: false somewhere
    name: str = ""


def flatten(spec: Spec, loc: Location, depth: int = 0) -> Flat:
    flat = Flat(name=loc.pointer.rsplit("/", 1)[-1])
    try:
        loc, node = spec.deref(loc)
    except Exception:  # noqa: BLE001 - dangling refs are reported by the compiler
        return flat
    if not isinstance(node, dict) or depth > 32:
        return flat
    named = schema_name(loc, {})  # a component, or a schema of its own file
    if named is not None:
        flat.name = named
    else:
        needs = ", ".join(repr(r) for r in node.get("required") or [])
        flat.name = f"inline, requires {needs}" if needs else "inline"
    if isinstance(node.get("type"), str):
        flat.types = {node["type"], "null"} if node.get("nullable") else {node["type"]}
    for name, sub in (node.get("properties") or {}).items():
        if isinstance(sub, dict):
            flat.properties.setdefault(name, []).append(
                _resolved(spec, pointer_loc(loc, "properties", name))
            )
    flat.required |= {r for r in node.get("required") or [] if isinstance(r, str)}
    flat.closed = node.get("additionalProperties") is False
    for i, _ in enumerate(node.get("allOf") or []):
        part = flatten(spec, pointer_loc(loc, "allOf", i), depth + 1)
        if part.types is not None:
            flat.types = part.types if flat.types is None else flat.types & part.types
        for name, subs in part.properties.items():
            flat.properties.setdefault(name, []).extend(subs)
        flat.required |= part.required
        flat.closed = flat.closed or part.closed
    return flat


def _resolved(spec: Spec, loc: Location) -> dict[str, Any]:
    try:
        _, node = spec.deref(loc)
    except Exception:  # noqa: BLE001
        return {}
    return node if isinstance(node, dict) else {}


def _values(schemas: list[dict[str, Any]]) -> set[Any] | None:
    """The values a property may take, if an enum/const pins them (None: unbounded)."""
    allowed: set[Any] | None = None
    for s in schemas:
        pinned = (
            {s["const"]}
            if "const" in s
            else (
                {v for v in s["enum"] if isinstance(v, (str, int, float, bool))}
                if isinstance(s.get("enum"), list)
                else None
            )
        )
        if pinned is not None:
            allowed = pinned if allowed is None else allowed & pinned
    return allowed


def _types(schemas: list[dict[str, Any]]) -> set[str] | None:
    """The JSON types a property may have, if its schemas say (None: any)."""
    allowed: set[str] | None = None
    for s in schemas:
        declared = s.get("type")
        if isinstance(declared, str):
            types = {declared}
        elif isinstance(declared, list):
            types = {t for t in declared if isinstance(t, str)}
        else:
            continue
        if s.get("nullable") is True:
            types.add("null")
        allowed = types if allowed is None else allowed & types
    return allowed


def _widen(types: set[str]) -> set[str]:
    """An integer is a number: `integer` and `number` branches overlap."""
    return types | {"number"} if "integer" in types else types


def separated(a: Flat, b: Flat) -> bool:
    """True when no payload can be valid under both (structurally provable)."""
    if (
        a.types is not None
        and b.types is not None
        and not _widen(a.types) & _widen(b.types)
    ):
        return True
    for name in a.required & b.required:
        sa, sb = a.properties.get(name, []), b.properties.get(name, [])
        va, vb = _values(sa), _values(sb)
        if va is not None and vb is not None and not va & vb:
            return True
        ta, tb = _types(sa), _types(sb)
        if ta is not None and tb is not None and not _widen(ta) & _widen(tb):
            return True  # the same member, of types no value has both of
    if a.closed and any(r not in a.properties for r in b.required):
        return True
    return b.closed and any(r not in b.properties for r in a.required)


def _finding(contract: Contract, loc: Location, code: str, message: str) -> Finding:
    spec = contract.spec
    return Finding(spec.pointer(loc), code, message, spec.line(loc), loc.uri)


@rule
def oneof_branches_overlap(
    contract: Contract, loc: Location, node: dict[str, Any]
) -> Iterator[Finding]:
    """oneOf wants exactly one match: overlapping branches reject valid payloads."""
    branches = node.get("oneOf")
    if not isinstance(branches, list) or len(branches) < 2:
        return
    flats = [
        flatten(contract.spec, pointer_loc(loc, "oneOf", i))
        for i in range(len(branches))
    ]
    disc = node.get("discriminator")
    for i in range(len(flats)):
        for j in range(i + 1, len(flats)):
            if separated(flats[i], flats[j]):
                continue
            pair = f"#{i} ({flats[i].name}) and #{j} ({flats[j].name})"
            if isinstance(disc, dict):
                yield _finding(
                    contract,
                    pointer_loc(loc, "oneOf"),
                    "oneof-overlap-discriminated",
                    f"branches {pair} overlap; only the discriminator "
                    f"{disc.get('propertyName')!r} separates them, so a validator that "
                    "ignores it rejects valid payloads",
                )
            else:
                yield _finding(
                    contract,
                    pointer_loc(loc, "oneOf"),
                    "oneof-overlap",
                    f"branches {pair} can both match and nothing separates them; a "
                    "payload valid under both is rejected by oneOf",
                )


@rule
def mapping_target_admits_other_keys(
    contract: Contract, loc: Location, node: dict[str, Any]
) -> Iterator[Finding]:
    """A mapped schema whose property admits another mapping key."""
    disc = node.get("discriminator")
    if not isinstance(disc, dict) or not isinstance(disc.get("mapping"), dict):
        return
    prop = disc.get("propertyName")
    mapping = disc["mapping"]
    for key, value in mapping.items():
        ref = value.get("$ref") if isinstance(value, dict) else value
        if not isinstance(ref, str):
            continue
        where = pointer_loc(loc, "discriminator", "mapping", key)
        try:
            target = contract.spec.ref_target(
                ref if "/" in ref or "#" in ref else f"#/components/schemas/{ref}",
                where,
            )
        except Exception:  # noqa: BLE001 - reported by the compiler
            continue
        flat = flatten(contract.spec, target)
        allowed = _values(flat.properties.get(prop, []))
        others = sorted(
            str(k) for k in mapping if k != key and (allowed is None or k in allowed)
        )
        if others:
            yield _finding(
                contract,
                where,
                "mapping-target-admits-other-keys",
                f"{flat.name}.{prop} admits {', '.join(map(repr, others))} (other "
                f"mapping keys); only discriminator dispatch tells the schemas apart",
            )


@rule
def nullable_without_type(
    contract: Contract, loc: Location, node: dict[str, Any]
) -> Iterator[Finding]:
    """OpenAPI 3.0.3 ignores nullable without type; readings differ, so verdicts do."""
    if node.get("nullable") is True and "type" not in node and not contract.spec.is_31:
        now = "accepted" if contract.nullable == "common" else "rejected"
        yield _finding(
            contract,
            pointer_loc(loc, "nullable"),
            "nullable-without-type",
            f"nullable: true without type: null is {now} here; the common reading "
            "accepts it, OpenAPI 3.0.3 (nullable='strict') does not",
        )


@rule
def unknown_format(
    contract: Contract, loc: Location, node: dict[str, Any]
) -> Iterator[Finding]:
    """A format nobody checks is an annotation: payloads pass whatever they hold."""
    fmt = node.get("format")
    if not isinstance(fmt, str):
        return
    known = set(contract.format_registry) | set(INT_BOUNDS) | ANNOTATION_FORMATS
    if fmt not in known and fmt.lower() not in known:
        yield _finding(
            contract,
            pointer_loc(loc, "format"),
            "unknown-format",
            f"format {fmt!r} is not known, so it is not asserted (register it with "
            "Contract.register_format to check it)",
        )


@rule
def required_not_in_properties(
    contract: Contract, loc: Location, node: dict[str, Any]
) -> Iterator[Finding]:
    """A required member no schema describes: any value passes, likely a typo."""
    required = node.get("required")
    if not isinstance(required, list) or "properties" not in node:
        return
    if node.get("additionalProperties") not in (None, False):
        return
    documented = set(flatten(contract.spec, loc).properties)
    parent = _allof_parent(loc)
    if parent is not None:
        documented |= set(flatten(contract.spec, parent).properties)
    for name in required:
        if name not in documented:
            yield _finding(
                contract,
                pointer_loc(loc, "required"),
                "required-not-in-properties",
                f"required member {name!r} is not in properties; its value is never "
                "checked (typo?)",
            )


@rule
def optional_discriminator_without_default(
    contract: Contract, loc: Location, node: dict[str, Any]
) -> Iterator[Finding]:
    """OpenAPI 3.2: an optional discriminator property needs `defaultMapping`,
    else a payload without it has no schema (it is rejected here)."""
    disc = node.get("discriminator")
    if not contract.spec.is_32 or not isinstance(disc, dict):
        return
    prop = disc.get("propertyName")
    if not isinstance(prop, str) or "defaultMapping" in disc:
        return
    spec = contract.spec
    if prop in flatten(spec, loc).required:
        return
    union = node.get("oneOf") or node.get("anyOf")
    if isinstance(union, list) and union:
        kw = "oneOf" if "oneOf" in node else "anyOf"
        if all(
            prop in flatten(spec, pointer_loc(loc, kw, i)).required
            for i in range(len(union))
        ):
            return
    yield _finding(
        contract,
        pointer_loc(loc, "discriminator", "propertyName"),
        "discriminator-optional-without-default",
        f"discriminator property {prop!r} is optional but there is no "
        "defaultMapping: a payload without it is rejected (add defaultMapping "
        "or list it in required)",
    )


def _allof_parent(loc: Location) -> Location | None:
    parts = loc.pointer.rsplit("/allOf/", 1)
    if len(parts) == 2 and parts[1].isdigit():
        return Location(loc.uri, parts[0])
    return None


@rule
def type_not_openapi_30(
    contract: Contract, loc: Location, node: dict[str, Any]
) -> Iterator[Finding]:
    """OpenAPI 3.0's `type` is one of six names (no "null", no list): other tools
    reject or ignore what this tool reads as JSON Schema."""
    declared = node.get("type")
    if contract.spec.is_31 or not (declared == "null" or isinstance(declared, list)):
        return
    fix = (
        "use nullable: true beside the other type"
        if declared == "null" or (isinstance(declared, list) and "null" in declared)
        else "use oneOf with one type each"
    )
    yield _finding(
        contract,
        pointer_loc(loc, "type"),
        "type-not-openapi-30",
        f"type {declared!r} is not OpenAPI 3.0 (a single name, never 'null'); read "
        f"as JSON Schema here, other 3.0 tools differ: {fix}",
    )
