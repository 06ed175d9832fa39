"""JUnit XML rendering (`conformance.reporting.junit`) and atomic report writes."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.reporting import junit, write_atomic
from conformance.reporting.junit import Outcome, TestCase, TestSuite


def _parse(xml: str) -> ET.Element:
    return ET.fromstring(xml.encode("utf-8"))


def _suite(name: str, *cases: TestCase, **kwargs: object) -> TestSuite:
    return TestSuite(name=name, cases=cases, **kwargs)  # type: ignore[arg-type]


def _case(name: str, **kwargs: object) -> TestCase:
    return TestCase(name=name, classname="conformance.getJob", **kwargs)  # type: ignore[arg-type]


GOLDEN = """\
<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="conformance" tests="4" failures="1" errors="1" skipped="1" time="0.360">
  <testsuite name="getJob" tests="3" failures="1" errors="0" skipped="1" time="0.350" timestamp="2024-05-01T12:00:00+00:00">
    <properties>
      <property name="spec" value="spec/qovery-getjob.yaml" />
    </properties>
    <testcase classname="conformance.getJob" name="getJob[jobId=3f0b]" time="0.100" />
    <testcase classname="conformance.getJob" name="getJob[jobId=9a1c]" time="0.250">
      <properties>
        <property name="seed" value="42" />
      </properties>
      <failure message="$.status: 'DONE' is not one of ['QUEUED', 'RUNNING']" type="contract">GET /jobs/{jobId} → 200 application/json
instance path: $.status</failure>
      <system-out>GET /jobs/9a1c</system-out>
    </testcase>
    <testcase classname="conformance.getJob" name="getJob 404 rule=required" time="0.000">
      <skipped message="no 404 example" />
    </testcase>
  </testsuite>
  <testsuite name="listJobs" tests="1" failures="0" errors="1" skipped="0" time="0.010">
    <testcase classname="conformance.listJobs" name="listJobs[]" time="0.010">
      <error message="connection refused" type="network" />
    </testcase>
  </testsuite>
</testsuites>
"""  # noqa: E501 (golden lines are as long as the report's)


def _golden_suites() -> list[TestSuite]:
    return [
        _suite(
            "getJob",
            _case("getJob[jobId=3f0b]", time=0.1),
            _case(
                "getJob[jobId=9a1c]",
                time=0.25,
                failure=Outcome(
                    message="$.status: 'DONE' is not one of ['QUEUED', 'RUNNING']",
                    text="GET /jobs/{jobId} → 200 application/json\n"
                    "instance path: $.status",
                    type="contract",
                ),
                stdout="GET /jobs/9a1c",
                properties={"seed": "42"},
            ),
            _case("getJob 404 rule=required", skipped="no 404 example"),
            timestamp="2024-05-01T12:00:00+00:00",
            properties={"spec": "spec/qovery-getjob.yaml"},
        ),
        _suite(
            "listJobs",
            TestCase(
                name="listJobs[]",
                classname="conformance.listJobs",
                time=0.01,
                error=Outcome(message="connection refused", type="network"),
            ),
        ),
    ]


def test_golden_report_renders_exactly() -> None:
    assert junit.render(_golden_suites()) == GOLDEN


def test_report_starts_with_utf8_declaration_and_ends_with_newline() -> None:
    xml = junit.render([])
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    assert xml.endswith("\n")
    assert not xml.endswith("\n\n")


def test_empty_report_has_zero_counts() -> None:
    root = _parse(junit.render([], name="selfcheck"))
    assert root.attrib == {
        "name": "selfcheck",
        "tests": "0",
        "failures": "0",
        "errors": "0",
        "skipped": "0",
        "time": "0.000",
    }


def test_counts_add_up_across_suites() -> None:
    suites = [
        _suite(
            "a",
            _case("pass", time=0.0014),
            _case("fail", time=0.0024, failure=Outcome("f")),
            _case("skip", skipped="later"),
        ),
        _suite(
            "b",
            _case("err", time=1.5, error=Outcome("e")),
            _case("fail1", failure=Outcome("f")),
            _case("fail2", time=0.0006, failure=Outcome("f")),
        ),
        _suite("empty"),
    ]
    root = _parse(junit.render(suites))
    keys = ("tests", "failures", "errors", "skipped")
    elements = root.findall("testsuite")
    for element in elements:
        cases = element.findall("testcase")
        assert int(element.get("tests", "")) == len(cases)
        assert int(element.get("failures", "")) == sum(
            c.find("failure") is not None for c in cases
        )
        assert int(element.get("errors", "")) == sum(
            c.find("error") is not None for c in cases
        )
        assert int(element.get("skipped", "")) == sum(
            c.find("skipped") is not None for c in cases
        )
        case_millis = sum(round(float(c.get("time", "")) * 1000) for c in cases)
        assert round(float(element.get("time", "")) * 1000) == case_millis
    for key in keys:
        assert int(root.get(key, "")) == sum(int(s.get(key, "")) for s in elements)
    assert [root.get(key) for key in keys] == ["6", "3", "1", "1"]
    assert [s.get("time") for s in elements] == ["0.003", "1.501", "0.000"]
    assert root.get("time") == "1.504"


def test_times_are_rounded_to_milliseconds_with_three_decimals() -> None:
    suite = _suite(
        "s",
        _case("a", time=0.0123),
        _case("b", time=2.0),
        _case("c", time=float("nan")),
        _case("d", time=-1.0),
    )
    times = [c.get("time") for c in _parse(junit.render([suite])).iter("testcase")]
    assert times == ["0.012", "2.000", "0.000", "0.000"]


def test_failure_error_and_skipped_render_as_distinct_elements() -> None:
    suite = _suite(
        "getJob",
        _case("ok"),
        _case("broken", failure=Outcome("bad body", "detail", "contract")),
        _case("crashed", error=Outcome("timeout", type="network")),
        _case("later", skipped="not documented"),
        _case("blank skip", skipped=""),
    )
    cases = _parse(junit.render([suite])).findall("testsuite/testcase")
    assert [[child.tag for child in case] for case in cases] == [
        [],
        ["failure"],
        ["error"],
        ["skipped"],
        ["skipped"],
    ]
    failure = cases[1].find("failure")
    assert failure is not None
    assert failure.attrib == {"message": "bad body", "type": "contract"}
    assert failure.text == "detail"
    error = cases[2].find("error")
    assert error is not None
    assert error.attrib == {"message": "timeout", "type": "network"}
    assert error.text is None
    skipped = cases[3].find("skipped")
    assert skipped is not None
    assert skipped.attrib == {"message": "not documented"}


def test_outcome_without_type_omits_the_type_attribute() -> None:
    xml = junit.render([_suite("s", _case("c", failure=Outcome("m")))])
    assert '<failure message="m" />' in xml


@pytest.mark.parametrize(
    "kwargs",
    [
        {"failure": Outcome("f"), "error": Outcome("e")},
        {"failure": Outcome("f"), "skipped": ""},
        {"error": Outcome("e"), "skipped": "why"},
    ],
    ids=["failure+error", "failure+skipped", "error+skipped"],
)
def test_case_with_two_outcomes_is_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="at most one"):
        _case("c", **kwargs)


def test_suites_and_cases_keep_the_order_given() -> None:
    names = ["zeta", "alpha", "mid"]
    suites = [_suite(n, *(_case(f"{n}-{c}") for c in "cab")) for n in names]
    root = _parse(junit.render(suites))
    assert [s.get("name") for s in root.findall("testsuite")] == names
    assert [c.get("name") for c in root.iter("testcase")] == [
        f"{n}-{c}" for n in names for c in "cab"
    ]


def test_attributes_come_in_a_fixed_order() -> None:
    suite = _suite(
        "s",
        _case("c", time=1, failure=Outcome("m", type="t")),
        timestamp="2024-01-01T00:00:00",
        hostname="ci-runner",
    )
    xml = junit.render([suite], name="n")
    assert (
        '<testsuites name="n" tests="1" failures="1" errors="0" skipped="0" '
        'time="1.000">'
    ) in xml
    assert (
        '<testsuite name="s" tests="1" failures="1" errors="0" skipped="0" '
        'time="1.000" timestamp="2024-01-01T00:00:00" hostname="ci-runner">'
    ) in xml
    assert '<testcase classname="conformance.getJob" name="c" time="1.000">' in xml
    assert '<failure message="m" type="t" />' in xml


def test_rendering_is_deterministic() -> None:
    assert junit.render(_golden_suites()) == junit.render(_golden_suites())


def test_properties_appear_only_when_non_empty() -> None:
    xml = junit.render([_suite("s", _case("c"))])
    assert "<properties" not in xml
    root = _parse(
        junit.render([_suite("s", _case("c", properties={"k": "v"}), properties={})])
    )
    assert root.find("testsuite/properties") is None
    props = root.findall("testsuite/testcase/properties/property")
    assert [p.attrib for p in props] == [{"name": "k", "value": "v"}]


def test_stdout_goes_to_system_out_only_when_non_empty() -> None:
    root = _parse(
        junit.render([_suite("s", _case("quiet"), _case("loud", stdout="a\nb"))])
    )
    quiet, loud = root.findall("testsuite/testcase")
    assert quiet.find("system-out") is None
    assert loud.findtext("system-out") == "a\nb"


HOSTILE = (
    "a\x00b\x01c\x08d\x0be\x0cf\x1fg\ud800h\udfffi\ufffej\uffffk\x1b[31;1ml\x1b[0m"
)


@pytest.mark.parametrize(
    "where",
    [
        "suite name",
        "case name",
        "classname",
        "message",
        "text",
        "type",
        "skipped",
        "stdout",
        "property",
        "timestamp",
        "root name",
    ],
)
def test_illegal_xml_characters_are_removed_and_output_parses(where: str) -> None:
    h = HOSTILE
    case_kwargs: dict[str, object] = {
        "case name": {"name": h},
        "classname": {"classname": h},
        "message": {"failure": Outcome(h)},
        "text": {"error": Outcome("m", text=h)},
        "type": {"failure": Outcome("m", type=h)},
        "skipped": {"skipped": h},
        "stdout": {"stdout": h},
        "property": {"properties": {h: h}},
    }.get(where, {})
    case = TestCase(**{"name": "c", "classname": "k", **case_kwargs})  # type: ignore[arg-type]
    suite = TestSuite(
        name=h if where == "suite name" else "s",
        cases=[case],
        timestamp=h if where == "timestamp" else None,
    )
    xml = junit.render([suite], name=h if where == "root name" else "r")
    _parse(xml)  # well-formed: would raise ParseError otherwise
    for bad in ("\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\x1b", "\ufffe"):
        assert bad not in xml
    assert "\ud800" not in xml
    assert "abcdefghijkl" in xml
    assert "[31;1m" not in xml
    xml.encode("utf-8")  # no lone surrogates left


def test_tab_newline_and_non_ascii_survive() -> None:
    text = "tab\there\r\nnext → ünïcode 😀"
    root = _parse(junit.render([_suite("s", _case("c", stdout=text))]))
    # XML parsers normalise \r\n to \n in element text.
    assert root.findtext("testsuite/testcase/system-out") == (
        "tab\there\nnext → ünïcode 😀"
    )


@pytest.mark.parametrize(
    "message",
    ["first line\nsecond line", "first line\r\nsecond line", "first line\rsecond"],
    ids=["lf", "crlf", "cr"],
)
def test_message_attribute_holds_only_the_first_line(message: str) -> None:
    suite = _suite("s", _case("c", failure=Outcome(message, text="detail")))
    failure = _parse(junit.render([suite])).find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == "first line"
    body = failure.text or ""
    assert body.startswith("first line\n")
    assert message.splitlines()[1] in body
    assert body.endswith("\n\ndetail")


def test_one_line_message_is_not_repeated_in_the_body() -> None:
    suite = _suite("s", _case("c", error=Outcome("only line\n", text="detail")))
    error = _parse(junit.render([suite])).find("testsuite/testcase/error")
    assert error is not None
    assert error.get("message") == "only line"
    assert error.text == "detail"


def test_skipped_reason_keeps_only_its_first_line_in_the_attribute() -> None:
    suite = _suite("s", _case("c", skipped="why\nbecause"))
    skipped = _parse(junit.render([suite])).find("testsuite/testcase/skipped")
    assert skipped is not None
    assert skipped.get("message") == "why"
    assert skipped.text == "why\nbecause"


def test_dataclasses_are_not_collected_as_tests() -> None:
    assert TestCase.__test__ is False
    assert TestSuite.__test__ is False


def test_write_renders_to_the_path(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "nested" / "junit.xml"
    junit.write(target, _golden_suites())
    assert target.read_bytes() == GOLDEN.encode("utf-8")
    assert sorted(p.name for p in target.parent.iterdir()) == ["junit.xml"]


def test_write_atomic_creates_parents_and_writes_utf8(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.txt"
    write_atomic(str(target), "ünïcode\r\nline\n")
    assert target.read_bytes() == "ünïcode\r\nline\n".encode()


def test_write_atomic_replaces_existing_content(tmp_path: Path) -> None:
    target = tmp_path / "out.xml"
    target.write_text("old", encoding="utf-8")
    write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xml"]


def test_write_keeps_old_content_when_the_replace_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "junit.xml"
    target.write_text("old report", encoding="utf-8")

    def refuse(src: object, dst: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk gone"):
        junit.write(target, _golden_suites())
    assert target.read_text(encoding="utf-8") == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["junit.xml"]


def test_write_keeps_old_content_when_the_sync_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "junit.xml"
    target.write_text("old report", encoding="utf-8")

    def refuse(fd: int) -> None:
        raise OSError("fsync failed")

    monkeypatch.setattr(os, "fsync", refuse)
    with pytest.raises(OSError, match="fsync failed"):
        write_atomic(target, "new report")
    assert target.read_text(encoding="utf-8") == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["junit.xml"]


def test_write_leaves_the_target_alone_when_rendering_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "junit.xml"
    target.write_text("old report", encoding="utf-8")

    def explode(*args: object, **kwargs: object) -> str:
        raise RuntimeError("render failed")

    monkeypatch.setattr(junit, "render", explode)
    with pytest.raises(RuntimeError, match="render failed"):
        junit.write(target, _golden_suites())
    assert target.read_text(encoding="utf-8") == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["junit.xml"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_write_atomic_keeps_the_mode_of_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "junit.xml"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    write_atomic(target, "new")
    assert target.stat().st_mode & 0o777 == 0o640
    fresh = tmp_path / "fresh.xml"
    write_atomic(fresh, "new")
    assert fresh.stat().st_mode & 0o777 == 0o644
