"""Leaf values drawn with a `random.Random`: format strings, regex matches, text.

Owns `FORMAT_DRAWS` (a valid-string drawer per built-in format, used only while
the contract's format is the built-in one), `draw_regex` (a string matching a
Python regular expression, from its parse tree) and `draw_text`. Everything here
is a pure function of the `Random` it is given, so a seed fixes every value. No
hypothesis import.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from random import Random
from re import _constants as _sre  # type: ignore[attr-defined]
from re import _parser as _parse  # type: ignore[attr-defined]
from typing import Any

_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_HEX = "0123456789abcdef"
# Mostly plain text, sometimes a space, punctuation or a non-ASCII character, so
# clients meet more than [a-z0-9] without bodies becoming unreadable.
TEXT = _ALNUM * 3 + " -_.:/" + "éßçø漢字ü€"
_REPEAT_CAP = 6  # extra repetitions drawn for *, + and {n,}


def between(rng: Random, low: int, high: int) -> int:
    """An integer in [low, high] (`randint`, at a fraction of its cost)."""
    return low + int(rng.random() * (high - low + 1))


def draw_text(rng: Random, least: int = 0, most: int | None = None) -> str:
    """Text of a length in [least, most], short when unbounded."""
    top = least + 12 if most is None else min(most, least + 12)
    return "".join(rng.choices(TEXT, k=between(rng, least, max(least, top))))


def _uuid(rng: Random) -> str:
    digits = f"{rng.getrandbits(128):032x}"
    text = f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
    return text.upper() if rng.random() < 0.1 else text


_CLOCK = [f"{h:02d}:{m:02d}" for h in range(24) for m in range(60)]  # "HH:MM"
_SECONDS = [f":{s:02d}" for s in range(60)]
_DATES: list[str] = []  # every day of 1970-2099, built on first use


def _dates() -> list[str]:
    if not _DATES:
        import datetime

        first = datetime.date(1970, 1, 1).toordinal()
        last = datetime.date(2099, 12, 31).toordinal()
        _DATES.extend(
            datetime.date.fromordinal(day).isoformat() for day in range(first, last + 1)
        )
    return _DATES


def _date(rng: Random) -> str:
    days = _dates()
    return days[int(rng.random() * len(days))]


def _date_time(rng: Random) -> str:
    days = _dates()
    r = rng.random()  # the time of day (its seconds from further digits)
    text = f"{days[int(rng.random() * len(days))]}T{_CLOCK[int(r * 1440)]}"
    text += _SECONDS[int(r * 1e8) % 60]
    shape = rng.random()
    if shape < 0.3:
        digits = 1 + int(shape * 20)  # 1..6
        text += f".{int(r * 1e15) % 10**digits:0{digits}d}"
    if shape < 0.6 or shape > 0.85:
        return text + "Z"
    sign = "+" if shape < 0.7 else "-"
    return f"{text}{sign}{_CLOCK[int(r * 1e13) % 1440]}"


_SCHEMES = ("https", "https", "https", "http", "ftp", "urn")
_TLDS = (".com", ".org", ".example", ".io")


def _word(rng: Random) -> str:
    """A short lower-case word: a letter, then up to six hex digits (one draw)."""
    bits = rng.getrandbits(29)
    return f"{_LOWER[bits & 15]}{bits >> 5:x}"[: 1 + (bits >> 4 & 1) * 6]


def _uri(rng: Random) -> str:
    r = rng.random()
    scheme = _SCHEMES[int(r * 6)]
    if scheme == "urn":
        return f"urn:{_word(rng)}:{_word(rng)}"
    host = _word(rng) + _TLDS[int(r * 24) % 4]
    if r * 100 % 1 < 0.2:
        host += f":{between(rng, 1, 65535)}"
    path = "/".join(_word(rng) for _ in range(int(r * 1000) % 4))
    query = f"?{_word(rng)}={_word(rng)}" if r * 10_000 % 1 < 0.3 else ""
    return f"{scheme}://{host}/{path}{query}"


def _email(rng: Random) -> str:
    return f"{_word(rng)}.{_word(rng)}@{_word(rng)}{_TLDS[between(rng, 0, 3)]}"


def _ipv4(rng: Random) -> str:
    return ".".join(str(between(rng, 0, 255)) for _ in range(4))


def _ipv6(rng: Random) -> str:
    parts = [f"{rng.getrandbits(16):x}" for _ in range(8)]
    if rng.random() < 0.5:  # a compressed run of groups
        start = between(rng, 0, 6)
        end = between(rng, start + 1, 8)
        return ":".join(parts[:start]) + "::" + ":".join(parts[end:])
    return ":".join(parts)


def _byte(rng: Random) -> str:
    return base64.b64encode(rng.randbytes(between(rng, 0, 24))).decode()


_CRON = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))


def _cron_field(rng: Random, low: int, high: int) -> str:
    kind = rng.random()
    if kind < 0.35:
        text = "*"
    elif kind < 0.75:
        text = str(between(rng, low, high))
    else:
        first = between(rng, low, high)
        text = f"{first}-{between(rng, first, high)}"
    if rng.random() < 0.25:
        text += f"/{between(rng, 1, high)}"
    return text


def _cron(rng: Random) -> str:
    return " ".join(_cron_field(rng, low, high) for low, high in _CRON)


FORMAT_DRAWS: dict[str, Callable[[Random], str]] = {
    "uuid": _uuid,
    "date-time": _date_time,
    "date": _date,
    "uri": _uri,
    "email": _email,
    "ipv4": _ipv4,
    "ipv6": _ipv6,
    "byte": _byte,
    "cron": _cron,
}


# --- regular expressions ------------------------------------------------------------

_CATEGORIES: dict[Any, str] = {
    _sre.CATEGORY_DIGIT: "0123456789",
    _sre.CATEGORY_WORD: _ALNUM + "_",
    _sre.CATEGORY_SPACE: " ",
    _sre.CATEGORY_NOT_DIGIT: _LOWER,
    _sre.CATEGORY_NOT_WORD: " -.",
    _sre.CATEGORY_NOT_SPACE: _ALNUM,
}
_ANY = _ALNUM + " -_."


def draw_regex(pattern: str, rng: Random) -> str:
    """A string that `re.fullmatch(pattern, ·)` accepts, most of the time.

    Look-arounds and back-references are approximated; the caller checks the result
    and draws again.
    """
    tree = _parsed(pattern)
    groups: dict[int, str] = {}
    return _emit(tree, rng, groups)


_TREES: dict[str, Any] = {}


def _parsed(pattern: str) -> Any:
    tree = _TREES.get(pattern)
    if tree is None:
        tree = _TREES[pattern] = _parse.parse(pattern)
    return tree


def _emit(items: Any, rng: Random, groups: dict[int, str]) -> str:
    out: list[str] = []
    for op, arg in items:
        out.append(_emit_one(op, arg, rng, groups))
    return "".join(out)


def _emit_one(op: Any, arg: Any, rng: Random, groups: dict[int, str]) -> str:
    if op is _sre.LITERAL:
        return chr(arg)
    if op is _sre.NOT_LITERAL:
        return next(c for c in _ANY if ord(c) != arg)
    if op is _sre.ANY:
        return rng.choice(_ANY)
    if op is _sre.IN:
        return _emit_class(arg, rng)
    if op is _sre.BRANCH:
        return _emit(rng.choice(arg[1]), rng, groups)
    if op is _sre.SUBPATTERN:
        group, _, _, body = arg
        text = _emit(body, rng, groups)
        if group is not None:
            groups[group] = text
        return text
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", 0)):
        least, most, body = arg
        top = least + _REPEAT_CAP if most is _sre.MAXREPEAT else min(most, least + 6)
        return "".join(
            _emit(body, rng, groups) for _ in range(between(rng, least, top))
        )
    if op is _sre.GROUPREF:
        return groups.get(arg, "")
    if op is getattr(_sre, "ATOMIC_GROUP", None):
        return _emit(arg, rng, groups)
    return ""  # AT (anchors), ASSERT, ASSERT_NOT: nothing to emit


def _emit_class(items: Any, rng: Random) -> str:
    negate = bool(items) and items[0][0] is _sre.NEGATE
    chars: list[str] = []
    for op, arg in items:
        if op is _sre.LITERAL:
            chars.append(chr(arg))
        elif op is _sre.RANGE:
            low, high = arg
            chars.extend(chr(c) for c in range(low, min(high, low + 200) + 1))
        elif op is _sre.CATEGORY:
            chars.extend(_CATEGORIES.get(arg, _ALNUM))
    if negate:
        excluded = set(chars)
        chars = [c for c in _ANY if c not in excluded]
    return rng.choice(chars) if chars else "a"
