"""Validators for compiled response schemas: a fast verdict, then an explanation.

The fast path asks jsonschema-rs (when installed) or jsonschema for a yes/no. Only a
payload that fails is explained (see explain.py), from the errors of the same engine.
Both engines get the same formats: exact regex patterns where a format has one (run
natively by jsonschema-rs), our Python checkers otherwise, so their verdicts agree.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

from .compiler import DRAFT202012, CompiledSchema, SourceMap
from .explain import Explainer, Failure, from_jsonschema, from_rs, pointer_order
from .formats import Format
from .keywords import ECMA_PATTERN, OVERRIDES, OVERRIDES_202012, EcmaPattern, for_rs
from .model import ValidationResult, Violation
from .patterns import search
from .source import DATA_KEYWORDS, mappings
from .spec import Spec

try:  # the fast engine is optional; the pure-Python path is complete without it
    import jsonschema_rs
except ImportError:  # pragma: no cover - exercised where jsonschema-rs is absent
    jsonschema_rs = None

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
        if engine == "rs" and jsonschema_rs is None:
            raise ImportError(
                "engine='rs' needs jsonschema-rs: pip install jsonschema-rs"
            )
        self.compiled = compiled
        self.spec = spec
        self.map = source_map
        self.formats = dict(formats)
        self.drift = drift or strict
        self.strict = strict
        self.title = title
        self._py: Any = None
        self._rs: Any = None
        self._rs_copies: dict[int, Any] = {}
        self._rs_formats: dict[str, Callable[[str], bool]] = {}
        self._rs_custom = False  # the schema needs the x-ecma-pattern keyword
        self._rs_registry: Any = None  # OpenAPI 3.0 integer types (Draft 4 reading)
        self._rs_integers: dict[str, Any] = {}  # their resource URI → compiled node
        self._root_arms: list[tuple[str, Any, str]] | None = None
        self._fit_validators: dict[int, Any] = {}  # subschema id → its validator
        self._conforming: dict[str, ValidationResult] = {}  # branch → shared result
        if compiled is None:
            return
        self._explainer = Explainer(compiled.schema, spec, source_map, self.formats)
        cls = _PYTHON_ENGINES[1] if compiled.dialect == DRAFT202012 else _PYTHON_OAS30
        checker = jsonschema.FormatChecker(formats=())
        for name, fmt in self.formats.items():
            checker.checks(name)(_checker_for(fmt.check))
        self._py = cls(compiled.schema, format_checker=checker)
        if engine != "python" and jsonschema_rs is not None:
            self._rs = self._rs_validator(compiled.schema)

    @property
    def schema(self) -> dict[str, Any] | None:
        return self.compiled.schema if self.compiled is not None else None

    @property
    def engine(self) -> str:
        if self._py is None:
            return "none"
        return "rs" if self._rs is not None else "python"

    def _rs_validator(self, schema: dict[str, Any]) -> Any:
        # Every format the schema names is run as our exact pattern, or our checker,
        # or not at all: the engine's own checkers differ in details and would make
        # the two paths disagree.
        patterned = {n: f.pattern for n, f in self.formats.items() if f.pattern}
        rs_schema, names, self._rs_copies = _with_patterns(schema, patterned)
        self._rs_formats = {
            name: _cached(self.formats[name].check) if name in self.formats else _always
            for name in names
        }
        readable, self._rs_custom = for_rs(rs_schema)
        if not readable:  # a member-name pattern it would read otherwise
            return None
        if self.compiled is not None and self.compiled.dialect != DRAFT202012:
            nodes = {id(n): n for n in mappings(self.compiled.schema)}
            originals = {
                id(c): nodes[o] for o, c in self._rs_copies.items() if o in nodes
            }
            resources = _integers_as_oas30(rs_schema, originals, self._rs_integers)
            if resources and not hasattr(jsonschema_rs, "Registry"):
                return None  # a release without registries: the Python engine
            if resources:
                self._rs_registry = jsonschema_rs.Registry(resources)
        try:
            return self._rs_build(rs_schema)
        except Exception:  # noqa: BLE001 - any schema it cannot take: Python engine
            return None

    def _rs_build(self, schema: dict[str, Any]) -> Any:
        # Only when needed: jsonschema-rs releases without custom keywords still work.
        custom: dict[str, Any] = {"keywords": _RS_KEYWORDS} if self._rs_custom else {}
        if self._rs_registry is not None:
            custom["registry"] = self._rs_registry
        return jsonschema_rs.validator_for(
            schema, formats=self._rs_formats, validate_formats=True, **custom
        )

    def _fit_validator(self, schema: Any) -> Any:
        """A validator for one subschema (its `$ref`s resolve against the root)."""
        copied = self._rs_copies.get(id(schema)) if self._rs is not None else None
        if isinstance(copied, dict) and self.compiled is not None:
            root = self._rs_copies[id(self.compiled.schema)]
            key = self.compiled.definitions_key
            combined = {**copied, "$schema": root["$schema"], key: root.get(key, {})}
            try:
                return self._rs_build(combined)
            except Exception:  # noqa: BLE001 - fall back to the Python engine
                pass
        return self._py.evolve(schema=schema)

    # -- verdicts --

    def is_valid(self, body: Any) -> bool:
        """The verdict only (drift is not considered)."""
        if self._py is None:
            return True
        if self._rs is not None:
            try:
                return bool(self._rs.is_valid(body))
            except Exception:  # noqa: BLE001 - e.g. integers beyond 64 bits
                pass
        try:
            return bool(self._py.is_valid(body))
        except RecursionError:  # explain() says so: a "depth" violation
            return False

    def validate(self, body: Any) -> ValidationResult:
        """Violations (empty when the body conforms) and, if asked for, drift."""
        if self._py is None:  # no body documented: nothing to check
            return ValidationResult(strict=self.strict)
        valid = self.is_valid(body)
        if valid and not self.drift:
            # The hot path: results are immutable, so one per branch serves them all.
            branch = self.root_branch(body)
            result = self._conforming.get(branch)
            if result is None:
                result = self._conforming[branch] = ValidationResult(branch=branch)
            return result
        violations = () if valid else tuple(self.explain(body))
        if not self.drift:
            return ValidationResult(violations, (), self.root_branch(body), False)
        drift = tuple(self.drift_of(body))
        if self.strict and drift:
            violations = tuple(sorted({*violations, *self._drift_violations(drift)}))
        return ValidationResult(violations, drift, self.root_branch(body), self.strict)

    def explain(self, body: Any) -> list[Violation]:
        """Every broken rule, each reported where it is (empty when it conforms)."""
        if self._py is None:
            return []
        try:
            failures = self._failures(body)
        except RecursionError:
            return [Violation("", "depth", "payload nests too deep to validate")]
        return self._explainer.violations(failures)

    def _failures(self, body: Any) -> list[Failure]:
        if self._rs is not None:
            try:
                errors = list(self._rs.iter_errors(body))
            except Exception:  # noqa: BLE001 - fall back to the Python engine
                pass
            else:
                root = self.compiled.schema if self.compiled else {}
                multiple = jsonschema_rs.ValidationErrorKind.OneOfMultipleValid
                ints = self._rs_integers
                return [from_rs(e, root, multiple, -1, ints) for e in errors]
        return [from_jsonschema(e) for e in self._py.iter_errors(body)]

    def root_branch(self, body: Any) -> str:
        """The discriminator choice for the payload's root object, if any."""
        if self.compiled is None or not isinstance(body, dict):
            return ""
        if self._root_arms is None:  # found once: validate() asks on every payload
            node = self._explainer._deref(self.compiled.schema)
            if isinstance(node, dict) and id(node) in self.map.nullable_wrappers:
                node = self._explainer._deref(node["anyOf"][1])  # nullable union
            arms = node.get("allOf", ()) if isinstance(node, dict) else ()
            found = (self.map.dispatch.get(id(arm)) for arm in arms)
            self._root_arms = [(i.prop, i.key, i.label) for i in found if i is not None]
        for prop, key, label in self._root_arms:
            if body.get(prop) == key:
                return label
        return ""

    # -- drift --

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
            k in s
            for s in applied
            for k in ("properties", "additionalProperties", "patternProperties")
        )
        if not described:
            return  # a free-form object documents any member
        props: dict[str, list[Any]] = {}
        extra: list[Any] = []
        patterns: list[tuple[str, Any]] = []
        for s in applied:
            for name, sub in (s.get("properties") or {}).items():
                props.setdefault(name, []).append(sub)
            patterns.extend((s.get("patternProperties") or {}).items())
            more = s.get("additionalProperties")
            if more is True or isinstance(more, dict):
                extra.append(more if isinstance(more, dict) else {})
        for name, value in instance.items():
            path = f"{where}/{_escape(name)}"
            named = [sub for p, sub in patterns if search(p, name)]
            if name in props or named:
                subs = [*props.get(name, ()), *named]
                stack.append(
                    (value, [s for s in subs if s is not True], path, depth + 1)
                )
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
            node = self._explainer._deref(todo.pop())
            if not isinstance(node, dict) or id(node) in seen:
                continue
            seen.add(id(node))
            out.append(node)
            todo.extend(node.get("allOf", ()))
            if "if" in node:
                arm = self.map.dispatch.get(id(node))
                if arm is not None:  # a discriminator arm: the property decides
                    taken = (
                        isinstance(instance, dict)
                        and arm.prop in instance
                        and (instance[arm.prop] == arm.key)
                    )
                else:
                    taken = self._fits(instance, node["if"])
                if taken:
                    todo.extend([node["then"]] if "then" in node else [])
                elif "else" in node:
                    todo.append(node["else"])
            for kw in ("oneOf", "anyOf"):
                alternatives = node.get(kw) or []
                fitting = [a for a in alternatives if self._fits(instance, a)]
                todo.extend(fitting or alternatives)
        return out

    def resolve(self, node: Any) -> Any:
        """`node` with its `$ref`s followed inside the compiled schema."""
        return self._explainer._deref(node) if self.compiled is not None else node

    def fits(self, instance: Any, schema: Any) -> bool:
        """`instance` is valid against `schema`, a node of the compiled schema."""
        return self._fits(instance, schema)

    def _fits(self, instance: Any, schema: Any) -> bool:
        validator = self._fit_validators.get(id(schema))
        if validator is None:
            validator = self._fit_validators[id(schema)] = self._fit_validator(schema)
        try:
            return bool(validator.is_valid(instance))
        except Exception:  # noqa: BLE001 - e.g. integers beyond 64 bits
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


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    """`pattern` read as ECMA-262, as jsonschema-rs reads it (see patterns.py)."""
    if validator.is_type(instance, "string") and not search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _multiple_of(validator: Any, factor: Any, instance: Any, schema: Any) -> Any:
    """`multipleOf` in decimal: 0.07 is a multiple of 0.01 (binary floats say no)."""
    if not validator.is_type(instance, "number"):
        return
    if isinstance(factor, int) and isinstance(instance, int):
        failed = instance % factor != 0
    else:
        try:
            failed = Decimal(repr(instance)) % Decimal(repr(factor)) != 0
        except (InvalidOperation, ValueError):
            failed = True
    if failed:
        yield ValidationError(f"{instance!r} is not a multiple of {factor}")


_OVERRIDES = {"pattern": _pattern, "multipleOf": _multiple_of}
# The pure-Python engine: jsonschema's validators with the keywords whose Python
# reading differs from ECMA-262 / decimal arithmetic replaced (index: is 2020-12).
_PYTHON_ENGINES = (
    jsonschema.validators.extend(
        jsonschema.Draft7Validator, {**_OVERRIDES, **OVERRIDES}
    ),
    jsonschema.validators.extend(
        jsonschema.Draft202012Validator, {**_OVERRIDES, **OVERRIDES_202012}
    ),
)
_RS_KEYWORDS = {ECMA_PATTERN: EcmaPattern}


def _oas30_integer(checker: Any, instance: Any) -> bool:
    """OpenAPI 3.0: an integer is a JSON number without a fraction or exponent part,
    so `1.0` is not one (in JSON Schema Draft 7 and 2020-12 it is)."""
    return isinstance(instance, int) and not isinstance(instance, bool)


# OpenAPI 3.0 documents: Draft 7 keywords, with integer read as OpenAPI 3.0 reads it.
_PYTHON_OAS30 = jsonschema.validators.extend(
    _PYTHON_ENGINES[0],
    type_checker=_PYTHON_ENGINES[0].TYPE_CHECKER.redefine("integer", _oas30_integer),
)
_OAS30_INTEGER = "http://conformance.invalid/oas30-integer/"
_DRAFT4 = "http://json-schema.org/draft-04/schema#"


def _integers_as_oas30(
    schema: Any, originals: Mapping[int, Any], found: dict[str, Any]
) -> list[tuple[str, Any]]:
    """Move each `type` naming integer (in place) into an allOf `$ref` to a Draft 4
    resource of its own, where jsonschema-rs reads `1.0` as no integer (as OpenAPI
    3.0 does); `found` gets each resource URI → the compiled node it stands for.
    Returns the resources for the registry."""
    resources: list[tuple[str, Any]] = []
    for node in mappings(schema, skip=DATA_KEYWORDS):
        types = node.get("type")
        if (
            types == "integer" or (isinstance(types, list) and "integer" in types)
        ) and (id(node) in originals):
            uri = f"{_OAS30_INTEGER}{len(resources)}"
            resources.append((uri, {"$schema": _DRAFT4, "type": node.pop("type")}))
            node["allOf"] = [*node.get("allOf", []), {"$ref": uri}]
            found[uri] = originals[id(node)]
    return resources


def _with_patterns(
    schema: dict[str, Any], patterns: Mapping[str, str]
) -> tuple[dict[str, Any], set[str], dict[int, Any]]:
    """A copy of `schema` where formats with an exact pattern become `pattern`s (when
    the node has no pattern of its own), the names of the formats left, and the
    copy of each original node by the original's id."""
    copies: dict[int, Any] = {}
    copied = copy.deepcopy(schema, copies)
    left: set[str] = set()
    stack: list[Any] = [copied]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            fmt = node.get("format")
            if isinstance(fmt, str):
                if fmt in patterns and "pattern" not in node:
                    node["pattern"] = patterns[fmt]
                    del node["format"]
                else:
                    left.add(fmt)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return copied, left, copies


def _cached(check: Callable[[str], bool]) -> Callable[[str], bool]:
    """Checks called back from the compiled engine see the same strings often (a
    nightly run's schedules, icons, repository URLs): remember recent answers."""
    return functools.lru_cache(maxsize=4096)(check)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _pointer_key(pointer: str) -> tuple[int, Any]:
    return (pointer.count("/"), pointer_order(pointer))
