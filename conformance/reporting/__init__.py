"""Reports every command shares: JUnit XML (`junit.py`) and atomic file writes."""

from __future__ import annotations

from conformance.reporting.files import write_atomic

__all__ = ["write_atomic"]
