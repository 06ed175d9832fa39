"""The one redactor between every output and the disk or the terminal.

Everything the tool writes — stdout, stderr, `results.json`, `junit.xml`,
`summary.md`, cassettes, the pytest failure text and JUnit properties — passes
through a `Redactor` that knows the secrets (the API token, declared secret values,
and the values of declared secret headers) and replaces each of them with
`[REDACTED]` in every form it can take:

- raw (`tok/en+1`);
- JSON-escaped: `\\/`, `\\"`, `\\\\` and `\\uXXXX` for any character, also nested
  (JSON inside JSON, as a cassette stores a body: `\\\\/`, `\\\\u002b`);
- percent-encoded (`%2F`, `%2f`, doubly `%252F`) and `+` for a space;
- inside JSON pointers and member names (`/` as `~1`, `~` as `~0`);
- XML/HTML character references (`&#47;`, `&#x2F;`, `&amp;`).

Checks judge the body exactly as the API sent it; redaction happens where things
are written. Text is redacted whole before it is cut, so an excerpt that ends in
the middle of a secret never shows its first characters.

API (stdlib only, so every layer may use it)::

    r = Redactor(["s3cr3t/t0ken+"], secret_headers=["X-Internal-Key"])
    r.text("Token s3cr3t/t0ken+")        # 'Token [REDACTED]'
    r.bytes(b'{"t": "s3cr3t\\/t0ken+"}')  # b'{"t": "[REDACTED]"}'
    r.pointer("/s3cr3t~1t0ken+/id")      # '/[REDACTED]/id'
    r.data(obj)          # dicts, lists, tuples, bytes and dataclasses, keys too;
                         # a (name, value) header pair or {"name", "value"} object
                         # whose name is secret keeps only its scheme word
    r.excerpt(text, 240) # redacted, on one line, then cut
    r.learn("more")      # a new Redactor knowing one more secret
    r.learned_from(obj)  # ... and the values of the secret headers in `obj`
    r.contains(text)     # True if any form of a secret is in `text` (for tests)
    RedactingStream(sys.stdout, r)       # a text stream that redacts each line

`Redactor.from_header(value)` is the bare credential of an `Authorization` value
(`Bearer abc` → `abc`). Secrets shorter than `MIN_SECRET` characters are ignored:
they cannot be told apart from ordinary text.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import json
import re
import string
from collections.abc import Collection, Iterable, Mapping
from typing import IO, Any
from urllib.parse import quote

REDACTED = "[REDACTED]"
MIN_SECRET = 4  # shorter values would redact ordinary words
MIN_LEARNED = 8  # a header value learned as a secret (cookies, API keys)
# Headers whose value is a credential in every API; always redacted.
ALWAYS_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
_ENTITIES = {"&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos"}
# JSON escapes / " \ ; Markdown and shells escape any punctuation with a backslash.
_ESCAPED_BY_BACKSLASH = frozenset(string.punctuation)
# Set-Cookie attributes: their values (a path, a date) are never credentials.
_COOKIE_ATTRIBUTES = frozenset(
    {"path", "domain", "expires", "max-age", "samesite", "priority", "partitioned"}
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,15} ")
_SCALARS = frozenset({bool, int, float})
_LEAVES = frozenset({str, bytes, bool, int, float, type(None)})


def _hex(number: int, width: int) -> str:
    """Case-insensitive hex digits of `number` as a regex."""
    digits = f"{number:0{width}x}"
    return "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in digits)


def _char(c: str) -> str:
    """Every form one character of a secret may take in an output, as a regex."""
    code = ord(c)
    forms = [re.escape(c)]
    if c in _ESCAPED_BY_BACKSLASH:
        forms[0] = r"\\*" + re.escape(c)
    if code > 0xFFFF:  # JSON writes astral characters as a surrogate pair
        high = 0xD800 + ((code - 0x10000) >> 10)
        low = 0xDC00 + ((code - 0x10000) & 0x3FF)
        forms.append(rf"\\+u{_hex(high, 4)}\\+u{_hex(low, 4)}")
    else:
        forms.append(rf"\\+u{_hex(code, 4)}")
    forms.append(
        "".join(f"%(?:25)?{_hex(byte, 2)}" for byte in c.encode("utf-8", "replace"))
    )
    forms.append(f"&#0*{code};")
    forms.append(f"&#[xX]0*{_hex(code, 1)};")
    if c in _ENTITIES:
        forms.append(f"&{_ENTITIES[c]};")
    if c == "/":
        forms.append("~1")
    elif c == "~":
        forms.append("~0")
    elif c == " ":
        forms.append(r"\+")
    return "(?:" + "|".join(forms) + ")"


@functools.lru_cache(maxsize=64)  # a run builds many redactors of the same secrets
def _pattern(secrets: frozenset[str]) -> re.Pattern[str] | None:
    # Longest first: a secret containing a shorter one is redacted whole.
    ordered = sorted(secrets, key=lambda s: (-len(s), s))
    if not ordered:
        return None
    # A secret starts with its first character or with an escape (\\, %, &, ~, +);
    # saying so up front lets the regex engine skip ahead (3x faster on big bodies).
    firsts = {s[0] for s in ordered} | set("\\%&~+")
    starts = "".join(re.escape(c) for c in sorted(firsts))
    alternatives = "|".join("".join(_char(c) for c in s) for s in ordered)
    return re.compile(f"(?=[{starts}])(?:{alternatives})")


def _forms(secret: str) -> set[str]:
    """The usual written forms of a learned secret (see the module docstring)."""
    escaped = json.dumps(secret)[1:-1]
    ascii_only = json.dumps(secret, ensure_ascii=True)[1:-1]
    percent = quote(secret, safe="")
    forms = {
        secret,
        escaped,
        ascii_only,
        escaped.replace("/", "\\/"),
        json.dumps(escaped)[1:-1],
        json.dumps(escaped.replace("/", "\\/"))[1:-1],
        percent,
        percent.lower(),
        quote(percent, safe=""),
        secret.replace("~", "~0").replace("/", "~1"),
        html.escape(secret),
        "".join(f"\\u{ord(c):04x}" for c in secret),
    }
    return {f for f in forms if len(f) >= MIN_SECRET}


class Redactor:
    """Knows the secrets; returns text and data with each of them `[REDACTED]`."""

    __slots__ = ("secrets", "secret_headers", "_pattern", "_literals")

    def __init__(
        self, secrets: Iterable[str] = (), secret_headers: Iterable[str] = ()
    ) -> None:
        found: list[str] = []
        for value in secrets:
            if not isinstance(value, str):
                raise TypeError(
                    f"a secret must be a string, not {type(value).__name__}"
                )
            value = value.strip()
            if len(value) >= MIN_SECRET and value not in found:
                found.append(value)
        self.secrets: tuple[str, ...] = tuple(found)
        self.secret_headers = ALWAYS_SECRET_HEADERS | {
            h.lower() for h in secret_headers
        }
        self._pattern = _pattern(frozenset(self.secrets))
        self._literals: tuple[
            str, ...
        ] = ()  # learned: their written forms, longest 1st

    def __bool__(self) -> bool:
        return bool(self.secrets or self._literals)

    def __repr__(self) -> str:  # never the secrets themselves
        return f"Redactor({len(self.secrets)} secret(s))"

    @staticmethod
    def from_header(value: str) -> str:
        """The bare credential of a header value: `Token abc` → `abc`."""
        match = _SCHEME.match(value)
        return value[match.end() :] if match else value

    def learn(self, *secrets: str, headers: Iterable[str] = ()) -> Redactor:
        """A redactor that also knows `secrets` (and treats `headers` as secret)."""
        more = [s for s in secrets if s and s not in self.secrets]
        extra = {h.lower() for h in headers} - self.secret_headers
        if not more and not extra:
            return self
        return Redactor([*self.secrets, *more], [*self.secret_headers, *extra])

    def merged(self, other: Redactor) -> Redactor:
        """A redactor knowing the secrets of both."""
        return self.learn(*other.secrets, headers=other.secret_headers)

    # -- text ------------------------------------------------------------------------

    def text(self, text: str) -> str:
        """`text` with every form of every secret replaced by `[REDACTED]`."""
        if not text:
            return text
        if self._pattern is not None:
            text = self._pattern.sub(REDACTED, text)
        for form in self._literals:
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    def pointer(self, pointer: str) -> str:
        """A JSON pointer with secrets gone (a member name's `/` is `~1` there)."""
        return self.text(pointer)

    def bytes(self, data: bytes) -> bytes:
        """`data` redacted as text; bytes that are not UTF-8 pass through unchanged."""
        if not self or not data:
            return data
        text = data.decode("utf-8", "surrogateescape")
        clean = self.text(text)
        return data if clean == text else clean.encode("utf-8", "surrogateescape")

    def contains(self, text: str) -> bool:
        """True if any form of any secret occurs in `text`."""
        return self.text(text) != text

    def excerpt(self, text: str, limit: int) -> str:
        """At most `limit` characters of `text` on one line, redacted before the cut."""
        flat = " ".join(self.text(text).split())
        flat = self.text(flat)  # a secret may have been split by whitespace alone
        if len(flat) <= limit:
            return flat
        return f"{flat[:limit]}… ({len(flat)} characters)"

    def header(self, name: str, value: str) -> str:
        """A header value as it may be written: a secret header keeps its scheme."""
        if name.lower() not in self.secret_headers:
            return self.text(value)
        match = _SCHEME.match(value)
        return f"{match.group(0)}{REDACTED}" if match else REDACTED

    # -- data ------------------------------------------------------------------------

    def data(self, obj: Any, keep: Collection[str] = ()) -> Any:
        """A copy of `obj` with every string and bytes redacted, member names too.

        Dataclasses are copied field by field; the fields (or mapping keys) named in
        `keep` are left as they are. The values of secret headers found in `obj` are
        learned first, so they are redacted wherever else they appear.
        """
        return self.learned_from(obj)._data(obj, frozenset(keep))

    def learned_from(self, obj: Any) -> Redactor:
        """This redactor plus the values of the secret headers found in `obj`.

        Called once per exchange, so the learned values are matched in their usual
        written forms by plain search (compiling a pattern per exchange would cost
        milliseconds each); the declared secrets keep the full pattern.
        """
        found = {
            value
            for value in _header_secrets(obj, self.secret_headers)
            if value not in self.secrets and not self.contains(value)
        }
        if not found:
            return self
        clone = Redactor.__new__(Redactor)
        clone.secrets, clone.secret_headers = self.secrets, self.secret_headers
        clone._pattern = self._pattern
        forms = {*self._literals, *(f for value in found for f in _forms(value))}
        clone._literals = tuple(sorted(forms, key=len, reverse=True))
        return clone

    def _data(self, obj: Any, keep: frozenset[str]) -> Any:
        # Exact types first: this runs for every string of every probe result.
        kind = type(obj)
        if kind is str:
            return self.text(obj)
        if obj is None or kind in _SCALARS:
            return obj
        if kind is tuple or kind is list:
            if _is_header_pair(obj) and obj[0].lower() in self.secret_headers:
                return kind([obj[0], self.header(obj[0], obj[1])])
            items = [self._data(item, keep) for item in obj]
            return items if kind is list else tuple(items)
        if kind is bytes:
            return self.bytes(obj)
        if kind is dict or isinstance(obj, Mapping):
            return self._mapping(obj, keep)
        names = _init_fields(kind)
        if names is not None:
            changes = {
                n: self._data(getattr(obj, n), keep) for n in names if n not in keep
            }
            return dataclasses.replace(obj, **changes)
        if isinstance(obj, str):  # subclasses: as their base type
            return self.text(str(obj))
        if isinstance(obj, (list, tuple)):
            items = [self._data(item, keep) for item in obj]
            return items if isinstance(obj, list) else tuple(items)
        return obj

    def _mapping(self, obj: Mapping[Any, Any], keep: frozenset[str]) -> dict[Any, Any]:
        name = obj.get("name")
        secret_pair = (
            isinstance(name, str)
            and isinstance(obj.get("value"), str)
            and name.lower() in self.secret_headers
        )
        out: dict[Any, Any] = {}
        for key, value in obj.items():
            if key in keep:
                out[key] = value
            elif secret_pair and key == "value":
                out[key] = self.header(name, value)
            elif isinstance(key, str) and key.lower() in self.secret_headers:
                out[self.text(key)] = (
                    self.header(key, value)
                    if isinstance(value, str)
                    else self._data(value, keep)
                )
            else:
                out[self._data(key, keep)] = self._data(value, keep)
        return out


def _is_header_pair(obj: Any) -> bool:
    return len(obj) == 2 and isinstance(obj[0], str) and isinstance(obj[1], str)


def _header_secrets(obj: Any, names: frozenset[str], depth: int = 0) -> list[str]:
    """Values of secret headers anywhere in `obj` (bare credentials, cookie values)."""
    if depth > 8:
        return []
    found: list[str] = []
    kind = type(obj)
    if kind is str or kind is bytes or obj is None or kind in _SCALARS:
        return found
    if kind is tuple or kind is list:
        if _is_header_pair(obj):
            if obj[0].lower() in names:
                found += _credentials(obj[1])
            return found
        for item in obj:
            found += _header_secrets(item, names, depth + 1)
    elif kind is dict or isinstance(obj, Mapping):
        name = obj.get("name")
        if isinstance(name, str) and name.lower() in names:
            found += _credentials(str(obj.get("value", "")))
        for key, value in obj.items():
            if isinstance(key, str) and key.lower() in names and isinstance(value, str):
                found += _credentials(value)
            elif type(value) not in _LEAVES:
                found += _header_secrets(value, names, depth + 1)
    else:
        for field_name in _init_fields(kind) or ():
            value = getattr(obj, field_name)
            if type(value) not in _LEAVES:
                found += _header_secrets(value, names, depth + 1)
    return found


@functools.lru_cache(maxsize=256)
def _init_fields(kind: type) -> tuple[str, ...] | None:
    """The init fields of a dataclass type (None: not a dataclass)."""
    if not dataclasses.is_dataclass(kind):
        return None
    return tuple(f.name for f in dataclasses.fields(kind) if f.init)


def _credentials(value: str) -> list[str]:
    """The secret parts of a header value long enough to be told from plain text."""
    bare = Redactor.from_header(value.strip())
    parts = [bare]
    for piece in re.split(r";\s*", bare):  # cookies: name=value; attributes
        name, sep, secret = piece.partition("=")
        if sep and name.strip().lower() not in _COOKIE_ATTRIBUTES:
            parts.append(secret)
    return [p for p in parts if len(p) >= MIN_LEARNED and p != REDACTED]


class RedactingStream:
    """A text stream that writes each line redacted (what `print` sends to a TTY).

    Text is held until a line ends (`\\n` or `\\r`) or `flush()`, so a secret
    written in two pieces is still seen whole. `learn()` adds secrets once they are
    known (after the config is read); every other attribute is the wrapped stream's.
    """

    def __init__(self, stream: IO[str], redactor: Redactor | None = None) -> None:
        self.stream = stream
        self.redactor = redactor or Redactor()
        self._pending = ""
        self.failed: OSError | None = None  # the first write error (a full disk)

    def learn(self, redactor: Redactor) -> None:
        self.redactor = self.redactor.merged(redactor)

    def write(self, text: str) -> int:
        self._pending += text
        cut = max(self._pending.rfind("\n"), self._pending.rfind("\r"))
        if cut >= 0:
            ready, self._pending = self._pending[: cut + 1], self._pending[cut + 1 :]
            self._send(self.redactor.text(ready))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self._pending:
            text, self._pending = self.redactor.text(self._pending), ""
            self._send(text)
        self._send(None)

    def _send(self, text: str | None) -> None:
        """Write `text` (None: flush); an OSError is kept in `failed`, then raised."""
        try:
            if text is None:
                self.stream.flush()
            else:
                self.stream.write(text)
        except OSError as exc:
            self.failed = self.failed or exc
            raise

    def __getattr__(self, name: str) -> Any:  # isatty, encoding, fileno, ...
        return getattr(self.stream, name)


def learn(stream: Any, redactor: Redactor) -> None:
    """Teach `stream` the secrets of `redactor` if it is a `RedactingStream`."""
    if isinstance(stream, RedactingStream):
        stream.learn(redactor)
