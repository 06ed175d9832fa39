"""A hostile HTTP server on 127.0.0.1 (asyncio): the answers a nightly run must survive.

`GET /items/{mode}` answers by mode, for the operation `getItems` of
tests/data/faults.yaml (`{"count": int64, "items": [integer]}`):

    ok          a conforming body
    slow-ok     a conforming body after `State.delay` seconds
    huge        a chunked body of up to 2 GiB (stops when the client leaves)
    gzip-bomb   a gzip body inflating to up to 1 GiB, compressed as it is sent
    reset       headers, part of the body, then a TCP reset
    hang        headers, then nothing (until the client leaves or `max_seconds`)
    truncated   Content-Length 100, 50 bytes, then a clean close
    slow-bytes  a conforming body one byte every `State.byte_delay` seconds
    violations  `items` of `State.violations` strings (one type violation each)
    bigint      `count` with 5,000 digits (breaks int64)
    nan         `count: NaN` (not JSON)
    denied      401 (and every mode answers 401 when `State.deny_all`)

Every answer is bounded in bytes (2 GiB) and time (`max_seconds`), so a test that
goes wrong still ends. One connection per request (`Connection: close`).
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

MAX_BYTES = 2 * 1024**3  # the "2 GiB" body
BOMB_BYTES = 1024**3  # what the gzip bomb inflates to
CHUNK = 64 * 1024
OK_BODY = json.dumps({"count": 1, "items": [1, 2, 3]}).encode()


@dataclass
class State:
    """How the server behaves, and what it saw."""

    delay: float = 1.0
    byte_delay: float = 0.02
    violations: int = 200_000
    deny_all: bool = False
    max_seconds: float = 30.0
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=dict)  # mode -> body bytes sent


def _head(status: int, headers: dict[str, str]) -> bytes:
    reason = {200: "OK", 401: "Unauthorized", 404: "Not Found"}.get(status, "X")
    lines = [f"HTTP/1.1 {status} {reason}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _fixed(status: int, body: bytes, content_type: str = "application/json") -> bytes:
    headers = {"Content-Length": str(len(body))}
    if body:
        headers["Content-Type"] = content_type
    return _head(status, headers) + body


class FaultServer:
    """The asyncio server, run on its own loop in a thread (see `start`)."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.loop = asyncio.new_event_loop()
        self.server: asyncio.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            async with asyncio.timeout(self.state.max_seconds):
                await self._answer(reader, writer)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:  # the server is stopping
            pass
        finally:
            with suppress(Exception):
                writer.close()

    async def _answer(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        path = lines[0].split(" ")[1] if len(lines[0].split(" ")) > 1 else "/"
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        mode = path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        self.state.requests.append((mode, headers))
        if self.state.deny_all or mode == "denied":
            writer.write(_fixed(401, b""))
            return
        handler = getattr(self, "_" + mode.replace("-", "_"), None)
        if handler is None:
            writer.write(_fixed(404, b'{"error": "no such mode"}'))
            return
        await handler(writer)
        await writer.drain()

    def _count(self, mode: str, size: int) -> None:
        self.state.sent[mode] = self.state.sent.get(mode, 0) + size

    async def _ok(self, writer: asyncio.StreamWriter) -> None:
        writer.write(_fixed(200, OK_BODY))

    async def _slow_ok(self, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(self.state.delay)
        writer.write(_fixed(200, OK_BODY))

    async def _huge(self, writer: asyncio.StreamWriter) -> None:
        writer.write(_head(200, {"Content-Type": "application/json",
                                 "Transfer-Encoding": "chunked"}))  # fmt: skip
        chunk = b"%x\r\n" % CHUNK + b" " * CHUNK + b"\r\n"
        sent = 0
        while sent < MAX_BYTES:
            writer.write(chunk)
            await writer.drain()
            sent += CHUNK
            self._count("huge", CHUNK)
        writer.write(b"0\r\n\r\n")

    async def _gzip_bomb(self, writer: asyncio.StreamWriter) -> None:
        writer.write(_head(200, {"Content-Type": "application/json",
                                 "Content-Encoding": "gzip",
                                 "Transfer-Encoding": "chunked"}))  # fmt: skip
        engine = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        zeros = b"0" * (1024 * 1024)
        inflated = 0
        while inflated < BOMB_BYTES:
            data = engine.compress(zeros)
            inflated += len(zeros)
            self._count("gzip-bomb", len(zeros))
            if data:
                writer.write(b"%x\r\n" % len(data) + data + b"\r\n")
                await writer.drain()
        data = engine.flush()
        writer.write(b"%x\r\n" % len(data) + data + b"\r\n0\r\n\r\n")

    async def _reset(self, writer: asyncio.StreamWriter) -> None:
        head = _head(
            200, {"Content-Type": "application/json", "Content-Length": "1000"}
        )
        writer.write(head + b'{"count": 1, ')
        await writer.drain()
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()  # SO_LINGER 0: the close is a TCP reset

    async def _hang(self, writer: asyncio.StreamWriter) -> None:
        writer.write(_head(200, {"Content-Type": "application/json",
                                 "Content-Length": "100"}))  # fmt: skip
        await writer.drain()
        await asyncio.sleep(self.state.max_seconds)

    async def _truncated(self, writer: asyncio.StreamWriter) -> None:
        writer.write(_head(200, {"Content-Type": "application/json",
                                 "Content-Length": "100"}) + OK_BODY[:20])  # fmt: skip

    async def _slow_bytes(self, writer: asyncio.StreamWriter) -> None:
        writer.write(_head(200, {"Content-Type": "application/json",
                                 "Content-Length": str(len(OK_BODY))}))  # fmt: skip
        for byte in OK_BODY:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(self.state.byte_delay)

    async def _violations(self, writer: asyncio.StreamWriter) -> None:
        items = b",".join([b'"x"'] * self.state.violations)
        writer.write(_fixed(200, b'{"count": 1, "items": [' + items + b"]}"))

    async def _bigint(self, writer: asyncio.StreamWriter) -> None:
        writer.write(_fixed(200, b'{"count": ' + b"9" * 5000 + b', "items": []}'))

    async def _nan(self, writer: asyncio.StreamWriter) -> None:
        writer.write(_fixed(200, b'{"count": NaN, "items": []}'))


@contextmanager
def start(state: State | None = None) -> Iterator[FaultServer]:
    """Serve from a thread until the block ends."""
    server = FaultServer(state or State())
    thread = threading.Thread(target=server.loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(server._start(), server.loop).result(5)
    try:
        yield server
    finally:

        async def stop() -> None:
            assert server.server is not None
            server.server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        with suppress(Exception):
            asyncio.run_coroutine_threadsafe(stop(), server.loop).result(5)
        server.loop.call_soon_threadsafe(server.loop.stop)
        thread.join(timeout=5)
        server.loop.close()
