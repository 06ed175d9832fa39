"""Each format's exact pattern accepts exactly what its checker accepts.

The compiled engine (jsonschema-rs) runs these patterns natively on the fast path,
while explanations and the pure-Python engine call the checkers: if the two ever
disagreed, the two paths would give different verdicts.
"""

from __future__ import annotations

import re
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.formats import BUILTIN_FORMATS
from conformance.generate.draws import FORMAT_DRAWS

PATTERNED = sorted(name for name, fmt in BUILTIN_FORMATS.items() if fmt.pattern)
NEAR_MISSES = {
    "uuid": ["123e4567-e89b-12d3-a456-42661417400", "123e4567e89b12d3a456426614174000"],
    "date-time": [
        "2024-02-30T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2000-02-29T23:59:60Z",
    ],
    "date": ["1900-02-29", "2000-02-29", "2024-04-31", "2024-13-01"],
    "ipv4": ["256.1.1.1", "01.2.3.4", "1.2.3"],
    "ipv6": ["1:2:3:4:5:6:7:8:9", "1::2::3", ":::", "::ffff:1.2.3.4", "1:2:3:4:5:6::"],
    "uri": ["http://[::1]/x", "http://[::1::]/x", "http://[v1.x]/", "a b:c", "/rel"],
    "cron": [
        "5-1 * * * *",
        "1-5 * * * *",
        "* * * jan-mar MON-fri",
        "* * * MAR-JAN *",
        "0/0 * * * *",
        "00/05 * * * *",
        "* * * * 7-0",
        "60 * * * *",
    ],
    "byte": ["abc=", "ab==", "abcd=", "a"],
}


def _fullmatch(pattern: str, text: str) -> bool:
    # Rust's `$` ends the text; Python's also matches before a final newline.
    return re.fullmatch(pattern.removeprefix("^").removesuffix("$"), text) is not None


def _mutations(text: str) -> st.SearchStrategy[str]:
    alphabet = st.sampled_from(list(" -:/.,*0159aAfFzZT[]%@\n") + list(text or "x"))
    position = st.integers(min_value=0, max_value=len(text))
    return st.one_of(
        st.builds(lambda i, c: text[:i] + c + text[i:], position, alphabet),
        st.builds(lambda i: text[:i] + text[i + 1 :], position),
        st.builds(lambda i, c: text[:i] + c + text[i + 1 :], position, alphabet),
    )


@pytest.mark.parametrize("name", PATTERNED)
def test_pattern_and_checker_agree_on_sampled_strings_and_their_mutations(
    name: str,
) -> None:
    # Volume from the direct sampler's drawers (milliseconds); the hypothesis
    # strategies below explore the odd corners (leading zeros, names, zones).
    fmt = BUILTIN_FORMATS[name]
    assert fmt.pattern is not None
    rng = Random(name)
    alphabet = " -:/.,*0159aAfFzZT[]%@\n"
    for _ in range(400):
        text = FORMAT_DRAWS[name](rng)
        assert _fullmatch(fmt.pattern, text), text
        at = rng.randint(0, len(text))
        char = rng.choice(alphabet + (text or "x"))
        mutated = rng.choice(
            [text[:at] + char + text[at:], text[:at] + text[at + 1 :]]
            + [text[:at] + char + text[at + 1 :]]
        )
        assert _fullmatch(fmt.pattern, mutated) == fmt.check(mutated), repr(mutated)


@pytest.mark.parametrize("name", PATTERNED)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_pattern_and_checker_agree_on_valid_strings_and_their_mutations(
    name: str, data: st.DataObject
) -> None:
    fmt = BUILTIN_FORMATS[name]
    assert fmt.pattern is not None
    assert fmt.strategy is not None
    text = data.draw(fmt.strategy())
    assert _fullmatch(fmt.pattern, text)
    mutated = data.draw(_mutations(text))
    assert _fullmatch(fmt.pattern, mutated) == fmt.check(mutated), repr(mutated)


@pytest.mark.parametrize(
    ("name", "text"),
    [(n, t) for n, texts in NEAR_MISSES.items() for t in texts],
    ids=[f"{n}:{t}" for n, texts in NEAR_MISSES.items() for t in texts],
)
def test_pattern_and_checker_agree_on_near_misses(name: str, text: str) -> None:
    fmt = BUILTIN_FORMATS[name]
    assert fmt.pattern is not None
    assert _fullmatch(fmt.pattern, text) == fmt.check(text)


@pytest.mark.parametrize("name", PATTERNED)
@given(text=st.text(max_size=40))
def test_pattern_and_checker_agree_on_arbitrary_text(name: str, text: str) -> None:
    fmt = BUILTIN_FORMATS[name]
    assert fmt.pattern is not None
    assert _fullmatch(fmt.pattern, text) == fmt.check(text)


@pytest.mark.parametrize("name", PATTERNED)
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_the_compiled_engine_reads_the_pattern_as_python_does(
    name: str, data: st.DataObject
) -> None:
    rs = pytest.importorskip("jsonschema_rs", reason="jsonschema-rs is not installed")
    fmt = BUILTIN_FORMATS[name]
    assert fmt.pattern is not None
    assert fmt.strategy is not None
    validator = _rs_validator(rs, fmt.pattern)
    text = data.draw(fmt.strategy())
    samples = [text, data.draw(_mutations(text)), "", "x", text + "\n"]
    samples += NEAR_MISSES.get(name, [])
    for sample in samples:
        assert validator.is_valid(sample) == fmt.check(sample), repr(sample)


_RS_CACHE: dict[str, object] = {}


def _rs_validator(rs: object, pattern: str) -> object:
    if pattern not in _RS_CACHE:
        _RS_CACHE[pattern] = rs.validator_for({"type": "string", "pattern": pattern})  # type: ignore[attr-defined]
    return _RS_CACHE[pattern]
