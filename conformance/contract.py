"""The public entry point: a loaded contract that hands out response validators.

`load_contract(path_or_url)` reads and indexes the document; `response_validator()`
compiles one response body schema (once, cached) and wraps it for validation.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .compiler import INT_BOUNDS, CompiledSchema, Compiler
from .errors import SpecError, UsageError
from .formats import Format, builtin_formats
from .model import Finding
from .spec import (
    Location,
    MediaType,
    Operation,
    Response,
    Spec,
    is_json_media_type,
    media_type_matches,
)
from .validate import ResponseValidator

if TYPE_CHECKING:
    from random import Random

    from hypothesis.strategies import SearchStrategy

    from .generate import Mutation


@dataclass(frozen=True)
class Body:
    """One documented response body: operation, status key, media type, schema."""

    operation: Operation
    status: str
    media_type: str
    compiled: CompiledSchema

    def __str__(self) -> str:
        return f"{self.operation} → {self.status} {self.media_type}"


class Contract:
    """An OpenAPI document loaded for checking responses."""

    def __init__(
        self,
        spec: Spec,
        *,
        nullable: str = "common",
        formats: Mapping[str, bool] | None = None,
        engine: str = "auto",
    ) -> None:
        self.spec = spec
        self.nullable = nullable
        self.engine = engine
        self.format_registry: dict[str, Format] = builtin_formats()
        self.format_switches = dict(formats or {})
        self._compilers: dict[frozenset[str], Compiler] = {}
        self.compiler = self._compiler_for(self.enabled_int_formats())
        self._compiled: dict[tuple[Any, ...], CompiledSchema | None] = {}
        self._validators: dict[tuple[Any, ...], ResponseValidator] = {}

    @property
    def source(self) -> str:
        return self.spec.root.uri

    @property
    def operations(self) -> dict[str, Operation]:
        return self.spec.operations

    @property
    def warnings(self) -> list[Finding]:
        """Defects normalised while loading and compiling, once each, with pointer."""
        return list(self.spec.warnings)

    def operation(self, operation_id: str) -> Operation:
        return self.spec.operation(operation_id)

    def register_format(
        self,
        name: str,
        check: Callable[[str], bool],
        *,
        strategy: Callable[[], SearchStrategy[str]] | None = None,
        description: str = "",
        sample: Callable[[Random], str] | None = None,
    ) -> None:
        """Assert a user format: `check(text) -> bool`; `strategy` (hypothesis) and
        `sample` (`random.Random` → text, for the sampler) make valid ones.

        Wrong arguments are a `TypeError` here, not a traceback later in validation.
        """
        _check_format_arguments(name, check, strategy, description)
        if sample is not None and not callable(sample):
            raise TypeError(
                f"register_format({name!r}, sample=...): sample must be a function "
                f"of a random.Random returning a valid text, not {_kind(sample)}"
            )
        self.format_registry[name] = Format(
            name, check, strategy, description, sample=sample
        )
        for compiler in self._compilers.values():
            compiler.known_formats.add(name.lower())
        self._validators.clear()

    def _compiler_for(self, int_formats: frozenset[str]) -> Compiler:
        """One compiler per set of asserted int formats (they compile into bounds)."""
        if int_formats not in self._compilers:
            self._compilers[int_formats] = Compiler(
                self.spec,
                nullable=self.nullable,
                known_formats=self.format_registry,
                int_formats=int_formats,
            )
        return self._compilers[int_formats]

    def enabled_int_formats(
        self, switches: Mapping[str, bool] | None = None
    ) -> frozenset[str]:
        """int32/int64 asserted under these switches (they are bounds, not checkers)."""
        merged = {**self.format_switches, **(switches or {})}
        everything = merged.get("*", True)
        return frozenset(f for f in INT_BOUNDS if merged.get(f, everything))

    def enabled_formats(
        self, switches: Mapping[str, bool] | None = None
    ) -> dict[str, Format]:
        merged = {**self.format_switches, **(switches or {})}
        everything = merged.get("*", True)
        return {
            name: fmt
            for name, fmt in self.format_registry.items()
            if merged.get(name, everything)
        }

    # -- responses --

    def response(
        self, operation_id: str, status: int | str | None = None
    ) -> tuple[Operation, Response]:
        op = self.operation(operation_id)
        if status is None:
            status = op.success_status()
        key = str(status).upper() if "X" in str(status).upper() else str(status)
        found = op.responses.get(key)
        if found is None and key.isdigit():
            found = op.response_for(int(key))
        if found is None:
            listed = ", ".join(op.responses) or "none"
            raise UsageError(
                f"{operation_id} documents no response for status {status} "
                f"(documented: {listed})"
            )
        return op, found

    def media_type(
        self, response: Response, media_type: str | None
    ) -> MediaType | None:
        if not response.content:
            return None
        if media_type is None:
            media_type = "application/json"
        if media_type in response.content:
            return response.content[media_type]
        for name, media in response.content.items():
            if media_type_matches(name, media_type) or media_type_matches(
                media_type, name
            ):
                return media
        if len(response.content) == 1 and media_type == "application/json":
            only = next(iter(response.content.values()))
            if is_json_media_type(only.name):
                return only
        listed = ", ".join(response.content)
        raise UsageError(
            f"response {response.status} documents no {media_type!r} body "
            f"(documented: {listed})"
        )

    def compiled(
        self,
        operation_id: str,
        status: int | str | None = None,
        media_type: str | None = None,
        *,
        formats: Mapping[str, bool] | None = None,
    ) -> CompiledSchema | None:
        """The compiled JSON Schema of one response body (None: no body documented)."""
        op, response = self.response(operation_id, status)
        media = self.media_type(response, media_type)
        ints = self.enabled_int_formats(formats)
        key = (op.operation_id, response.status, media.name if media else "", ints)
        if key not in self._compiled:
            compiled = None
            if media and media.schema:
                compiler = self._compiler_for(ints)
                compiled = compiler.compile(media.schema)
                check_compiled(compiled, compiler, self.spec)
            self._compiled[key] = compiled
        return self._compiled[key]

    def response_validator(
        self,
        operation_id: str,
        status: int | str | None = None,
        media_type: str | None = "application/json",
        *,
        drift: bool = False,
        strict: bool = False,
        formats: Mapping[str, bool] | None = None,
        engine: str | None = None,
    ) -> ResponseValidator:
        """A validator for one operation, status and media type (cached)."""
        op, response = self.response(operation_id, status)
        key = (
            op.operation_id,
            response.status,
            media_type,
            drift,
            strict,
            tuple(sorted((formats or {}).items())),
            engine,
        )
        validator = self._validators.get(key)
        if validator is None:
            compiled = self.compiled(
                operation_id, response.status, media_type, formats=formats
            )
            ints = self.enabled_int_formats(formats)
            validator = ResponseValidator(
                compiled,
                spec=self.spec,
                source_map=self._compiler_for(ints).map,
                formats=self.enabled_formats(formats),
                drift=drift,
                strict=strict,
                engine=engine or self.engine,
                title=f"{op.operation_id} {response.status}",
            )
            self._validators[key] = validator
        return validator

    def item_validator(
        self,
        operation_id: str,
        status: int | str | None = None,
        media_type: str = "text/event-stream",
    ) -> ResponseValidator | None:
        """A validator for each item of a streamed body (None: no item schema)."""
        op, response = self.response(operation_id, status)
        media = self.media_type(response, media_type)
        if media is None or media.item_schema is None:
            return None
        return self.validator_at(
            media.item_schema, f"{op.operation_id} {response.status} item"
        )

    def validator_at(self, loc: Location, title: str = "") -> ResponseValidator:
        """A validator for the schema at `loc` (item schemas, `contentSchema`)."""
        key = ("at", loc)
        validator = self._validators.get(key)
        if validator is None:
            compiled = self._compiled.get(key)
            if compiled is None:
                compiled = self.compiler.compile(loc)
                check_compiled(compiled, self.compiler, self.spec)
                self._compiled[key] = compiled
            validator = ResponseValidator(
                compiled,
                spec=self.spec,
                source_map=self.compiler.map,
                formats=self.enabled_formats(),
                engine=self.engine,
                title=title,
            )
            self._validators[key] = validator
        return validator

    def response_bodies(
        self,
        operation_id: str,
        status: int | str | None = None,
        media_type: str = "application/json",
    ) -> SearchStrategy[Any]:
        """A hypothesis strategy of bodies that conform (see conformance/generate/)."""
        from .generate import valid_bodies

        return valid_bodies(self, operation_id, status, media_type)

    def invalid_response_bodies(
        self,
        operation_id: str,
        status: int | str | None = None,
        media_type: str = "application/json",
        *,
        rules: Iterable[str] | None = None,
    ) -> SearchStrategy[Mutation]:
        """A strategy of `generate.Mutation`s: bodies breaking one named rule."""
        from .generate import invalid_bodies

        return invalid_bodies(
            self, operation_id, status, media_type, rules=_rule_names(rules)
        )

    def sample_bodies(
        self,
        operation_id: str,
        status: int | str | None = None,
        n: int = 10,
        *,
        seed: int | None = None,
        media_type: str = "application/json",
    ) -> list[Any]:
        """`n` conforming bodies from the direct sampler (fast; a seed repeats them)."""
        from .generate import sample_bodies

        return sample_bodies(
            self, operation_id, status, n, seed=seed, media_type=media_type
        )

    def sample_invalid_bodies(
        self,
        operation_id: str,
        status: int | str | None = None,
        n: int = 10,
        *,
        seed: int | None = None,
        media_type: str = "application/json",
        rules: Iterable[str] | None = None,
    ) -> list[Mutation]:
        """Up to `n` `generate.Mutation`s from the direct sampler, rules in turn."""
        from .generate import sample_invalid_bodies

        return sample_invalid_bodies(
            self,
            operation_id,
            status,
            n,
            seed=seed,
            media_type=media_type,
            rules=_rule_names(rules),
        )

    def bodies(
        self,
        operation_ids: Iterable[str] | None = None,
        *,
        errors: list[SpecError] | None = None,
    ) -> Iterator[Body]:
        """Every JSON response body schema of the chosen operations, compiled.

        With `errors`, a SpecError (an operation that does not index, a schema that
        does not compile) is added to it, once each, and the rest goes on."""
        if errors is None:
            ids = list(operation_ids) if operation_ids else list(self.operations)
        else:
            indexed = self.spec.indexed_operations()  # fills spec.index_errors
            _add_errors(errors, self.spec.index_errors)
            ids = list(operation_ids or indexed)
        for op_id in ids:
            try:
                op = self.operation(op_id) if errors is None else self._lenient(op_id)
            except SpecError as exc:  # a chosen operation that does not index
                if errors is None:
                    raise
                _add_errors(errors, [exc])
                continue
            for status, response in op.responses.items():
                for name, media in response.content.items():
                    if media.schema is None or not is_json_media_type(name):
                        continue
                    try:
                        compiled = self.compiled(op_id, status, name)
                    except SpecError as exc:
                        if errors is None:
                            raise
                        _add_errors(errors, [exc])
                        continue
                    if compiled is not None:
                        yield Body(op, status, name, compiled)

    def _lenient(self, operation_id: str) -> Operation:
        found = self.spec.indexed_operations().get(operation_id)
        return found if found is not None else self.operation(operation_id)

    def lint(self, *, errors: list[SpecError] | None = None) -> list[Finding]:
        """Spec defects that change verdicts (see lint.py). With `errors`, every
        SpecError met on the way is added to it and linting goes on."""
        from .lint import lint

        return lint(self, errors=errors)


def _add_errors(errors: list[SpecError], new: Iterable[SpecError]) -> None:
    """Add each error once (the same broken component is reached many times)."""
    seen = {str(e) for e in errors}
    for exc in new:
        if str(exc) not in seen:
            seen.add(str(exc))
            errors.append(exc)


def check_compiled(compiled: CompiledSchema, compiler: Compiler, spec: Spec) -> None:
    """A compiled schema its metaschema rejects comes from a malformed spec schema
    (`type: file`, `enum: abc`, `minimum: '1'`): a SpecError naming that schema."""
    import jsonschema

    try:  # the compiled engine answers "valid" in microseconds; explain with Python
        import jsonschema_rs

        if jsonschema_rs.meta.is_valid(compiled.schema):
            return
    except Exception:  # noqa: BLE001 - absent or unsure: the Python check decides
        pass
    cls = jsonschema.validators.validator_for(compiled.schema)
    error = jsonschema.exceptions.best_match(
        cls(cls.META_SCHEMA).iter_errors(compiled.schema)
    )
    if error is None:
        return
    node: Any = compiled.schema
    where = compiler.map.origin.get(id(node), compiled.location)
    for token in error.absolute_path:  # the nearest compiled node with an origin
        node = node[token] if isinstance(node, (dict, list)) else None
        where = compiler.map.origin.get(id(node), where)
    keyword = str(error.absolute_path[-1]) if error.absolute_path else ""
    raise spec.error(
        where,
        f"invalid schema{f' ({keyword})' if keyword else ''}: {error.message[:200]}",
    )


def _check_format_arguments(
    name: object, check: object, strategy: object, description: object
) -> None:
    if not isinstance(name, str) or not name.strip():
        raise TypeError(
            f"register_format: name must be a non-empty string, not {name!r}"
        )
    if not callable(check):
        raise TypeError(
            f"register_format({name!r}, check): check must be a function "
            f"taking the text and returning True or False, not {_kind(check)}"
        )
    if strategy is not None and not callable(strategy):
        raise TypeError(
            f"register_format({name!r}, strategy=...): strategy must be a function "
            f"returning a hypothesis strategy of valid texts, not {_kind(strategy)}"
        )
    if not isinstance(description, str):
        raise TypeError(
            f"register_format({name!r}, description=...): must be a string, "
            f"not {_kind(description)}"
        )


def _kind(value: object) -> str:
    return f"{type(value).__name__} {value!r}"[:80]


def _location(path_or_url: object) -> str:
    """The spec location `load_contract` was given, or a clear error."""
    if isinstance(path_or_url, os.PathLike):
        path_or_url = os.fspath(path_or_url)
    if isinstance(path_or_url, bytes) or not isinstance(path_or_url, str):
        raise TypeError(
            "load_contract: expected the path or http(s) URL of an OpenAPI document "
            f"(a str or pathlib.Path), not {_kind(path_or_url)}"
        )
    if not path_or_url.strip():
        raise UsageError(
            "load_contract: the spec location is empty; pass the path or http(s) "
            "URL of an OpenAPI document"
        )
    return path_or_url


def _rule_names(rules: Iterable[str] | None) -> tuple[str, ...] | None:
    """Mutation rule names as a tuple; one name alone (a str) is one rule, not its
    letters."""
    if rules is None:
        return None
    return (rules,) if isinstance(rules, str) else tuple(rules)


def load_contract(
    path_or_url: str | os.PathLike[str],
    *,
    nullable: str = "common",
    formats: Mapping[str, bool] | None = None,
    engine: str = "auto",
    mirrors: Mapping[str, str] | None = None,
) -> Contract:
    """Load an OpenAPI document (path or http(s) URL, YAML or JSON) as a contract.

    `nullable="strict"` follows OpenAPI 3.0.3 (nullable counts only beside `type`);
    `formats={"uuid": False}` stops asserting a format (`{"*": False}`: all of them);
    `mirrors={"https://schemas.example.com/": "vendor/schemas"}` reads the documents
    `$ref`s name under a URI prefix from a local folder instead of the network.
    """
    return Contract(
        Spec.load(_location(path_or_url), mirrors=mirrors),
        nullable=nullable,
        formats=formats,
        engine=engine,
    )
