"""Tool-failure exceptions: "the tool cannot do its job", each with an exit code.

"The API misbehaved" is never an exception: it is a `Violation` value (see model.py).
"""

from __future__ import annotations

from typing import ClassVar


class ConformanceError(Exception):
    """Base class: the tool cannot proceed. `str(exc)` is the whole message."""

    exit_code: ClassVar[int] = 2


class SpecError(ConformanceError):
    """The OpenAPI document cannot be read, resolved or compiled.

    `source` is the file or URL, `pointer` the JSON pointer in it (may be ""),
    `line` the 1-based line where the document is YAML (None when unknown).
    """

    def __init__(
        self, source: str, pointer: str, reason: str, line: int | None = None
    ) -> None:
        where = source
        if line is not None:
            where += f":{line}"
        if pointer:
            where += f" (#{pointer})"
        super().__init__(f"{where}: {reason}")
        self.source, self.pointer, self.reason, self.line = (
            source,
            pointer,
            reason,
            line,
        )


class UsageError(ConformanceError):
    """The command line or API call asks for something that does not exist."""


class ConfigError(ConformanceError):
    """A configuration file or setting is invalid; the message names the key."""


class PayloadError(ConformanceError):
    """A payload to validate cannot be read or parsed (names the file and position)."""


class TargetUnreachable(ConformanceError):
    """No answer from the API under test (timeouts, refused, TLS): errors only."""

    exit_code: ClassVar[int] = 3
