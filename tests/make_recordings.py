"""Regenerate the bundled recordings: `python tests/make_recordings.py`.

Starts the stand-in Qovery server (tests/qovery_server.py) on 127.0.0.1, runs
`conformance run --record recordings/getjob` against it for a LIFECYCLE job, a CRON
job, a drifted-but-conforming CRON job and a missing job (404), and leaves the
redacted cassette in `recordings/getjob/exchanges.jsonl`. `conformance run` with no
target replays it offline; the set conforms, so it exits 0 with drift warnings.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
RECORDINGS = PROJECT / "recordings" / "getjob"
sys.path.insert(0, str(HERE))

import qovery_server  # noqa: E402

from conformance.cli import main  # noqa: E402

BUNDLED = (
    qovery_server.LIFECYCLE,
    qovery_server.CRON,
    qovery_server.DRIFTED,
    qovery_server.MISSING,
)
TOKEN_ENV = "CONFORMANCE_RECORDING_TOKEN"


def record(target: Path = RECORDINGS, job_ids: tuple[str, ...] = BUNDLED) -> int:
    """Probe the stand-in server for `job_ids`, recording into `target`."""
    os.environ[TOKEN_ENV] = qovery_server.TOKEN
    with qovery_server.start() as server, tempfile.TemporaryDirectory() as reports:
        argv = [
            "run",
            "--spec",
            str(PROJECT / "spec" / "qovery-getjob.yaml"),
            "--base-url",
            server.url,
            "--operation",
            "getJob",
            "--token-env",
            TOKEN_ENV,
            "--auth-scheme",
            "Token",
            "--concurrency",
            "1",  # one at a time: the cassette lines come out in probe order
            "--record",
            str(target),
            "--report-dir",
            reports,
            # the missing job is probed on purpose: its 404 is what it should get
            "--expect-status",
            "200",
            "--expect-status",
            "404",
        ]
        for job_id in job_ids:
            argv += ["--param", f"jobId={job_id}"]
        return main(argv)


if __name__ == "__main__":
    sys.exit(record())
