"""Append-only files of complete lines: the cassette and the run journal.

Each line is one `write` on an unbuffered file, and the writer remembers where the
last complete line ended. `salvage()` cuts the file there and publishes it, so a
process stopped at any instant (a second Ctrl-C) still leaves a file of whole
lines that replays; it only uses system calls, so it is safe in a signal handler.

A `LineFile` is written to a hidden temporary name beside its target and renamed
onto the target by `close()` (or `salvage()`); `abort()` removes it. With
`visible=True` it is written under its own name from the start (the journal: a
record that must exist while the run goes). Errors name the target, never the
temporary file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

NEW_FILE_MODE = 0o644  # mkstemp's 0o600 would hide CI artifacts


class LineFile:
    """Lines appended as they come; published whole, or salvaged to whole lines."""

    def __init__(self, path: str | os.PathLike[str], *, visible: bool = False) -> None:
        self.path = Path(path)
        self.visible = visible
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if visible:
                self._tmp = str(self.path)
                fd = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            else:
                fd, self._tmp = tempfile.mkstemp(
                    dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
                )
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(self.path)) from None
        self._fd: int | None = fd
        self.complete = 0  # bytes up to the end of the last whole line
        self.count = 0

    def write_line(self, line: str) -> None:
        """Append `line` (no newline in it) and a newline; OSError names the file."""
        if self._fd is None:
            raise ValueError(f"{self.path}: already closed")
        data = (line + "\n").encode("utf-8")
        try:
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(self.path)) from None
        self.complete += len(data)
        self.count += 1

    def close(self) -> None:
        """Persist and publish the file under its name (an atomic rename)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.fsync(fd)
            os.close(fd)
            if not self.visible:
                os.chmod(self._tmp, NEW_FILE_MODE)
                os.replace(self._tmp, self.path)
        except OSError as exc:
            self._remove()
            raise OSError(exc.errno, exc.strerror, str(self.path)) from None

    def salvage(self) -> None:
        """Cut to the last whole line and publish it (signal-handler safe)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, self.complete)
            os.close(fd)
            if not self.visible:
                os.chmod(self._tmp, NEW_FILE_MODE)
                os.replace(self._tmp, self.path)

    def abort(self) -> None:
        """Drop what was written (a hidden file) or keep it as it is (visible)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
        if not self.visible:
            self._remove()

    def _remove(self) -> None:
        if not self.visible:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._tmp)
