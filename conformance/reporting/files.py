"""Report files on disk: written as one set, all new or none changed.

`write_set([(path, bytes), ...])` writes every report of a run as a unit: each is
written to a temporary file beside its target (same file system, so `os.replace` is
an atomic rename), flushed and fsynced; only when all of them are complete are they
renamed onto their targets. A full disk or any other error while writing leaves
every previous report untouched and no temporary file behind. Adding a report to a
run is adding one (path, bytes) pair to the set. `write_atomic` is a set of one.

Before a run, `check_writable(paths)` proves every target can be written (so a bad
path fails before the first probe, not after the last), and `set_aside(paths)` moves
the previous run's reports to `NAME.previous`, so a stale `junit.xml` can never pass
for the current one. Every OSError raised here names the path the user gave, never
a temporary file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

# Mode for a report that does not exist yet; mkstemp's 0o600 would hide CI artifacts.
_NEW_FILE_MODE = 0o644
PREVIOUS_SUFFIX = ".previous"

Report = tuple[str | os.PathLike[str], bytes]

# Temporary files being written now: a process that must exit at once (a second
# signal) removes them with `discard_staged()`, so none is left behind.
_STAGED: set[str] = set()


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` as UTF-8 to `path` so readers never see a half-written file."""
    write_set([(path, text.encode("utf-8"))])


def write_set(reports: Sequence[Report]) -> None:
    """Write every (path, bytes) as one unit: all replaced, or none changed."""
    staged: list[tuple[Path, str]] = []
    try:
        for path, data in reports:
            target = Path(os.fspath(path))
            staged.append((target, _stage(target, data)))
        for target, tmp_name in staged:
            try:
                os.replace(tmp_name, target)
            except OSError as exc:
                raise _named(exc, target) from None
            _STAGED.discard(tmp_name)
    except BaseException:
        for _, tmp_name in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            _STAGED.discard(tmp_name)
        raise
    for folder in {target.parent for target, _ in staged}:
        _fsync_directory(folder)


def _stage(target: Path, data: bytes) -> str:
    """A complete, fsynced temporary copy of `data` beside `target`; its name."""
    try:
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            mode = target.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = _NEW_FILE_MODE
        fd, tmp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise _named(exc, target) from None
    _STAGED.add(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        _STAGED.discard(tmp_name)
        if isinstance(exc, OSError):
            raise _named(exc, target) from None
        raise
    return tmp_name


def discard_staged() -> None:
    """Remove every temporary file a write in progress left (before exiting at once)."""
    for tmp_name in list(_STAGED):
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
    _STAGED.clear()


def check_writable(paths: Iterable[str | os.PathLike[str]]) -> None:
    """Raise OSError (naming the path) unless each file path can be written."""
    for path in paths:
        target = Path(os.fspath(path))
        if target.is_dir():
            raise _named(IsADirectoryError(errno.EISDIR, "is a directory"), target)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
            )
        except OSError as exc:
            raise _named(exc, target) from None
        os.close(fd)
        os.unlink(tmp_name)


def set_aside(paths: Iterable[str | os.PathLike[str]]) -> None:
    """Move each existing file to `NAME.previous` (replacing an older one)."""
    for path in paths:
        target = Path(os.fspath(path))
        if target.is_file():
            try:
                os.replace(target, target.with_name(target.name + PREVIOUS_SUFFIX))
            except OSError as exc:
                raise _named(exc, target) from None


def _named(exc: OSError, target: Path) -> OSError:
    return OSError(exc.errno, exc.strerror or str(exc), str(target))


def _fsync_directory(directory: Path) -> None:
    """Persist the renames themselves; best effort, as not every platform allows it."""
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
