"""The run journal: one JSON line per finished probe, appended as each completes.

`reports/journal.jsonl` exists from the first probe on, so a run stopped at any
point (a second signal, a killed CI job) still says which probes finished and how.
Each line is a probe as results.json records it (`probe_json`); the file always
ends at a whole line (see `conformance.linefile`).
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from conformance.linefile import LineFile
from conformance.reporting.results import probe_json

if TYPE_CHECKING:
    from conformance.runner import ProbeResult

JOURNAL_NAME = "journal.jsonl"


class Journal:
    """Appends finished probes to `path` (written under its own name)."""

    def __init__(
        self, path: str | os.PathLike[str], check_names: list[str] | None = None
    ) -> None:
        from conformance.checks import CHECKS

        self.names = check_names or list(CHECKS)
        self.file = LineFile(path, visible=True)
        self.path = self.file.path

    def write(self, result: ProbeResult) -> None:
        line = json.dumps(probe_json(result, self.names), ensure_ascii=False)
        self.file.write_line(line)

    def close(self) -> None:
        self.file.close()

    def salvage(self) -> None:
        self.file.salvage()
