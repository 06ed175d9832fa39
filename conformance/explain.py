"""Validator errors → `Violation`s a person can act on.

Both engines' errors (jsonschema's and jsonschema-rs's) are first read into one small
`Failure` shape; everything after that is shared, so the two engines explain a payload
the same way. A union (`oneOf`/`anyOf`) that fails is replaced by the errors of the
branch the payload plainly meant, so a bad uuid deep inside `source.image` is
reported at `/source/image/registry/id`, not as a summary at `/source`; each violation
names the discriminator arms taken on the way and the spec location of its rule.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .body import integer_of
from .compiler import SourceMap
from .formats import Format
from .keywords import ECMA_PATTERN
from .model import Violation
from .patterns import search
from .source import pointer_join
from .spec import Location, Spec

Path = tuple[str | int, ...]
# Errors at a branch's own level that mean "the payload is not this branch's shape".
_SHAPE = frozenset({"type", "required", "const", "enum", "not", "minProperties"})
_BOUNDS = {
    "minimum": ">=",
    "maximum": "<=",
    "exclusiveMinimum": ">",
    "exclusiveMaximum": "<",
}
_INT_LIMITS = frozenset({-(2**31), 2**31 - 1, -(2**63), 2**63 - 1})


@dataclass(slots=True)
class Failure:
    """One engine error, engine-neutral."""

    keyword: str
    path: Path  # absolute instance path
    route: Path  # schema keywords from the root ("$ref" tokens may appear)
    schema: Any  # the compiled node holding the keyword
    value: Any  # the keyword's value
    instance: Any
    context: list[Failure] = field(default_factory=list)  # union branches' errors
    branch: int = -1  # index in the parent union, for context errors
    many: bool = False  # oneOf matched by more than one branch
    unexpected: tuple[str, ...] = ()  # unevaluatedProperties: the members it refused


def from_jsonschema(error: Any, branch: int = -1) -> Failure:
    """Read a `jsonschema.ValidationError` (recursively through its context)."""
    keyword = "false" if error.validator is None else str(error.validator)
    context = [
        from_jsonschema(sub, index)
        for sub, index in zip(error.context or (), _branches(error), strict=True)
    ]
    return Failure(
        keyword,
        tuple(error.absolute_path),
        tuple(error.absolute_schema_path),
        error.schema,
        error.validator_value,
        error.instance,
        context,
        branch,
        many=keyword == "oneOf" and not error.context,
        unexpected=tuple(getattr(error, "unexpected", ())),
    )


def _branches(error: Any) -> list[int]:
    """The union branch of each context error. jsonschema gives a `false` branch's
    error no schema path, so that branch is the next `false` in the union."""
    options = error.validator_value if isinstance(error.validator_value, list) else []
    found, last = [], -1
    for sub in error.context or ():
        if sub.relative_schema_path:
            last = int(sub.relative_schema_path[0])
        else:
            later = [i for i, o in enumerate(options) if o is False and i > last]
            last = later[0] if later else last + 1
        found.append(last)
    return found


def from_rs(
    error: Any,
    root: Any,
    multiple_kind: type,
    branch: int = -1,
    integers: Mapping[str, Any] | None = None,
) -> Failure:
    """Read a `jsonschema_rs.ValidationError`; nodes are looked up in `root`, or in
    `integers` (OpenAPI 3.0 integer types: resource URI → the compiled node)."""
    location = str(getattr(error, "absolute_keyword_location", None))
    node = (integers or {}).get(location.split("#")[0])
    if node is not None:  # the node's `type`, run as OpenAPI 3.0 reads integer
        return Failure(
            "type",
            tuple(error.instance_path),
            tuple(error.evaluation_path)[:-4] + ("type",),
            node,
            node["type"],
            error.instance,
            [],
            branch,
        )
    where = list(error.schema_path)
    keyword = str(where[-1]) if where else "false"
    node = _walk(root, where[:-1])
    if keyword == ECMA_PATTERN:
        keyword = "pattern"  # a pattern the engine ran through regress
    elif keyword == "pattern" and isinstance(node, dict) and "pattern" not in node:
        keyword = "format"  # a format the engine ran as its exact pattern
    if not isinstance(node, dict) or keyword not in node:
        node, keyword = _walk(root, where), "false"  # a false schema
    value = node.get(keyword) if isinstance(node, dict) else False
    kind = error.kind
    context: list[Failure] = []
    if keyword in ("oneOf", "anyOf"):
        for index, errors in enumerate(getattr(kind, "context", None) or ()):
            context.extend(
                from_rs(sub, root, multiple_kind, index, integers) for sub in errors
            )
    return Failure(
        keyword,
        tuple(error.instance_path),
        tuple(error.evaluation_path),
        node,
        value,
        error.instance,
        context,
        branch,
        many=isinstance(kind, multiple_kind),
        unexpected=tuple(
            map(str, getattr(kind, "unexpected", None) or ())
            if keyword == "unevaluatedProperties"
            else ()
        ),
    )


def _walk(root: Any, path: Iterable[Any]) -> Any:
    node = root
    for token in path:
        if isinstance(node, dict):
            # jsonschema-rs gives all-digit names ("404", a definition "0") as ints
            node = node.get(str(token))
        elif isinstance(node, list) and isinstance(token, int) and token < len(node):
            node = node[token]
        else:
            return None
    return node


class Explainer:
    """Turns the failures of one compiled schema into sorted violations."""

    def __init__(
        self,
        root: dict[str, Any],
        spec: Spec,
        source_map: SourceMap,
        formats: Mapping[str, Format],
    ) -> None:
        self.root = root
        self.spec = spec
        self.map = source_map
        self.formats = formats
        # Explaining is repeated per payload; what depends only on the schema is
        # worked out once.
        self._rules: dict[tuple[int, str], tuple[str, int | None, str]] = {}
        self._routes: dict[Path, tuple[str, ...]] = {}
        self._targets: dict[str, Any] = {}  # "$ref" → the node it names

    def violations(self, failures: Iterable[Failure]) -> list[Violation]:
        found: set[Violation] = set()
        required_seen: set[tuple[int, Path]] = set()
        leaves = [pair for f in failures for pair in self._leaves(f, ())]
        for leaf, via in _without_cascades(leaves):
            if leaf.keyword == "required":  # one error per member, same verdict
                key = (id(leaf.schema), leaf.path)
                if key in required_seen:
                    continue
                required_seen.add(key)
            found.update(self._violations(leaf, via))
        # The same rule at the same place, reached with and without a discriminator
        # branch (allOf inheritance: the base's own keywords, and the base again
        # inside the child), is one violation: keep the one that names the branch.
        branched = {_rule_key(v) for v in found if v.branch}
        said = self._said_by_guards(found)
        return sorted(
            (
                v
                for v in found
                if (v.branch or _rule_key(v) not in branched)
                and (v.pointer, v.spec_source, v.spec_pointer) not in said
            ),
            key=_order,
        )

    def _said_by_guards(self, found: Iterable[Violation]) -> set[tuple[str, str, str]]:
        """The schema's own enum/const of a discriminator property, where the guard
        rejects the same value: the guard's keys are among that enum's values, so
        the guard's one violation (naming the keys) says it all. An enum elsewhere,
        or at another place in the payload, stays."""
        if not self.map.guards:
            return set()
        own = {
            (g.location.uri, g.location.pointer): g.own
            for g in self.map.guards.values()
        }
        return {
            (v.pointer, rule.uri, rule.pointer)
            for v in found
            if v.keyword == "discriminator"
            for rule in own.get((v.spec_source, v.spec_pointer), ())
        }

    # -- choosing the branch the payload meant --

    def _leaves(
        self, failure: Failure, via: tuple[str, ...]
    ) -> Iterator[tuple[Failure, tuple[str, ...]]]:
        if failure.keyword not in ("oneOf", "anyOf") or failure.many:
            yield failure, via  # several alternatives match: the union itself is wrong
            return
        if not failure.context:
            yield failure, via
            return
        branches: dict[int, list[Failure]] = {}
        for sub in failure.context:
            branches.setdefault(sub.branch, []).append(sub)
        if id(failure.schema) in self.map.nullable_wrappers:
            # anyOf [null, X]: for a payload that is not null, X is meant.
            for sub in branches.get(max(branches), []):
                if sub.keyword == "type" and sub.path == failure.path:
                    sub = replace(sub, value=_with_null(sub.value))
                yield from self._leaves(sub, via)
            return
        depth = len(failure.path)
        scored = sorted(
            (_penalty(errors, depth), len(errors), index)
            for index, errors in branches.items()
        )
        penalty, _, best = scored[0]
        if penalty > 0:  # no branch fits the payload's shape: report the union
            yield failure, via
            return
        label = self._alternative_label(failure, best)
        for sub in branches[best]:
            yield from self._leaves(sub, (*via, label))

    def _alternative_label(self, failure: Failure, index: int) -> str:
        alternatives = failure.value if isinstance(failure.value, list) else []
        alt = alternatives[index] if index < len(alternatives) else {}
        name = ""
        if isinstance(alt, dict) and "$ref" in alt:
            name = str(alt["$ref"]).rsplit("/", 1)[-1]
        elif isinstance(alt, dict):
            name = alt.get("title") or ", ".join(alt.get("required", ())[:2])
        where = _pointer(failure.path) or "/"
        return f"{where} {failure.keyword}[{index}]" + (f" {name}" if name else "")

    # -- one violation --

    def _violations(
        self, failure: Failure, via: tuple[str, ...]
    ) -> Iterator[Violation]:
        branch = "; ".join(dict.fromkeys([*self._arms(failure.route), *via]))
        origin = self.map.origin.get(id(failure.schema))
        if failure.keyword == "required" and id(failure.schema) not in self.map.guards:
            # One violation per missing member, at the object that lacks it.
            present = failure.instance if isinstance(failure.instance, dict) else {}
            for name in failure.value:
                if name not in present:
                    yield self._make(
                        failure,
                        "required",
                        f"missing required member {name!r}",
                        branch,
                        origin,
                    )
            return
        keyword, message = self.describe(failure)
        yield self._make(failure, keyword, message, branch, origin)

    def _make(
        self,
        failure: Failure,
        keyword: str,
        message: str,
        branch: str,
        origin: Location | None,
    ) -> Violation:
        key = (id(failure.schema), keyword)
        if key not in self._rules:
            rule = self._rule_location(failure, keyword, origin)
            self._rules[key] = (
                (self.spec.pointer(rule), self.spec.line(rule), rule.uri)
                if rule
                else ("", None, self.spec.root.uri)
            )
        spec_pointer, spec_line, spec_source = self._rules[key]
        return Violation(
            pointer=_pointer(failure.path),
            keyword=keyword,
            message=message,
            branch=branch,
            spec_pointer=spec_pointer,
            spec_line=spec_line,
            spec_source=spec_source,
        )

    def _rule_location(
        self, failure: Failure, keyword: str, origin: Location | None
    ) -> Location | None:
        if origin is None:
            return None
        if id(failure.schema) in self.map.guards or keyword == "writeOnly":
            return origin
        try:
            node = self.spec.node(origin)
        except KeyError:
            return origin
        spec_keyword = {"exclusiveMinimum": "minimum", "exclusiveMaximum": "maximum"}
        if isinstance(node, dict):
            for name in (keyword, spec_keyword.get(keyword, keyword)):
                if name in node:
                    return Location(origin.uri, pointer_join(origin.pointer, name))
        return origin

    def _arms(self, route: Path) -> tuple[str, ...]:
        """The discriminator arms taken along a route from the root."""
        if route not in self._routes:
            self._routes[route] = tuple(self._walk_arms(route))
        return self._routes[route]

    def _walk_arms(self, route: Path) -> list[str]:
        labels: list[str] = []
        node: Any = self.root
        for part in route:
            node = self._deref(node)
            if part == "$ref":
                continue
            if isinstance(node, dict):
                info = self.map.dispatch.get(id(node))
                if info is not None and part == "then":
                    labels.append(info.label)
                elif part == "else" and id(node) in self.map.defaults:
                    labels.append(self.map.defaults[id(node)].label)
                node = node.get(str(part))  # all-digit names come back as ints
            elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                node = node[part]
            else:
                break
        return labels

    def _deref(self, node: Any) -> Any:
        """`node` with its `$ref`s followed (within the compiled document)."""
        for _ in range(64):
            if not (isinstance(node, dict) and "$ref" in node):
                break
            ref = str(node["$ref"])
            if ref not in self._targets:
                tokens = ref.lstrip("#").split("/")[1:]
                self._targets[ref] = _walk(
                    self.root, [t.replace("~1", "/").replace("~0", "~") for t in tokens]
                )
            node = self._targets[ref]
        return node

    # -- messages --

    def describe(self, failure: Failure) -> tuple[str, str]:
        """The rule's name and a one-line "expected …, received …"."""
        kw, value, got = failure.keyword, failure.value, failure.instance
        guard = self.map.guards.get(id(failure.schema))
        if guard is not None and kw in ("required", "enum"):
            allowed = ", ".join(repr(k) for k in guard.keys)
            if kw == "required":
                return "discriminator", (
                    f"missing discriminator property {guard.prop!r}; "
                    f"expected one of {allowed}"
                )
            return "discriminator", (
                f"{guard.prop}={_short(got)} is not mapped; expected one of {allowed}"
            )
        if kw == "not" and id(failure.schema) in self.map.write_only:
            return (
                "writeOnly",
                "writeOnly member present in a response; it must be absent",
            )
        if kw in _BOUNDS:
            int_format = self.map.int_formats.get(id(failure.schema))
            if int_format and value in _INT_LIMITS:
                return "format", (
                    f"expected {int_format} ({_BOUNDS[kw]} {value}), "
                    f"received {_short(got)}"
                )
            return kw, f"expected {_BOUNDS[kw]} {value}, received {_short(got)}"
        if kw == "format":
            fmt = self.formats.get(str(value))
            what = f" ({fmt.description})" if fmt and fmt.description else ""
            return kw, f"expected format {value}{what}, received {_short(got)}"
        if kw in ("oneOf", "anyOf"):
            if failure.many:
                return kw, "valid under more than one alternative; oneOf allows one"
            return kw, f"matches none of the {len(value)} alternatives: " + "; ".join(
                self._why_not(failure)
            )
        if kw == "additionalProperties" and isinstance(got, dict):
            node = failure.schema if isinstance(failure.schema, dict) else {}
            known = node.get("properties") or {}
            patterns = list(node.get("patternProperties") or {})
            extra = sorted(
                k
                for k in got
                if k not in known and not any(search(p, k) for p in patterns)
            )
            return (
                kw,
                f"unexpected member(s) {_short(extra, 120)} (additionalProperties)",
            )
        if kw == "unevaluatedProperties" and failure.unexpected:
            extra = sorted(failure.unexpected)
            return kw, f"unexpected member(s) {_short(extra, 120)} ({kw})"
        return kw, _message(kw, value, got)

    def _why_not(self, failure: Failure) -> list[str]:
        reasons: dict[int, str] = {}
        depth = len(failure.path)
        for sub in failure.context:
            if sub.branch in reasons:
                continue
            if sub.keyword == "required":
                present = sub.instance if isinstance(sub.instance, dict) else {}
                missing = [n for n in sub.value if n not in present]
                text = f"missing required member {missing[0]!r}" if missing else ""
            else:
                text = self.describe(sub)[1]
            where = _pointer(sub.path[depth:])
            reasons[sub.branch] = f"#{sub.branch} {where + ': ' if where else ''}{text}"
        return [reasons[i] for i in sorted(reasons)]


def _without_cascades(
    leaves: list[tuple[Failure, tuple[str, ...]]],
) -> Iterator[tuple[Failure, tuple[str, ...]]]:
    """2020-12 drops the annotations of a failing subschema, so its members read as
    unevaluated: a member with a failure of its own is that failure, not also an
    unexpected member. An unevaluatedProperties failure left with none is dropped."""
    paths = [leaf.path for leaf, _ in leaves if leaf.keyword != "unevaluatedProperties"]
    for leaf, via in leaves:
        if leaf.keyword == "unevaluatedProperties" and leaf.unexpected:
            depth = len(leaf.path)
            failing = {
                str(p[depth])
                for p in paths
                if len(p) > depth and p[:depth] == leaf.path
            }
            kept = tuple(n for n in leaf.unexpected if n not in failing)
            if not kept:
                continue
            leaf = replace(leaf, unexpected=kept)
        yield leaf, via


def _message(kw: str, value: Any, got: Any) -> str:
    """Messages for keywords that need nothing but their value and the instance."""
    if kw == "type":
        expected = " or ".join(value) if isinstance(value, list) else str(value)
        if got is None:
            return f"expected {expected}, received null"
        return f"expected {expected}, received {_json_type(got)} {_short(got)}"
    if kw == "enum":
        return f"expected one of {_short(value, 120)}, received {_short(got)}"
    if kw == "const":
        return f"expected {_short(value)}, received {_short(got)}"
    if kw in (
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "minProperties",
        "maxProperties",
    ):
        least = "at least" if kw.startswith("min") else "at most"
        unit = {"I": "item(s)", "L": "character(s)", "P": "member(s)"}[kw[3]]
        size = len(got) if isinstance(got, (str, list, dict)) else got
        return f"expected {least} {value} {unit}, received {size}"
    if kw == "pattern":
        return f"expected to match /{value}/, received {_short(got)}"
    if kw == "multipleOf":
        return f"expected a multiple of {value}, received {_short(got)}"
    if kw == "uniqueItems":
        return "expected unique items, received duplicates"
    if kw == "additionalProperties":
        extra = sorted(got) if isinstance(got, dict) else []
        return f"unexpected member(s) not allowed by additionalProperties: {extra}"[
            :200
        ]
    if kw == "not":
        return f"expected a value the schema excludes, received {_short(got)}"
    if kw == "false":
        return "no value is allowed here"
    return f"violates {kw} {_short(value)}, received {_short(got)}"


def _penalty(errors: list[Failure], depth: int) -> int:
    return sum(1 for e in errors if len(e.path) == depth and e.keyword in _SHAPE)


def _with_null(value: Any) -> Any:
    types = value if isinstance(value, list) else [value]
    return types if "null" in types else [*types, "null"]


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _pointer(path: Iterable[Any]) -> str:
    return "".join(f"/{_escape(str(p))}" for p in path)


def _rule_key(v: Violation) -> tuple[str, str, str, str]:
    return (v.pointer, v.keyword, v.message, v.spec_pointer)


def pointer_order(pointer: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key: document order for array indexes (`/2` before `/10`)."""
    return tuple(
        (0, int(token), "") if token.isdigit() else (1, 0, token)
        for token in pointer.split("/")[1:]
    )


def _order(v: Violation) -> tuple[Any, ...]:
    return (pointer_order(v.pointer), v.keyword, v.message, v.branch, v.spec_pointer)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _short(value: Any, limit: int = 60) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, RecursionError):
        try:
            text = repr(value)  # a LongInt from the body says its exact length
        except ValueError:
            if isinstance(value, int) and not isinstance(value, bool):
                # more digits than str() renders (4,300): say how long it is instead
                return f"an integer of about {int(value.bit_length() * 0.30103)} digits"
            return f"{_json_type(value)} holding an integer too long to show"
    if len(text) <= limit:
        return text
    if isinstance(value, int) and not isinstance(value, bool):
        return integer_of(len(text.lstrip("-")), value < 0)  # a cut number misleads
    return text[: limit - 1] + "…"
