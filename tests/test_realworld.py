"""Real-world proof: the full Qovery spec compiles, real payloads get their verdicts.

Reads ../shared (never copied into the project); the tests skip with a visible
reason where it is absent, and fail instead when CONFORMANCE_REQUIRE_SHARED=1.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import PAYLOADS

import conformance


@cache
def _manifest(folder: Path) -> dict[str, dict[str, Any]]:
    data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return {entry["file"]: entry for entry in data["payloads"]}


def _payload_files() -> list[str]:
    """File names listed by the manifest, for ids (empty where ../shared is absent)."""
    if not (PAYLOADS / "manifest.json").exists():
        return ["manifest-absent"]
    return sorted(_manifest(PAYLOADS))


PAYLOAD_FILES = _payload_files()


def _verdict(contract: conformance.Contract, payloads_dir: Path, name: str) -> bool:
    body = json.loads((payloads_dir / name).read_text(encoding="utf-8"))
    return contract.response_validator("getJob", 200).validate(body).conforms


def test_full_spec_has_554_operations(full_contract: conformance.Contract) -> None:
    assert len(full_contract.operations) == 554


def test_full_spec_compiles_all_477_json_response_bodies(
    full_contract: conformance.Contract,
) -> None:
    # bodies() compiles each one; a body that cannot compile raises SpecError.
    assert len(list(full_contract.bodies())) == 477


def test_manifest_lists_the_20_payloads_on_disk(payloads_dir: Path) -> None:
    on_disk = {p.name for p in payloads_dir.glob("*.json")} - {"manifest.json"}
    assert (len(_manifest(payloads_dir)), set(_manifest(payloads_dir))) == (
        20,
        on_disk,
    )


@pytest.mark.parametrize("name", PAYLOAD_FILES, ids=PAYLOAD_FILES)
def test_real_payload_gets_its_recorded_verdict_against_the_seed(
    seed_contract: conformance.Contract, payloads_dir: Path, name: str
) -> None:
    expected = _manifest(payloads_dir)[name]["checked"]
    assert (
        _verdict(seed_contract, payloads_dir, name)
        is expected["seed_discriminator_with_formats_ok"]
    )


@pytest.mark.parametrize("name", PAYLOAD_FILES, ids=PAYLOAD_FILES)
def test_real_payload_gets_its_recorded_verdict_against_the_full_spec(
    full_contract: conformance.Contract, payloads_dir: Path, name: str
) -> None:
    expected = _manifest(payloads_dir)[name]["checked"]
    assert (
        _verdict(full_contract, payloads_dir, name)
        is expected["full_spec_discriminator_with_formats_ok"]
    )


@pytest.mark.parametrize("name", PAYLOAD_FILES, ids=PAYLOAD_FILES)
def test_real_payload_that_does_not_conform_is_explained(
    seed_contract: conformance.Contract, payloads_dir: Path, name: str
) -> None:
    # A refused payload always says why, each reason located in the spec.
    body = json.loads((payloads_dir / name).read_text(encoding="utf-8"))
    result = seed_contract.response_validator("getJob", 200).validate(body)
    unlocated = [v for v in result.violations if v.spec_line is None]
    assert (result.conforms or bool(result.violations), unlocated) == (True, [])
