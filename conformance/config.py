"""Project settings: where `[tool.conformance]` (pyproject.toml) or conformance.toml is,
and what it says. Defaults < file < `CONFORMANCE_*` environment < flags.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from .errors import ConfigError

DEFAULT_SPEC = "spec/qovery-getjob.yaml"


def find_config(start: Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The nearest conformance.toml, or pyproject.toml with [tool.conformance]."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        own = folder / "conformance.toml"
        if own.is_file():
            return own, _read(own)
        project = folder / "pyproject.toml"
        if project.is_file():
            table = _read(project).get("tool", {}).get("conformance")
            if isinstance(table, dict):
                return project, table
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def default_spec(start: Path | None = None) -> str:
    """The spec to use when none is given: env, then config file, then spec/ in cwd."""
    env = os.environ.get("CONFORMANCE_SPEC")
    if env:
        return env
    found = find_config(start)
    if found is not None:
        path, table = found
        spec = table.get("spec")
        if spec is not None:
            if not isinstance(spec, str):
                raise ConfigError(f"{path}: spec must be a string path or URL")
            if "://" in spec or os.path.isabs(spec):
                return spec
            return str(path.parent / spec)
    fallback = (start or Path.cwd()) / DEFAULT_SPEC
    if fallback.is_file():
        return str(fallback)
    raise ConfigError(
        "no spec given: pass --spec FILE|URL, or set spec in [tool.conformance] "
        "of pyproject.toml"
    )
