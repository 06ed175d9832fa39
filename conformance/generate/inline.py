"""Closed objects of the sampler compiled to Python source, for speed.

Owns `inline_object`: a closed object of a generation schema (documented members
only, no size bounds) becomes one generated function. Its plain members (text,
booleans, nested closed objects, nullable ones) are inline statements, and every
other member calls the sampler's own draw function for it. The draws match
sample.py's closures: optional members half of the time (all when `rich`),
nullable objects null one time in four (never when `rich`). A body from the
sampler makes about one Python call per leaf instead of two to three, which is
most of its cost. The source is built from member names only, through `repr`, so
a spec cannot inject code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .rewrite import _types
from .state import Draw, text_span

if TYPE_CHECKING:
    from random import Random

_OBJECT_KEYS = frozenset({"type", "properties", "required", "additionalProperties"})
_MAX_NESTING = 6  # nested objects inlined; deeper ones are calls
_NULL_SHARE = 0.25
_OPTIONAL_SHARE = 0.5


def _closed_object(node: Any, *, nullable: bool = False) -> bool:
    if not isinstance(node, dict) or not set(node) <= _OBJECT_KEYS:
        return False
    if node.get("additionalProperties", True) is not False:
        return False
    expected = {"object", "null"} if nullable else {"object"}
    if _types(node) != expected:
        return False
    props = node.get("properties") or {}
    return all(props.get(r) not in (None, False) for r in node.get("required", ()))


def _plain_text(node: Any) -> tuple[int, int] | None:
    """(least, span) of an unconstrained text node, else None."""
    if not isinstance(node, dict) or _types(node) != {"string"}:
        return None
    if not set(node) <= {"type", "minLength", "maxLength"}:
        return None
    least = node.get("minLength", 0)
    most = node.get("maxLength")
    if not isinstance(least, int) or not isinstance(most, (int, type(None))):
        return None  # only integers go into the generated source
    return least, text_span(least, most)


class _Source:
    def __init__(
        self,
        compile_node: Callable[[Any], Callable[[Draw], Any]],
        formats: dict[str, Callable[[Random], str]],
    ) -> None:
        self.compile_node = compile_node
        self.formats = formats
        self.lines: list[str] = []
        self.calls: list[Callable[[Any], Any]] = []
        self.count = 0

    def line(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def fresh(self) -> str:
        self.count += 1
        return f"o{self.count}"

    def object(
        self, node: dict[str, Any], target: str, indent: int, depth: int
    ) -> None:
        required = set(node.get("required") or ())
        self.line(indent, f"{target} = {{}}")
        for name, sub in (node.get("properties") or {}).items():
            if sub is False:
                continue
            dest = f"{target}[{name!r}]"
            if name in required:
                self.value(sub, dest, indent, depth)
            else:
                self.line(indent, f"if rich or R() < {_OPTIONAL_SHARE}:")
                self.value(sub, dest, indent + 1, depth)

    def value(self, node: Any, dest: str, indent: int, depth: int) -> None:
        text = _plain_text(node)
        if text is not None:
            self.line(indent, f"{dest} = TEXT(S, {text[0]}, {text[1]})")
        elif (
            isinstance(node, dict)
            and set(node) == {"type", "format"}
            and node["type"] == "string"
            and node["format"] in self.formats
        ):  # a format drawer, called directly
            self.calls.append(self.formats[node["format"]])
            self.line(indent, f"{dest} = CALL[{len(self.calls) - 1}](S.rng)")
        elif isinstance(node, dict) and node == {"type": "boolean"}:
            self.line(indent, f"{dest} = R() < 0.5")
        elif depth < _MAX_NESTING and _closed_object(node):
            inner = self.fresh()
            self.object(node, inner, indent, depth + 1)
            self.line(indent, f"{dest} = {inner}")
        elif depth < _MAX_NESTING and _closed_object(node, nullable=True):
            self.line(indent, f"if not rich and R() < {_NULL_SHARE}:")
            self.line(indent + 1, f"{dest} = None")
            self.line(indent, "else:")
            inner = self.fresh()
            self.object({**node, "type": "object"}, inner, indent + 1, depth + 1)
            self.line(indent + 1, f"{dest} = {inner}")
        else:
            self.calls.append(self.compile_node(node))
            self.line(indent, f"{dest} = CALL[{len(self.calls) - 1}](S)")


def inline_object(
    node: Any,
    compile_node: Callable[[Any], Callable[[Draw], Any]],
    formats: dict[str, Callable[[Random], str]],
) -> Callable[[Draw], Any] | None:
    """A generated draw function for a closed object, or None (not one)."""
    if not _closed_object(node):
        return None
    source = _Source(compile_node, formats)
    source.line(0, "def draw(S):")
    source.line(1, "R = S.rng.random")
    source.line(1, "rich = S.rich")
    source.object(node, "o0", 1, 0)
    source.line(1, "return o0")
    namespace: dict[str, Any] = {"TEXT": Draw.text, "CALL": source.calls}
    exec(compile("\n".join(source.lines), "<sampler object>", "exec"), namespace)
    draw: Callable[[Draw], Any] = namespace["draw"]
    return draw
