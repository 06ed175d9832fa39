"""String formats the validator asserts: their checks and their valid-string strategies.

This module owns the meaning of every built-in OpenAPI/JSON Schema `format` that a
contract verdict depends on (`uuid`, `date-time`, `date`, `uri`, `email`, `ipv4`,
`ipv6`, `byte`, `cron`), as `Format` values: a pure `check(str) -> bool` for the hot
validation loop and a lazy factory of a hypothesis strategy of valid strings for
generation. `validate.py` wires the checks into its format checker; `generate/`
uses the strategies. Nothing here does I/O, and hypothesis is imported only inside
the strategy factories, so importing this module stays cheap.

Checks are strict on purpose: `date-time` needs an offset, `uri` must be absolute,
`cron` is the 5-field POSIX/Vixie syntax. Each check is called with `str` instances
only and never raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from random import Random

    from hypothesis.strategies import DrawFn, SearchStrategy

__all__ = ["BUILTIN_FORMATS", "Format", "builtin_formats"]


@dataclass(frozen=True, slots=True)
class Format:
    """A named string format: how to check a string and how to draw valid ones."""

    name: str
    check: Callable[[str], bool]
    strategy: Callable[[], SearchStrategy[str]] | None = None
    description: str = ""
    # An anchored regular expression (ASCII classes only, valid for Python's `re`
    # and for Rust regex engines) accepting exactly the strings `check` accepts, or
    # None. Compiled engines match it natively instead of calling back into Python.
    pattern: str | None = None
    # Draws a valid string from a `random.Random` (the direct sampler); None: the
    # sampler uses its own drawer for a built-in, or a pool drawn from `strategy`.
    sample: Callable[[Random], str] | None = None


# Letters and digits, the base alphabet of several strategies.
_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

# --- uuid ----------------------------------------------------------------------------

_UUID_RE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def _is_uuid(value: str) -> bool:
    """RFC 4122 8-4-4-4-12 hex form, any case, any version/variant, nil included."""
    return _UUID_RE.fullmatch(value) is not None


def _uuids() -> SearchStrategy[str]:
    from hypothesis import strategies as st

    # st.uuids() draws from a shared Random and never shrinks; an integer shrinks to
    # the nil UUID.
    def text(number: int, case: Callable[[str], str]) -> str:
        digits = f"{number:032x}"
        return case(
            f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
        )

    return st.builds(
        text,
        st.integers(min_value=0, max_value=2**128 - 1),
        st.sampled_from([str.lower, str.upper]),
    )


# --- date, date-time ----------------------------------------------------------------

# Field ranges live in the regexes; only the day needs the calendar afterwards.
_FULL_DATE = r"([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_DATE_RE = re.compile(_FULL_DATE)
_DATE_TIME_RE = re.compile(
    _FULL_DATE + r"[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]+)?"
    r"(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)
_THIRTY_DAY_MONTHS = frozenset({4, 6, 9, 11})


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if _is_leap(year) else 28
    return 30 if month in _THIRTY_DAY_MONTHS else 31


def _calendar_ok(match: re.Match[str]) -> bool:
    day = int(match[3])
    return day <= 28 or day <= _days_in_month(int(match[1]), int(match[2]))


def _is_date(value: str) -> bool:
    """RFC 3339 full-date (YYYY-MM-DD), checked against the calendar."""
    match = _DATE_RE.fullmatch(value)
    return match is not None and _calendar_ok(match)


def _is_date_time(value: str) -> bool:
    """RFC 3339 date-time: `T`/`t` separator, offset required, leap second allowed."""
    match = _DATE_TIME_RE.fullmatch(value)
    return match is not None and _calendar_ok(match)


def _date_strings(draw: DrawFn) -> str:
    from hypothesis import strategies as st

    year = draw(st.integers(min_value=0, max_value=9999))
    month = draw(st.integers(min_value=1, max_value=12))
    day = draw(st.integers(min_value=1, max_value=_days_in_month(year, month)))
    return f"{year:04d}-{month:02d}-{day:02d}"


def _dates() -> SearchStrategy[str]:
    from hypothesis import strategies as st

    return st.composite(_date_strings)()


def _date_times() -> SearchStrategy[str]:
    from hypothesis import strategies as st

    offsets = st.one_of(
        st.sampled_from(["Z", "z"]),
        st.builds(
            lambda sign, hours, minutes: f"{sign}{hours:02d}:{minutes:02d}",
            st.sampled_from("+-"),
            st.integers(min_value=0, max_value=23),
            st.integers(min_value=0, max_value=59),
        ),
    )

    @st.composite
    def date_times(draw: DrawFn) -> str:
        date = _date_strings(draw)
        sep = draw(st.sampled_from("Tt"))
        hour = draw(st.integers(min_value=0, max_value=23))
        minute = draw(st.integers(min_value=0, max_value=59))
        second = draw(st.integers(min_value=0, max_value=59))
        # The leap second, about one draw in sixteen. A `just(60)` branch would be
        # the shrink target (fewest choices); this shrinks to "no leap second".
        if draw(st.integers(min_value=0, max_value=15)) == 15:
            second = 60
        fraction = draw(
            st.just("")
            | st.text("0123456789", min_size=1, max_size=12).map(lambda f: "." + f)
        )
        offset = draw(offsets)
        return f"{date}{sep}{hour:02d}:{minute:02d}:{second:02d}{fraction}{offset}"

    return date_times()


# --- ipv4, ipv6 ---------------------------------------------------------------------

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
_IPV4_RE = re.compile(_IPV4)
_IPV6_CHARS_RE = re.compile(r"[0-9A-Fa-f:.]+")
_HEXTET_RE = re.compile(r"[0-9A-Fa-f]{1,4}")


def _is_ipv4(value: str) -> bool:
    """Dotted quad, each part 0-255 without leading zeros."""
    return _IPV4_RE.fullmatch(value) is not None


def _is_ipv6(value: str) -> bool:
    """What `ipaddress.IPv6Address` accepts, minus zone ids, without raising."""
    # Mirrors ipaddress._BaseV6._ip_int_from_string step by step; the first regex
    # rules out zone ids ("%eth0"), prefixes ("/64") and whitespace.
    if _IPV6_CHARS_RE.fullmatch(value) is None:
        return False
    parts = value.split(":")
    if len(parts) < 3:
        return False
    if "." in parts[-1]:
        if _IPV4_RE.fullmatch(parts[-1]) is None:
            return False
        parts[-1:] = ["0", "0"]
    count = len(parts)
    if count > 9:
        return False
    skip = None
    for index in range(1, count - 1):
        if not parts[index]:
            if skip is not None:
                return False
            skip = index
    if skip is None:
        if count != 8:
            return False
        hextets = parts
    else:
        high, low = skip, count - skip - 1
        if not parts[0]:
            if high != 1:
                return False
            high = 0
        if not parts[-1]:
            if low != 1:
                return False
            low = 0
        if high + low > 7:
            return False
        hextets = parts[:high] + parts[count - low :]
    return all(_HEXTET_RE.fullmatch(hextet) is not None for hextet in hextets)


def _ipv4s() -> SearchStrategy[str]:
    from hypothesis import strategies as st

    return st.ip_addresses(v=4).map(str)


def _ipv6s() -> SearchStrategy[str]:
    from hypothesis import strategies as st

    addresses = st.ip_addresses(v=6)
    return st.one_of(
        addresses.map(str),
        addresses.map(lambda address: address.exploded.upper()),
        st.ip_addresses(v=4).map(lambda address: f"::ffff:{address}"),
    )


# --- uri ------------------------------------------------------------------------------

_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_SEGMENT = rf"{_PCHAR}*"
_SEGMENT_NZ = rf"{_PCHAR}+"
_USERINFO = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT})*"
_REG_NAME = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT})*"
# The IPv6 text is captured and checked by _is_ipv6 rather than by a giant regex.
_IP_FUTURE = rf"[vV][0-9A-Fa-f]+\.[{_UNRESERVED}{_SUB_DELIMS}:]+"
_IP_LITERAL = rf"\[(?:(?P<ipv6>[0-9A-Fa-f:.]+)|{_IP_FUTURE})\]"
_AUTHORITY = rf"(?:{_USERINFO}@)?(?:{_IP_LITERAL}|{_REG_NAME})(?::[0-9]*)?"
_HIER_PART = (
    rf"(?://{_AUTHORITY}(?:/{_SEGMENT})*"  # "//" authority path-abempty
    rf"|/(?:{_SEGMENT_NZ}(?:/{_SEGMENT})*)?"  # path-absolute
    rf"|{_SEGMENT_NZ}(?:/{_SEGMENT})*"  # path-rootless
    r"|)"  # path-empty
)
_QUERY_OR_FRAGMENT = rf"(?:{_PCHAR}|[/?])*"
_URI_RE = re.compile(
    rf"[A-Za-z][A-Za-z0-9+\-.]*:{_HIER_PART}"
    rf"(?:\?{_QUERY_OR_FRAGMENT})?(?:#{_QUERY_OR_FRAGMENT})?"
)


def _is_uri(value: str) -> bool:
    """RFC 3986 absolute URI (`scheme ":" hier-part`); relative references fail."""
    # Plain RFC 3986: IPv6 zone ids ("[fe80::1%25eth0]", RFC 6874) are rejected.
    match = _URI_RE.fullmatch(value)
    if match is None:
        return False
    ipv6 = match["ipv6"]
    return ipv6 is None or _is_ipv6(ipv6)


def _uris() -> SearchStrategy[str]:
    from hypothesis import strategies as st

    def chunks(alphabet: str, min_size: int = 0) -> SearchStrategy[str]:
        escapes = st.builds(
            lambda byte, pattern: pattern.format(byte),
            st.integers(min_value=0, max_value=255),
            st.sampled_from(["%{:02X}", "%{:02x}"]),
        )
        return st.lists(
            st.sampled_from(alphabet) | escapes, min_size=min_size, max_size=8
        ).map("".join)

    unreserved = _ALNUM + "-._~"
    sub_delims = "!$&'()*+,;="
    pchars = unreserved + sub_delims + ":@"
    schemes = st.sampled_from(
        ["http", "https", "app", "urn", "mailto", "file", "ftp", "git+ssh", "tag"]
    ) | st.builds(
        "".join,
        st.tuples(
            st.sampled_from("xyzXYZ"),
            st.text(_ALNUM + "+-.", max_size=8),
        ),
    )
    hosts = st.one_of(
        chunks(unreserved + sub_delims),
        st.ip_addresses(v=4).map(str),
        st.ip_addresses(v=6).map(lambda address: f"[{address}]"),
        st.builds(
            lambda version, text: f"[v{version}.{text}]",
            st.text("0123456789abcdefABCDEF", min_size=1, max_size=2),
            st.text(unreserved + sub_delims + ":", min_size=1, max_size=8),
        ),
    )
    authorities = st.builds(
        lambda userinfo, host, port: f"{userinfo}{host}{port}",
        st.just("") | chunks(unreserved + sub_delims + ":").map(lambda u: u + "@"),
        hosts,
        st.just("") | st.integers(min_value=0, max_value=65535).map(":{}".format),
    )
    # path-abempty: zero or more "/segment"; path-rootless: segment-nz then that.
    path_abempty = st.lists(chunks(pchars), max_size=4).map(
        lambda parts: "".join("/" + part for part in parts)
    )
    path_rootless = st.builds(
        lambda first, rest: first + rest, chunks(pchars, min_size=1), path_abempty
    )

    hier_parts = st.one_of(
        st.builds(lambda a, p: f"//{a}{p}", authorities, path_abempty),
        path_rootless,
        path_rootless.map(lambda path: "/" + path),  # path-absolute
        st.just("/"),
        st.just(""),  # path-empty
    )
    tails = chunks(pchars + "/?")
    return st.builds(
        lambda scheme, hier, query, fragment: f"{scheme}:{hier}{query}{fragment}",
        schemes,
        hier_parts,
        st.just("") | tails.map(lambda q: "?" + q),
        st.just("") | tails.map(lambda f: "#" + f),
    )


# --- email ----------------------------------------------------------------------------

_ATEXT = r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
_EMAIL_RE = re.compile(
    rf"{_ATEXT}(?:\.{_ATEXT})*@"
    rf"(?:{_LABEL}(?:\.{_LABEL})*|\[{_IPV4}\]|\[[Ii][Pp][Vv]6:(?P<ipv6>[0-9A-Fa-f:.]+)\])"
)
_EMAIL_MAX_LENGTH = 254


def _is_email(value: str) -> bool:
    """RFC 5321 addr-spec: dot-atom local part, domain or [IPv4]/[IPv6:...] literal."""
    if len(value) > _EMAIL_MAX_LENGTH:
        return False
    match = _EMAIL_RE.fullmatch(value)
    if match is None:
        return False
    ipv6 = match["ipv6"]
    return ipv6 is None or _is_ipv6(ipv6)


def _emails() -> SearchStrategy[str]:
    from hypothesis import strategies as st

    alnum = _ALNUM
    atext = alnum + "!#$%&'*+-/=?^_`{|}~"
    local_parts = st.lists(
        st.text(atext, min_size=1, max_size=10), min_size=1, max_size=3
    ).map(".".join)
    # A label starts and ends with a letter or digit; hyphens only inside.
    labels = st.builds(
        lambda first, rest: first + rest,
        st.sampled_from(alnum),
        st.just("")
        | st.builds(
            lambda middle, last: middle + last,
            st.text(alnum + "-", max_size=12),
            st.sampled_from(alnum),
        ),
    )
    domains = st.one_of(
        st.lists(labels, min_size=1, max_size=4).map(".".join),
        st.ip_addresses(v=4).map(lambda address: f"[{address}]"),
        st.ip_addresses(v=6).map(lambda address: f"[IPv6:{address}]"),
    )
    # At most 3 * 10 + 2 + 1 + 4 * 14 + 3 characters: always within 254.
    return st.builds(lambda local, domain: f"{local}@{domain}", local_parts, domains)


# --- byte -----------------------------------------------------------------------------

_BASE64_RE = re.compile(
    r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?"
)


def _is_byte(value: str) -> bool:
    """RFC 4648 base64, standard alphabet, padded to a multiple of 4 ("" is valid)."""
    # Non-zero pad bits ("abd=") pass, as with base64.b64decode(validate=True):
    # RFC 4648 3.5 lets decoders accept them.
    return _BASE64_RE.fullmatch(value) is not None


def _bytes_base64() -> SearchStrategy[str]:
    import base64

    from hypothesis import strategies as st

    return st.binary(max_size=64).map(lambda data: base64.b64encode(data).decode())


# --- cron -----------------------------------------------------------------------------

_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun")
_MONTH_NAMES += ("jul", "aug", "sep", "oct", "nov", "dec")
_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


@dataclass(frozen=True, slots=True)
class _CronField:
    low: int
    high: int
    names: Mapping[str, int]


_CRON_FIELDS = (
    _CronField(0, 59, {}),  # minute
    _CronField(0, 23, {}),  # hour
    _CronField(1, 31, {}),  # day of month
    _CronField(1, 12, {name: i for i, name in enumerate(_MONTH_NAMES, start=1)}),
    _CronField(0, 7, {name: i for i, name in enumerate(_DAY_NAMES)}),  # 7 = Sunday
)
_CRON_SPLIT_RE = re.compile(r"[ \t]+")
_CRON_ITEM_RE = re.compile(
    r"(?:\*|([0-9]+|[A-Za-z]{3})(?:-([0-9]+|[A-Za-z]{3}))?)(?:/([0-9]+))?"
)


def _cron_value(token: str, field: _CronField) -> int:
    """The token's number, or -1 when it is no value of this field."""
    if token[0].isalpha():
        return field.names.get(token.lower(), -1)
    digits = token.lstrip("0") or "0"
    # Bounding the length first keeps int() cheap on absurd inputs.
    if len(digits) > 2:
        return -1
    number = int(digits)
    return number if field.low <= number <= field.high else -1


def _cron_field_ok(text: str, field: _CronField) -> bool:
    for item in text.split(","):
        match = _CRON_ITEM_RE.fullmatch(item)
        if match is None:
            return False
        start, end, step = match.groups()
        if step is not None and not step.strip("0"):
            return False
        if start is None:
            continue
        first = _cron_value(start, field)
        if first < 0:
            return False
        if end is not None:
            last = _cron_value(end, field)
            if last < first:
                return False
    return True


def _is_cron(value: str) -> bool:
    """Standard 5-field cron (minute hour day-of-month month day-of-week).

    Items are `*`, `n`, `a-b` (a <= b), each with an optional `/step` (step >= 1, no
    upper bound; `n/step` runs from n to the field's maximum); items join with
    commas. Numbers may have leading zeros (`05`), as in Vixie cron. Months take
    JAN-DEC and days SUN-SAT in any case, also in ranges; day-of-week 7 is Sunday.
    Quartz and extension syntax is rejected: a seconds or year field, `?`, `L`, `W`,
    `#` and `@daily`-style macros.
    """
    if not value or value[0] in " \t" or value[-1] in " \t":
        return False
    fields = _CRON_SPLIT_RE.split(value)
    if len(fields) != len(_CRON_FIELDS):
        return False
    return all(map(_cron_field_ok, fields, _CRON_FIELDS))


def _crons() -> SearchStrategy[str]:
    from hypothesis import strategies as st

    cases = st.sampled_from([str.upper, str.lower, str.title])

    def field_texts(field: _CronField) -> SearchStrategy[str]:
        by_number = {number: name for name, number in field.names.items()}

        def render(draw: DrawFn, number: int) -> str:
            name = by_number.get(number)
            if name is not None and draw(st.booleans()):
                return draw(cases)(name)
            return str(number)

        @st.composite
        def items(draw: DrawFn) -> str:
            kind = draw(st.sampled_from(["*", "value", "range"]))
            if kind == "*":
                text = "*"
            else:
                first = draw(st.integers(min_value=field.low, max_value=field.high))
                text = render(draw, first)
                if kind == "range":
                    last = draw(st.integers(min_value=first, max_value=field.high))
                    text += "-" + render(draw, last)
            if draw(st.booleans()):
                text += f"/{draw(st.integers(min_value=1, max_value=field.high))}"
            return text

        return st.lists(items(), min_size=1, max_size=3).map(",".join)

    separators = st.lists(st.sampled_from([" ", "\t"]), min_size=1, max_size=2).map(
        "".join
    )
    parts: list[SearchStrategy[str]] = [field_texts(_CRON_FIELDS[0])]
    for field in _CRON_FIELDS[1:]:
        parts += [separators, field_texts(field)]
    return st.tuples(*parts).map("".join)


# --- exact patterns for compiled engines --------------------------------------------

_LEAP_YEAR = (
    r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)"
)
# The calendar in a regex: 31-day months, 30-day months, February, and Feb 29 of
# leap years (divisible by 4, and by 400 when a century).
_CALENDAR_DATE = (
    r"(?:[0-9]{4}-(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|[0-9]{4}-(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    r"|[0-9]{4}-02-(?:0[1-9]|1[0-9]|2[0-8])"
    rf"|{_LEAP_YEAR}-02-29)"
)
_H16 = "[0-9A-Fa-f]{1,4}"
_LS32 = rf"(?:{_H16}:{_H16}|{_IPV4})"
# RFC 3986 IPv6address; the same language as ipaddress.IPv6Address (no zone ids).
_IPV6_PATTERN = (
    "(?:"
    + "|".join(
        [
            rf"(?:{_H16}:){{6}}{_LS32}",
            rf"::(?:{_H16}:){{5}}{_LS32}",
            rf"(?:{_H16})?::(?:{_H16}:){{4}}{_LS32}",
            rf"(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}{_LS32}",
            rf"(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}{_LS32}",
            rf"(?:(?:{_H16}:){{0,3}}{_H16})?::{_H16}:{_LS32}",
            rf"(?:(?:{_H16}:){{0,4}}{_H16})?::{_LS32}",
            rf"(?:(?:{_H16}:){{0,5}}{_H16})?::{_H16}",
            rf"(?:(?:{_H16}:){{0,6}}{_H16})?::",
        ]
    )
    + ")"
)


def _cron_token(value: int, field: _CronField) -> str:
    """Every spelling of one field value: leading zeros, and names in any case."""
    number = "0+" if value == 0 else f"0*{value}"
    names = [n for n, v in field.names.items() if v == value]
    spelled = ["".join(f"[{c.upper()}{c.lower()}]" for c in n) for n in names]
    return "(?:" + "|".join([number, *spelled]) + ")"


def _cron_field_pattern(field: _CronField) -> str:
    values = range(field.low, field.high + 1)
    tokens = {v: _cron_token(v, field) for v in values}
    # a-b with a <= b: each start value followed by the values not below it.
    ranges = "|".join(
        f"{tokens[a]}-(?:{'|'.join(tokens[b] for b in values if b >= a)})"
        for a in values
    )
    item = rf"(?:\*|{ranges}|{'|'.join(tokens.values())})(?:/0*[1-9][0-9]*)?"
    return f"{item}(?:,{item})*"


_CRON_PATTERN = r"[ \t]+".join(_cron_field_pattern(f) for f in _CRON_FIELDS)
_URI_PATTERN = _URI_RE.pattern.replace("(?P<ipv6>[0-9A-Fa-f:.]+)", _IPV6_PATTERN)

_PATTERNS = {
    "uuid": rf"^{_UUID_RE.pattern}$",
    "ipv6": rf"^{_IPV6_PATTERN}$",
    "uri": rf"^{_URI_PATTERN}$",
    "cron": rf"^{_CRON_PATTERN}$",
    "date": rf"^{_CALENDAR_DATE}$",
    "date-time": rf"^{_CALENDAR_DATE}{_DATE_TIME_RE.pattern[len(_FULL_DATE) :]}$",
    "ipv4": rf"^{_IPV4}$",
    "byte": rf"^{_BASE64_RE.pattern}$",
}


# --- registry -------------------------------------------------------------------------

_BUILTINS: dict[str, Format] = {
    fmt.name: fmt
    for fmt in (
        Format("uuid", _is_uuid, _uuids, "RFC 4122 UUID", _PATTERNS["uuid"]),
        Format(
            "date-time",
            _is_date_time,
            _date_times,
            "RFC 3339 date-time",
            _PATTERNS["date-time"],
        ),
        Format("date", _is_date, _dates, "RFC 3339 full-date", _PATTERNS["date"]),
        Format("uri", _is_uri, _uris, "RFC 3986 absolute URI", _PATTERNS["uri"]),
        Format("email", _is_email, _emails, "RFC 5321 email address"),
        Format("ipv4", _is_ipv4, _ipv4s, "IPv4 dotted-quad address", _PATTERNS["ipv4"]),
        Format("ipv6", _is_ipv6, _ipv6s, "IPv6 address", _PATTERNS["ipv6"]),
        Format("byte", _is_byte, _bytes_base64, "RFC 4648 base64", _PATTERNS["byte"]),
        Format("cron", _is_cron, _crons, "5-field cron expression", _PATTERNS["cron"]),
    )
}

BUILTIN_FORMATS: Mapping[str, Format] = MappingProxyType(_BUILTINS)
"""The built-in asserted formats by name; read-only."""


def builtin_formats() -> dict[str, Format]:
    """A fresh mutable copy of the built-in formats, for a contract to extend."""
    return dict(_BUILTINS)
