"""Atomic file writes: a report on disk is either the old one or the whole new one.

The text goes to a temporary file in the target's directory (same file system, so
`os.replace` is an atomic rename), is flushed and fsynced, then renamed onto the
target. A crash or an exception at any point leaves the previous file untouched and
no temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

# Mode for a report that does not exist yet; mkstemp's 0o600 would hide CI artifacts.
_NEW_FILE_MODE = 0o644


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` as UTF-8 to `path` so readers never see a half-written file."""
    target = Path(os.fspath(path))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            mode = target.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = _NEW_FILE_MODE
        fd, tmp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as exc:  # name the report, not its temporary sibling
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    try:
        # newline="" writes the text byte for byte: no "\n" → "\r\n" on Windows.
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_directory(target.parent)


def _fsync_directory(directory: Path) -> None:
    """Persist the rename itself; best effort, as not every platform allows it."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(directory, flags)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
