"""JUnit XML: the one writer every command shares (self-check, live runs, replays).

Pure rendering of `TestSuite` values to text, plus `write`, which renders and then
writes atomically. The output is read by Jenkins (junit plugin), GitLab and GitHub
reporters (dorny/test-reporter, mikepenz/action-junit-report), so it sticks to the
common subset of the format:

    <testsuites name tests failures errors skipped time>
      <testsuite name tests failures errors skipped time [timestamp] [hostname]>
        [<properties><property name value/>…</properties>]
        <testcase classname name time>
          [<properties>…</properties>]
          [<failure message [type]>text</failure> | <error …> | <skipped message/>]
          [<system-out>text</system-out>]

Counts and times are computed, never passed in, so they always add up: a suite's
are the sums of its cases, the root's the sums of its suites. Times are kept as
whole milliseconds, so the printed values add up exactly too. Suites and cases keep
the order they are given in (callers sort). Every string is stripped of characters
that XML 1.0 forbids, so a payload with a NUL byte or an ANSI escape still yields a
well-formed report (ANSI colour sequences are dropped whole).
"""

from __future__ import annotations

import math
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from conformance.reporting.files import write_atomic

__all__ = ["Outcome", "TestCase", "TestSuite", "render", "write"]

_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

# Everything outside XML 1.0's Char production: C0 controls other than \t \n \r,
# lone surrogates, U+FFFE and U+FFFF.
_ILLEGAL_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# A terminal colour or cursor sequence (ESC [ … final byte): ESC alone is illegal, and
# dropping only it would leave "[31m" noise in the report, so the whole sequence goes.
_ANSI_CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class Outcome:
    """A `<failure>` or `<error>`: a one-line message plus optional detail."""

    message: str  # one line, goes into the message attribute
    text: str = ""  # multi-line detail, the element text
    type: str = ""  # e.g. "contract" / "validator" / "network"


@dataclass(frozen=True, slots=True)
class TestCase:
    """One check: a probe (`getJob[jobId=…]`) or a self-check rule."""

    __test__ = False  # not a pytest test class, whatever module imports it

    name: str
    classname: str
    time: float = 0.0  # seconds
    failure: Outcome | None = None  # a broken contract (or a validator defect)
    error: Outcome | None = None  # the tool failed / no answer from the target
    skipped: str | None = None  # the reason; "" still means skipped
    stdout: str = ""  # goes to <system-out> when non-empty
    properties: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        outcomes = [self.failure, self.error, self.skipped]
        if sum(outcome is not None for outcome in outcomes) > 1:
            raise ValueError(
                f"test case {self.name!r}: set at most one of failure, error, skipped"
            )


@dataclass(frozen=True, slots=True)
class TestSuite:
    """The cases of one operation, e.g. `getJob`."""

    __test__ = False  # not a pytest test class, whatever module imports it

    name: str
    cases: Sequence[TestCase]
    timestamp: str | None = None  # ISO 8601
    properties: Mapping[str, str] = field(default_factory=dict)
    hostname: str | None = None


def render(suites: Sequence[TestSuite], *, name: str = "conformance") -> str:
    """Render `suites` as a JUnit XML document (UTF-8 declaration, final newline)."""
    root = ET.Element("testsuites")
    root_counts = _Counts()
    suite_elements = []
    for suite in suites:
        element, counts = _suite(suite)
        suite_elements.append(element)
        root_counts.add(counts)
    _set(root, "name", name)
    root_counts.set_on(root)
    root.extend(suite_elements)
    ET.indent(root, space="  ")
    return _DECLARATION + ET.tostring(root, encoding="unicode") + "\n"


def write(
    path: str | os.PathLike[str],
    suites: Sequence[TestSuite],
    *,
    name: str = "conformance",
) -> None:
    """Render `suites` and write them atomically to `path`."""
    write_atomic(path, render(suites, name=name))


class _Counts:
    """Running totals for a suite or the root; time in whole milliseconds."""

    __slots__ = ("tests", "failures", "errors", "skipped", "millis")

    def __init__(self) -> None:
        self.tests = self.failures = self.errors = self.skipped = self.millis = 0

    def add(self, other: _Counts) -> None:
        self.tests += other.tests
        self.failures += other.failures
        self.errors += other.errors
        self.skipped += other.skipped
        self.millis += other.millis

    def add_case(self, case: TestCase, millis: int) -> None:
        self.tests += 1
        self.failures += case.failure is not None
        self.errors += case.error is not None
        self.skipped += case.skipped is not None
        self.millis += millis

    def set_on(self, element: ET.Element) -> None:
        element.set("tests", str(self.tests))
        element.set("failures", str(self.failures))
        element.set("errors", str(self.errors))
        element.set("skipped", str(self.skipped))
        element.set("time", _format_millis(self.millis))


def _suite(suite: TestSuite) -> tuple[ET.Element, _Counts]:
    element = ET.Element("testsuite")
    counts = _Counts()
    case_elements = []
    for case in suite.cases:
        millis = _millis(case.time)
        case_elements.append(_case(case, millis))
        counts.add_case(case, millis)
    # Attributes are set in a fixed order; ElementTree keeps insertion order.
    _set(element, "name", suite.name)
    counts.set_on(element)
    if suite.timestamp is not None:
        _set(element, "timestamp", suite.timestamp)
    if suite.hostname is not None:
        _set(element, "hostname", suite.hostname)
    _properties(element, suite.properties)
    element.extend(case_elements)
    return element, counts


def _case(case: TestCase, millis: int) -> ET.Element:
    element = ET.Element("testcase")
    _set(element, "classname", case.classname)
    _set(element, "name", case.name)
    element.set("time", _format_millis(millis))
    _properties(element, case.properties)
    if case.failure is not None:
        _outcome(element, "failure", case.failure)
    if case.error is not None:
        _outcome(element, "error", case.error)
    if case.skipped is not None:
        skipped = ET.SubElement(element, "skipped")
        first, rest = _split_message(case.skipped)
        _set(skipped, "message", first)
        if rest:
            skipped.text = _clean(case.skipped)
    if case.stdout:
        ET.SubElement(element, "system-out").text = _clean(case.stdout)
    return element


def _outcome(parent: ET.Element, tag: str, outcome: Outcome) -> None:
    element = ET.SubElement(parent, tag)
    first, rest = _split_message(outcome.message)
    _set(element, "message", first)
    if outcome.type:
        _set(element, "type", outcome.type)
    # The attribute holds one line; a longer message goes in full into the body.
    parts = [outcome.message] if rest else []
    if outcome.text:
        parts.append(outcome.text)
    if parts:
        element.text = _clean("\n\n".join(parts))


def _properties(parent: ET.Element, properties: Mapping[str, str]) -> None:
    if not properties:
        return
    container = ET.SubElement(parent, "properties")
    for key, value in properties.items():
        prop = ET.SubElement(container, "property")
        _set(prop, "name", key)
        _set(prop, "value", value)


def _set(element: ET.Element, attribute: str, value: str) -> None:
    element.set(attribute, _clean(value))


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot carry, even as character references."""
    return _ILLEGAL_XML.sub("", _ANSI_CSI.sub("", text))


def _split_message(message: str) -> tuple[str, str]:
    """The first line of `message` (after cleaning), and whatever follows it."""
    first, _, rest = _LINE_BREAK.sub("\n", _clean(message)).partition("\n")
    return first, rest


def _millis(seconds: float) -> int:
    # A clock glitch must not make the report unreadable: NaN, ±inf, < 0 → 0.
    if not math.isfinite(seconds) or seconds <= 0:
        return 0
    return round(seconds * 1000)


def _format_millis(millis: int) -> str:
    whole, fraction = divmod(millis, 1000)
    return f"{whole}.{fraction:03d}"
