"""SIGINT and SIGTERM during a run: the first stops it cleanly, the second at once.

The first signal asks the run to stop (`probe.Stop`): nothing new is sent, probes
in flight are cancelled, and the run returns what finished, so reports are written
and marked interrupted, the cassette is published, and the command exits 130
(SIGINT) or 143 (SIGTERM). A second signal runs the salvage callbacks (publish the
whole lines of the cassette and the journal) and exits at once with the same code.

Handlers are installed only in the main thread (the only place Python allows it)
and the previous ones are restored on exit.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from .probe import Stop

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupts:
    """A context in which SIGINT/SIGTERM stop the run instead of killing it."""

    def __init__(self) -> None:
        self.stop = Stop()
        self.signal: int | None = None
        self._salvage: list[Callable[[], None]] = []
        self._previous: dict[int, Any] = {}

    @property
    def name(self) -> str:
        """`SIGINT` / `SIGTERM`, or "" when no signal came."""
        return signal.Signals(self.signal).name if self.signal is not None else ""

    @property
    def exit_code(self) -> int:
        return 128 + self.signal if self.signal is not None else 0

    def keep(self, salvage: Callable[[], None]) -> None:
        """Run `salvage` if a second signal ends the process at once."""
        self._salvage.append(salvage)

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            for sig in SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *_: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signal is None:
            self.signal = signum
            _say(
                f"\n{self.name}: stopping: no new probes, writing reports of the "
                "finished ones (send it again to exit at once)\n"
            )
            self.stop.stop()
            return
        for salvage in self._salvage:
            with contextlib.suppress(Exception):  # exiting anyway: keep the rest
                salvage()
        _say(
            f"\n{signal.Signals(signum).name} again: exiting now; the cassette and "
            "the journal keep every finished probe\n"
        )
        os._exit(self.exit_code)


def _say(text: str) -> None:
    with contextlib.suppress(OSError):
        os.write(2, text.encode("utf-8", "replace"))
