"""redact.py: every form of a secret is replaced, and nothing else is."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from urllib.parse import quote

import pytest

from conformance.redact import REDACTED, RedactingStream, Redactor

SECRET = "tok/en+42~x"
R = Redactor([SECRET])


@pytest.mark.parametrize(
    "written",
    [
        SECRET,
        json.dumps(SECRET)[1:-1].replace("/", "\\/"),
        json.dumps(json.dumps(SECRET).replace("/", "\\/"))[3:-3],
        "".join(f"\\u{ord(c):04X}" for c in SECRET),
        "tok\\u002fen\\u002B42~x",
        quote(SECRET, safe=""),
        quote(SECRET, safe="").lower(),
        quote(quote(SECRET, safe=""), safe=""),
        SECRET.replace("~", "~0").replace("/", "~1"),
        SECRET.replace("/", "&#47;").replace("+", "&#x2b;"),
    ],
    ids=[
        "raw", "json-slash", "json-in-json", "all-unicode-escapes", "some-escapes",
        "percent", "percent-lower", "percent-twice", "pointer", "xml-references",
    ],
)  # fmt: skip
def test_every_form_of_a_secret_is_redacted(written: str) -> None:
    assert R.text(f"<{written}>") == f"<{REDACTED}>"


def test_text_without_a_secret_is_left_as_is() -> None:
    text = 'tok/en+41 and tok%2Fen "tok\\/en" ~1'
    assert R.text(text) == text


def test_secrets_too_short_to_tell_from_text_are_ignored() -> None:
    assert (Redactor(["", "ab"]).text("abc"), bool(Redactor(["ab"]))) == ("abc", False)


def test_a_longer_secret_containing_a_shorter_one_is_redacted_whole() -> None:
    assert Redactor(["abcd", "abcdefgh"]).text("abcdefgh!") == f"{REDACTED}!"


def test_bytes_that_are_not_utf8_pass_through_around_the_secret() -> None:
    data = b"\xff\xfe" + SECRET.encode() + b"\x80"
    assert R.bytes(data) == b"\xff\xfe" + REDACTED.encode() + b"\x80"


def test_an_excerpt_is_redacted_before_it_is_cut() -> None:
    text = "x" * 20 + SECRET.replace("/", "\\/")
    assert R.excerpt(text, 24) == "x" * 20 + "[RED… (30 characters)"


@dataclass(frozen=True)
class Probe:
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def test_data_redacts_member_names_values_and_secret_headers() -> None:
    cookie = "session=c00kie-value-123"
    probe = Probe(
        f"https://api/x?t={quote(SECRET, safe='')}",
        (("Authorization", "Bearer other-token-9"), ("Set-Cookie", cookie)),
        json.dumps({SECRET: "c00kie-value-123", "a": "other-token-9"}).encode(),
    )
    clean = R.data(probe)
    assert clean == Probe(
        f"https://api/x?t={REDACTED}",
        (("Authorization", f"Bearer {REDACTED}"), ("Set-Cookie", REDACTED)),
        json.dumps({REDACTED: REDACTED, "a": REDACTED}).encode(),
    )


def test_data_keeps_the_fields_it_is_told_to_keep() -> None:
    probe = Probe(SECRET, (), SECRET.encode())
    assert R.data(probe, keep=("body",)) == Probe(REDACTED, (), SECRET.encode())


def test_a_header_object_with_a_secret_name_keeps_only_its_scheme() -> None:
    har = [{"name": "authorization", "value": "Token abcdefgh1234"}]
    assert Redactor().data(har) == [
        {"name": "authorization", "value": "Token [REDACTED]"}
    ]


def test_a_stream_redacts_a_secret_written_in_pieces() -> None:
    sink = io.StringIO()
    stream = RedactingStream(sink)
    stream.write("token: tok/")
    stream.learn(R)
    stream.writelines(["en+42", "~x\nnext"])
    stream.flush()
    assert sink.getvalue() == f"token: {REDACTED}\nnext"


def test_a_redactor_never_shows_its_secrets_in_its_repr() -> None:
    assert SECRET not in repr(R)


def test_cookie_attributes_are_not_taken_for_secrets() -> None:
    headers = [("Set-Cookie", "sid=s3ss10n-value; Path=/api/v1/jobs; HttpOnly")]
    clean = Redactor().learned_from(headers)
    assert (clean.text("/api/v1/jobs s3ss10n-value")) == f"/api/v1/jobs {REDACTED}"


def test_a_secret_escaped_for_markdown_is_redacted() -> None:
    assert Redactor(["ab|cd+ef"]).text("| ab\\|cd\\+ef |") == f"| {REDACTED} |"


def test_a_value_learned_from_a_secret_header_is_redacted_in_its_usual_forms() -> None:
    learned = R.learned_from([("X-Api-Key", "k3y/v4lue+9")])
    text = 'k3y/v4lue+9, "k3y\\/v4lue+9", k3y%2Fv4lue%2B9, /k3y~1v4lue+9'
    hidden = f'{REDACTED}, "{REDACTED}", {REDACTED}, /{REDACTED}'
    assert learned.text(text) == hidden
