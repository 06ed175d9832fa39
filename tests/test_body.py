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


@pytest.mark.parametrize(
    ("text", "value"),
    [("[1e400]", 10**400), ("[-2.5E400]", -25 * 10**399),
     ("[1" + "0" * 400 + ".0]", 10**400), ("[1.5e308]", 1.5e308)],
    ids=["exponent", "negative", "fraction-of-zeros", "in-float-range"],
)  # fmt: skip
def test_a_number_beyond_a_float_is_that_exact_integer(text: str, value: int) -> None:
    assert parse_json(text) == [value]


def test_an_exact_integer_of_many_thousand_digits_shows_its_length() -> None:
    assert repr(parse_json("[1e5000]")[0]) == "an integer of 5001 digits"


@pytest.mark.parametrize(
    ("text", "where"),
    [('["1e999999", 1e999999]', "a number of 1000000 digits (more than 100000 are "
                                "not read) at 1:14"),
     ("[" + "9" * 100_001 + "]", "a number of 100001 digits"),
     ("[1, 1" + "0" * 400 + ".5]", "a fraction beyond a float's range at 1:5")],
    ids=["exponent", "digits", "fraction"],
)  # fmt: skip
def test_a_number_too_big_to_build_is_refused_at_its_position(
    text: str, where: str
) -> None:
    with pytest.raises(JSONProblem, match="too big to check exactly") as caught:
        parse_json(text)
    assert where in str(caught.value)


def test_a_long_negative_integer_says_it_is_negative() -> None:
    assert repr(parse_json("[-" + "9" * 5000 + "]")[0]) == (
        "a negative integer of 5000 digits"
    )
