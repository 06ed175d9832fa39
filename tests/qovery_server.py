"""A real HTTP server on 127.0.0.1 standing in for the Qovery API's `getJob`.

`GET /job/{jobId}` answers by job id (see `JOBS`): conforming LIFECYCLE and CRON
jobs, a drifted-but-conforming job, a non-conforming one, 404, a 500 HTML page, JSON
labelled text/html, a slow answer, 429 then 200, 502 then 200, 503 forever, a dropped
connection, and a job whose answer echoes the token back (redaction must catch it).
Without `Authorization: Bearer|Token <TOKEN>` every job answers 401.

Used by fixtures (`start()` serves from a thread on port 0) and, as a script, by the
benchmark (`python tests/qovery_server.py` prints the port and serves until killed).
Bodies are written here to match spec/qovery-getjob.yaml; nothing is copied.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from typing import Any

TOKEN = "qov-test-token-7f3a9c1e5b"  # the credential the server accepts

LIFECYCLE = "0b6a3f1e-4c2d-4e8f-9a1b-2c3d4e5f6a71"
CRON = "1c7b4a2f-5d3e-4f90-8b2c-3d4e5f6a7b82"
DRIFTED = "2d8c5b3a-6e4f-4a01-9c3d-4e5f6a7b8c93"
BROKEN = "3e9d6c4b-7f5a-4b12-8d4e-5f6a7b8c9da4"
MISSING = "4fae7d5c-8a6b-4c23-9e5f-6a7b8c9daeb5"
SERVER_ERROR = "5abf8e6d-9b7c-4d34-8f6a-7b8c9daebfc6"
HTML_LABEL = "6bc09f7e-ac8d-4e45-9a7b-8c9daebfc0d7"
SLOW = "7cd1a08f-bd9e-4f56-8b8c-9daebfc0d1e8"
THROTTLED = "8de2b190-ceaf-4067-9c9d-aebfc0d1e2f9"
BAD_GATEWAY = "9ef3c2a1-dfb0-4178-8dae-bfc0d1e2f30a"
UNAVAILABLE = "a0f4d3b2-e0c1-4289-9ebf-c0d1e2f3041b"
DROPPED = "b105e4c3-f1d2-439a-8fc0-d1e2f304152c"
ECHO = "c216f5d4-02e3-44ab-90d1-e2f30415263d"

ENVIRONMENT_ID = "d327a6e5-13f4-45bc-81e2-f3041526374e"
REGISTRY_ID = "e438b7f6-2405-46cd-92f3-04152637485f"


def _base(job_id: str, name: str) -> dict[str, Any]:
    return {
        "id": job_id,
        "created_at": "2025-06-01T08:30:00Z",
        "updated_at": "2025-06-02T09:15:00Z",
        "environment": {"id": ENVIRONMENT_ID},
        "maximum_cpu": 16000,
        "maximum_memory": 16384,
        "maximum_gpu": 0,
        "name": name,
        "description": "stand-in job served by tests/qovery_server.py",
        "cpu": 250,
        "memory": 256,
        "gpu": 0,
        "max_nb_restart": 0,
        "max_duration_seconds": 300,
        "auto_preview": False,
        "port": None,
        "source": {
            "image": {
                "image_name": "library/alpine",
                "tag": "3.20",
                "registry": {
                    "id": REGISTRY_ID,
                    "name": "Docker Hub",
                    "url": "https://registry-1.docker.io",
                    "kind": "DOCKER_HUB",
                },
            }
        },
        "healthchecks": {"readiness_probe": None, "liveness_probe": None},
        "auto_deploy": True,
        "icon_uri": "app://qovery-console/lifecycle-job",
        "service_type": "JOB",
    }


def lifecycle_job(job_id: str = LIFECYCLE) -> dict[str, Any]:
    """A conforming LIFECYCLE job (docker source would do as well; image is simpler)."""
    body = _base(job_id, "db-migrations")
    body.update(
        job_type="LIFECYCLE",
        schedule={
            "on_start": {"arguments": ["migrate", "--yes"], "entrypoint": "/bin/tool"},
            "on_delete": {"arguments": ["rollback"]},
            "lifecycle_type": "GENERIC",
        },
        annotations_groups=[],
        labels_groups=[
            {
                "id": "f549c8a7-3516-47de-a304-15263748596a",
                "created_at": "2025-05-01T00:00:00Z",
                "name": "team",
                "labels": [
                    {
                        "key": "team",
                        "value": "core",
                        "propagate_to_cloud_provider": False,
                    }
                ],
            }
        ],
    )
    return body


def cron_job(job_id: str = CRON) -> dict[str, Any]:
    """A conforming CRON job."""
    body = _base(job_id, "nightly-report")
    body["icon_uri"] = "app://qovery-console/cron-job"
    body.update(
        job_type="CRON",
        schedule={
            "cronjob": {
                "timezone": "Europe/Paris",
                "scheduled_at": "0 3 * * *",
                "arguments": ["report", "--daily"],
            }
        },
    )
    return body


def drifted_job(job_id: str = DRIFTED) -> dict[str, Any]:
    """A conforming CRON job with members the spec does not document (drift)."""
    body = cron_job(job_id)
    body["deployment_stage_id"] = "0a1b2c3d-0000-4000-8000-000000000001"
    body["schedule"]["cronjob"]["concurrency_policy"] = "Forbid"
    return body


def broken_job(job_id: str = BROKEN) -> dict[str, Any]:
    """A CRON job that breaks the contract: a required member gone, a wrong type."""
    body = cron_job(job_id)
    del body["schedule"]["cronjob"]["scheduled_at"]
    body["cpu"] = "250m"
    return body


@dataclass
class State:
    """What the server saw: hits per job id and every request's headers."""

    slow_seconds: float = 1.0
    retry_after: str = "1"
    hits: Counter[str] = field(default_factory=Counter)
    seen: list[tuple[float, str, dict[str, str]]] = field(default_factory=list)
    clients: set[tuple[str, int]] = field(default_factory=set)  # connections used
    keep_seen: bool = True  # off for memory tests: the log would grow with the run
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hit(self, job_id: str, headers: dict[str, str], client: tuple[str, int]) -> int:
        with self.lock:
            self.hits[job_id] += 1
            self.clients.add(client)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            if (
                self.keep_seen and len(self.seen) < 10_000
            ):  # bounded: the benchmark sends many
                self.seen.append((time.monotonic(), job_id, headers))
            return self.hits[job_id]

    def done(self) -> None:
        with self.lock:
            self.in_flight -= 1


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the client reuses connections
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms stall
    server: QoveryServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # quiet: tests read state, not logs

    def _send(
        self,
        status: int,
        body: bytes = b"",
        content_type: str | None = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if body and content_type:
            self.send_header("Content-Type", content_type)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any, **kw: Any) -> None:
        self._send(status, json.dumps(data).encode(), **kw)

    def do_GET(self) -> None:  # noqa: N802 - the http.server protocol
        state = self.server.state
        parts = self.path.split("?")[0].strip("/").split("/")
        job_id = parts[1] if len(parts) == 2 and parts[0] == "job" else ""
        count = state.hit(job_id, dict(self.headers.items()), self.client_address)
        try:
            self._answer(state, job_id, count)
        finally:
            state.done()

    def _answer(self, state: State, job_id: str, count: int) -> None:
        auth = self.headers.get("Authorization", "")
        if auth not in (f"Bearer {TOKEN}", f"Token {TOKEN}"):
            self._send(401, headers={"WWW-Authenticate": 'Bearer realm="qovery"'})
            return
        if job_id == LIFECYCLE:
            self._json(200, lifecycle_job(), headers={"Set-Cookie": f"s={TOKEN}"})
        elif job_id == CRON:
            self._json(200, cron_job())
        elif job_id == DRIFTED:
            self._json(200, drifted_job())
        elif job_id == BROKEN:
            self._json(200, broken_job())
        elif job_id == SERVER_ERROR:
            page = b"<html><body><h1>500 Internal Server Error</h1></body></html>"
            self._send(500, page, "text/html; charset=utf-8")
        elif job_id == HTML_LABEL:
            self._json(200, cron_job(HTML_LABEL), content_type="text/html")
        elif job_id == SLOW:
            time.sleep(state.slow_seconds)
            self._json(200, cron_job(SLOW))
        elif job_id == THROTTLED:
            if count % 2:
                self._json(
                    429,
                    {"message": "slow down"},
                    headers={"Retry-After": state.retry_after},
                )
            else:
                self._json(200, cron_job(THROTTLED))
        elif job_id == BAD_GATEWAY:
            if count % 2:
                self._send(502, b"bad gateway", "text/plain")
            else:
                self._json(200, lifecycle_job(BAD_GATEWAY))
        elif job_id == UNAVAILABLE:
            self._send(503, b"maintenance", "text/plain", headers={"Retry-After": "0"})
        elif job_id == DROPPED:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif job_id == ECHO:
            body = cron_job(ECHO)
            body["description"] = f"created with {TOKEN}"
            self._json(200, body, headers={"X-Echo": auth})
        else:
            self._json(404, {"status": 404, "error": "Not Found", "path": self.path})


class QoveryServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, state: State | None = None) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.state = state or State()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout test) leaves a broken pipe: expected, quiet.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def serving(server: HTTPServer, poll: float = 0.05) -> Iterator[str]:
    """Serve `server` from a thread until the block ends; yields its base URL."""
    thread = threading.Thread(target=server.serve_forever, args=(poll,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def start(state: State | None = None) -> Iterator[QoveryServer]:
    """Serve from a thread until the block ends."""
    server = QoveryServer(state)
    with serving(server):
        yield server


if __name__ == "__main__":
    srv = QoveryServer()
    print(srv.server_address[1], flush=True)
    with suppress(KeyboardInterrupt):
        srv.serve_forever()
    sys.exit(0)
