"""Validators for compiled response schemas: a fast verdict, then an explanation.

The fast path asks jsonschema-rs (when installed) or jsonschema for a yes/no. Only a
payload that fails is explained: jsonschema's errors become `Violation`s placed where
the rule broke (never a `oneOf` summary at the root when one branch is plainly meant),
with the discriminator branch taken on the way and the rule's place in the spec. Both
paths use the same format checkers, so their verdicts agree.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

from .compiler import DRAFT202012, CompiledSchema, SourceMap
from .formats import Format
from .model import ValidationResult, Violation
from .source import pointer_join
from .spec import Location, Spec

try:  # the fast engine is optional; the pure-Python path is complete without it
    import jsonschema_rs
except ImportError:  # pragma: no cover - exercised where jsonschema-rs is absent
    jsonschema_rs = None

_SHAPE = frozenset({"type", "required", "const", "enum", "not", "minProperties"})
_ENGINES = ("auto", "rs", "python")


def _checker_for(check: Callable[[str], bool]) -> Callable[[Any], bool]:
    def checker(instance: Any) -> bool:
        return not isinstance(instance, str) or check(instance)

    return checker


def _always(_: Any) -> bool:
    return True


class ResponseValidator:
    """Validates bodies of one operation, status and media type."""

    def __init__(
        self,
        compiled: CompiledSchema | None,
        *,
        spec: Spec,
        source_map: SourceMap,
        formats: Mapping[str, Format],
        drift: bool = False,
        strict: bool = False,
        engine: str = "auto",
        title: str = "",
    ) -> None:
        if engine not in _ENGINES:
            raise ValueError(f"engine must be one of {', '.join(_ENGINES)}")
        self.compiled = compiled
        self.spec = spec
        self.map = source_map
        self.formats = dict(formats)
        self.drift = drift or strict
        self.strict = strict
        self.title = title
        self._py: Any = None
        self._fast: Callable[[Any], bool] | None = None
        if compiled is None:
            return
        cls = (
            jsonschema.Draft202012Validator
            if compiled.dialect == DRAFT202012
            else jsonschema.Draft7Validator
        )
        checker = jsonschema.FormatChecker(formats=())
        for name, fmt in self.formats.items():
            checker.checks(name)(_checker_for(fmt.check))
        self._py = cls(compiled.schema, format_checker=checker)
        self._fast = self._py.is_valid
        if engine != "python" and jsonschema_rs is not None:
            self._fast = self._rs_validator(compiled) or self._fast
        elif engine == "rs":
            raise ImportError(
                "engine='rs' needs jsonschema-rs: pip install jsonschema-rs"
            )

    @property
    def schema(self) -> dict[str, Any] | None:
        return self.compiled.schema if self.compiled is not None else None

    @property
    def engine(self) -> str:
        if self._fast is None or self._py is None:
            return "none"
        return "python" if self._fast == self._py.is_valid else "rs"

    def _rs_validator(self, compiled: CompiledSchema) -> Callable[[Any], bool] | None:
        # Every format the schema names gets our checker, or none at all: the engine's
        # own checkers differ in details and would change verdicts between paths.
        names = _format_names(compiled.schema)
        formats = {
            name: self.formats[name].check if name in self.formats else _always
            for name in names
        }
        try:
            fast = jsonschema_rs.validator_for(
                compiled.schema, formats=formats, validate_formats=True
            )
        except Exception:  # noqa: BLE001 - fall back to the Python engine
            return None
        py_valid = self._py.is_valid

        def is_valid(instance: Any) -> bool:
            try:
                return bool(fast.is_valid(instance))
            except Exception:  # noqa: BLE001 - e.g. integers beyond 64 bits
                return bool(py_valid(instance))

        return is_valid

    # -- verdicts ---------------------------------------------------------------------

    def is_valid(self, body: Any) -> bool:
        """The verdict only (drift is not considered)."""
        return self._fast is None or self._fast(body)

    def validate(self, body: Any) -> ValidationResult:
        """Violations (empty when the body conforms) and, if asked for, drift."""
        if self._py is None:  # no body documented: nothing to check
            return ValidationResult(strict=self.strict)
        valid = self.is_valid(body)
        violations = () if valid else tuple(self.explain(body))
        drift = tuple(self.drift_of(body)) if self.drift else ()
        if self.strict and drift:
            violations = tuple(sorted({*violations, *self._drift_violations(drift)}))
        return ValidationResult(violations, drift, self.root_branch(body), self.strict)

    def explain(self, body: Any) -> list[Violation]:
        """Every broken rule, each reported where it is."""
        if self._py is None:
            return []
        try:
            errors = list(self._py.iter_errors(body))
        except RecursionError:
            return [Violation("", "depth", "payload nests too deep to validate")]
        found: set[Violation] = set()
        for error in errors:
            for leaf, via in self._leaves(error, ()):
                found.add(self._violation(leaf, via))
        return sorted(found, key=_order)

    def root_branch(self, body: Any) -> str:
        """The discriminator choice for the payload's root object, if any."""
        if self.compiled is None or not isinstance(body, dict):
            return ""
        node = self._deref(self.compiled.schema)
        for arm in node.get("allOf", ()) if isinstance(node, dict) else ():
            info = self.map.dispatch.get(id(arm))
            if info is not None and body.get(info.prop) == info.key:
                return info.label
        return ""

    # -- explaining --

    def _leaves(
        self, error: ValidationError, via: tuple[str, ...]
    ) -> Iterator[tuple[ValidationError, tuple[str, ...]]]:
        """Replace union summaries by the errors of the branch the payload meant."""
        if error.validator not in ("oneOf", "anyOf") or not error.context:
            yield error, via
            return
        branches: dict[int, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
        wrapper = id(error.schema) in self.map.nullable_wrappers
        if wrapper:  # anyOf [null, X]: for a non-null payload, X is meant
            meant = max(branches)
            yield from self._nullable_leaves(branches[meant], via)
            return
        scored = sorted(
            (self._penalty(errs), len(errs), i) for i, errs in branches.items()
        )
        best_penalty, _, best = scored[0]
        if best_penalty > 0:  # no branch fits the payload's shape: report the union
            yield error, via
            return
        label = self._alternative_label(error, best)
        for sub in branches[best]:
            yield from self._leaves(sub, (*via, label))

    def _nullable_leaves(
        self, errors: list[ValidationError], via: tuple[str, ...]
    ) -> Iterator[tuple[ValidationError, tuple[str, ...]]]:
        for sub in errors:
            if sub.validator == "type" and not sub.relative_path:
                sub.validator_value = _with_null(sub.validator_value)
            yield from self._leaves(sub, via)

    @staticmethod
    def _penalty(errors: list[ValidationError]) -> int:
        return sum(1 for e in errors if not e.relative_path and e.validator in _SHAPE)

    def _alternative_label(self, error: ValidationError, index: int) -> str:
        alt = error.validator_value[index]
        name = ""
        if isinstance(alt, dict) and "$ref" in alt:
            name = alt["$ref"].rsplit("/", 1)[-1]
        elif isinstance(alt, dict):
            name = alt.get("title") or ", ".join(alt.get("required", ())[:2])
        where = _pointer(error.absolute_path) or "/"
        return f"{where} {error.validator}[{index}]" + (f" {name}" if name else "")

    def _violation(self, error: ValidationError, via: tuple[str, ...]) -> Violation:
        keyword, message = self._describe(error)
        branches = [*self._dispatch_path(error), *via]
        origin = self.map.origin.get(id(error.schema))
        spec_loc = self._rule_location(error, keyword, origin)
        return Violation(
            pointer=_pointer(error.absolute_path),
            keyword=keyword,
            message=message,
            branch="; ".join(dict.fromkeys(branches)),
            spec_pointer=spec_loc.pointer if spec_loc else "",
            spec_line=self.spec.line(spec_loc) if spec_loc else None,
            spec_source=spec_loc.uri if spec_loc else self.spec.root.uri,
        )

    def _rule_location(
        self, error: ValidationError, keyword: str, origin: Location | None
    ) -> Location | None:
        if origin is None:
            return None
        guard = self.map.guards.get(id(error.schema))
        if guard is not None or keyword == "writeOnly":
            return origin
        spec_keyword = {
            "exclusiveMinimum": "minimum",
            "exclusiveMaximum": "maximum",
        }.get(keyword, keyword)
        try:
            node = self.spec.node(origin)
        except KeyError:
            return origin
        if isinstance(node, dict):
            for name in (keyword, spec_keyword):
                if name in node:
                    return Location(origin.uri, pointer_join(origin.pointer, name))
        return origin

    def _dispatch_path(self, error: ValidationError) -> list[str]:
        """Walk the schema path from the root, noting each discriminator arm taken."""
        labels: list[str] = []
        node: Any = self.compiled.schema if self.compiled else None
        for part in error.absolute_schema_path:
            node = self._deref(node)
            if isinstance(node, dict):
                info = self.map.dispatch.get(id(node))
                if info is not None and part == "then":
                    labels.append(info.label)
                node = node.get(part) if isinstance(part, str) else None
            elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                node = node[part]
            else:
                break
        return labels

    def _deref(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 64:
            node = self._lookup(node["$ref"])
            seen += 1
        return node

    def _lookup(self, ref: str) -> Any:
        node: Any = self.compiled.schema if self.compiled else None
        for token in ref.lstrip("#").split("/")[1:]:
            if not isinstance(node, dict):
                return None
            node = node.get(token.replace("~1", "/").replace("~0", "~"))
        return node

    def _describe(self, error: ValidationError) -> tuple[str, str]:
        kw = str(error.validator)
        value, got = error.validator_value, error.instance
        guard = self.map.guards.get(id(error.schema))
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
        if kw == "not" and id(error.schema) in self.map.write_only:
            return (
                "writeOnly",
                "writeOnly member present in a response; it must be absent",
            )
        if kw == "required":
            missing = (
                error.message.split("'")[1] if "'" in error.message else error.message
            )
            return kw, f"missing required member {missing!r}"
        if kw == "type":
            expected = " or ".join(value) if isinstance(value, list) else str(value)
            return kw, f"expected {expected}, received {_json_type(got)} {_short(got)}"
        if kw == "enum":
            return kw, f"expected one of {_short(value, 120)}, received {_short(got)}"
        if kw == "const":
            return kw, f"expected {_short(value)}, received {_short(got)}"
        if kw == "format":
            fmt = self.formats.get(str(value))
            what = f" ({fmt.description})" if fmt and fmt.description else ""
            return kw, f"expected format {value}{what}, received {_short(got)}"
        if kw in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            int_fmt = self.map.int_formats.get(id(error.schema))
            sign = {
                "minimum": ">=",
                "maximum": "<=",
                "exclusiveMinimum": ">",
                "exclusiveMaximum": "<",
            }[kw]
            if int_fmt and value in (-(2**31), 2**31 - 1, -(2**63), 2**63 - 1):
                return "format", f"expected {int_fmt} ({sign} {value}), received {got}"
            return kw, f"expected {sign} {value}, received {_short(got)}"
        if kw in ("minItems", "maxItems"):
            return (
                kw,
                f"expected {'at least' if kw == 'minItems' else 'at most'} "
                f"{value} item(s), received {len(got)}",
            )
        if kw in ("minLength", "maxLength"):
            return (
                kw,
                f"expected {'at least' if kw == 'minLength' else 'at most'} "
                f"{value} character(s), received {len(got)}",
            )
        if kw == "oneOf" and not error.context:
            return kw, "valid under more than one alternative; oneOf allows exactly one"
        if kw in ("oneOf", "anyOf"):
            return kw, f"matches none of the {len(value)} alternatives: " + "; ".join(
                self._why_not(error)
            )
        return kw, error.message.splitlines()[0][:200]

    def _why_not(self, error: ValidationError) -> list[str]:
        reasons: dict[int, str] = {}
        for sub in error.context or ():
            index = int(sub.relative_schema_path[0])
            if index not in reasons:
                _, text = self._describe(sub)
                where = _pointer(sub.relative_path)
                reasons[index] = f"#{index} {where + ': ' if where else ''}{text}"
        return [reasons[i] for i in sorted(reasons)]

    # -- drift ------------------------------------------------------------------------

    def drift_of(self, body: Any) -> list[str]:
        """Members of the payload that the dispatched schema does not document."""
        if self.compiled is None:
            return []
        found: list[str] = []
        stack: list[tuple[Any, list[Any], str, int]] = [
            (body, [self.compiled.schema], "", 0)
        ]
        while stack:
            instance, schemas, where, depth = stack.pop()
            if depth > 256:
                continue
            applied = self._applicable(instance, schemas)
            if isinstance(instance, dict):
                self._drift_object(instance, applied, where, depth, found, stack)
            elif isinstance(instance, list):
                items = [
                    s["items"]
                    for s in applied
                    if isinstance(s.get("items"), (dict, bool))
                ]
                if items:
                    for i, item in enumerate(instance):
                        stack.append((item, items, f"{where}/{i}", depth + 1))
        return sorted(found, key=_pointer_key)

    def _drift_object(
        self,
        instance: dict[str, Any],
        applied: list[dict[str, Any]],
        where: str,
        depth: int,
        found: list[str],
        stack: list[tuple[Any, list[Any], str, int]],
    ) -> None:
        described = any(
            "properties" in s or "additionalProperties" in s for s in applied
        )
        if not described:
            return  # a free-form object documents any member
        props: dict[str, list[Any]] = {}
        extra: list[Any] = []
        for s in applied:
            for name, sub in (s.get("properties") or {}).items():
                props.setdefault(name, []).append(sub)
            more = s.get("additionalProperties")
            if more is True or isinstance(more, dict):
                extra.append(more if isinstance(more, dict) else {})
        for name, value in instance.items():
            path = f"{where}/{_escape(name)}"
            if name in props:
                stack.append((value, props[name], path, depth + 1))
            elif extra:
                stack.append((value, extra, path, depth + 1))
            else:
                found.append(path)

    def _applicable(self, instance: Any, schemas: list[Any]) -> list[dict[str, Any]]:
        """The schemas that apply to `instance`: refs followed, compositions chosen."""
        out: list[dict[str, Any]] = []
        todo = list(schemas)
        seen: set[int] = set()
        while todo:
            node = self._deref(todo.pop())
            if not isinstance(node, dict) or id(node) in seen:
                continue
            seen.add(id(node))
            out.append(node)
            todo.extend(node.get("allOf", ()))
            if "if" in node:
                if self._fits(instance, node["if"]):
                    todo.extend([node["then"]] if "then" in node else [])
                elif "else" in node:
                    todo.append(node["else"])
            for kw in ("oneOf", "anyOf"):
                alternatives = node.get(kw) or []
                fitting = [a for a in alternatives if self._fits(instance, a)]
                todo.extend(fitting or alternatives)
        return out

    def _fits(self, instance: Any, schema: Any) -> bool:
        return bool(self._py.evolve(schema=schema).is_valid(instance))

    def _drift_violations(self, drift: tuple[str, ...]) -> list[Violation]:
        return [
            Violation(
                p,
                "drift",
                "member not documented by the schema (strict mode)",
                spec_source=self.spec.root.uri,
            )
            for p in drift
        ]


def _format_names(schema: Any) -> set[str]:
    names: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("format"), str):
                names.add(node["format"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return names


def _with_null(value: Any) -> Any:
    types = value if isinstance(value, list) else [value]
    return [*types, "null"] if "null" not in types else types


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _pointer(path: Any) -> str:
    return "".join(f"/{_escape(str(p))}" for p in path)


def _pointer_key(pointer: str) -> tuple[int, str]:
    return (pointer.count("/"), pointer)


def _order(v: Violation) -> tuple[str, str, str]:
    return (v.pointer, v.keyword, v.message)


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
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
