"""OpenAPI `pattern`s are ECMA-262 regular expressions.

Verdicts use a real ECMA-262 engine (`regress`, the one openapi-schema-validator
uses): `\\p{Lu}`, `(?<name>…)`, `[^]`, `\\cJ` and friends work, `\\d`/`\\w` are
ASCII, `\\s` is ECMA-262's white space (U+FEFF included), `$` ends the text. A pattern
is read in Unicode mode (the `u` flag, as JSON Schema asks); one that only the
legacy grammar accepts (`\\-` or `\\z` outside a class: identity escapes) is read with
that grammar; one neither accepts is an error (`problem()` says why).

Generation still needs a Python `re` pattern: `ecma_to_python()` translates the
common differences:

- `\\d`, `\\w` (and `\\D`, `\\W` outside a class) are ASCII in ECMA-262, Unicode in
  Python: they become explicit ASCII ranges;
- `$` ends the text in ECMA-262, while Python's also matches before a final newline:
  outside a class it becomes `\\Z`.
"""

from __future__ import annotations

import functools

import regress

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


@functools.lru_cache(maxsize=4096)
def _regex(pattern: str) -> tuple[regress.Regex | None, bool, str]:
    """The compiled pattern, whether it is in Unicode mode, and why it failed."""
    try:
        return regress.Regex(pattern, "u"), True, ""
    except regress.RegressError as exc:
        reason = str(exc)
    try:
        return regress.Regex(pattern), False, ""
    except regress.RegressError:
        return None, False, reason


def problem(pattern: object) -> str | None:
    """Why `pattern` is not an ECMA-262 regular expression (None: it is one)."""
    if not isinstance(pattern, str):
        return f"a pattern must be a string, found {pattern!r}"
    regex, _, reason = _regex(pattern)
    return None if regex is not None else reason.rstrip(".").lower() or "invalid"


def unicode_mode(pattern: str) -> bool:
    """Whether `pattern` is read in Unicode mode (else: the legacy grammar)."""
    return _regex(pattern)[1]


def search(pattern: str, text: str) -> bool:
    """Whether ECMA-262 `pattern` matches somewhere in `text` (as `RegExp.test`)."""
    regex = _regex(pattern)[0]
    if regex is None:  # the compiler refuses these; never a silent pass
        raise ValueError(f"not an ECMA-262 regular expression: {pattern!r}")
    return regex.find(text) is not None
