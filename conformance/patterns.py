"""OpenAPI `pattern`s are ECMA-262 regular expressions; Python's `re` reads a few
things differently. One translation serves every Python-side use (the pure-Python
engine, generation), so both engines and the generators agree:

- `\\d`, `\\w` (and `\\D`, `\\W` outside a class) are ASCII in ECMA-262, Unicode in
  Python: they become explicit ASCII ranges;
- `$` ends the text in ECMA-262, while Python's also matches before a final newline:
  outside a class it becomes `\\Z`.
"""

from __future__ import annotations

import functools
import re

_CLASSES = {"d": "0-9", "w": "A-Za-z0-9_"}
_NEGATED = {"D": "[^0-9]", "W": "[^A-Za-z0-9_]"}


def ecma_to_python(pattern: str) -> str:
    """The Python `re` pattern that matches what ECMA-262 `pattern` matches."""
    out, i, in_class = [], 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt in _CLASSES:
                out.append(_CLASSES[nxt] if in_class else f"[{_CLASSES[nxt]}]")
            elif nxt in _NEGATED and not in_class:
                out.append(_NEGATED[nxt])
            else:
                out.append(char + nxt)
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        elif char == "$" and not in_class:
            char = r"\Z"
        out.append(char)
        i += 1
    return "".join(out)


@functools.lru_cache(maxsize=1024)
def compiled(pattern: str) -> re.Pattern[str]:
    """`pattern` (ECMA-262) compiled for Python, once."""
    return re.compile(ecma_to_python(pattern))
