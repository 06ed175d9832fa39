"""Tests for conformance.source: safe loading, line maps, pointers and URIs."""

from __future__ import annotations

import http.server
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from qovery_server import serving

from conformance import source
from conformance.errors import SpecError
from conformance.source import (
    MAX_DEPTH,
    Document,
    join_uri,
    load_document,
    parse_document,
    pointer_join,
    pointer_parts,
)

QOVERY = Path(__file__).parents[1].parent / "shared/specs/qovery/openapi.yaml"

NESTED = """\
openapi: 3.0.3
paths:
  /pets:
    get:
      parameters:
        - name: limit
          in: query
        - name: offset
          in: query
"""

LOL_BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n"
    for i in range(8)
)


def parse(text: str | bytes, **kwargs: int) -> Document:
    return parse_document(text, "/specs/doc.yaml", **kwargs)


def refusal(text: str | bytes, **kwargs: int) -> SpecError:
    with pytest.raises(SpecError) as caught:
        parse(text, **kwargs)
    return caught.value


# --- lines and pointers -----------------------------------------------------


def test_members_record_the_line_of_their_key_and_items_their_own_line() -> None:
    doc = parse(NESTED)
    assert doc.lines[""] == 1
    assert doc.line("/openapi") == 1
    assert doc.line("/paths/~1pets") == 3
    assert doc.line("/paths/~1pets/get/parameters") == 5
    assert doc.line("/paths/~1pets/get/parameters/0") == 6
    assert doc.line("/paths/~1pets/get/parameters/1") == 8
    assert doc.line("/paths/~1pets/get/parameters/1/in") == 9


def test_line_falls_back_to_the_nearest_ancestor_that_has_one() -> None:
    doc = parse(NESTED)
    assert doc.line("/paths/~1pets/get/responses/200") == 4
    assert doc.line("/nowhere") == 1
    assert Document("x", {}, {}).line("/a/b") is None


def test_keys_with_slash_and_tilde_are_escaped_in_pointers() -> None:
    doc = parse("paths:\n  /job/{jobId}:\n    get: {}\n  a~b: 1\n")
    assert doc.data["paths"]["/job/{jobId}"] == {"get": {}}
    assert doc.line("/paths/~1job~1{jobId}/get") == 3
    assert doc.line("/paths/a~0b") == 4


@pytest.mark.parametrize(
    ("pointer", "parts"),
    [
        ("", []),
        ("/a", ["a"]),
        ("/paths/~1job~1{jobId}/get", ["paths", "/job/{jobId}", "get"]),
        ("/a~0b/~01", ["a~b", "~1"]),
        ("/items/0", ["items", "0"]),
        ("/", [""]),
    ],
    ids=["root", "one", "slashes", "tildes", "index", "empty-token"],
)
def test_pointer_join_and_parts_are_inverse(pointer: str, parts: list[str]) -> None:
    assert pointer_parts(pointer) == parts
    assert pointer_join("", *parts) == pointer


def test_pointer_join_appends_integers_and_escapes() -> None:
    assert pointer_join("/paths", "/a/{b}", "get", 0) == "/paths/~1a~1{b}/get/0"


def test_pointer_parts_rejects_text_that_is_not_a_pointer() -> None:
    with pytest.raises(ValueError, match="not a JSON pointer"):
        pointer_parts("paths/a")


# --- values -----------------------------------------------------------------


def test_mapping_keys_stay_the_text_as_written() -> None:
    doc = parse("200:\n  a: 1\non: x\nyes: y\n~: z\n1.5: w\n")
    assert list(doc.data) == ["200", "on", "yes", "~", "1.5"]
    assert doc.line("/200/a") == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("0x1f", 31),
        ("-1.5", -1.5),
        ("1_000", "1_000"),
        ("010", 10),
        ("true", True),
        ("False", False),
        ("yes", "yes"),
        ("off", "off"),
        ("NO", "NO"),
        ("~", None),
        ("null", None),
        ("", None),
        ("'12'", "12"),
        ("!!str 12", "12"),
        ("!!int '7'", 7),
        ("hello", "hello"),
    ],
)
def test_scalar_values_follow_the_yaml_1_2_core_schema(
    text: str, expected: object
) -> None:
    value = parse(f"v: {text}\n").data["v"]
    assert value == expected
    assert type(value) is type(expected)


def test_timestamps_stay_strings_exactly_as_written() -> None:
    doc = parse("d: 2024-01-01\nt: 2024-01-01T10:00:00Z\n2024-02-02: k\n")
    assert doc.data == {
        "d": "2024-01-01",
        "t": "2024-01-01T10:00:00Z",
        "2024-02-02": "k",
    }


def test_binary_stays_its_base64_text() -> None:
    assert parse("b: !!binary aGVsbG8=\n").data == {"b": "aGVsbG8="}


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['echo hi']\n",
        "a:\n  b: !foo x\n",
        "a: !!set {x: null}\n",
        "!custom k: 1\n",
    ],
    ids=["python-object", "custom-scalar", "set", "custom-key"],
)
def test_unsafe_tags_are_refused_naming_the_line(text: str) -> None:
    error = refusal(text)
    assert "only safe YAML" in error.reason
    assert error.line == text.count("\n", 0, text.index("!")) + 1


@pytest.mark.parametrize("text", [".inf", "-.Inf", ".nan", "1.0e+999"])
def test_infinity_and_nan_are_refused_as_not_json(text: str) -> None:
    error = refusal(f"a: 1\nb: {text}\n")
    assert error.line == 2
    assert "not a JSON number" in error.reason


def test_an_explicit_tag_that_does_not_fit_its_value_is_refused() -> None:
    assert "cannot read 'abc' as !!int" in refusal("a: !!int abc\n").reason


def test_merge_keys_apply_with_own_keys_then_earlier_merges_winning() -> None:
    text = (
        "base: &base {x: 1, y: 2}\n"
        "more: &more {y: 9, z: 3}\n"
        "one:\n  <<: *base\n  x: 5\n"
        "two:\n  <<: [*base, *more]\n"
        "quoted: {'<<': 1}\n"
    )
    doc = parse(text)
    assert doc.data["one"] == {"x": 5, "y": 2}
    assert doc.data["two"] == {"x": 1, "y": 2, "z": 3}
    assert doc.data["quoted"] == {"<<": 1}
    assert doc.line("/one/x") == 5
    assert doc.line("/two/z") == 2  # merged members point at where they were written


def test_a_merge_of_something_other_than_a_mapping_is_refused() -> None:
    error = refusal("a:\n  <<: 1\n")
    assert "merge key needs a mapping" in error.reason
    assert error.line == 2


def test_aliased_content_is_built_as_independent_copies() -> None:
    doc = parse("a: &x {k: [1]}\nb: *x\n")
    assert doc.data["a"] == doc.data["b"]
    assert doc.data["a"] is not doc.data["b"]


def test_a_non_scalar_key_is_refused_naming_its_line() -> None:
    error = refusal("a: 1\n? [x, y]\n: 2\n")
    assert "keys must be plain scalars" in error.reason
    assert error.line == 2


# --- refusing hostile or broken input ---------------------------------------


def test_a_billion_laughs_document_is_refused_quickly() -> None:
    started = time.perf_counter()
    error = refusal(LOL_BOMB)
    elapsed = time.perf_counter() - started
    assert "expands to more than 5,000,000 nodes" in error.reason
    assert "billion laughs" in error.reason
    assert elapsed < 2.0


def test_max_nodes_also_bounds_a_document_without_aliases() -> None:
    error = refusal("a: [1, 2, 3]\nb: [4, 5, 6]\n", max_nodes=5)
    assert "has more than 5 nodes" in error.reason
    assert "billion laughs" not in error.reason


@pytest.mark.parametrize(
    "text",
    ["a: &a [1, *a]\n", "a: &a {b: {c: *a}}\n", "a: &a {<<: *a}\n"],
    ids=["list", "mapping", "merge"],
)
def test_a_recursive_alias_is_refused(text: str) -> None:
    assert "recursive alias" in refusal(text).reason


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 100_000 + "]" * 100_000,
        "a:\n" + "".join(" " * i + "k:\n" for i in range(1, 2000)),
        "a0: &a0 [1]\n"
        + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, MAX_DEPTH + 10)),
        "[" * 100_000,
        '{"a": ' * 100_000,
    ],
    ids=["yaml-flow", "yaml-block", "yaml-aliases", "json-list", "json-object"],
)
def test_deep_nesting_is_refused_cleanly(text: str) -> None:
    error = refusal(text)
    assert "nest" in error.reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (LOL_BOMB, "billion laughs"),
        ("a: &a [1, *a]\n", "recursive alias"),
        ("a: " + "[" * 1000 + "]" * 1000, "nested too deeply"),
        ("a: !!python/name:os.system\n", "only safe YAML"),
    ],
    ids=["bomb", "recursive", "deep", "unsafe"],
)
def test_the_pure_python_loader_fallback_refuses_the_same_input(
    monkeypatch: pytest.MonkeyPatch, text: str, reason: str
) -> None:
    monkeypatch.setattr(source, "_Loader", yaml.SafeLoader)
    assert reason in refusal(text).reason


def test_importing_the_module_does_not_import_httpx() -> None:
    code = "import sys, conformance.source; print('httpx' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_a_yaml_syntax_error_names_its_line_and_problem() -> None:
    error = refusal("openapi: 3.0.3\ninfo:\n  title: a: b\n")
    assert error.line == 3
    assert "mapping values are not allowed" in error.reason
    assert "\n" not in str(error)


def test_a_forbidden_character_is_refused_naming_its_line() -> None:
    error = refusal("a: 1\nb: \x00\n")
    assert error.line == 2
    assert "U+0000" in error.reason


@pytest.mark.parametrize(
    "text",
    ["", "# only a comment\n", "- a\n- b\n", "just text\n", "[1, 2]", "---\n"],
    ids=["empty", "comment", "yaml-list", "scalar", "json-list", "null"],
)
def test_a_document_that_is_not_a_mapping_is_refused(text: str) -> None:
    assert "must be a mapping at the top level" in refusal(text).reason


def test_more_than_one_yaml_document_is_refused() -> None:
    assert refusal("a: 1\n---\nb: 2\n").line == 2


# --- JSON -------------------------------------------------------------------


def test_json_is_parsed_with_the_json_module_and_gets_lines() -> None:
    doc = parse('\ufeff  {\n  "paths": {\n    "/a/{b}": {"get": {}}\n  }\n}\n')
    assert doc.data == {"paths": {"/a/{b}": {"get": {}}}}
    assert doc.line("/paths/~1a~1{b}/get") == 3


def test_json_that_yaml_cannot_read_still_loads_with_lines() -> None:
    doc = parse('{"a": "\\ud83d\\ude00"}')  # YAML has no surrogate-pair escapes
    assert doc.data == {"a": "\U0001f600"}
    assert doc.line("/a") == 1


TRICKY_JSON = """\
{
  "openapi": "3.0.3",
  "a/b": {"x~y": [1, {"k": "]}\\"[{"},
                  [], {}],
          "esc\\u0061ped": "v"},
  "list": [
    "s",
    {"deep": [[0.5e3, true, null], "}"]}
  ],
  "dup": 1,
  "dup": {"last": "wins"}
}
"""


def test_json_lines_are_found_lazily_and_match_a_full_parse() -> None:
    from conformance.source import _build, _compose

    doc = parse(TRICKY_JSON)
    everything = _build(_compose(TRICKY_JSON, "x"), "x", 1000)[1]
    assert {p: doc.line(p) for p in everything} == everything
    assert doc.line("/a~1b/escaped") == 5
    assert doc.line("/list/1/deep/0/2") == 8
    assert doc.line("/dup/last") == 11
    assert doc.line("/nope/deeper") == 1  # the nearest ancestor: the root


def test_a_json_syntax_error_names_its_line_and_column() -> None:
    error = refusal('{\n  "a": 1,\n  "b": 2,\n}\n')
    assert error.line == 4
    assert "invalid JSON" in error.reason
    assert "column 1" in error.reason


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_json_numbers_that_are_not_finite_are_refused(number: str) -> None:
    assert "not a JSON number" in refusal(f'{{"a": {number}}}').reason


# --- files ------------------------------------------------------------------


def test_load_document_makes_a_relative_path_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "spec.yaml").write_text("openapi: 3.0.3\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    doc = load_document("spec.yaml")
    assert doc.uri == str(tmp_path / "spec.yaml")
    assert doc.data == {"openapi": "3.0.3"}


def test_a_file_url_is_read_as_a_path(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("openapi: 3.0.3\n", encoding="utf-8")
    assert load_document(spec.as_uri()).uri == str(spec)


def test_a_utf8_file_with_a_bom_loads(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_bytes("\ufefftitle: café\n".encode())
    assert load_document(str(spec)).data == {"title": "café"}


def test_a_missing_file_names_the_path_and_what_to_do(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(SpecError) as caught:
        load_document(str(missing))
    assert caught.value.source == str(missing)
    assert f"file not found: {missing}" in str(caught.value)
    assert "check --spec or [tool.conformance] spec" in str(caught.value)


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="is a directory"):
        load_document(str(tmp_path))


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "latin1.yaml"
    spec.write_bytes("title: café\n".encode("latin-1"))
    with pytest.raises(SpecError, match="not UTF-8"):
        load_document(str(spec))


def test_the_qovery_spec_loads_with_plausible_lines() -> None:
    if not QOVERY.is_file():
        pytest.skip(f"{QOVERY}: ../shared not present")
    lines = QOVERY.read_text(encoding="utf-8").splitlines()
    expected = lines.index("  '/job/{jobId}':") + 2  # the `get:` line below it
    doc = load_document(str(QOVERY))
    assert doc.data["paths"]["/job/{jobId}"]["get"]["operationId"] == "getJob"
    assert doc.line("/paths/~1job~1{jobId}/get") == expected
    assert lines[expected - 1].strip() == "get:"


# --- URIs -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "ref", "expected"),
    [
        ("/specs/api/openapi.yaml", "other.yaml", "/specs/api/other.yaml"),
        ("/specs/api/openapi.yaml", "../common/x.yaml", "/specs/common/x.yaml"),
        ("/specs/api/openapi.yaml", "./a b.yaml#/x", "/specs/api/a b.yaml"),
        ("/specs/api/openapi.yaml", "a%20b.yaml", "/specs/api/a b.yaml"),
        ("/specs/api/openapi.yaml", "/abs/x.yaml", "/abs/x.yaml"),
        ("/specs/api/openapi.yaml", "", "/specs/api/openapi.yaml"),
        ("/specs/api/openapi.yaml", "file:///other/x.yaml", "/other/x.yaml"),
        ("/specs/openapi.yaml", "https://h/s.yaml", "https://h/s.yaml"),
        ("https://h/a/b.yaml", "../c.yaml", "https://h/c.yaml"),
        ("https://h/a/b.yaml", "d/e.yaml#/x", "https://h/a/d/e.yaml"),
        ("https://h/a/b.yaml", "/root.yaml", "https://h/root.yaml"),
        ("https://h/a/b.yaml", "http://o/x.yaml", "http://o/x.yaml"),
    ],
)
def test_join_uri_resolves_references(base: str, ref: str, expected: str) -> None:
    assert join_uri(base, ref) == expected


def test_join_uri_against_a_real_file_gives_the_path_beside_it(tmp_path: Path) -> None:
    assert join_uri(str(tmp_path / "a.yaml"), "b.yaml") == str(tmp_path / "b.yaml")


# --- URLs (a real local server, no mocks) -----------------------------------


class _SpecHandler(http.server.BaseHTTPRequestHandler):
    routes = {
        "/spec.yaml": b"openapi: 3.0.3\npaths:\n  /a:\n    get: {}\n",
        "/spec.json": b'{"openapi": "3.0.3"}',
    }

    def do_GET(self) -> None:
        if self.path == "/slow.yaml":
            time.sleep(1.0)
        if self.path == "/moved.yaml":
            self.send_response(302)
            self.send_header("Location", "/spec.yaml")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.routes.get(self.path)
        self.send_response(200 if body is not None else 404)
        body = body if body is not None else b"not here"
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep output clean
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the slow route's client hangs up on purpose


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with serving(_QuietServer(("127.0.0.1", 0), _SpecHandler), poll=0.02) as base:
        yield base


def test_a_spec_loads_from_an_http_url(server: str) -> None:
    doc = load_document(f"{server}/spec.yaml")
    assert doc.uri == f"{server}/spec.yaml"
    assert doc.data["paths"] == {"/a": {"get": {}}}
    assert doc.line("/paths/~1a/get") == 4


def test_a_json_spec_loads_from_an_http_url(server: str) -> None:
    assert load_document(f"{server}/spec.json").data == {"openapi": "3.0.3"}


def test_redirects_are_followed_and_the_uri_stays_as_given(server: str) -> None:
    doc = load_document(f"{server}/moved.yaml")
    assert doc.uri == f"{server}/moved.yaml"
    assert "paths" in doc.data


def test_a_404_names_the_url_and_the_status(server: str) -> None:
    with pytest.raises(SpecError) as caught:
        load_document(f"{server}/missing.yaml")
    assert caught.value.source == f"{server}/missing.yaml"
    assert "HTTP 404" in caught.value.reason


def test_a_slow_server_times_out_with_a_spec_error(server: str) -> None:
    with pytest.raises(SpecError, match="timed out after 0.2s"):
        load_document(f"{server}/slow.yaml", timeout=0.2)


def test_a_refused_connection_names_the_url() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/spec.yaml"
    with pytest.raises(
        SpecError, match="cannot fetch the spec: ConnectError"
    ) as caught:
        load_document(url)
    assert caught.value.source == url


def test_json_is_never_read_by_the_yaml_composer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(text: str, uri: str) -> None:
        raise AssertionError("the YAML composer read a JSON document")

    monkeypatch.setattr(source, "_compose", refuse)
    doc = parse(TRICKY_JSON)
    assert doc.line("/list/1/deep") == 8


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_json_lines_count_every_line_break_yaml_counts(newline: str) -> None:
    from conformance.source import _build, _compose

    text = TRICKY_JSON.replace("\n", newline)
    everything = _build(_compose(text, "x"), "x", 1000)[1]
    doc = parse(text)
    assert {p: doc.line(p) for p in everything} == everything
    assert doc.line("/list/1/deep") == 8


EDGE_JSON = (
    '{\n "a~b/c": {\n  "\\u007e1": [],\n  "\\u002f": {}\n },\n "": {\n  "": 0\n },\n'
    ' "\\ud83d\\ude00": {"x": 1},\n "dup": [1],\n "dup": [\n  {\n   "in": 2\n  }\n ],\n'
    ' "deep": ' + "[" * 300 + "]" * 300 + ',\n "after": null\n}'
)


def test_json_lines_of_escaped_empty_duplicate_and_deep_keys() -> None:
    from conformance.json_lines import JsonLines

    doc = parse(EDGE_JSON)
    assert doc.line("/a~0b~1c/~01") == 3  # the key "~1", written escaped
    assert doc.line("/a~0b~1c/~1") == 4  # the key "/", written "\u002f"
    assert doc.line("//") == 7  # the empty key inside the empty key
    assert doc.line("/\U0001f600/x") == 9
    assert doc.line("/dup/0/in") == 13  # the last "dup" wins, as in the data
    assert doc.line("/deep/0/0/0") == 16
    assert doc.line("/after") == 17
    lines = JsonLines(EDGE_JSON)
    pointers = list(lines)
    assert len(pointers) == len(set(pointers)) == len(lines)
    assert "/dup/0/in" in pointers
    assert "/deep" + "/0" * 299 in pointers
