"""body.py: the size flag, and JSON read exactly (long integers, no NaN)."""

from __future__ import annotations

import pytest

from conformance.body import JSONProblem, LongInt, format_size, parse_json, parse_size


@pytest.mark.parametrize(
    ("text", "size"),
    [("64MiB", 64 * 1024**2), ("500k", 500_000), ("1048576", 1_048_576),
     ("1.5 MiB", 1_572_864), ("2GiB", 2 * 1024**3)],
    ids=["mib", "k", "bytes", "fraction", "gib"],
)  # fmt: skip
def test_sizes_read_with_their_units(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "ten", "10 parsecs", "0", "-5"])
def test_a_bad_size_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="size|at least"):
        parse_size(text)


def test_a_cap_reads_as_a_person_writes_it() -> None:
    sizes = [64 * 1024**2, 1000, 1536, 4 * 1024**3]
    assert [format_size(s) for s in sizes] == ["64 MiB", "1000 bytes",
                                               "1.5 KiB", "4 GiB"]  # fmt: skip


def test_an_integer_of_5000_digits_is_that_integer() -> None:
    value = parse_json(b'{"n": ' + b"9" * 5000 + b"}")["n"]
    assert (isinstance(value, LongInt), value == 10**5000 - 1) == (True, True)
    assert repr(value) == "an integer of 5000 digits"


def test_ordinary_integers_stay_plain_ints() -> None:
    assert type(parse_json(b'{"n": 12345678901234567890}')["n"]) is int


@pytest.mark.parametrize(
    ("text", "where"),
    [('{"a": NaN}', "NaN is not a JSON value (RFC 8259) at 1:7"),
     ('[1,\n Infinity]', "Infinity is not a JSON value (RFC 8259) at 2:2"),
     ('{"NaN": "Infinity", "b": -Infinity}', "-Infinity is not a JSON value"),
     ('{"a": 1,}', "not JSON: Expecting property name"),
     (b'"\xff"', "not UTF-8 text (byte 1)")],
    ids=["nan", "infinity-line-2", "names-and-strings-skipped", "syntax", "bytes"],
)  # fmt: skip
def test_what_is_not_json_is_refused_at_its_position(
    text: str | bytes, where: str
) -> None:
    with pytest.raises(JSONProblem) as caught:
        parse_json(text)
    assert where in str(caught.value)


def test_nan_inside_a_string_is_just_text() -> None:
    assert parse_json('{"a": "NaN"}') == {"a": "NaN"}
