"""serve a mock API that answers every documented operation as the spec says.

The mock matches a request (method + path template) to an operation and answers
with its documented success status and media type, and a body from the direct
sampler (generate/sample.py): bodies conform by construction, discriminator and
oneOf branches come in rotation, and with `--seed` the body of a URL is the same
on every request. A `Prefer` request header chooses a fault instead:

- `status=404` (or Prism's `code=404`): that documented response, with its body;
- `rule=NAME`: a body breaking one named rule (`generate.MUTATIONS`, e.g.
  `discriminator-wrong-branch`), as `sample_invalid_bodies` makes it;
- `delay=2s` (`ms`, `s`; at most 60 s): the answer waits that long;
- `example=NAME`: the spec's own `examples[NAME]` (or `example` as `default`).

Bodies are written by a responder chosen by media type (`RESPONDERS`, filled by
`@responder`): JSON today; a streaming responder (SSE, JSON Lines) registers for
its media type and writes items with `send` as it draws them. The server is
uvicorn, imported only when the command runs. `MockApp` is the pure part, tested
with any ASGI server or none.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import socket
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .errors import ConformanceError
from .streams import is_sequential

if TYPE_CHECKING:
    from .contract import Contract
    from .spec import Operation, Response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_DELAY = 60.0  # seconds; a longer Prefer: delay is cut to this
# the preferences the mock reads, each with a value to show when one comes empty
_PREFER_SAMPLES = {
    "status": "status=404",
    "code": "code=404",
    "rule": "rule=required",
    "delay": "delay=2s",
    "example": "example=default",
}


class MockError(Exception):
    """A request the mock cannot answer as asked: answered 400/404/405 with why."""

    def __init__(self, status: int, message: str, allow: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.allow = allow  # a 405's `Allow` header


@dataclass(frozen=True)
class Prefer:
    """What a `Prefer` header asks for (RFC 7240 preferences, Prism's names too)."""

    status: str | None = None
    rule: str | None = None
    delay: float = 0.0
    example: str | None = None

    @classmethod
    def parse(cls, header: str) -> Prefer:
        """`status=404, delay=2s` → Prefer; an unreadable value is a MockError."""
        found: dict[str, str] = {}
        for token in re.split(r"[,;]", header):
            name, sep, value = token.strip().partition("=")
            if sep:
                found[name.strip().lower()] = value.strip().strip('"')
        for name, value in found.items():
            if not value and name in _PREFER_SAMPLES:
                raise MockError(
                    400,
                    f"Prefer: {name}= needs a value, e.g. {_PREFER_SAMPLES[name]}",
                )
        status = found.get("status") or found.get("code")
        if status is not None and not re.fullmatch(r"[1-5][0-9][0-9]", status):
            raise MockError(400, f"Prefer: status={status}: expected a status code")
        delay = _seconds(found["delay"]) if "delay" in found else 0.0
        return cls(status, found.get("rule"), delay, found.get("example"))


def _seconds(text: str) -> float:
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)\s*(ms|s)?", text)
    if match is None:
        raise MockError(400, f"Prefer: delay={text}: expected e.g. 2s or 500ms")
    value = float(match[1]) / (1000 if match[2] == "ms" else 1)
    return min(value, MAX_DELAY)


@dataclass
class Answer:
    """What a responder writes: status, media type and where bodies come from."""

    status: int
    media_type: str | None
    body: Callable[[], Any]  # the next body value (sampled, mutated or example)
    prefer: Prefer
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


Responder = Callable[[Answer, Send], Awaitable[None]]
RESPONDERS: dict[str, Responder] = {}


def responder(*media_types: str) -> Callable[[Responder], Responder]:
    """Register a responder for media types (`application/json`, `*/*+json`, `*/*`)."""

    def register(func: Responder) -> Responder:
        for name in media_types:
            RESPONDERS[name] = func
        return func

    return register


def responder_for(media_type: str | None) -> Responder:
    """The responder of a media type: exact, then `+suffix`, then `*/*`."""
    if media_type is None:
        return RESPONDERS["*/*"]
    name = media_type.split(";")[0].strip().lower()
    if name in RESPONDERS:
        return RESPONDERS[name]
    if "+" in name and f"*/*+{name.rsplit('+', 1)[1]}" in RESPONDERS:
        return RESPONDERS[f"*/*+{name.rsplit('+', 1)[1]}"]
    return RESPONDERS["*/*"]


async def _start(send: Send, answer: Answer, length: int | None = None) -> None:
    """The status line and headers (a streaming responder passes no length)."""
    headers = list(answer.headers)
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    if answer.media_type:
        headers.append((b"content-type", answer.media_type.encode("latin-1")))
    await send(
        {"type": "http.response.start", "status": answer.status, "headers": headers}
    )


@responder("application/json", "*/*+json")
async def json_responder(answer: Answer, send: Send) -> None:
    """One JSON document."""
    data = json.dumps(answer.body(), ensure_ascii=False).encode()
    await _start(send, answer, len(data))
    await send({"type": "http.response.body", "body": data})


@responder("*/*")
async def text_responder(answer: Answer, send: Send) -> None:
    """Text as is, anything else as JSON text; no media type: no body."""
    value = answer.body() if answer.media_type else None
    if value is None:
        data = b""
    elif isinstance(value, str):
        data = value.encode()
    else:
        data = json.dumps(value, ensure_ascii=False).encode()
    await _start(send, answer, len(data))
    await send({"type": "http.response.body", "body": data})


# --- routing --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Route:
    pattern: re.Pattern[str]
    literal: int  # characters outside templates: more is more specific
    operation: Operation


def _routes(operations: Iterator[Operation]) -> list[_Route]:
    routes = []
    for op in operations:
        parts = re.split(r"(\{[^}/]+\})", op.path)
        regex = "".join(
            "[^/]+" if p.startswith("{") and p.endswith("}") else re.escape(p)
            for p in parts
        )
        literal = sum(len(p) for p in parts if not p.startswith("{"))
        routes.append(_Route(re.compile(regex + "/?"), literal, op))
    return sorted(routes, key=lambda r: -r.literal)


def _server_prefixes(contract: Contract) -> list[str]:
    servers = contract.spec.root.data.get("servers") or []
    prefixes = []
    for server in servers:
        if isinstance(server, dict) and isinstance(server.get("url"), str):
            path = urlsplit(server["url"]).path.rstrip("/")
            if path and "{" not in path:
                prefixes.append(path)
    return prefixes


# --- the app --------------------------------------------------------------------------


class MockApp:
    """ASGI app: method + path → operation → answer (sampled, faulty or example)."""

    def __init__(self, contract: Contract, *, seed: int | None = None) -> None:
        self.contract = contract
        self.seed = seed
        self.routes = _routes(iter(contract.operations.values()))
        self.prefixes = _server_prefixes(contract)
        self._runs: dict[tuple[str, str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1")
            for k, v in scope["headers"]
        }
        if scope["method"].upper() == "HEAD":  # a GET's headers, without its body
            send = _headers_only(send)
        try:
            prefer = Prefer.parse(headers.get("prefer", ""))
            answer = self.answer(
                scope["method"],
                scope["path"],
                scope.get("query_string", b""),
                headers,
                prefer,
            )
        except MockError as exc:
            await _problem(send, exc.status, exc.message, exc.allow)
            return
        except ConformanceError as exc:  # a spec part that does not compile
            await _problem(send, 500, f"the spec cannot answer this: {exc}")
            return
        if answer.prefer.delay and not is_sequential(answer.media_type or ""):
            import asyncio  # a stream waits between its items instead

            await asyncio.sleep(answer.prefer.delay)
        try:
            await responder_for(answer.media_type)(answer, send)
        except MockError as exc:
            await _problem(send, exc.status, exc.message)

    def route(self, method: str, path: str) -> Operation:
        """The operation documented for `method path` (server path prefix allowed)."""
        candidates = [path] + [
            path[len(p) :] for p in self.prefixes if path.startswith(p + "/")
        ]
        allowed: dict[str, Operation] = {}
        for candidate in candidates:
            for route in self.routes:
                if route.pattern.fullmatch(candidate):
                    allowed.setdefault(route.operation.method.upper(), route.operation)
        if "GET" in allowed:  # HEAD answers as GET does (RFC 9110 9.3.2)
            allowed.setdefault("HEAD", allowed["GET"])
        if method.upper() in allowed:
            return allowed[method.upper()]
        if allowed:
            documented = ", ".join(sorted(m for m in allowed if m != "HEAD"))
            raise MockError(
                405,
                f"{method} {path}: documented methods {documented}",
                ", ".join(sorted(allowed)),
            )
        raise MockError(404, f"{method} {path}: no documented operation")

    def answer(
        self,
        method: str,
        path: str,
        query: bytes,
        headers: dict[str, str],
        prefer: Prefer,
    ) -> Answer:
        """The answer to one request (no I/O): status, media type, body source."""
        op = self.route(method, path)
        response, status = self._response(op, prefer)
        media = _negotiate(response, headers.get("accept", "")) if response else None
        url = f"{method.upper()} {path}?{query.decode('latin-1')}"
        if response is None or media is None:
            _no_body_for(prefer, f"{op.operation_id} {status} documents no body")
            return Answer(status, None, lambda: None, prefer)
        if prefer.example is not None:
            value = self._example(op, response, media, prefer.example)
            return Answer(status, media, lambda: value, prefer)
        documented = response.content.get(media)
        if documented is not None and documented.sequential:
            from .mock_streams import item_source  # items in rotation (SSE, JSONL)

            if prefer.rule is not None:
                raise MockError(
                    400, f"Prefer: rule={prefer.rule}: not offered for streams"
                )

            items = item_source(self.contract, op, response, documented, self.seed)
            return Answer(status, media, items, prefer)
        if self.contract.media_type(response, media) is None or not _has_schema(
            response, media
        ):
            _no_body_for(prefer, f"{op.operation_id} {status} {media} has no schema")
            return Answer(status, media, lambda: {} if "json" in media else "", prefer)
        if prefer.rule is not None:
            return Answer(
                status,
                media,
                self._mutation(op, response, media, prefer.rule, url),
                prefer,
            )
        return Answer(status, media, self._bodies(op, response, media, url), prefer)

    def _response(self, op: Operation, prefer: Prefer) -> tuple[Response | None, int]:
        if prefer.status is not None:
            found = op.response_for(int(prefer.status))
            if found is None:
                listed = ", ".join(op.responses) or "none"
                raise MockError(
                    400,
                    f"Prefer: status={prefer.status}: {op.operation_id} documents "
                    f"no such response (documented: {listed})",
                )
            return found, int(prefer.status)
        keys = sorted(k for k in op.responses if k[0] == "2")
        key = keys[0] if keys else next(iter(op.responses), None)
        if key is None:
            return None, 200
        if key.isdigit():
            status = int(key)
        else:  # "2XX" answers 200; "default" too
            status = int(key[0]) * 100 if key[0].isdigit() else 200
        return op.responses[key], status

    def _bodies(
        self, op: Operation, response: Response, media: str, url: str
    ) -> Callable[[], Any]:
        from .generate.bulk import Run
        from .generate.plan import plan_for

        plan = plan_for(self.contract, op.operation_id, response.status, media)
        if self.seed is not None:  # the same body for the same URL, every time
            run = Run(plan, _url_seed(self.seed, url))
        else:  # one run per response: branches in rotation across requests
            key = (op.operation_id, response.status, media)
            found = self._runs.get(key)
            run = found if found is not None else Run(plan, None)
            self._runs[key] = run
        return lambda: _drawn(run)

    def _mutation(
        self, op: Operation, response: Response, media: str, rule: str, url: str
    ) -> Callable[[], Any]:
        from .generate import MUTATIONS, RULES, sample_invalid_bodies

        if rule not in MUTATIONS:
            raise MockError(
                400, f"Prefer: rule={rule}: unknown rule; known: {', '.join(RULES)}"
            )
        seed = _url_seed(self.seed if self.seed is not None else 0, url)
        found = sample_invalid_bodies(
            self.contract,
            op.operation_id,
            response.status,
            1,
            seed=seed,
            media_type=media,
            rules=[rule],
        )
        if not found:
            raise MockError(
                400,
                f"Prefer: rule={rule}: no {op.operation_id} {response.status} body "
                "offers a place to break it",
            )
        value = found[0].body
        return lambda: value

    def _example(self, op: Operation, response: Response, media: str, name: str) -> Any:
        examples = _examples(self.contract, response, media)
        if name in examples:
            return examples[name]
        listed = ", ".join(examples) or "none"
        raise MockError(
            400,
            f"Prefer: example={name}: {op.operation_id} {response.status} {media} has "
            f"no such example (examples: {listed})",
        )


def _no_body_for(prefer: Prefer, why: str) -> None:
    """A `rule=` or `example=` asked of a response without a body schema: a 400."""
    if prefer.rule is not None:
        raise MockError(400, f"Prefer: rule={prefer.rule}: {why} to break")
    if prefer.example is not None:
        raise MockError(400, f"Prefer: example={prefer.example}: {why}")


def _drawn(run: Any) -> Any:
    from .generate.sample import Undrawable

    try:
        return run.body()
    except Undrawable as exc:
        raise MockError(500, f"no conforming body can be drawn: {exc.reason}") from None


def _url_seed(seed: int, url: str) -> int:
    digest = hashlib.sha256(f"{seed}\0{url}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _has_schema(response: Response, media: str) -> bool:
    found = response.content.get(media)
    return found is not None and found.schema is not None


def _negotiate(response: Response, accept: str) -> str | None:
    """The documented media type the client accepts (JSON first), or None."""
    from .spec import is_json_media_type, media_type_matches

    documented = list(response.content)
    if not documented:
        return None
    wanted = [a.split(";")[0].strip() for a in accept.split(",") if a.strip()]
    for want in wanted:
        if want in ("*/*", ""):
            break
        for name in documented:
            if media_type_matches(name, want) or media_type_matches(want, name):
                return name
    json_first = sorted(documented, key=lambda n: not is_json_media_type(n))
    return json_first[0]


def _examples(contract: Contract, response: Response, media: str) -> dict[str, Any]:
    """The media type's `examples` by name (values, `$ref`s followed), `example`
    under the name `default`."""
    from .spec import pointer_loc

    spec = contract.spec
    loc, node = spec.deref(pointer_loc(response.location, "content", media))
    out: dict[str, Any] = {}
    if not isinstance(node, dict):
        return out
    if "example" in node:
        out["default"] = node["example"]
    for name in node.get("examples") or {}:
        _, example = spec.deref(pointer_loc(loc, "examples", name))
        if isinstance(example, dict) and "value" in example:
            out[name] = example["value"]
    return out


def _headers_only(send: Send) -> Send:
    """A `send` that drops body bytes (the answer to HEAD)."""

    async def headers_only(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return headers_only


async def _problem(send: Send, status: int, message: str, allow: str = "") -> None:
    data = json.dumps({"mock_error": message}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"x-conformance-mock", b"error"),
    ]
    if allow:
        headers.append((b"allow", allow.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


# --- command line ---------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from .cli import _common

    _common(parser)
    parser.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    parser.add_argument(
        "--port", type=int, default=4010, metavar="N", help="default: 4010; 0: any free"
    )
    parser.add_argument(
        "--seed", type=int, metavar="S", help="the same body for the same URL"
    )


def command(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from .cli import load, print_warnings
    from .errors import UsageError

    if not 0 <= args.port <= 65535:
        raise UsageError(f"conformance mock: --port {args.port}: expected 0-65535")
    contract = load(args, err)
    print_warnings(contract, err)
    app = MockApp(contract, seed=args.seed)
    try:
        import uvicorn
    except ImportError:
        raise UsageError(
            "conformance mock needs uvicorn: pip install uvicorn"
        ) from None
    import asyncio

    sock = _listen(args.host, args.port)
    config = uvicorn.Config(
        app, host=args.host, port=args.port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)

    async def serve() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.02)
        if server.started:
            port = server.servers[0].sockets[0].getsockname()[1]
            print(
                f"mock: {len(app.routes)} operations of {contract.source} on "
                f"http://{args.host}:{port}",
                file=out,
                flush=True,
            )
        await task

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        return 0
    finally:
        sock.close()
    if not server.started:
        raise UsageError(
            f"conformance mock: cannot listen on {args.host}:{args.port} "
            "(in use, or not an address of this machine); try another --port"
        )
    return 0


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket, bound here so that a taken port is a one-line error
    (uvicorn would log it and exit the process)."""
    from .errors import UsageError

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.create_server((host, port), family=family, backlog=2048)
    except OSError as exc:
        known = isinstance(exc.errno, int) and exc.errno > 0  # not a gaierror
        why = os.strerror(exc.errno) if known else exc.strerror or str(exc)
        raise UsageError(
            f"conformance mock: cannot listen on {host}:{port} ({why}); "
            "try another --port or --host"
        ) from None
    return sock


# The streaming responders register themselves (SSE, JSON Lines, json-seq).
from . import mock_streams as mock_streams  # noqa: E402
