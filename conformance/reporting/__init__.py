"""Reports every command shares: JUnit XML (`junit.py`) and report files written
atomically, one at a time (`write_atomic`) or as one set (`write_set`)."""

from __future__ import annotations

from conformance.reporting.files import write_atomic, write_set

__all__ = ["write_atomic", "write_set"]
