"""The run journal: one JSON line per finished probe, appended as each completes.

`reports/journal.jsonl` exists from the first probe on, so a run stopped at any
point (a second signal, a killed CI job) still says which probes finished and how.
Each line is a probe as results.json records it (`probe_json`), passed through the
run's redactor like every other output; the file always ends at a whole line (see
`conformance.linefile`).
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from conformance.linefile import LineFile
from conformance.reporting.results import probe_json

if TYPE_CHECKING:
    from conformance.redact import Redactor
    from conformance.runner import ProbeResult

JOURNAL_NAME = "journal.jsonl"


class Journal:
    """Appends finished probes to `path` (written under its own name)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        check_names: list[str] | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        from conformance.checks import CHECKS
        from conformance.redact import Redactor

        self.names = check_names or list(CHECKS)
        self.redactor = redactor or Redactor()
        self.file = LineFile(path, visible=True)
        self.path = self.file.path

    def write(self, result: ProbeResult) -> None:
        data = self.redactor.data(probe_json(result, self.names))
        self.file.write_line(self.redactor.text(json.dumps(data, ensure_ascii=False)))

    def close(self) -> None:
        self.file.close()

    def salvage(self) -> None:
        self.file.salvage()
