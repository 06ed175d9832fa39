"""The OpenAPI document: documents by URI, `$ref` resolution, the operation index.

`Spec.load()` reads the root document (see source.py), follows `$ref`s into other files
or URLs on demand, and indexes operations by `operationId`. Schemas are compiled
elsewhere (compiler.py); this module only finds them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from .errors import SpecError, UsageError
from .model import Finding
from .source import Document, join_uri, load_document, pointer_join, pointer_parts

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_RANGE = re.compile(r"^[1-5]XX$")


@dataclass(frozen=True)
class Location:
    """A node of a document: the document's URI and the JSON pointer in it."""

    uri: str
    pointer: str


@dataclass(frozen=True)
class MediaType:
    name: str
    schema: Location | None  # None: the media type documents no schema


@dataclass(frozen=True)
class Response:
    status: str  # "200", "2XX" or "default", as the document spells it
    location: Location
    description: str
    content: Mapping[str, MediaType]

    @property
    def has_body(self) -> bool:
        return bool(self.content)


@dataclass(frozen=True)
class Parameter:
    name: str
    where: str  # "path" | "query" | "header" | "cookie"
    required: bool
    schema: Location | None
    location: Location


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    location: Location
    responses: Mapping[str, Response]
    parameters: tuple[Parameter, ...] = ()
    security: tuple[Mapping[str, Any], ...] = ()

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def response_for(self, status: int) -> Response | None:
        """The documented response for a status: exact, then `2XX`, then default."""
        exact = self.responses.get(str(status))
        if exact is not None:
            return exact
        ranged = self.responses.get(f"{status // 100}XX") or self.responses.get(
            f"{status // 100}xx"
        )
        return ranged if ranged is not None else self.responses.get("default")

    def success_status(self) -> str:
        """The single 2xx response key, for commands where `--status` is omitted."""
        keys = [k for k in self.responses if k.startswith("2")]
        if len(keys) == 1:
            return keys[0]
        if not keys:
            raise UsageError(
                f"{self.operation_id} documents no 2xx response; pass --status "
                f"(documented: {', '.join(self.responses) or 'none'})"
            )
        raise UsageError(
            f"{self.operation_id} documents several 2xx responses "
            f"({', '.join(keys)}); pass --status"
        )


@dataclass
class Spec:
    """The root document, the documents its `$ref`s reached, and the operation index."""

    root: Document
    documents: dict[str, Document] = field(default_factory=dict)
    warnings: list[Finding] = field(default_factory=list)
    _operations: dict[str, Operation] | None = None
    index_errors: list[SpecError] = field(default_factory=list)
    _failed: dict[str, SpecError] = field(default_factory=dict)  # by operationId
    _warned: set[tuple[str, str, str]] = field(default_factory=set)

    @classmethod
    def load(cls, location: str) -> Spec:
        root = load_document(location)
        spec = cls(root=root, documents={root.uri: root})
        spec._check_version()
        return spec

    # -- documents and references -------------------------------------------------

    @property
    def version(self) -> str:
        return str(self.root.data.get("openapi", ""))

    @property
    def is_31(self) -> bool:
        return self.version.startswith("3.1")

    def _check_version(self) -> None:
        data = self.root.data
        if "swagger" in data:
            raise SpecError(
                self.root.uri,
                "/swagger",
                "Swagger 2.0 is not supported; convert the document to OpenAPI 3.0",
                self.root.line("/swagger"),
            )
        if not re.match(r"^3\.[01]\.\d+", self.version):
            raise SpecError(
                self.root.uri,
                "/openapi",
                f"expected an OpenAPI 3.0 or 3.1 document, "
                f"found openapi: {data.get('openapi')!r}",
                self.root.line("/openapi"),
            )

    def document(self, uri: str) -> Document:
        doc = self.documents.get(uri)
        if doc is None:
            doc = self.documents[uri] = load_document(uri)
        return doc

    def node(self, loc: Location) -> Any:
        """The node at `loc`; SpecError if the pointer does not exist."""
        node: Any = self.document(loc.uri).data
        for token in pointer_parts(loc.pointer):
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise KeyError(token)
        return node

    def line(self, loc: Location) -> int | None:
        doc = self.documents.get(loc.uri)
        return doc.line(loc.pointer) if doc is not None else None

    def error(self, loc: Location, reason: str) -> SpecError:
        return SpecError(loc.uri, loc.pointer, reason, self.line(loc))

    def warn(self, loc: Location, code: str, message: str) -> None:
        """Record a normalised defect once per (file, pointer, code)."""
        if (loc.uri, loc.pointer, code) in self._warned:
            return
        self._warned.add((loc.uri, loc.pointer, code))
        self.warnings.append(
            Finding(loc.pointer, code, message, self.line(loc), loc.uri)
        )

    def ref_target(self, ref: Any, where: Location) -> Location:
        """Where the `$ref` standing at `where` points; SpecError if it dangles."""
        if not isinstance(ref, str):
            raise self.error(where, f"$ref must be a string, found {ref!r}")
        base, _, fragment = ref.partition("#")
        fragment = unquote(fragment)  # a URI fragment is percent-encoded (RFC 6901 §6)
        uri = join_uri(where.uri, base) if base else where.uri
        if _is_url(where.uri) and not _is_url(uri):
            raise self.error(
                where,
                f"$ref {ref!r} in a remote document points at a local file; "
                "refused (a fetched spec may only refer to URLs)",
            )
        target = Location(uri, fragment)
        if fragment and not fragment.startswith("/"):
            raise self.error(
                where,
                f"$ref {ref!r}: the part after '#' must be a JSON pointer starting "
                f"with '/' (did you mean '#/{fragment}'?)",
            )
        try:
            self.node(target)
        except KeyError as exc:
            raise self.error(
                where,
                f"dangling $ref {ref!r}: {uri if base else 'this document'} "
                f"has no {exc.args[0]!r} at #{fragment}",
            ) from None
        except SpecError as exc:
            raise self.error(where, f"cannot follow $ref {ref!r}: {exc}") from None
        return target

    def deref(self, loc: Location) -> tuple[Location, Any]:
        """Follow a chain of `$ref`s from `loc` to a node that is not a reference."""
        seen = {loc}
        node = self.node(loc)
        while isinstance(node, dict) and "$ref" in node:
            loc = self.ref_target(node["$ref"], pointer_loc(loc, "$ref"))
            if loc in seen:
                raise self.error(loc, "circular $ref chain")
            seen.add(loc)
            node = self.node(loc)
        return loc, node

    # -- operations -----------------------------------------------------------------

    @property
    def operations(self) -> dict[str, Operation]:
        """The operation index; SpecError (the first) if an operation is malformed."""
        operations = self.indexed_operations()
        if self.index_errors:
            raise self.index_errors[0]
        return operations

    def indexed_operations(self) -> dict[str, Operation]:
        """The operations that index cleanly; the others' SpecErrors are kept in
        `index_errors` (for commands that report every error and go on)."""
        if self._operations is None:
            self._operations = dict(self._index())
        return self._operations

    def operation(self, operation_id: str) -> Operation:
        """One operation; another one that is malformed does not stand in the way."""
        known = self.indexed_operations()
        op = known.get(operation_id)
        if op is not None:
            return op
        if operation_id in self._failed:  # this very operation: say what is wrong
            raise self._failed[operation_id]
        names = [*known, *self._failed]
        near = difflib.get_close_matches(operation_id, names, n=1, cutoff=0.6)
        if not near:
            lowered = {k.lower(): k for k in names}
            near = (
                [lowered[operation_id.lower()]]
                if operation_id.lower() in lowered
                else []
            )
        hint = f"; did you mean {near[0]!r}?" if near else ""
        if not near and self.index_errors:  # perhaps one whose id cannot be read
            hint = (
                f"; {len(self.index_errors)} operation(s) could not be read, "
                f"the first: {self.index_errors[0]}"
            )
        raise UsageError(
            f"{self.root.uri}: no operation with operationId {operation_id!r}{hint}"
        )

    def _index(self) -> Iterator[tuple[str, Operation]]:
        root = Location(self.root.uri, "")
        paths = self.root.data.get("paths") or {}
        if not isinstance(paths, dict):
            # kept, not raised: lenient commands still read the components
            self.index_errors.append(
                self.error(pointer_loc(root, "paths"), "paths must be a mapping")
            )
            return
        seen: dict[str, Location] = {}
        for path in paths:
            try:
                item_loc, item = self.deref(pointer_loc(root, "paths", path))
            except SpecError as exc:
                self.index_errors.append(exc)
                continue
            if not isinstance(item, dict):
                continue
            shared = item.get("parameters") or []
            for method in METHODS:
                if not isinstance(item.get(method), dict):
                    continue
                try:
                    op = self._indexed(path, method, item_loc, shared)
                    if op.operation_id in seen:
                        raise self.error(
                            pointer_loc(op.location, "operationId"),
                            f"duplicate operationId {op.operation_id!r} (also at "
                            f"#{seen[op.operation_id].pointer})",
                        )
                except SpecError as exc:
                    self.index_errors.append(exc)
                    failed_id = self._operation_id(pointer_loc(item_loc, method))
                    if failed_id:
                        self._failed.setdefault(failed_id, exc)
                    continue
                seen[op.operation_id] = op.location
                yield op.operation_id, op

    def _operation_id(self, op_loc: Location) -> str:
        """The operationId of an operation that did not index, if it can be read."""
        try:
            _, node = self.deref(op_loc)
        except (KeyError, SpecError):
            return ""
        found = node.get("operationId") if isinstance(node, dict) else None
        return found if isinstance(found, str) else ""

    def _indexed(
        self, path: str, method: str, item_loc: Location, shared: list[Any]
    ) -> Operation:
        op_loc = pointer_loc(item_loc, method)
        ref = self.node(op_loc).get("$ref")
        if ref is not None:  # DigitalOcean style: `get: {$ref: resources/….yml}`
            op_loc, _ = self.deref(op_loc)
            self.warn(
                pointer_loc(item_loc, method, "$ref"),
                "operation-ref",
                f"operation written as $ref {ref!r}: not standard OpenAPI 3.0 (a "
                "Path Item's operations cannot be references); followed",
            )
        try:
            return self._operation(path, method, op_loc, shared, item_loc)
        except (AttributeError, TypeError, KeyError, ValueError) as exc:
            raise self.error(
                op_loc,
                "malformed operation: a responses, content or parameters "
                f"entry is not the mapping or list OpenAPI requires ({exc})",
            ) from None

    def _operation(
        self, path: str, method: str, loc: Location, shared: list[Any], item: Location
    ) -> Operation:
        raw = self.node(loc)
        op_id = raw.get("operationId") or f"{method.upper()} {path}"
        responses_loc = pointer_loc(loc, "responses")
        responses: dict[str, Response] = {}
        for status in raw.get("responses") or {}:
            key = str(status)
            if not (key.isdigit() or _RANGE.match(key.upper()) or key == "default"):
                self.warn(
                    pointer_loc(responses_loc, key),
                    "unknown-status-key",
                    f"response key {key!r} is not a status code, NXX or default",
                )
                continue
            name = key.upper() if "X" in key.upper() else key  # "4xx" is "4XX"
            responses[name] = self._response(name, pointer_loc(responses_loc, key))
        params: dict[tuple[str, str], Parameter] = {}
        for base, items in ((item, shared), (loc, raw.get("parameters") or [])):
            for i, _ in enumerate(items):
                p_loc, p = self.deref(pointer_loc(base, "parameters", i))
                if isinstance(p, dict) and "name" in p and "in" in p:
                    schema = pointer_loc(p_loc, "schema") if "schema" in p else None
                    params[(p["name"], p["in"])] = Parameter(
                        p["name"],
                        p["in"],
                        bool(p.get("required")) or p["in"] == "path",
                        schema,
                        p_loc,
                    )
        security = raw.get("security", self.root.data.get("security")) or []
        return Operation(
            op_id, method, path, loc, responses, tuple(params.values()), tuple(security)
        )

    def _response(self, status: str, loc: Location) -> Response:
        loc, raw = self.deref(loc)
        content: dict[str, MediaType] = {}
        for name, media in (raw.get("content") or {}).items():
            m_loc = pointer_loc(loc, "content", name)
            schema = None
            if isinstance(media, dict) and "schema" in media:
                schema = pointer_loc(m_loc, "schema")
            content[name] = MediaType(name, schema)
        return Response(status, loc, str(raw.get("description", "")), content)


def _is_url(uri: str) -> bool:
    return uri.startswith(("http://", "https://"))


def pointer_loc(loc: Location, *parts: str | int) -> Location:
    return Location(loc.uri, pointer_join(loc.pointer, *parts))


def media_type_matches(documented: str, received: str) -> bool:
    """`application/json; charset=utf-8` matches `application/json`, `*/*`, `*/json`."""
    doc = documented.split(";")[0].strip().lower()
    got = received.split(";")[0].strip().lower()
    if doc in ("*/*", got):
        return True
    major, _, minor = doc.partition("/")
    return minor == "*" and got.startswith(major + "/")


def is_json_media_type(name: str) -> bool:
    base = name.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json") or base == "*/*"
