"""Route matching: method + URL → the documented operation and its path parameters.

Traffic the tool did not send itself (a HAR export, a vcrpy cassette, a response in
a test) names no operation; `Router.match()` finds it the way a server would:

- the base path is stripped first: the path of the target's base URL if one is
  given, else the path of a `servers` URL (`https://api.example.com/v1` → `/v1`;
  server variables match one segment), else nothing;
- a trailing slash is ignored (`/job/1/` is `/job/1`);
- the path is compared segment by segment with each template; a literal segment
  beats a template segment at the first place they differ, so `/job/default`
  matches `/job/default` before `/job/{jobId}` (OpenAPI: "concrete paths before
  templated ones");
- parameter values are percent-decoded (`%2F` in a segment stays inside the value).

A request that matches no template, or a template without that method, is
*unmatched*: `match()` returns None and `why_unmatched()` says which it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import unquote, urlsplit

from .spec import Operation, Spec

_VARIABLE = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True, slots=True)
class Match:
    """The operation a request was sent to and its path parameters (decoded)."""

    operation: Operation
    params: Mapping[str, str]


@dataclass(frozen=True)
class Route:
    """One path template of the spec and the operations documented under it."""

    template: str
    operations: Mapping[str, Operation]  # lower-case method → operation

    @cached_property
    def segments(self) -> tuple[str, ...]:
        return _segments(self.template)

    @cached_property
    def _patterns(self) -> tuple[re.Pattern[str] | None, ...]:
        # None: a literal segment, compared after decoding.
        return tuple(
            _segment_pattern(s) if _VARIABLE.search(s) else None for s in self.segments
        )

    @cached_property
    def specificity(self) -> tuple[int, ...]:
        """0 per literal segment, 1 per templated one: smaller sorts first."""
        return tuple(0 if p is None else 1 for p in self._patterns)

    def params_of(self, raw: tuple[str, ...]) -> dict[str, str] | None:
        """The parameters if the raw (still encoded) segments fit this template."""
        if len(raw) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for literal, pattern, got in zip(
            self.segments, self._patterns, raw, strict=True
        ):
            if pattern is None:
                if unquote(got) != literal:
                    return None
                continue
            found = pattern.fullmatch(got)
            if found is None:
                return None
            for name, value in found.groupdict().items():
                params[_names(literal)[name]] = unquote(value)
        return params


class Router:
    """Every path template of a spec, most specific first."""

    def __init__(
        self,
        operations: Iterable[Operation],
        servers: Iterable[str] = (),
        base_url: str | None = None,
    ) -> None:
        by_path: dict[str, dict[str, Operation]] = {}
        for op in operations:
            by_path.setdefault(op.path, {})[op.method.lower()] = op
        self.routes = sorted(
            (Route(path, ops) for path, ops in by_path.items()),
            key=lambda r: (r.specificity, r.template),
        )
        bases = [urlsplit(base_url).path] if base_url else []
        bases += [_server_path(url) for url in servers]
        # Longest base first: `/v1/admin` before `/v1` before "".
        self._bases = sorted(
            {_segments(b) for b in bases}, key=lambda s: (-len(s), s)
        ) or [()]
        if () not in self._bases:
            self._bases.append(())

    @classmethod
    def for_spec(cls, spec: Spec, base_url: str | None = None) -> Router:
        """The router of a loaded spec (its operations and `servers` URLs)."""
        servers = spec.root.data.get("servers") or []
        urls = [s.get("url") for s in servers if isinstance(s, dict)]
        return cls(
            spec.indexed_operations().values(),  # a malformed one stays unmatched
            [u for u in urls if isinstance(u, str)],
            base_url,
        )

    def _candidates(self, path: str) -> list[tuple[str, ...]]:
        raw = _segments(path)
        out = []
        for base in self._bases:
            if len(raw) >= len(base) and all(
                b == "*" or unquote(r) == b for b, r in zip(base, raw, strict=False)
            ):
                out.append(raw[len(base) :])
        return out

    def match(self, method: str, url: str) -> Match | None:
        """The operation `method url` was sent to, or None (unmatched)."""
        wanted = method.lower()
        for raw in self._candidates(urlsplit(url).path):
            for route in self.routes:
                params = route.params_of(raw)
                if params is not None and wanted in route.operations:
                    return Match(route.operations[wanted], params)
        return None

    def why_unmatched(self, method: str, url: str) -> str:
        """One line: no path template fits, or the template lacks the method."""
        path = urlsplit(url).path or "/"
        for raw in self._candidates(path):
            for route in self.routes:
                if route.params_of(raw) is not None:
                    documented = ", ".join(m.upper() for m in route.operations)
                    return (
                        f"{method.upper()} is not documented for {route.template} "
                        f"(documented: {documented})"
                    )
        return f"no path template of the spec matches {path}"


def _segments(path: str) -> tuple[str, ...]:
    """`/a/b/` → ("a", "b"); the root is ()."""
    stripped = path.strip("/")
    return tuple(stripped.split("/")) if stripped else ()


def _server_path(url: str) -> str:
    """The path of a `servers` URL; a `{variable}` segment matches any one ("*")."""
    marked = _VARIABLE.sub("__var__", url)
    path = urlsplit(marked).path if "://" in marked else marked
    return "/".join("*" if "__var__" in s else s for s in path.split("/"))


def _names(segment: str) -> dict[str, str]:
    """Regex group name → parameter name (parameter names may hold any character)."""
    return {f"p{i}": name for i, name in enumerate(_VARIABLE.findall(segment))}


def _segment_pattern(segment: str) -> re.Pattern[str]:
    parts = []
    last = 0
    for i, found in enumerate(_VARIABLE.finditer(segment)):
        parts.append(re.escape(segment[last : found.start()]))
        parts.append(f"(?P<p{i}>[^/]+?)")
        last = found.end()
    parts.append(re.escape(segment[last:]))
    return re.compile("".join(parts))
