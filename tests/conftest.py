"""Shared fixtures: project paths, the seed and full Qovery contracts, a clean env.

Tests that need `../shared` (the full Qovery spec and real payloads) skip with a
visible reason where it is absent; `.ci/run` sets CONFORMANCE_REQUIRE_SHARED=1 so
that, in CI, its absence fails instead of skipping.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import httpx  # noqa: F401 - see below
import pytest
from hypothesis import HealthCheck, settings

import conformance
from conformance.cli import main

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"
SEED_SPEC = PROJECT / "spec" / "qovery-getjob.yaml"
FULL_SPEC = SHARED / "specs" / "qovery" / "openapi.yaml"
PAYLOADS = SHARED / "specs" / "qovery-payloads"
DATA = Path(__file__).resolve().parent / "data"

# pytester's in-process runs drop modules first imported inside them from
# sys.modules; httpx imported here, once, keeps httpcore's exception classes the ones
# httpx maps (a re-imported httpcore raises classes httpx no longer recognises).

settings.register_profile(
    "dev",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def need_shared(path: Path) -> Path:
    """`path` under ../shared, or a visible skip (a failure when CI requires it)."""
    if path.exists():
        return path
    reason = f"{path} is absent: ../shared is not beside this checkout"
    if os.environ.get("CONFORMANCE_REQUIRE_SHARED") == "1":
        pytest.fail(reason + " (CONFORMANCE_REQUIRE_SHARED=1)")
    pytest.skip(reason)


def cli(*argv: str, err: io.StringIO | None = None) -> tuple[int, str, str]:
    """Run the CLI in-process: exit code, stdout, stderr (`err` to pass a tty)."""
    out, err = io.StringIO(), err or io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def _scrub_conformance_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("CONFORMANCE_") and name != "CONFORMANCE_REQUIRE_SHARED":
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def seed_contract() -> conformance.Contract:
    return conformance.load_contract(str(SEED_SPEC))


@pytest.fixture(scope="session")
def full_contract() -> conformance.Contract:
    return conformance.load_contract(str(need_shared(FULL_SPEC)))


@pytest.fixture(scope="session")
def payloads_dir() -> Path:
    return need_shared(PAYLOADS)


@pytest.fixture
def write_spec(tmp_path: Path):  # noqa: ANN201 - a factory fixture
    """Write a small OpenAPI document (YAML text) and load it as a contract."""

    def make(
        text: str, name: str = "spec.yaml", **options: object
    ) -> conformance.Contract:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return conformance.load_contract(str(path), **options)  # type: ignore[arg-type]

    return make
