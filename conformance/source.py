"""Load one OpenAPI document (YAML or JSON, from a path or URL) into JSON data.

This module owns reading bytes, parsing them safely and remembering where each
node came from: a `Document` holds the JSON-compatible data and a map from JSON
pointer to 1-based line, so later errors can name `openapi.yaml:11374`. It also
owns the JSON pointer and URI helpers that `$ref` resolution builds on; it does
not resolve `$ref`s itself.

YAML goes through the composer only (never a constructor that can run code):
the node graph is measured first, so alias bombs, recursive aliases and deep
nesting are refused before any value is built, then values are built
iteratively from the nodes. `<<` merge keys are supported with YAML 1.1
semantics (own keys win, then earlier merged mappings).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import url2pathname

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from conformance.errors import SpecError

__all__ = [
    "MAX_DEPTH",
    "Document",
    "join_uri",
    "load_document",
    "parse_document",
    "pointer_join",
    "pointer_parts",
]

MAX_DEPTH = 500
"""Deepest nesting accepted (aliases and merges included); real specs stay < 50."""

# libyaml's loader is ~10x faster; it is not a SafeLoader subclass, hence Any.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML = "tag:yaml.org,2002:"
_MERGE = _YAML + "merge"
_MAP, _SEQ = _YAML + "map", _YAML + "seq"
_SAFE_ONLY = (
    "only safe YAML (mappings, lists, strings, numbers, booleans, null) is accepted"
)
_CONSTRUCTOR = SafeConstructor()
_Pending = tuple[Node, str, Any, Any]  # node, its pointer, container, slot


@dataclass(frozen=True, slots=True)
class Document:
    """One parsed OpenAPI document: its data and where each node was written."""

    uri: str
    data: Any
    lines: Mapping[str, int] = field(default_factory=dict)

    def line(self, pointer: str) -> int | None:
        """Line of `pointer`, else of its nearest ancestor that has one, else None."""
        while True:
            found = self.lines.get(pointer)
            if found is not None:
                return found
            if not pointer:
                return None
            pointer = pointer[: pointer.rfind("/")] if "/" in pointer else ""


# --- JSON pointers and URIs -------------------------------------------------


def pointer_join(pointer: str, *parts: str | int) -> str:
    """Append tokens to a JSON pointer, escaping `~` and `/` (RFC 6901)."""
    return pointer + "".join("/" + _escape(str(part)) for part in parts)


# Members whose values are data, not schemas: a walk over schemas does not enter them.
DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples"})


def mappings(
    tree: Any, *, skip: frozenset[str] = frozenset()
) -> Iterator[dict[str, Any]]:
    """Every mapping in a JSON tree, depth first, without entering members named in
    `skip`. A caller may change the mapping it was given: its members are read when
    the walk resumes."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(v for k, v in node.items() if k not in skip)
        elif isinstance(node, list):
            stack.extend(node)


def pointer_parts(pointer: str) -> list[str]:
    """Split a JSON pointer into unescaped tokens ("" is the root: [])."""
    if not pointer:
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer (must start with '/'): {pointer!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _escape(token: str) -> str:
    if "~" in token or "/" in token:
        return token.replace("~", "~0").replace("/", "~1")
    return token


def join_uri(base: str, ref: str) -> str:
    """Resolve a reference (its #fragment dropped) against a document uri."""
    ref = ref.partition("#")[0]
    scheme = urlsplit(ref).scheme.lower()
    if scheme in ("http", "https") or (scheme != "file" and _SCHEME.match(ref)):
        return ref  # another scheme: load_document says it is not supported
    if scheme == "file":
        return _file_url_path(ref)
    if _is_url(base):
        return urljoin(base, ref)
    if not ref:
        return os.path.abspath(base)
    # A $ref is a URI reference, so "my%20file.yaml" names "my file.yaml".
    return os.path.abspath(os.path.join(os.path.dirname(base), unquote(ref)))


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")


def _is_url(location: str) -> bool:
    return location[:8].lower().startswith(("http://", "https://"))


def _file_url_path(url: str) -> str:
    return os.path.abspath(url2pathname(urlsplit(url).path))


# --- Loading ----------------------------------------------------------------


def load_document(
    location: str, *, max_nodes: int = 5_000_000, timeout: float = 30.0
) -> Document:
    """Read and parse the document at a path, `file://` URL or http(s) URL."""
    scheme = _SCHEME.match(location)
    if scheme and scheme.group(1).lower() not in ("http", "https", "file"):
        raise SpecError(
            location,
            "",
            f"URL scheme {scheme.group(1)!r} is not supported: give a file path, "
            "a file:// URL or an http(s) URL",
        )
    if _is_url(location):
        return parse_document(_fetch(location, timeout), location, max_nodes=max_nodes)
    if location[:7].lower() == "file://":
        location = _file_url_path(location)
    uri = os.path.abspath(location)
    return parse_document(_read_file(location, uri), uri, max_nodes=max_nodes)


def _read_file(location: str, uri: str) -> bytes:
    try:
        with open(location, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        reason = f"file not found: {location} (check --spec or [tool.conformance] spec)"
    except IsADirectoryError:
        reason = f"{location} is a directory (point --spec at the OpenAPI file itself)"
    except PermissionError:
        reason = f"cannot read {location}: permission denied (check its permissions)"
    except OSError as exc:
        reason = f"cannot read {location}: {exc.strerror or exc}"
    raise SpecError(uri, "", reason)


def _fetch(url: str, timeout: float) -> bytes:
    import httpx  # here, so importing this module stays cheap

    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=True)
    except httpx.TimeoutException:
        raise SpecError(
            url, "", f"timed out after {timeout:g}s fetching the spec"
        ) from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise SpecError(
            url, "", f"cannot fetch the spec: {type(exc).__name__}: {exc}"
        ) from None
    if not response.is_success:
        status = f"{response.status_code} {response.reason_phrase}".strip()
        raise SpecError(url, "", f"fetching the spec answered HTTP {status}")
    return response.content


def parse_document(
    text: str | bytes, uri: str, *, max_nodes: int = 5_000_000
) -> Document:
    """Parse YAML or JSON text (no I/O) into a `Document` named `uri`.

    `max_nodes` bounds YAML alias expansion; JSON has no aliases, so its size
    is bounded by the text itself.
    """
    text = _decode(text, uri)
    if text.lstrip()[:1] in ("{", "["):
        return _parse_json(text, uri)
    data, lines = _build(_compose(text, uri), uri, max_nodes)
    return Document(uri, data, lines)


def _decode(text: str | bytes, uri: str) -> str:
    if isinstance(text, bytes):
        try:
            return text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SpecError(
                uri, "", f"not UTF-8 (byte {exc.start}); save the file as UTF-8"
            ) from None
    return text.removeprefix("\ufeff")


def _not_a_mapping(uri: str, found: str, line: int | None = None) -> SpecError:
    return SpecError(
        uri,
        "",
        f"an OpenAPI document must be a mapping at the top level, found {found}",
        line,
    )


# --- JSON -------------------------------------------------------------------


class _NotJSONError(ValueError):
    """A number JSON cannot carry (NaN, Infinity, overflow)."""


def _reject_constant(name: str) -> Any:
    raise _NotJSONError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotJSONError(f"{text} is not a JSON number (out of range)")
    return value


def _parse_json(text: str, uri: str) -> Document:
    try:
        data = json.loads(
            text, parse_constant=_reject_constant, parse_float=_finite_float
        )
    except json.JSONDecodeError as exc:
        reason = f"invalid JSON: {exc.msg} (column {exc.colno})"
        raise SpecError(uri, "", reason, exc.lineno) from None
    except _NotJSONError as exc:
        raise SpecError(uri, "", f"invalid JSON: {exc}") from None
    except RecursionError:
        raise SpecError(uri, "", "invalid JSON: nested too deeply to load") from None
    if not isinstance(data, dict):
        raise _not_a_mapping(uri, "a list" if isinstance(data, list) else "a scalar")
    from .json_lines import JsonLines  # it builds on this module's pointer helpers

    # Lines are found lazily, only for the pointers an explanation or finding shows.
    return Document(uri, data, JsonLines(text))


# --- YAML: compose, measure, build ------------------------------------------


def _compose(text: str, uri: str) -> MappingNode:
    try:
        loader = _Loader(text)  # the pure-Python reader checks characters here
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, uri) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, uri) from None
    except yaml.YAMLError as exc:
        raise SpecError(uri, "", f"invalid YAML: {_one_line(str(exc))}") from None
    except RecursionError:  # the pure-Python composer recurses per level
        raise SpecError(uri, "", "invalid YAML: nested too deeply to load") from None
    if root is None:
        raise _not_a_mapping(uri, "an empty document")
    if not isinstance(root, MappingNode):
        raise _not_a_mapping(uri, _kind(root), _line(root))
    return root


def _yaml_error(exc: yaml.MarkedYAMLError, uri: str) -> SpecError:
    mark, context = exc.problem_mark, exc.context_mark
    words = [part for part in (exc.context, exc.problem) if part]
    reason = "invalid YAML: " + _one_line(", ".join(words) or str(exc))
    if mark is None:
        return SpecError(uri, "", reason)
    where = f"column {mark.column + 1}"
    if context is not None and context.line != mark.line:
        where += f"; it started on line {context.line + 1}"
    return SpecError(uri, "", f"{reason} ({where})", mark.line + 1)


def _reader_error(exc: yaml.reader.ReaderError, text: str, uri: str) -> SpecError:
    """Name the forbidden character and its line (the reader gives an offset)."""
    if not isinstance(exc.character, int):
        return SpecError(uri, "", f"invalid YAML: {exc.reason}")
    offset = text.find(chr(exc.character))
    line = text.count("\n", 0, offset) + 1 if offset >= 0 else None
    reason = f"invalid YAML: character U+{exc.character:04X} is not allowed in YAML"
    return SpecError(uri, "", reason, line)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    return "a list" if isinstance(node, SequenceNode) else "a scalar"


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [child for pair in node.value for child in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _measure(root: Node, uri: str, max_nodes: int) -> None:
    """Refuse alias bombs, recursive aliases and deep nesting without expanding.

    Each collection's expanded size and depth is computed once (memoised on
    node identity), so the cost is linear in the distinct nodes written.
    """
    done: dict[int, tuple[int, int]] = {}
    open_ids: set[int] = set()
    shared = False
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finishing = stack.pop()
        ident = id(node)
        if finishing:
            size, depth = 1, 1
            for child in _children(node):
                child_size, child_depth = done.get(id(child), (1, 1))
                size, depth = size + child_size, max(depth, child_depth + 1)
            _check_measure(node, uri, size, depth, max_nodes, shared)
            done[ident] = (size, depth)
            open_ids.discard(ident)
        elif ident in done:
            shared = True
        elif ident in open_ids:
            reason = "a YAML alias refers to its own anchor (a recursive alias)"
            raise SpecError(uri, "", reason, _line(node))
        else:
            open_ids.add(ident)
            stack.append((node, True))
            stack.extend(
                (child, False)
                for child in _children(node)
                if not isinstance(child, ScalarNode)
            )


def _check_measure(
    node: Node, uri: str, size: int, depth: int, max_nodes: int, shared: bool
) -> None:
    if depth > MAX_DEPTH:
        reason = f"the document nests more than {MAX_DEPTH} levels deep; refusing it"
        raise SpecError(uri, "", reason, _line(node))
    if size > max_nodes:
        reason = f"the document has more than {max_nodes:,} nodes"
        if shared:
            reason = (
                f"the document expands to more than {max_nodes:,} nodes through"
                ' YAML aliases (a "billion laughs" document?)'
            )
        raise SpecError(uri, "", reason + "; refusing to load it", _line(node))


def _build(root: MappingNode, uri: str, max_nodes: int) -> tuple[Any, dict[str, int]]:
    """Measure the node graph, then build its JSON value and line map."""
    _measure(root, uri, max_nodes)
    builder = _Builder(uri)
    return builder.build(root), builder.lines


class _Builder:
    """Builds JSON values from nodes without recursion, recording each node's line.

    Containers are created (keys in order) before their children are built, so
    a stack of (node, pointer, container, slot) replaces the call stack.
    """

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.lines: dict[str, int] = {}
        self.pending: list[_Pending] = []

    def build(self, root: Node) -> Any:
        self.lines[""] = _line(root)
        holder: list[Any] = [None]
        self.pending.append((root, "", holder, 0))
        while self.pending:
            node, pointer, container, slot = self.pending.pop()
            container[slot] = self._value(node, pointer)
        return holder[0]

    def _value(self, node: Node, pointer: str) -> Any:
        if isinstance(node, ScalarNode):
            return _scalar(node, self.uri, pointer)
        if isinstance(node, SequenceNode):
            return self._list(node, pointer)
        return self._dict(node, pointer)

    def _list(self, node: SequenceNode, pointer: str) -> list[Any]:
        _check_tag(node, _SEQ, self.uri, pointer)
        items: list[Any] = [None] * len(node.value)
        for index, item in enumerate(node.value):
            item_pointer = f"{pointer}/{index}"
            self.lines[item_pointer] = _line(item)
            self.pending.append((item, item_pointer, items, index))
        return items

    def _dict(self, node: MappingNode, pointer: str) -> dict[str, Any]:
        _check_tag(node, _MAP, self.uri, pointer)
        members: dict[str, tuple[Node, Node]] = {}
        for key, value in _members(node, self.uri, pointer):
            members[_key_text(key, self.uri, pointer)] = (key, value)  # last wins
        result: dict[str, Any] = dict.fromkeys(members)
        for name, (key, value) in members.items():
            member_pointer = pointer + "/" + _escape(name)
            self.lines[member_pointer] = _line(key)
            self.pending.append((value, member_pointer, result, name))
        return result


def _members(node: MappingNode, uri: str, pointer: str) -> list[tuple[Node, Node]]:
    """Key/value pairs with `<<` merges applied: later pairs override earlier ones."""
    merged: list[tuple[Node, Node]] = []
    own: list[tuple[Node, Node]] = []
    for key, value in node.value:
        if not (isinstance(key, ScalarNode) and key.tag == _MERGE):
            own.append((key, value))
            continue
        sources = value.value if isinstance(value, SequenceNode) else [value]
        for source in reversed(sources):  # earlier merged mappings take precedence
            if not isinstance(source, MappingNode):
                reason = "a '<<' merge key needs a mapping or a list of mappings"
                raise SpecError(uri, pointer, reason, _line(key))
            _check_tag(source, _MAP, uri, pointer)
            merged.extend(_members(source, uri, pointer))
    return merged + own


def _key_text(key: Node, uri: str, pointer: str) -> str:
    if not isinstance(key, ScalarNode):
        reason = f"mapping keys must be plain scalars, found {_kind(key)} as a key"
        raise SpecError(uri, pointer, reason, _line(key))
    if key.tag not in _SCALARS:
        raise _unsafe_tag(key, uri, pointer)
    return key.value  # raw text: `200:` is "200", `on:` is "on"


def _check_tag(node: Node, expected: str, uri: str, pointer: str) -> None:
    if node.tag != expected:
        raise _unsafe_tag(node, uri, pointer)


def _unsafe_tag(node: Node, uri: str, pointer: str) -> SpecError:
    tag = node.tag.replace(_YAML, "!!", 1) if node.tag.startswith(_YAML) else node.tag
    reason = f"YAML tag {tag} is not accepted: {_SAFE_ONLY}"
    return SpecError(uri, pointer, reason, _line(node))


def _as_text(node: ScalarNode) -> str:
    return node.value


def _as_null(node: ScalarNode) -> None:
    return None


def _as_float(node: ScalarNode) -> float:
    value = _CONSTRUCTOR.construct_yaml_float(node)
    if not math.isfinite(value):
        raise _NotJSONError(f"{node.value} is not a JSON number (no infinity or NaN)")
    return value


# OpenAPI recommends YAML 1.2, whose core schema reads only true/false as booleans
# and base-10 digits as decimal: `enum: [yes, no]` and country code `NO` stay strings,
# `010` is ten (YAML 1.1 would give booleans and an octal 8).
_BOOLEANS_12 = {"true": True, "True": True, "TRUE": True}
_BOOLEANS_12 |= {"false": False, "False": False, "FALSE": False}
_DECIMAL_12 = re.compile(r"[-+]?[0-9]+")
_OCTAL_12 = re.compile(r"0o[0-7]+")
_HEX_12 = re.compile(r"0x[0-9a-fA-F]+")


def _as_bool(node: ScalarNode) -> bool | str:
    return _BOOLEANS_12.get(node.value, node.value)


def _as_int(node: ScalarNode) -> int | str:
    text = node.value
    if _DECIMAL_12.fullmatch(text):
        return int(text, 10)
    if _OCTAL_12.fullmatch(text):
        return int(text[2:], 8)
    if _HEX_12.fullmatch(text):
        return int(text[2:], 16)
    _CONSTRUCTOR.construct_yaml_int(node)  # `!!int abc`: refused as before
    return text  # 1.1-only forms (0b1010, 1_000, 1:30) are strings in 1.2


_SCALARS: dict[str, Callable[[ScalarNode], Any]] = {
    _YAML + "str": _as_text,
    _YAML + "null": _as_null,
    _YAML + "bool": _as_bool,
    _YAML + "int": _as_int,
    _YAML + "float": _as_float,
    _YAML + "timestamp": _as_text,  # keep "2024-01-01" as written, not a date
    _YAML + "binary": _as_text,  # keep the base64 text, not bytes
    _MERGE: _as_text,  # `<<` outside a key is just text
}


def _scalar(node: ScalarNode, uri: str, pointer: str) -> Any:
    convert = _SCALARS.get(node.tag)
    if convert is None:
        raise _unsafe_tag(node, uri, pointer)
    try:
        return convert(node)
    except _NotJSONError as exc:
        raise SpecError(uri, pointer, str(exc), _line(node)) from None
    except (ValueError, KeyError):
        reason = f"cannot read {node.value!r} as {node.tag.replace(_YAML, '!!', 1)}"
        raise SpecError(uri, pointer, reason, _line(node)) from None
