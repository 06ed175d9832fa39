"""A real streaming HTTP server on 127.0.0.1: Server-Sent Events and JSON Lines.

`GET /environment/{scenario}/deploymentStatus` streams deployment status events
(`text/event-stream`) and `GET /environment/{scenario}/logs` log lines
(`application/jsonl`), as tests/data/deployments-3.2.yaml documents them. The
scenario is the path parameter:

- `valid`: five conforming items, then the stream ends (SSE: comments, a
  multi-line `data`, CRLF line ends, an `id` and a `retry`);
- `broken`: the same with item 3 breaking the contract;
- `trickle`: five conforming items, `TRICKLE` seconds apart;
- `endless`: conforming items every `ENDLESS_GAP` seconds until the client leaves
  (bounded at `ENDLESS_MAX` items, so a stuck test cannot run forever);
- `flood`: as `endless`, as fast as the socket takes them;
- `stall`: one item, then `STALL` seconds of silence, then the rest.
- `hang`: four items, item 3 broken, then silence until the test sets `release`
  (at most `HANG` seconds); `hung_out` counts the hangs that ran out instead.

Every written item is counted per scenario (`sent`), so a test can prove the probe
stopped reading instead of draining the stream.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from qovery_server import serving

TRICKLE = 0.15
STALL = 1.0
HANG = 6.0
ENDLESS_GAP = 0.002
ENDLESS_MAX = 200_000
STATES = ["QUEUED", "BUILDING", "BUILDING", "DEPLOYING", "DEPLOYED"]


def status(n: int, *, broken: bool = False) -> dict[str, Any]:
    """Deployment status number `n`; `broken`: a state the contract does not list."""
    state = "EXPLODED" if broken else STATES[n % len(STATES)]
    return {"state": state, "progress": min(100, n * 20)}


def log_line(n: int, *, broken: bool = False) -> dict[str, Any]:
    line = {
        "timestamp": f"2026-11-30T12:00:{n % 60:02d}Z",
        "level": "INFO",
        "message": f"step {n}",
    }
    if broken:
        line["level"] = "LOUD"
    return line


def sse_event(n: int, *, broken: bool = False) -> bytes:
    """One event as the wire carries it; the framing varies with `n` on purpose."""
    data = json.dumps(status(n, broken=broken))
    if n == 1:  # a comment, CRLF line ends, an id
        return (
            f": keep-alive\r\nid: {n}\r\nevent: status\r\ndata: {data}\r\n\r\n".encode()
        )
    if n == 2:  # the JSON split over two data lines (joined with "\n")
        head, _, tail = data.partition(", ")
        return f"data: {head},\ndata: {tail}\nretry: 3000\n\n".encode()
    return f"event: status\ndata: {data}\n\n".encode()


def jsonl_line(n: int, *, broken: bool = False) -> bytes:
    return (json.dumps(log_line(n, broken=broken)) + "\n").encode()


class StreamServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.sent: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.hung_out = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: StreamServer

    def log_message(self, *_: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        parts = self.path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "environment":
            self.send_error(404)
            return
        scenario, kind = parts[1], parts[2]
        if kind == "deploymentStatus":
            ctype, make = "text/event-stream", sse_event
        elif kind == "logs":
            ctype, make = "application/jsonl", jsonl_line
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        count = ENDLESS_MAX if scenario in ("endless", "flood") else 5
        count = 4 if scenario == "hang" else count
        broken = scenario in ("broken", "hang")
        gap = {"trickle": TRICKLE, "endless": ENDLESS_GAP}.get(scenario, 0.0)
        try:
            for n in range(count):
                self.wfile.write(make(n, broken=broken and n == 3))
                self.wfile.flush()
                with self.server.lock:
                    self.server.sent[scenario] += 1
                if gap:
                    time.sleep(gap)
                if scenario == "stall" and n == 0:
                    time.sleep(STALL)
            if scenario == "hang" and not self.server.release.wait(HANG):
                with self.server.lock:
                    self.server.hung_out += 1
        except (BrokenPipeError, ConnectionResetError):
            return  # the client stopped reading: normal for an endless stream


@contextmanager
def start() -> Iterator[StreamServer]:
    """Serve from a thread until the block ends."""
    server = StreamServer()
    with serving(server):
        yield server
