"""Line numbers of a JSON document, found lazily, only for the pointers asked.

`json.loads` builds a big spec in a fraction of a second but keeps no positions;
building a pointer → line map for every node (the YAML composer did) costs thirty
times the load. `JsonLines` instead walks the text to the pointer asked for, once:
each container's members are located the first time one of them is asked for
(skipping values with the C decoder), and remembered. An explanation or a
finding asks for a handful of lines, so a big spec loads at `json.loads` speed.

The text is known to be valid JSON (`json.loads` read it first); anything this
scanner does not expect gives "no line", never an error.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator, Mapping

from .source import pointer_join, pointer_parts

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_DECODER = json.JSONDecoder()
_NEWLINE = re.compile(r"\r\n?|\n")


class JsonLines(Mapping[str, int]):
    """A read-only pointer → 1-based line map over JSON text, filled on demand."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._newlines: list[int] | None = None
        start = _WS.match(text, 0)
        # pointer → (offset where the node is written: its key, else its value;
        #            offset of its value)
        self._where: dict[str, tuple[int, int]] = {}
        if start is not None and start.end() < len(text):
            self._where[""] = (start.end(), start.end())
        self._scanned: set[str] = set()
        self._members: dict[str, dict[str, None]] = {}  # container → its members

    # -- Mapping --------------------------------------------------------------

    def __getitem__(self, pointer: str) -> int:
        found = self._find(pointer)
        if found is None:
            raise KeyError(pointer)
        return self._line(found[0])

    def get(self, pointer: str, default: int | None = None) -> int | None:  # type: ignore[override]
        found = self._find(pointer)
        return default if found is None else self._line(found[0])

    def __iter__(self) -> Iterator[str]:
        todo = [""] if "" in self._where else []
        while todo:  # everything: only for callers that list the whole map
            pointer = todo.pop()
            yield pointer
            self._scan(pointer)
            todo.extend(self._members.get(pointer, ()))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    # -- seeking --------------------------------------------------------------

    def _find(self, pointer: str) -> tuple[int, int] | None:
        found = self._where.get(pointer)
        if found is not None:
            return found
        try:
            tokens = pointer_parts(pointer)
        except ValueError:
            return None
        current = ""
        for token in tokens:
            self._scan(current)
            current = pointer_join(current, token)
            if current not in self._where:
                return None
        return self._where.get(current)

    def _scan(self, pointer: str) -> None:
        """Locate the members (or items) of the container at `pointer`, once."""
        if pointer in self._scanned or pointer not in self._where:
            return
        self._scanned.add(pointer)
        text, at = self._text, self._where[pointer][1]
        opener = text[at] if at < len(text) else ""
        if opener not in "{[" or not opener:
            return
        closer = "}" if opener == "{" else "]"
        i, index = _WS.match(text, at + 1).end(), 0  # type: ignore[union-attr]
        while i < len(text) and text[i] != closer:
            key_at = i
            if opener == "{":
                key = _STRING.match(text, i)
                if key is None:
                    return
                name = key.group()
                name = json.loads(name) if "\\" in name else name[1:-1]
                i = _WS.match(text, key.end()).end()  # type: ignore[union-attr]
                if text[i : i + 1] != ":":
                    return
                i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
                child = pointer_join(pointer, name)
            else:
                child = pointer_join(pointer, index)
                index += 1
            self._where[child] = (key_at, i)
            self._members.setdefault(pointer, {})[child] = None  # a duplicate: once
            end = self._skip(i)
            if end is None:
                return
            i = _WS.match(text, end).end()  # type: ignore[union-attr]
            if text[i : i + 1] == ",":
                i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]

    def _skip(self, at: int) -> int | None:
        """The offset just past the value starting at `at` (the C decoder finds it
        faster than any scan written here)."""
        try:
            return _DECODER.raw_decode(self._text, at)[1]
        except (ValueError, RecursionError):
            return None

    def _line(self, offset: int) -> int:
        if self._newlines is None:
            # CR LF, a lone CR and LF each end a line, as for YAML and editors
            self._newlines = [m.start() for m in _NEWLINE.finditer(self._text)]
        return bisect.bisect_left(self._newlines, offset) + 1
