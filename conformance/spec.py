"""The OpenAPI document: documents by URI, `$ref` resolution, the operation index.

`Spec.load()` reads the root document (see source.py), follows `$ref`s into other files
or URLs on demand, and indexes operations by `operationId`. Schemas are compiled
elsewhere (compiler.py); this module only finds them.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from .errors import SpecError, UsageError
from .model import Finding
from .oas32 import additional_operations, under_self
from .resources import Resources, has_scheme, index, is_2020_12, resolve
from .source import (
    Document,
    join_uri,
    load_document,
    parse_document,
    pointer_join,
    pointer_parts,
)
from .streams import is_sequential
from .swagger2 import is_swagger2, source_ref, translate

METHODS = (
    "get",
    "put",
    "post",
    "delete",
    "options",
    "head",
    "patch",
    "trace",
    "query",  # OpenAPI 3.2
)
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
    # A sequential media type (streams.py): each item must match `item_schema`
    # (3.2 `itemSchema`, or `schema` read as the item schema; see `_item_schema`).
    item_schema: Location | None = None

    @property
    def sequential(self) -> bool:
        return self.item_schema is not None and is_sequential(self.name)


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
    # URI prefix → local folder: documents under the prefix are read from there.
    mirrors: Mapping[str, str] = field(default_factory=dict)
    _resources: dict[str, Resources] = field(default_factory=dict)
    _ids: dict[str, Location] = field(default_factory=dict)  # 3.1: $id → resource

    @classmethod
    def load(cls, location: str, *, mirrors: Mapping[str, str] | None = None) -> Spec:
        """The document at `location`; `mirrors` maps URI prefixes (such as
        `https://schemas.example.com/`) to local folders that hold their documents."""
        root = load_document(location)
        if is_swagger2(root.data) and str(root.data.get("swagger")).startswith("2"):
            root = translate(root)  # read as the equivalent 3.0 (swagger2.py)
        spec = cls(root=root, documents={root.uri: root}, mirrors=dict(mirrors or {}))
        spec._check_version()
        if spec.is_31:
            spec.resources(root.uri)
            dialect = root.data.get("jsonSchemaDialect")
            if dialect is not None and not is_2020_12(dialect):
                spec.warn(
                    Location(root.uri, "/jsonSchemaDialect"),
                    "unsupported-dialect",
                    f"jsonSchemaDialect {dialect!r}: schemas are read as JSON "
                    "Schema 2020-12 (the dialect of OpenAPI 3.1)",
                )
        return spec

    # -- documents and references -------------------------------------------------

    @property
    def version(self) -> str:
        return str(self.root.data.get("openapi", ""))

    @property
    def is_31(self) -> bool:
        """JSON Schema 2020-12 schemas: OpenAPI 3.1 and 3.2."""
        return self.version.startswith(("3.1", "3.2"))

    @property
    def is_32(self) -> bool:
        return self.version.startswith("3.2")

    @property
    def swagger(self) -> bool:
        """The user gave a Swagger 2.0 document (read as its 3.0 translation)."""
        return hasattr(self.root, "renames")

    @property
    def base_path(self) -> str:
        """A Swagger 2.0 `basePath`, prefixed to every route ("" otherwise)."""
        servers = self.root.data.get("servers") if self.swagger else None
        return str(servers[0]["url"]).rstrip("/") if servers else ""

    def pointer(self, loc: Location) -> str:
        """`loc`'s pointer in the file the user gave (a 2.0 file: its own pointer)."""
        doc = self.documents.get(loc.uri)
        source_pointer = getattr(doc, "source_pointer", None)
        return source_pointer(loc.pointer) if source_pointer else loc.pointer

    def _check_version(self) -> None:
        data = self.root.data
        if "swagger" in data:
            raise SpecError(
                self.root.uri,
                "/swagger",
                f"Swagger {data.get('swagger')!r} is not supported; only Swagger 2.0 "
                "and OpenAPI 3.0, 3.1 and 3.2 are (convert it to one of them)",
                self.root.line("/swagger"),
            )
        if not re.match(r"^3\.[012]\.\d+", self.version):
            raise SpecError(
                self.root.uri,
                "/openapi",
                f"expected an OpenAPI 3.0, 3.1 or 3.2 document (or Swagger 2.0), "
                f"found openapi: {data.get('openapi')!r}",
                self.root.line("/openapi"),
            )
        self_uri = data.get("$self")
        if self_uri is not None and not isinstance(self_uri, str):
            raise SpecError(
                self.root.uri,
                "/$self",
                f"$self must be a URI string, found {self_uri!r}",
                self.root.line("/$self"),
            )

    def document(self, uri: str) -> Document:
        doc = self.documents.get(uri)
        if doc is None:
            doc = self.documents[uri] = self._load(uri)
            if self.is_31:
                self.resources(uri)
        return doc

    def _load(self, uri: str) -> Document:
        """A mirror's copy, a bundled metaschema, else the file or URL itself."""
        for prefix, folder in self.mirrors.items():
            if uri.startswith(prefix):
                rest = unquote(uri[len(prefix) :].partition("?")[0])
                path = os.path.join(folder, *rest.split("/"))
                inside = os.path.commonpath(
                    [os.path.abspath(folder), os.path.abspath(path)]
                )
                if inside != os.path.abspath(folder):
                    raise SpecError(uri, "", f"leads outside the mirror {folder}")
                try:
                    with open(path, "rb") as handle:
                        return parse_document(handle.read(), uri)
                except OSError as exc:
                    raise SpecError(
                        uri,
                        "",
                        f"not in the mirror {folder} ({path}: {exc.strerror}); "
                        "add the file or remove the mirror",
                    ) from None
        bundled = _metaschema(uri)
        if bundled is not None:
            return Document(uri, bundled)
        if has_scheme(uri) and urlsplit(uri).scheme.lower() not in (
            "http",
            "https",
            "file",
        ):
            raise SpecError(
                uri,
                "",
                "no schema of this spec has this $id, and it is not a file or URL "
                "to read; check the $id or the $ref",
            )
        return load_document(uri)

    def resources(self, uri: str) -> Resources:
        """The `$id`s and anchors of the document at `uri` (OpenAPI 3.1)."""
        found = self._resources.get(uri)
        if found is None:
            found = self._resources[uri] = index(uri, self.document(uri).data)
            for name, pointer in found.ids.items():
                self._ids.setdefault(name, Location(uri, pointer))
        return found

    def resource_of(self, loc: Location) -> Location:
        """The root of the schema resource that holds `loc` (its nearest `$id`)."""
        return Location(loc.uri, self.resources(loc.uri).resource_of(loc.pointer))

    def dynamic_anchors(self, resource: Location) -> dict[str, Location]:
        """`$dynamicAnchor` name → where it stands, in the resource at `resource`."""
        found = self.resources(resource.uri).dynamic_anchors(resource.pointer)
        return {name: Location(resource.uri, p) for name, p in found.items()}

    def dynamic_target(
        self, ref: Any, where: Location, scope: Mapping[str, Location]
    ) -> Location:
        """Where a `$dynamicRef` points, given the outermost `$dynamicAnchor` of each
        name in the dynamic scope: like `$ref`, unless its target is a dynamic anchor
        of the name it asks for, when the outermost one of that name wins."""
        initial = self.ref_target(ref, where)
        name = unquote(ref.partition("#")[2])
        node = self.node(initial)
        if (
            name in scope
            and isinstance(node, dict)
            and node.get("$dynamicAnchor") == name
        ):
            return scope[name]
        return initial

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
        return SpecError(loc.uri, self.pointer(loc), reason, self.line(loc))

    def warn(self, loc: Location, code: str, message: str) -> None:
        """Record a normalised defect once per (file, pointer, code)."""
        if (loc.uri, loc.pointer, code) in self._warned:
            return
        self._warned.add((loc.uri, loc.pointer, code))
        self.warnings.append(
            Finding(self.pointer(loc), code, message, self.line(loc), loc.uri)
        )

    def ref_target(self, ref: Any, where: Location) -> Location:
        """Where the `$ref` standing at `where` points; SpecError if it dangles."""
        if not isinstance(ref, str):
            raise self.error(where, f"$ref must be a string, found {ref!r}")
        base, _, fragment = ref.partition("#")
        fragment = unquote(fragment)  # a URI fragment is percent-encoded (RFC 6901 §6)
        local = self._under_self(base, where)  # 3.2 $self: this document's URI
        if local != base:
            base, ref_to = local, local + ref[len(base) :]
        else:
            ref_to = ref
        if self.is_31:
            uri = resolve(self.resources(where.uri).base_of(where.pointer), ref_to)
        else:
            uri = join_uri(where.uri, base) if base else where.uri
        if _is_url(where.uri) and not _is_url(uri) and not has_scheme(uri):
            raise self.error(
                where,
                f"$ref {ref!r} in a remote document points at a local file; "
                "refused (a fetched spec may only refer to URLs)",
            )
        target: Location
        if self.is_31:
            target = self._target_31(ref, uri, fragment, where)
        else:
            target = Location(uri, fragment)
        if not self.is_31 and fragment and not fragment.startswith("/"):
            raise self.error(
                where,
                f"$ref {ref!r}: the part after '#' must be a JSON pointer starting "
                f"with '/' (did you mean '#/{fragment}'?)",
            )
        try:
            self.node(target)
        except KeyError as exc:
            named = uri if base or uri != where.uri else "this document"
            raise self.error(
                where,
                f"dangling $ref {self._written(ref)!r}: {named} has no "
                f"{exc.args[0]!r} at #{self._written(fragment)}"
                f"{self._id_hint(where, uri)}",
            ) from None
        except SpecError as exc:
            raise self.error(where, f"cannot follow $ref {ref!r}: {exc}") from None
        return target

    def _written(self, ref: str) -> str:
        """A `$ref` as the user wrote it (a 2.0 file says `#/definitions/…`)."""
        return source_ref(ref) if self.swagger else ref

    def _under_self(self, base: str, where: Location) -> str:
        """3.2 `$self` (oas32.py), for references written in the root document."""
        if where.uri != self.root.uri:
            return base
        return under_self(base, self.root.data.get("$self"))

    def _id_hint(self, where: Location, uri: str) -> str:
        """3.1: when an `$id` changed the base URI, say which one."""
        if not self.is_31:
            return ""
        resources = self.resources(where.uri)
        resource = resources.resource_of(where.pointer)
        if not resource:
            return ""
        return (
            f" (the $id at #{resource} makes {resources.bases[resource]} the base "
            "of references inside it)"
        )

    def _target_31(
        self, ref: str, uri: str, fragment: str, where: Location
    ) -> Location:
        """3.1: the resource named `uri` (an `$id`, else a document), then the
        pointer or the `$anchor` of the fragment inside it."""
        local = self.resources(where.uri).ids.get(uri)
        try:
            resource = (
                Location(where.uri, local) if local is not None else self._ids.get(uri)
            )
            if resource is None:
                resource = self._ids.get(uri, Location(self.document(uri).uri, ""))
        except SpecError as exc:
            raise self.error(where, f"cannot follow $ref {ref!r}: {exc}") from None
        if not fragment or fragment.startswith("/"):
            return Location(resource.uri, resource.pointer + fragment)
        resources = self.resources(resource.uri)
        pointer = resources.anchor(resource.pointer, fragment)
        clash = resources.clashes.get((resource.pointer, fragment))
        if clash:
            raise self.error(
                where,
                f"$ref {ref!r}: {uri} declares the anchor {fragment!r} "
                f"{len(clash)} times (at {', '.join('#' + p for p in sorted(clash))}); "
                "an anchor names one schema of its resource: rename all but one",
            )
        if pointer is None:
            raise self.error(
                where,
                f"$ref {ref!r}: {uri} has no $anchor or $dynamicAnchor {fragment!r}",
            )
        return Location(resource.uri, pointer)

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
            for method, op_loc in self._methods(item, item_loc):
                try:
                    op = self._indexed(path, method, op_loc, item_loc, shared)
                    if op.operation_id in seen:
                        raise self.error(
                            pointer_loc(op.location, "operationId"),
                            f"duplicate operationId {op.operation_id!r} (also at "
                            f"#{seen[op.operation_id].pointer})",
                        )
                except SpecError as exc:
                    self.index_errors.append(exc)
                    failed_id = self._operation_id(op_loc)
                    if failed_id:
                        self._failed.setdefault(failed_id, exc)
                    continue
                seen[op.operation_id] = op.location
                yield op.operation_id, op

    def _methods(
        self, item: dict[str, Any], item_loc: Location
    ) -> Iterator[tuple[str, Location]]:
        """(method, location) of each operation of a path item, 3.2
        `additionalOperations` (`LINK`, `COPY`, ...) included."""
        for method in METHODS:
            if isinstance(item.get(method), dict):
                yield method, pointer_loc(item_loc, method)
        for method, key in additional_operations(item):
            yield method, pointer_loc(item_loc, "additionalOperations", key)

    def _operation_id(self, op_loc: Location) -> str:
        """The operationId of an operation that did not index, if it can be read."""
        try:
            _, node = self.deref(op_loc)
        except (KeyError, SpecError):
            return ""
        found = node.get("operationId") if isinstance(node, dict) else None
        return found if isinstance(found, str) else ""

    def _indexed(
        self,
        path: str,
        method: str,
        op_loc: Location,
        item_loc: Location,
        shared: list[Any],
    ) -> Operation:
        ref = self.node(op_loc).get("$ref")
        if ref is not None:  # DigitalOcean style: `get: {$ref: resources/….yml}`
            written = pointer_loc(op_loc, "$ref")
            op_loc, _ = self.deref(op_loc)
            self.warn(
                written,
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
            item = self._item_schema(name, media, m_loc, schema)
            content[name] = MediaType(name, schema, item)
        return Response(status, loc, str(raw.get("description", "")), content)

    def _item_schema(
        self, name: str, media: Any, m_loc: Location, schema: Location | None
    ) -> Location | None:
        """The schema each streamed item must match: 3.2 `itemSchema` (any media
        type); for a sequential media type without it, `schema` read as the item
        schema (how 3.0/3.1 documents describe streams; `lint` notes it)."""
        if isinstance(media, dict) and "itemSchema" in media:
            return pointer_loc(m_loc, "itemSchema")
        if schema is None or not is_sequential(name):
            return None
        if self.is_32:  # 3.2: `schema` describes the whole stream as an array
            where, node = self.deref(schema)
            if isinstance(node, dict) and isinstance(node.get("items"), dict):
                return pointer_loc(where, "items")
        self.warn(
            schema,
            "stream-schema-as-item-schema",
            f"{name} is a stream: its schema is read as the schema of each item"
            + (" (write it as itemSchema)" if self.is_32 else ""),
        )
        return schema


def _metaschema(uri: str) -> Any:
    """A JSON Schema metaschema shipped with jsonschema (no network), or None."""
    if not uri.startswith(("http://json-schema.org/", "https://json-schema.org/")):
        return None
    from jsonschema_specifications import REGISTRY

    try:
        return copy.deepcopy(REGISTRY.contents(uri.rstrip("#")))
    except LookupError:
        return None


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
