"""Project settings: where `[tool.conformance]` (pyproject.toml) or conformance.toml is,
and what it says. Defaults < file < `CONFORMANCE_*` environment < flags.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .redact import Redactor

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


# -- the `run` schema ----------------------------------------------------------------
#
#   spec, recordings, report_dir            paths, relative to the config file
#   base_url, token_env, auth_scheme        defaults for every target
#   timeout, retries, concurrency, rate_limit, stream_items, stream_seconds,
#   secret_headers, secret_values, probes
#   checks (names in conformance.checks.CHECKS), drift (bool), nullable
#   expect = [200] (statuses probes mean to reach), max_body_size = "64MiB"
#   [targets.NAME]  base_url, token_env, auth_scheme, the limits, probes
#   probes = [{operation = "getJob", params = [{jobId = "…"}, …]}, …]
#
# Every string may say ${VAR}: it is filled from the environment when it is used.

DEFAULT_RECORDINGS = "recordings/getjob"
DEFAULT_REPORT_DIR = "reports"
AUTH_SCHEMES = ("Bearer", "Token")
_ENV_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

# key → (kind, description); kinds are checked by `_check_value`.
_LIMITS: dict[str, str] = {
    "timeout": "positive number",
    "retries": "non-negative integer",
    "concurrency": "positive integer",
    "rate_limit": "non-negative number",
    "stream_items": "positive integer",
    "stream_seconds": "positive number",
}
_TARGET_KEYS: dict[str, str] = {
    "base_url": "string",
    "token_env": "name",
    "auth_scheme": "auth scheme",
    **_LIMITS,
    "secret_headers": "list of strings",
    "secret_values": "list of strings",
    "probes": "probes",
    "expect": "statuses",
    "max_body_size": "size",
}
_TOP_KEYS: dict[str, str] = {
    "spec": "string",
    "recordings": "string",
    "report_dir": "string",
    "nullable": "nullable",
    "checks": "list of strings",
    "drift": "boolean",
    **_TARGET_KEYS,
    "targets": "targets",
}


@dataclass(frozen=True)
class ProbeEntry:
    """One probe from the file: an operation and one parameter set."""

    operation: str
    params: dict[str, str]
    expect: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunConfig:
    """The checked `run` settings of a config file (values as written, ${VAR} kept)."""

    path: Path | None  # None: no config file found
    table: dict[str, Any]

    @property
    def root(self) -> Path:
        return self.path.parent if self.path is not None else Path.cwd()

    def where(self, key: str) -> str:
        return f"{self.path}: {key}" if self.path is not None else key

    def value(self, key: str, target: str | None = None) -> Any:
        """A target's value for `key`, else the top-level one (None: unset)."""
        if target is not None:
            table = self.table.get("targets", {}).get(target, {})
            if key in table:
                return self.expand(table[key], f"targets.{target}.{key}")
        if key in self.table:
            return self.expand(self.table[key], key)
        return None

    def expand(self, value: Any, key: str) -> Any:
        """`value` with ${VAR}s filled from the environment (unset: ConfigError)."""
        if isinstance(value, str):

            def fill(match: re.Match[str]) -> str:
                name = match.group(1)
                if name not in os.environ:
                    raise ConfigError(
                        f"{self.where(key)}: environment variable {name} is not set"
                    )
                return os.environ[name]

            return _ENV_VAR.sub(fill, value)
        if isinstance(value, list):
            return [self.expand(v, f"{key}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {k: self.expand(v, f"{key}.{k}") for k, v in value.items()}
        return value

    def path_value(self, key: str, default: str | None = None) -> str | None:
        """A path setting resolved against the config file's folder."""
        raw = self.value(key)
        if raw is None:
            if default is None:
                return None
            raw = default
        if "://" in raw or os.path.isabs(raw):
            return str(raw)
        return str(self.root / raw)

    def redactor(self, token: str | None = None) -> Redactor:
        """What no output may show: every token whose variable is set (top level and
        every target), every secret value and header; `token` too, if given."""
        secrets = [token] if token else []
        headers: list[str] = []
        for scope in [None, *self.targets]:
            try:
                name = self.value("token_env", scope)
                values = self.value("secret_values", scope) or []
                names = self.value("secret_headers", scope) or []
            except ConfigError:  # a ${VAR} not set: it cannot leak either
                continue
            if name and os.environ.get(name):
                secrets.append(os.environ[name])
            secrets += values
            headers += names
        return Redactor(secrets, headers)

    @property
    def targets(self) -> list[str]:
        return list(self.table.get("targets", {}))

    def probes(self, target: str | None = None) -> list[ProbeEntry]:
        raw = self.value("probes", target) or []
        out = []
        for entry in raw:
            sets = entry.get("params") or [{}]
            expect = tuple(str(x).upper() for x in entry.get("expect") or ())
            for params in sets:
                out.append(
                    ProbeEntry(
                        entry["operation"],
                        {k: _text(v) for k, v in params.items()},
                        expect,
                    )
                )
        return out


def load_run_config(path: str | os.PathLike[str] | None = None) -> RunConfig:
    """The config named by --config (or found from the cwd), schema-checked."""
    if path is not None:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"--config: {file}: no such file")
        data = _read(file)
        if file.name == "pyproject.toml":
            table = data.get("tool", {}).get("conformance", {})
        else:
            table = data.get("tool", {}).get("conformance", data)
        found: tuple[Path, dict[str, Any]] | None = (file, table)
    else:
        found = find_config()
    if found is None:
        return RunConfig(None, {})
    file, table = found
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: [tool.conformance] must be a table")
    check_table(table, file)
    return RunConfig(file, table)


def check_table(table: dict[str, Any], path: Path | str) -> None:
    """Raise ConfigError naming the first key that breaks the schema."""
    _check_keys(table, _TOP_KEYS, "", path)
    targets = table.get("targets", {})
    for name, target in targets.items():
        where = f"targets.{name}"
        if not isinstance(target, dict):
            raise ConfigError(f"{path}: {where} must be a table ([targets.{name}])")
        _check_keys(target, _TARGET_KEYS, where + ".", path)


def _check_keys(
    table: dict[str, Any], schema: dict[str, str], prefix: str, path: Path | str
) -> None:
    for key, value in table.items():
        full = prefix + key
        kind = schema.get(key)
        if kind is None:
            near = difflib.get_close_matches(key, schema, n=1)
            hint = f"; did you mean {prefix + near[0]!r}?" if near else ""
            raise ConfigError(
                f"{path}: unknown key {full!r}{hint} (known: {', '.join(schema)})"
            )
        problem = _check_value(kind, value, full)
        if problem:
            sep = "" if problem.startswith("[") else " "  # probes[0].operation …
            raise ConfigError(f"{path}: {full}{sep}{problem}")


def _check_value(kind: str, value: Any, key: str) -> str:
    """ "" if `value` fits `kind`, else what is wrong (a phrase after the key)."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    integer = isinstance(value, int) and not isinstance(value, bool)
    if kind == "string" and not isinstance(value, str):
        return "must be a string"
    if kind == "name" and not (isinstance(value, str) and re.fullmatch(r"\w+", value)):
        return (
            "must be the name of an environment variable "
            "(the token itself never goes in a file)"
        )
    if kind == "boolean" and not isinstance(value, bool):
        return "must be true or false"
    if kind == "auth scheme" and value not in AUTH_SCHEMES:
        return f"must be one of {', '.join(AUTH_SCHEMES)}"
    if kind == "nullable" and value not in ("common", "strict"):
        return "must be 'common' or 'strict'"
    if kind == "positive number" and not (number and value > 0):
        return "must be a number > 0"
    if kind == "non-negative number" and not (number and value >= 0):
        return "must be a number >= 0"
    if kind == "positive integer" and not (integer and value >= 1):
        return "must be an integer >= 1"
    if kind == "non-negative integer" and not (integer and value >= 0):
        return "must be an integer >= 0"
    if kind == "list of strings" and not (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    ):
        return "must be a list of strings"
    if kind == "targets" and not isinstance(value, dict):
        return "must be a table of named targets ([targets.staging])"
    if kind == "probes":
        return _check_probes(value, key)
    if kind == "statuses":
        return check_statuses(value)
    if kind == "size":
        return _check_size(value)
    return ""


def check_statuses(value: Any) -> str:
    """ "" if `value` is a list of statuses (200, "2XX"), else what is wrong."""
    ok = isinstance(value, list) and value
    for status in value if ok else ():
        text = str(status).upper()
        if isinstance(status, bool) or not re.fullmatch(r"[1-5](\d\d|XX)", text):
            ok = False
    return "" if ok else 'must be a list of statuses, e.g. [200] or ["2XX"]'


def _check_size(value: Any) -> str:
    from .body import parse_size

    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return ""
    if isinstance(value, str):
        try:
            parse_size(value)
            return ""
        except ValueError:
            pass
    return 'must be a size in bytes or like "64MiB"'


def _check_probes(value: Any, key: str) -> str:
    if not isinstance(value, list):
        return (
            'must be a list: probes = [{operation = "getJob", '
            'params = [{jobId = "…"}]}]'
        )
    for i, entry in enumerate(value):
        if not isinstance(entry, dict):
            return f"[{i}] must be a table with operation and params"
        unknown = set(entry) - {"operation", "params", "expect"}
        if unknown:
            first = sorted(unknown)[0]
            return f"[{i}] has unknown key {first!r} (known: operation, params, expect)"
        if "expect" in entry and check_statuses(entry["expect"]):
            return f"[{i}].expect {check_statuses(entry['expect'])}"
        if not isinstance(entry.get("operation"), str):
            return f"[{i}].operation is required (an operationId string)"
        params = entry.get("params", [])
        if not isinstance(params, list) or not all(isinstance(p, dict) for p in params):
            return f'[{i}].params must be a list of tables: params = [{{jobId = "…"}}]'
        for j, p in enumerate(params):
            for name, v in p.items():
                if not isinstance(v, (str, int, float, bool)):
                    return f"[{i}].params[{j}].{name} must be a string or number"
    return ""


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
