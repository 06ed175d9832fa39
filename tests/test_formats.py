"""Tests for conformance.formats: format checks, their strategies, the registry."""

from __future__ import annotations

import base64
import dataclasses
import datetime
import ipaddress
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from conformance.formats import BUILTIN_FORMATS, Format, builtin_formats

FORMATS_PY = Path(__file__).resolve().parent.parent / "conformance" / "formats.py"
PROPERTY = settings(max_examples=50, deadline=None, database=None)

# (format, string) rows. Every example from the format's contract is here.
VALID = [
    # uuid
    ("uuid", "123e4567-e89b-12d3-a456-426614174000"),
    ("uuid", "123E4567-E89B-12D3-A456-426614174000"),
    ("uuid", "123e4567-E89B-12d3-A456-426614174000"),
    ("uuid", "00000000-0000-0000-0000-000000000000"),
    ("uuid", "ffffffff-ffff-ffff-ffff-ffffffffffff"),
    ("uuid", "01890a5d-ac96-774b-bcce-b302099a8057"),
    # date-time
    ("date-time", "2024-01-01T00:00:00Z"),
    ("date-time", "2024-01-01t00:00:00z"),
    ("date-time", "1985-04-12T23:20:50.52Z"),
    ("date-time", "1996-12-19T16:39:57-08:00"),
    ("date-time", "1937-01-01T12:00:27.87+00:20"),
    ("date-time", "1990-12-31T23:59:60Z"),
    ("date-time", "1990-12-31T15:59:60-08:00"),
    ("date-time", "2024-06-01T12:00:60+02:00"),
    ("date-time", "2024-01-01T00:00:00.123456789012345Z"),
    ("date-time", "2024-01-01T00:00:00.0+00:00"),
    ("date-time", "2024-01-01T00:00:00-00:00"),
    ("date-time", "2024-01-01T00:00:00+23:59"),
    ("date-time", "2024-02-29T12:00:00+01:00"),
    ("date-time", "2000-02-29T00:00:00Z"),
    ("date-time", "2024-04-30T23:59:59Z"),
    ("date-time", "0000-01-01T00:00:00Z"),
    ("date-time", "9999-12-31T23:59:59Z"),
    # date
    ("date", "2024-02-29"),
    ("date", "2000-02-29"),
    ("date", "2023-12-31"),
    ("date", "2024-04-30"),
    ("date", "0001-01-01"),
    # uri
    ("uri", "app://qovery-console/cron-job"),
    ("uri", "http://registry.qovery.io"),
    ("uri", "urn:isbn:0451450523"),
    ("uri", "mailto:a@b.c"),
    ("uri", "https://example.com:8443/a/b?q=1&r=%20#frag"),
    ("uri", "https://example.com/%E2%82%AC?x=%e2%82%ac"),
    ("uri", "http://a/b/c/./../g;x=1?y/z?w#s/t?u"),
    ("uri", "http://user:pass@host.example/"),
    ("uri", "http://192.0.2.1/"),
    ("uri", "http://[::1]:8080/"),
    ("uri", "ldap://[2001:db8::7]/c=GB?objectClass?one"),
    ("uri", "http://[::ffff:1.2.3.4]/"),
    ("uri", "http://[v7.abc:def]/"),
    ("uri", "file:///etc/hosts"),
    ("uri", "news:comp.infosystems.www.servers.unix"),
    ("uri", "tel:+1-816-555-1212"),
    ("uri", "git+ssh://git@github.com/x/y.git"),
    ("uri", "x-custom.v1:opaque/path"),
    ("uri", "foo:"),
    ("uri", "foo:?q#f"),
    ("uri", "http://"),
    ("uri", "HTTP://EXAMPLE.COM/"),
    # email
    ("email", "a@b.c"),
    ("email", "user@example.com"),
    ("email", "first.last@sub.example.co.uk"),
    ("email", "user+tag@example.com"),
    ("email", "!#$%&'*+-/=?^_`{|}~@example.com"),
    ("email", "user@localhost"),
    ("email", "x@a-b.c"),
    ("email", "x@a--b.c"),
    ("email", "x@123.example"),
    ("email", "user@[192.0.2.1]"),
    ("email", "user@[IPv6:2001:db8::1]"),
    ("email", "user@[ipv6:::1]"),
    ("email", "a" * 64 + "@" + "b" * 185 + ".com"),  # exactly 254
    # ipv4
    ("ipv4", "0.0.0.0"),
    ("ipv4", "255.255.255.255"),
    ("ipv4", "192.168.1.1"),
    ("ipv4", "10.0.100.249"),
    # ipv6
    ("ipv6", "::"),
    ("ipv6", "::1"),
    ("ipv6", "1::"),
    ("ipv6", "::ffff:1.2.3.4"),
    ("ipv6", "::1.2.3.4"),
    ("ipv6", "2001:db8::1"),
    ("ipv6", "2001:DB8::AbCd"),
    ("ipv6", "fe80::1"),
    ("ipv6", "1:2:3:4:5:6:7:8"),
    ("ipv6", "1:2:3:4:5:6:7::"),
    ("ipv6", "::2:3:4:5:6:7:8"),
    ("ipv6", "1:2:3:4:5:6:1.2.3.4"),
    ("ipv6", "0000:0000:0000:0000:0000:0000:0000:0000"),
    # byte
    ("byte", ""),
    ("byte", "abcd"),
    ("byte", "abc="),  # 3 chars + "=": 2 bytes, canonical (see report)
    ("byte", "ab=="),
    ("byte", "aGVsbG8="),
    ("byte", "aGVsbG8gd29ybGQ="),
    ("byte", "++//"),
    ("byte", "AAAAAAAA"),
    # cron
    ("cron", "* * * * *"),
    ("cron", "0 0 * * *"),
    ("cron", "*/15 9-17 * * MON-FRI"),
    ("cron", "0 0 1,15 * *"),
    ("cron", "5 4 * jan sun"),
    ("cron", "0 22 * * 1-5"),
    ("cron", "0 0 * * 7"),
    ("cron", "10/5 * * * *"),
    ("cron", "0\t0 * * *"),
    ("cron", "0  0 \t * * *"),
    ("cron", "0-59 0-23 1-31 1-12 0-7"),
    ("cron", "59 23 31 12 6"),
    ("cron", "* * * JAN-DEC SUN-SAT"),
    ("cron", "* * * Jan-dec mOn-fri"),
    ("cron", "* * * * 5-7"),
    ("cron", "* * * * FRI-7"),
    ("cron", "1,2-5/2,*/10,7/3 * * * *"),
    ("cron", "* * * mar/2 sun/2"),
    ("cron", "5-5 * * * *"),
    ("cron", "00 09 * * *"),
]

INVALID = [
    # uuid
    ("uuid", ""),
    ("uuid", "{123e4567-e89b-12d3-a456-426614174000}"),
    ("uuid", "urn:uuid:123e4567-e89b-12d3-a456-426614174000"),
    ("uuid", "123e4567e89b12d3a456426614174000"),
    ("uuid", "123e4567-e89b-12d3-a456-42661417400"),
    ("uuid", "123e4567-e89b-12d3-a456-4266141740000"),
    ("uuid", "123e4567e-89b-12d3-a456-426614174000"),
    ("uuid", "g23e4567-e89b-12d3-a456-426614174000"),
    ("uuid", " 123e4567-e89b-12d3-a456-426614174000"),
    ("uuid", "123e4567-e89b-12d3-a456-426614174000\n"),
    ("uuid", "\uff11" + "23e4567-e89b-12d3-a456-426614174000"),
    # date-time
    ("date-time", ""),
    ("date-time", "Fri Aug 21 2026 00:00:00 GMT+0000 (Coordinated Universal Time)"),
    ("date-time", "2024-01-01T00:00:00"),
    ("date-time", "2024-01-01T00:00:00.123"),
    ("date-time", "2024-01-01 00:00:00Z"),
    ("date-time", "2024-01-01_00:00:00Z"),
    ("date-time", "2024-01-01"),
    ("date-time", "2023-02-29T00:00:00Z"),
    ("date-time", "1900-02-29T00:00:00Z"),
    ("date-time", "2024-02-30T00:00:00Z"),
    ("date-time", "2024-04-31T00:00:00Z"),
    ("date-time", "2024-11-31T00:00:00Z"),
    ("date-time", "2024-13-01T00:00:00Z"),
    ("date-time", "2024-00-10T00:00:00Z"),
    ("date-time", "2024-01-00T00:00:00Z"),
    ("date-time", "2024-01-32T00:00:00Z"),
    ("date-time", "2024-01-01T24:00:00Z"),
    ("date-time", "2024-01-01T00:60:00Z"),
    ("date-time", "2024-01-01T00:00:61Z"),
    ("date-time", "2024-01-01T00:00:00+24:00"),
    ("date-time", "2024-01-01T00:00:00+23:60"),
    ("date-time", "2024-01-01T00:00:00+0100"),
    ("date-time", "2024-01-01T00:00:00+01"),
    ("date-time", "2024-01-01T00:00:00.Z"),
    ("date-time", "2024-01-01T00:00:00,5Z"),
    ("date-time", "2024-01-01T00:00Z"),
    ("date-time", "2024-1-1T00:00:00Z"),
    ("date-time", "24-01-01T00:00:00Z"),
    ("date-time", "+2024-01-01T00:00:00Z"),
    ("date-time", " 2024-01-01T00:00:00Z"),
    ("date-time", "2024-01-01T00:00:00Z\n"),
    ("date-time", "2024-01-01T00:00:00ZZ"),
    ("date-time", "\uff12\uff10\uff12\uff14-01-01T00:00:00Z"),
    # date
    ("date", ""),
    ("date", "2023-02-29"),
    ("date", "1900-02-29"),
    ("date", "2024-02-30"),
    ("date", "2024-04-31"),
    ("date", "2024-06-31"),
    ("date", "2024-13-01"),
    ("date", "2024-1-01"),
    ("date", "20240101"),
    ("date", "2024-01-01T00:00:00Z"),
    ("date", "2024-01-01\n"),
    # uri
    ("uri", ""),
    ("uri", "/foo"),
    ("uri", "foo"),
    ("uri", "//host/x"),
    ("uri", "?q=1"),
    ("uri", ":foo"),
    ("uri", "1http://x"),
    ("uri", "ht tp://x"),
    ("uri", "http://exa mple.com"),
    ("uri", "http://example.com/a b"),
    ("uri", "http://example.com/ "),
    ("uri", "http://example.com/\u00e4"),
    ("uri", "http://ex\u00e4mple.com/"),
    ("uri", "http://example.com/%zz"),
    ("uri", "http://example.com/%2"),
    ("uri", "http://example.com/%"),
    ("uri", "http://example.com/<x>"),
    ("uri", 'http://example.com/"x"'),
    ("uri", "http://example.com/a\\b"),
    ("uri", "http://ex{ample}.com/"),
    ("uri", "http://host/#a#b"),
    ("uri", "http://a:b:c/"),
    ("uri", "http://host:80a/"),
    ("uri", "http://[::1/"),
    ("uri", "http://[::g]/"),
    ("uri", "http://[1.2.3.4]/"),
    ("uri", "http://[fe80::1%25eth0]/"),
    ("uri", "http://host/[x]"),
    ("uri", "http://example.com\n"),
    # email
    ("email", ""),
    ("email", "plainaddress"),
    ("email", "@example.com"),
    ("email", "user@"),
    ("email", ".user@example.com"),
    ("email", "user.@example.com"),
    ("email", "us..er@example.com"),
    ("email", "user@-example.com"),
    ("email", "user@example-.com"),
    ("email", "user@exa_mple.com"),
    ("email", "user@example..com"),
    ("email", "user@.example.com"),
    ("email", "user@example.com."),
    ("email", "a b@example.com"),
    ("email", '"quoted"@example.com'),
    ("email", "a@b@example.com"),
    ("email", "\u00fc@example.com"),
    ("email", "user@ex\u00e4mple.com"),
    ("email", "user@[300.1.1.1]"),
    ("email", "user@[2001:db8::1]"),
    ("email", "user@[IPv6:::g]"),
    ("email", "user@[IPv6:1.2.3.4]"),
    ("email", " user@example.com"),
    ("email", "user@example.com\n"),
    ("email", "a" * 65 + "@" + "b" * 185 + ".com"),  # 255
    # ipv4
    ("ipv4", ""),
    ("ipv4", "01.2.3.4"),
    ("ipv4", "1.2.3.04"),
    ("ipv4", "00.0.0.0"),
    ("ipv4", "256.1.1.1"),
    ("ipv4", "1.2.3.300"),
    ("ipv4", "1.2.3"),
    ("ipv4", "1.2.3.4.5"),
    ("ipv4", "1..2.3"),
    ("ipv4", "1.2.3.-1"),
    ("ipv4", " 1.2.3.4"),
    ("ipv4", "1.2.3.4 "),
    ("ipv4", "1.2.3.4\n"),
    ("ipv4", "0x1.2.3.4"),
    ("ipv4", "1.2.3.4/24"),
    ("ipv4", "\u0661.2.3.4"),
    # ipv6
    ("ipv6", ""),
    ("ipv6", ":"),
    ("ipv6", ":::"),
    ("ipv6", "1:2:3:4:5:6:7"),
    ("ipv6", "1:2:3:4:5:6:7:8:9"),
    ("ipv6", "1::2::3"),
    ("ipv6", "1::2:3:4:5:6:7:8"),
    ("ipv6", ":1::"),
    ("ipv6", "1:2:3:4:5:6:7:8:"),
    ("ipv6", "12345::"),
    ("ipv6", "g::1"),
    ("ipv6", "fe80::1%eth0"),
    ("ipv6", "fe80::1%1"),
    ("ipv6", "::1/128"),
    ("ipv6", " ::1"),
    ("ipv6", "::1 "),
    ("ipv6", "::1\n"),
    ("ipv6", "[::1]"),
    ("ipv6", "1.2.3.4"),
    ("ipv6", "::ffff:01.2.3.4"),
    ("ipv6", "::ffff:256.1.1.1"),
    ("ipv6", "::1.2.3.4:1"),
    ("ipv6", "1:2:3:4:5:6:7:1.2.3.4"),
    ("ipv6", "::\u0661"),
    # byte
    ("byte", "abc"),
    ("byte", "a"),
    ("byte", "ab="),
    ("byte", "a==="),
    ("byte", "===="),
    ("byte", "abcd="),
    ("byte", "abc=="),
    ("byte", "ab=c"),
    ("byte", "ab==cd=="),
    ("byte", "aGVs bG8="),
    ("byte", "aGVsbG8=\n"),
    ("byte", "-_-_"),
    # cron
    ("cron", ""),
    ("cron", "* * * * * *"),
    ("cron", "0 0 12 * * ?"),
    ("cron", "0 0 * * * 2026"),
    ("cron", "* * * *"),
    ("cron", "60 * * * *"),
    ("cron", "* 24 * * *"),
    ("cron", "* * 0 * *"),
    ("cron", "* * 32 * *"),
    ("cron", "* * * 13 *"),
    ("cron", "* * * 0 *"),
    ("cron", "* * * * 8"),
    ("cron", "100 * * * *"),
    ("cron", "5-1 * * * *"),
    ("cron", "* * * * sat-sun"),
    ("cron", "*/0 * * * *"),
    ("cron", "1-5/00 * * * *"),
    ("cron", "@daily"),
    ("cron", "@reboot"),
    ("cron", "0 0 ? * MON"),
    ("cron", "0 0 L * *"),
    ("cron", "0 0 15W * *"),
    ("cron", "0 0 * * 5#3"),
    ("cron", "0 0 * * 5L"),
    ("cron", " * * * * *"),
    ("cron", "* * * * * "),
    ("cron", "* * * * *\n"),
    ("cron", "*\n* * * *"),
    ("cron", "1, * * * *"),
    ("cron", ",1 * * * *"),
    ("cron", "1,,2 * * * *"),
    ("cron", "*/ * * * *"),
    ("cron", "/5 * * * *"),
    ("cron", "1-/2 * * * *"),
    ("cron", "-1 * * * *"),
    ("cron", "*-5 * * * *"),
    ("cron", "1-2-3 * * * *"),
    ("cron", "* * * JANUARY *"),
    ("cron", "* * * * MONDAY"),
    ("cron", "* * * * JAN"),
    ("cron", "* * * MON *"),
    ("cron", "JAN * * * *"),
    ("cron", "* * * * MON-FRI/x"),
    ("cron", "\uff11 * * * *"),
]


def _row_id(row: tuple[str, str]) -> str:
    name, value = row
    shown = repr(value) if len(value) <= 60 else f"{value[:20]!r}...({len(value)})"
    return f"{name} {shown}"


@pytest.mark.parametrize(("name", "value"), VALID, ids=[_row_id(r) for r in VALID])
def test_format_accepts_a_valid_string(name: str, value: str) -> None:
    assert BUILTIN_FORMATS[name].check(value) is True


@pytest.mark.parametrize(("name", "value"), INVALID, ids=[_row_id(r) for r in INVALID])
def test_format_rejects_an_invalid_string(name: str, value: str) -> None:
    assert BUILTIN_FORMATS[name].check(value) is False


def test_every_format_has_valid_and_invalid_rows() -> None:
    assert {name for name, _ in VALID} == set(BUILTIN_FORMATS)
    assert {name for name, _ in INVALID} == set(BUILTIN_FORMATS)


def test_cron_rejects_a_seconds_field() -> None:
    assert BUILTIN_FORMATS["cron"].check("0 * * * * *") is False


def test_date_time_requires_an_offset() -> None:
    check = BUILTIN_FORMATS["date-time"].check
    assert check("2024-01-01T00:00:00Z") is True
    assert check("2024-01-01T00:00:00") is False


# --- registry ----------------------------------------------------------------------


def test_builtin_formats_are_the_documented_set() -> None:
    assert set(BUILTIN_FORMATS) == {
        "uuid",
        "date-time",
        "date",
        "uri",
        "email",
        "ipv4",
        "ipv6",
        "byte",
        "cron",
    }


@pytest.mark.parametrize("name", sorted(BUILTIN_FORMATS))
def test_builtin_format_is_named_described_and_has_a_strategy(name: str) -> None:
    fmt = BUILTIN_FORMATS[name]
    assert fmt.name == name
    assert fmt.strategy is not None
    assert fmt.description
    assert "\n" not in fmt.description


def test_builtin_formats_mapping_is_read_only() -> None:
    with pytest.raises(TypeError):
        BUILTIN_FORMATS["uuid"] = Format("uuid", str.isalnum)  # type: ignore[index]


def test_builtin_formats_returns_a_fresh_mutable_copy() -> None:
    copy = builtin_formats()
    assert copy == dict(BUILTIN_FORMATS)
    copy["even"] = Format("even", lambda value: len(value) % 2 == 0)
    del copy["uuid"]
    assert "even" not in BUILTIN_FORMATS
    assert "uuid" in BUILTIN_FORMATS
    assert builtin_formats() is not builtin_formats()


def test_format_is_frozen_and_defaults_to_no_strategy() -> None:
    fmt = Format("even", lambda value: len(value) % 2 == 0)
    assert fmt.strategy is None
    assert fmt.description == ""
    with pytest.raises(dataclasses.FrozenInstanceError):
        fmt.name = "odd"  # type: ignore[misc]


def test_importing_formats_loads_no_heavy_modules() -> None:
    # Load the file on its own, so that what the package __init__ imports is not
    # blamed on this module.
    code = (
        "import importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location('formats', sys.argv[1])\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "sys.modules['formats'] = module\n"
        "spec.loader.exec_module(module)\n"
        "heavy = {'hypothesis', 'jsonschema', 'httpx', 'pytest'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(FORMATS_PY)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"


# --- properties --------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BUILTIN_FORMATS))
@PROPERTY
@given(data=st.data())
def test_strategy_draws_only_strings_its_check_accepts(
    name: str, data: st.DataObject
) -> None:
    fmt = BUILTIN_FORMATS[name]
    assert fmt.strategy is not None
    value = data.draw(fmt.strategy(), label=name)
    assert isinstance(value, str)
    assert fmt.check(value) is True


@pytest.mark.parametrize(
    ("name", "simplest"),
    [
        ("uuid", "00000000-0000-0000-0000-000000000000"),
        ("date-time", "0000-01-01T00:00:00Z"),
        ("date", "0000-01-01"),
        ("uri", "http://"),
        ("email", "0@a"),
        ("ipv4", "0.0.0.0"),
        ("ipv6", "::"),
        ("byte", ""),
        ("cron", "* * * * *"),
    ],
    ids=lambda value: value or "''",
)
def test_strategy_simplest_draw_is_a_simple_value(name: str, simplest: str) -> None:
    # Hypothesis runs the all-simplest choices first and shrinks towards them, so
    # this is the value failing examples shrink to; find() would take seconds.
    strategy = BUILTIN_FORMATS[name].strategy
    assert strategy is not None
    drawn: list[str] = []

    @settings(PROPERTY, max_examples=1, phases=[Phase.generate])
    @given(strategy())
    def record(value: str) -> None:
        drawn.append(value)

    record()
    assert drawn == [simplest]


@pytest.mark.parametrize("name", sorted(BUILTIN_FORMATS))
@PROPERTY
@given(value=st.text())
def test_check_returns_a_bool_for_any_text(name: str, value: str) -> None:
    assert isinstance(BUILTIN_FORMATS[name].check(value), bool)


@PROPERTY
@given(value=st.text(alphabet="0123456789abcdefABCDEFg:.%/ ", max_size=45))
def test_ipv6_agrees_with_ipaddress_except_zone_ids(value: str) -> None:
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        expected = False
    else:
        expected = "%" not in value
    assert BUILTIN_FORMATS["ipv6"].check(value) is expected


@PROPERTY
@given(value=st.text(alphabet="0123456789. \n-x", max_size=20))
def test_ipv4_agrees_with_ipaddress(value: str) -> None:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        expected = False
    else:
        expected = True
    assert BUILTIN_FORMATS["ipv4"].check(value) is expected


@PROPERTY
@given(value=st.text(alphabet="aB9+/=-_ \n", max_size=16))
def test_byte_agrees_with_the_strict_base64_decoder(value: str) -> None:
    try:
        base64.b64decode(value, validate=True)
    except ValueError:
        expected = False
    else:
        expected = len(value) % 4 == 0
    assert BUILTIN_FORMATS["byte"].check(value) is expected


@PROPERTY
@given(
    year=st.integers(min_value=1, max_value=9999),
    month=st.integers(min_value=1, max_value=12),
    day=st.integers(min_value=1, max_value=31),
)
def test_date_agrees_with_the_calendar(year: int, month: int, day: int) -> None:
    try:
        datetime.date(year, month, day)
    except ValueError:
        expected = False
    else:
        expected = True
    assert BUILTIN_FORMATS["date"].check(f"{year:04d}-{month:02d}-{day:02d}") is (
        expected
    )
