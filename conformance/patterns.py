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
import re

import regress

from .errors import UsageError

# ECMA-262 WhiteSpace and LineTerminator: what `\s` matches.
_SPACE = (
    "\\t\\n\\x0b\\x0c\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f"
    "\\u3000\\ufeff"
)
_CLASSES = {"d": "0-9", "w": "A-Za-z0-9_", "s": _SPACE}
_NEGATED = {"D": "0-9", "W": "A-Za-z0-9_", "S": _SPACE}
_ANY = "[^\\n\\r\\u2028\\u2029]"  # `.`: anything but a line terminator
# Letters ECMA-262 gives a meaning after `\`; any other is the letter itself (legacy
# identity escape), which Python would refuse or read as an anchor (`\Z`, `\A`).
_ECMA_LETTERS = frozenset("bBcdDfknpPrsStuvwWx")
_CLASS_LITERALS = frozenset("[&~|")  # literal in an ECMA class, a warning in Python's


def ecma_to_python(pattern: str) -> str:
    """The Python `re` pattern that matches what ECMA-262 `pattern` matches, for
    generating strings (`\\p{…}` has no Python equivalent and stays as written)."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            text, i = _escape(pattern, i + 1, in_class)
            out.append(text)
            continue
        if not in_class and char == "[":
            if pattern.startswith("[^]", i):
                out.append("[\\s\\S]")
                i += 3
                continue
            if pattern.startswith("[]", i):
                out.append("(?!)")
                i += 2
                continue
            in_class = True
        elif in_class and char == "]":
            in_class = False
        elif in_class and char in _CLASS_LITERALS:
            char = "\\" + char
        elif not in_class and char == "$":
            char = r"\Z"
        elif not in_class and char == ".":
            char = _ANY
        elif (
            not in_class
            and pattern.startswith("(?<", i)
            and pattern[i + 3 : i + 4] not in "=!"
        ):
            char, i = "(?P<", i + 2
        out.append(char)
        i += 1
    return "".join(out)


@functools.lru_cache(maxsize=1024)
def python_pattern(pattern: str) -> str:
    """`ecma_to_python(pattern)`, checked: UsageError if Python's `re` cannot read
    it (a Unicode property escape), since no string can be drawn for it."""
    translated = ecma_to_python(pattern)
    try:
        re.compile(translated)
    except re.error as exc:
        raise UsageError(
            f"cannot generate strings for the pattern {pattern!r}: Python's re "
            f"cannot read it ({exc}); validation is unaffected"
        ) from None
    return translated


def _escape(pattern: str, i: int, in_class: bool) -> tuple[str, int]:
    """The Python text for the escape whose letter is at `i`, and the next index."""
    nxt = pattern[i]
    if nxt in _CLASSES:
        return (_CLASSES[nxt] if in_class else f"[{_CLASSES[nxt]}]"), i + 1
    if nxt in _NEGATED and not in_class:
        return f"[^{_NEGATED[nxt]}]", i + 1
    if (
        nxt == "c"
        and pattern[i + 1 : i + 2].isascii()
        and pattern[i + 1 : i + 2].isalpha()
    ):
        return f"\\x{ord(pattern[i + 1]) % 32:02x}", i + 2
    if nxt == "u" and pattern[i + 1 : i + 2] == "{" and "}" in pattern[i:]:
        end = pattern.index("}", i)
        return f"\\U{int(pattern[i + 2 : end], 16):08x}", end + 1
    if nxt == "u" and _is_surrogate_pair(pattern[i - 1 : i + 11]):
        high, low = int(pattern[i + 1 : i + 5], 16), int(pattern[i + 7 : i + 11], 16)
        code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        return f"\\U{code:08x}", i + 11
    if nxt == "k" and pattern[i + 1 : i + 2] == "<" and ">" in pattern[i:]:
        end = pattern.index(">", i)
        return f"(?P={pattern[i + 2 : end]})", end + 1
    if nxt.isascii() and nxt.isalpha() and nxt not in _ECMA_LETTERS:
        return nxt, i + 1
    return "\\" + nxt, i + 1


def _is_surrogate_pair(text: str) -> bool:
    """`\\uD83D\\uDE00`: one astral character written as two UTF-16 halves."""
    try:
        high, low = int(text[2:6], 16), int(text[8:12], 16)
    except ValueError:
        return False
    return text[6:8] == "\\u" and 0xD800 <= high < 0xDC00 and 0xDC00 <= low < 0xE000


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
