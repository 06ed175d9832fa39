"""HAR and vcrpy cassettes made from the bundled getJob recordings, for the tests.

Besides the four recorded exchanges (LIFECYCLE, CRON, CRON with drift, 404) each
file holds: one body that breaks the contract (`id` is a number), one request to a
path the spec does not document, one gzip body and one base64 body, and one request
to another host (which `--base-url` leaves out). `EXPECTED` is what a replay says.
"""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

PROJECT = Path(__file__).resolve().parents[1]
RECORDINGS = PROJECT / "recordings" / "getjob" / "exchanges.jsonl"


def _recorded_host() -> str:
    """Where the bundled recordings were made (scheme, host and port)."""
    url = json.loads(RECORDINGS.read_text().splitlines()[0])["request"]["url"]
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


HOST = _recorded_host()
OTHER_HOST = "http://127.0.0.2:8080"
BROKEN_ID = "3e9d6c4b-7f5a-4b12-8d4e-5f6a7b8c9da4"
GZIP_ID = "5abf8e6d-9b7c-4d34-8f6a-7b8c9daebfc6"
BASE64_ID = "6bc09f7e-ac8d-4e45-9a7b-8c9daebfc0d7"


def recorded() -> list[dict[str, Any]]:
    return [json.loads(line) for line in RECORDINGS.read_text().splitlines()]


def _job(index: int) -> dict[str, Any]:
    return json.loads(recorded()[index]["response"]["body"])


def exchanges() -> list[dict[str, Any]]:
    """Plain dicts: method, url, status, headers, body (bytes), encoding."""
    out = []
    for line in recorded():
        response = line["response"]
        out.append(
            {
                "url": line["request"]["url"],
                "status": response["status"],
                "headers": [(k, v) for k, v in response["headers"]],
                "body": response["body"].encode(),
            }
        )
    broken = _job(0) | {"id": 42}
    gzipped = _job(1) | {"id": GZIP_ID}
    encoded = _job(1) | {"id": BASE64_ID}
    json_type = [("content-type", "application/json")]
    out += [
        {
            "url": f"{HOST}/job/{BROKEN_ID}",
            "status": 200,
            "headers": json_type,
            "body": json.dumps(broken).encode(),
        },
        {
            "url": f"{HOST}/v2/health",
            "status": 200,
            "headers": json_type,
            "body": b'{"ok": true}',
        },
        {
            "url": f"{HOST}/job/{GZIP_ID}",
            "status": 200,
            "headers": [*json_type, ("content-encoding", "gzip")],
            "body": gzip.compress(json.dumps(gzipped).encode(), mtime=0),
            "binary": True,
        },
        {
            "url": f"{HOST}/job/{BASE64_ID}",
            "status": 200,
            "headers": json_type,
            "body": json.dumps(encoded).encode(),
            "binary": True,
        },
        {
            "url": f"{OTHER_HOST}/job/{BROKEN_ID}",
            "status": 500,
            "headers": [("content-type", "text/html")],
            "body": b"<h1>another service</h1>",
        },
    ]
    return out


# (name, outcome) in file order for a replay narrowed to HOST; the health check and
# the other host's request are not among them.
EXPECTED = [
    ("getJob[jobId=0b6a3f1e-4c2d-4e8f-9a1b-2c3d4e5f6a71]", "passed"),
    ("getJob[jobId=1c7b4a2f-5d3e-4f90-8b2c-3d4e5f6a7b82]", "passed"),
    ("getJob[jobId=2d8c5b3a-6e4f-4a01-9c3d-4e5f6a7b8c93]", "passed"),
    ("getJob[jobId=4fae7d5c-8a6b-4c23-9e5f-6a7b8c9daeb5]", "passed"),
    (f"getJob[jobId={BROKEN_ID}]", "failed"),
    (f"getJob[jobId={GZIP_ID}]", "passed"),
    (f"getJob[jobId={BASE64_ID}]", "passed"),
]


def har(items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A HAR 1.2 log as a browser writes it (gzip and binary bodies as base64)."""
    entries = []
    for item in items if items is not None else exchanges():
        content: dict[str, Any] = {"size": len(item["body"]), "mimeType": ""}
        if item.get("binary"):
            content |= {
                "text": base64.b64encode(item["body"]).decode(),
                "encoding": "base64",
            }
        else:
            content["text"] = item["body"].decode()
        entries.append(
            {
                "startedDateTime": "2026-11-28T16:43:51.000Z",
                "time": 12.5,
                "request": {
                    "method": "GET",
                    "url": item["url"],
                    "httpVersion": "HTTP/1.1",
                    "headers": [
                        {"name": "Accept", "value": "application/json"},
                        {"name": "Cookie", "value": "session=s3cr3t"},
                    ],
                    "queryString": [],
                    "cookies": [],
                    "headersSize": -1,
                    "bodySize": 0,
                },
                "response": {
                    "status": item["status"],
                    "statusText": "",
                    "httpVersion": "HTTP/1.1",
                    "headers": [{"name": k, "value": v} for k, v in item["headers"]],
                    "cookies": [],
                    "content": content,
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": len(item["body"]),
                },
                "cache": {},
                "timings": {"send": 0, "wait": 12.5, "receive": 0},
            }
        )
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "tests/traffic_files.py", "version": "1"},
            "entries": entries,
        }
    }


def vcr(items: list[dict[str, Any]] | None = None) -> str:
    """A vcrpy cassette as vcrpy writes it (binary bodies as `!!binary`)."""
    interactions = []
    for item in items if items is not None else exchanges():
        headers: dict[str, list[str]] = {}
        for key, value in item["headers"]:
            headers.setdefault(key, []).append(value)
        body = item["body"] if item.get("binary") else item["body"].decode()
        interactions.append(
            {
                "request": {
                    "body": "",
                    "headers": {"accept": ["application/json"]},
                    "method": "GET",
                    "uri": item["url"],
                },
                "response": {
                    "body": {"string": body},
                    "headers": headers,
                    "status": {"code": item["status"], "message": "OK"},
                },
            }
        )
    return yaml.safe_dump({"interactions": interactions, "version": 1})


def write_har(path: Path) -> Path:
    path.write_text(json.dumps(har(), indent=1), encoding="utf-8")
    return path


def write_vcr(path: Path) -> Path:
    path.write_text(vcr(), encoding="utf-8")
    return path
