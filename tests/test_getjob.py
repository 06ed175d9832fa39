"""The getJob cases on spec/qovery-getjob.yaml, the seed contract as published.

Conforming bodies come from `_job()`, a small builder (both branches, both source
kinds); each row changes one thing. Spec lines are read independently of the tool,
from PyYAML's composed node graph of the seed document.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import pytest
import yaml
from conftest import SEED_SPEC

import conformance

UUID = "5a4e2b10-8c3d-4f7e-a1b2-c3d4e5f60718"
LIFECYCLE = "job_type=LIFECYCLE → LifecycleJobResponse"
CRON = "job_type=CRON → CronJobResponse"
SCHEDULED_AT = (
    "/components/schemas/CronJobResponse/allOf/1/properties/schedule/properties"
    "/cronjob/properties/scheduled_at/format"
)


def _job(job_type: str = "CRON", source: str = "image") -> dict[str, Any]:
    """A conforming getJob body of the given branch and source kind."""
    body: dict[str, Any] = {
        "id": UUID,
        "created_at": "2026-01-01T00:00:00Z",
        "environment": {"id": UUID},
        "maximum_cpu": 4000,
        "maximum_memory": 8192,
        "maximum_gpu": 0,
        "name": "nightly",
        "cpu": 500,
        "memory": 512,
        "gpu": 0,
        "auto_preview": False,
        "healthchecks": {},
        "icon_uri": "app://qovery-console/cron-job",
        "service_type": "JOB",
        "job_type": job_type,
    }
    if source == "image":
        body["source"] = {
            "image": {
                "image_name": "busybox",
                "tag": "1.36",
                "registry": {
                    "id": UUID,
                    "name": "Docker Hub",
                    "url": "https://docker.io",
                    "kind": "DOCKER_HUB",
                },
            }
        }
    else:
        body["source"] = {
            "docker": {
                "git_repository": {
                    "provider": "GITHUB",
                    "owner": "qovery",
                    "name": "console",
                    "url": "https://github.com/Qovery/console.git",
                },
                "dockerfile_path": "Dockerfile",
            }
        }
    if job_type == "CRON":
        body["schedule"] = {
            "cronjob": {"timezone": "Etc/UTC", "scheduled_at": "*/5 * * * *"}
        }
    else:
        body["schedule"] = {"on_start": {"arguments": [], "entrypoint": "/run"}}
    return body


def _set(body: dict[str, Any], pointer: str, value: Any) -> dict[str, Any]:
    """A copy of `body` with `value` at `pointer` (missing objects on the way made)."""
    out = copy.deepcopy(body)
    *parents, last = pointer.lstrip("/").split("/")
    node = out
    for token in parents:
        node = node.setdefault(token, {})
    node[last] = value
    return out


def _drop(body: dict[str, Any], pointer: str) -> dict[str, Any]:
    out = copy.deepcopy(body)
    *parents, last = pointer.lstrip("/").split("/")
    node = out
    for token in parents:
        node = node[token]
    del node[last]
    return out


@cache
def _seed_graph() -> yaml.Node:
    return yaml.compose(SEED_SPEC.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)


def _spec_line(pointer: str) -> int:
    """1-based line of the key (or item) at `pointer` in the seed, per PyYAML."""
    node, line = _seed_graph(), 1
    for token in pointer.lstrip("/").split("/"):
        if isinstance(node, yaml.MappingNode):
            key, node = next((k, v) for k, v in node.value if k.value == token)
            line = key.start_mark.line + 1
        else:
            node = node.value[int(token)]
            line = node.start_mark.line + 1
    return line


def _validate(contract: conformance.Contract, body: Any) -> Any:
    return contract.response_validator("getJob", 200).validate(body)


def _explained(result: Any) -> list[tuple[str, str, str, str, int | None]]:
    return [
        (v.pointer, v.keyword, v.branch, v.spec_pointer, v.spec_line)
        for v in result.violations
    ]


# --- both branches, both source kinds ---------------------------------------------


@pytest.mark.parametrize("source", ["image", "docker"])
@pytest.mark.parametrize(
    ("job_type", "branch"),
    [("LIFECYCLE", LIFECYCLE), ("CRON", CRON)],
    ids=["LIFECYCLE", "CRON"],
)
def test_conforming_job_passes_through_its_branch(
    seed_contract: conformance.Contract, job_type: str, branch: str, source: str
) -> None:
    result = _validate(seed_contract, _job(job_type, source))
    assert (result.conforms, result.violations, result.branch) == (True, (), branch)


def test_cron_job_is_valid_under_both_branches_so_only_dispatch_accepts_it(
    seed_contract: conformance.Contract,
) -> None:
    # CronJobResponse is a subset of LifecycleJobResponse: a plain oneOf would refuse.
    cron = _job("CRON")
    lifecycle_view = _set(cron, "/job_type", "LIFECYCLE")
    assert (
        _validate(seed_contract, cron).conforms,
        _validate(seed_contract, lifecycle_view).conforms,
    ) == (True, True)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            _set(_job("CRON"), "/job_type", "WEEKLY"),
            ("/job_type", "discriminator", "", "/components/schemas/JobResponse"),
        ),
        (
            _drop(_job("CRON"), "/job_type"),
            ("", "discriminator", "", "/components/schemas/JobResponse"),
        ),
    ],
    ids=["unmapped-job-type-at-the-property", "missing-job-type-at-the-object"],
)
def test_job_type_outside_the_mapping_is_a_discriminator_violation(
    seed_contract: conformance.Contract,
    body: dict[str, Any],
    expected: tuple[str, str, str, str],
) -> None:
    pointer, keyword, branch, schema = expected
    assert _explained(_validate(seed_contract, body)) == [
        (
            pointer,
            keyword,
            branch,
            f"{schema}/discriminator",
            _spec_line(f"{schema}/discriminator"),
        )
    ]


def test_cron_schedule_is_required_for_the_cron_branch_only(
    seed_contract: conformance.Contract,
) -> None:
    lifecycle_schedule = _job("LIFECYCLE")["schedule"]
    pointer = "/components/schemas/CronJobResponse/allOf/1/properties/schedule/required"
    assert (
        _explained(_validate(seed_contract, _job("CRON") | {"schedule": {}})),
        _validate(seed_contract, _job("LIFECYCLE") | {"schedule": {}}).conforms,
        _validate(
            seed_contract, _job("LIFECYCLE") | {"schedule": lifecycle_schedule}
        ).conforms,
    ) == ([("/schedule", "required", CRON, pointer, _spec_line(pointer))], True, True)


# --- the mapping artifact ---------------------------------------------------------


def test_mapping_written_as_ref_objects_gives_one_warning_per_value(
    seed_contract: conformance.Contract,
) -> None:
    seed_contract.compiled("getJob", 200)
    mapping = "/components/schemas/JobResponse/discriminator/mapping"
    assert [
        (w.pointer, w.code, w.line)
        for w in seed_contract.warnings
        if w.code == "normalised-mapping-ref"
    ] == [
        (f"{mapping}/{key}", "normalised-mapping-ref", _spec_line(f"{mapping}/{key}"))
        for key in ("LIFECYCLE", "CRON")
    ]


def test_mapping_artifact_still_dispatches_to_the_referenced_schemas(
    seed_contract: conformance.Contract,
) -> None:
    validator = seed_contract.response_validator("getJob", 200)
    assert [validator.root_branch(_job(kind)) for kind in ("LIFECYCLE", "CRON")] == [
        LIFECYCLE,
        CRON,
    ]


# --- every nullable spot ----------------------------------------------------------

PROBE = "/healthchecks/readiness_probe"
NULLABLE_SPOTS = {
    "port": ("CRON", "image", "/port"),
    "readiness-probe": ("CRON", "image", "/healthchecks/readiness_probe"),
    "liveness-probe": ("LIFECYCLE", "image", "/healthchecks/liveness_probe"),
    "probe-tcp": ("CRON", "image", f"{PROBE}/type/tcp"),
    "probe-http": ("CRON", "image", f"{PROBE}/type/http"),
    "probe-exec": ("CRON", "image", f"{PROBE}/type/exec"),
    "probe-grpc": ("CRON", "image", f"{PROBE}/type/grpc"),
    "probe-tcp-host": ("CRON", "image", f"{PROBE}/type/tcp/host"),
    "probe-grpc-service": ("LIFECYCLE", "image", f"{PROBE}/type/grpc/service"),
    "dockerfile-path": ("CRON", "docker", "/source/docker/dockerfile_path"),
    "dockerfile-raw": ("LIFECYCLE", "docker", "/source/docker/dockerfile_raw"),
    "docker-target-build-stage": (
        "CRON",
        "docker",
        "/source/docker/docker_target_build_stage",
    ),
    "git-token-id": ("CRON", "docker", "/source/docker/git_repository/git_token_id"),
    "git-token-name": (
        "LIFECYCLE",
        "docker",
        "/source/docker/git_repository/git_token_name",
    ),
}


@pytest.mark.parametrize(
    ("job_type", "source", "pointer"),
    list(NULLABLE_SPOTS.values()),
    ids=list(NULLABLE_SPOTS),
)
def test_null_is_accepted_at_every_nullable_spot(
    seed_contract: conformance.Contract, job_type: str, source: str, pointer: str
) -> None:
    body = _set(_job(job_type, source), pointer, None)
    assert _validate(seed_contract, body).violations == ()


def test_all_nullable_spots_null_at_once_conform(
    seed_contract: conformance.Contract,
) -> None:
    body = _job("CRON", "docker")
    for pointer in sorted({p for _, _, p in NULLABLE_SPOTS.values()}, key=len):
        if not pointer.startswith(PROBE + "/type/"):
            body = _set(body, pointer, None)
    assert _validate(seed_contract, body).violations == ()


NOT_NULLABLE = {
    "maximum-cpu": "/maximum_cpu",
    "healthchecks": "/healthchecks",
    "probe-type": f"{PROBE}/type",
    "probe-tcp-port": f"{PROBE}/type/tcp/port",
    "image-tag": "/source/image/tag",
    "environment": "/environment",
}


@pytest.mark.parametrize("pointer", list(NOT_NULLABLE.values()), ids=list(NOT_NULLABLE))
def test_null_is_refused_where_not_nullable(
    seed_contract: conformance.Contract, pointer: str
) -> None:
    result = _validate(seed_contract, _set(_job("CRON"), pointer, None))
    assert [(v.pointer, v.keyword) for v in result.violations] == [(pointer, "type")]


def test_source_null_is_refused_at_source(
    seed_contract: conformance.Contract,
) -> None:
    result = _validate(seed_contract, _set(_job("CRON"), "/source", None))
    assert [(v.pointer, v.keyword) for v in result.violations] == [("/source", "oneOf")]


# --- CRON payloads ----------------------------------------------------------------

VALID_CRONS = {
    "every-five-minutes": "*/5 * * * *",
    "every-minute": "* * * * *",
    "midnight": "0 0 * * *",
    "lists-and-ranges": "0,30 8-18 * * 1-5",
    "month-and-weekday-names": "15 4 1 JAN,JUL MON-FRI",
    "range-with-step": "0 0-23/2 * * *",
}


@pytest.mark.parametrize(
    "scheduled_at", list(VALID_CRONS.values()), ids=list(VALID_CRONS)
)
def test_cron_job_with_a_valid_schedule_conforms(
    seed_contract: conformance.Contract, scheduled_at: str
) -> None:
    body = _set(_job("CRON"), "/schedule/cronjob/scheduled_at", scheduled_at)
    assert _validate(seed_contract, body).violations == ()


INVALID_CRONS = {
    "six-fields-with-seconds": "* * * * * *",
    "four-fields": "* * * *",
    "minute-out-of-range": "60 * * * *",
    "unknown-month-name": "0 0 1 SMARCH *",
    "not-a-cron": "every day",
    "empty": "",
}


@pytest.mark.parametrize(
    "scheduled_at", list(INVALID_CRONS.values()), ids=list(INVALID_CRONS)
)
def test_cron_job_with_a_bad_schedule_is_explained_at_scheduled_at(
    seed_contract: conformance.Contract, scheduled_at: str
) -> None:
    body = _set(_job("CRON"), "/schedule/cronjob/scheduled_at", scheduled_at)
    assert _explained(_validate(seed_contract, body)) == [
        (
            "/schedule/cronjob/scheduled_at",
            "format",
            CRON,
            SCHEDULED_AT,
            _spec_line(SCHEDULED_AT),
        )
    ]


def test_bad_schedule_names_the_spec_file_and_line_of_format_cron(
    seed_contract: conformance.Contract,
) -> None:
    body = _set(_job("CRON"), "/schedule/cronjob/scheduled_at", "* * * * * *")
    (violation,) = _validate(seed_contract, body).violations
    lines = SEED_SPEC.read_text(encoding="utf-8").splitlines()
    assert lines[violation.spec_line - 1].strip() == "format: cron"


def test_cron_schedule_is_not_checked_on_a_lifecycle_job(
    seed_contract: conformance.Contract,
) -> None:
    # The lifecycle schedule documents no `cronjob`, so its content is free.
    body = _set(_job("LIFECYCLE"), "/schedule/cronjob/scheduled_at", "not a cron")
    assert _validate(seed_contract, body).violations == ()


def test_cron_job_carrying_lifecycle_members_drifts_only_under_cron(
    seed_contract: conformance.Contract,
) -> None:
    body = _set(_job("CRON"), "/schedule/on_start", {"arguments": []})
    validator = seed_contract.response_validator("getJob", 200, drift=True)
    result = validator.validate(body)
    assert (result.conforms, result.drift) == (True, ("/schedule/on_start",))


# --- explained where it is --------------------------------------------------------


@pytest.mark.parametrize(
    ("job_type", "branch"),
    [("LIFECYCLE", LIFECYCLE), ("CRON", CRON)],
    ids=["LIFECYCLE", "CRON"],
)
def test_bad_registry_uuid_is_reported_at_the_id_not_as_a_oneof(
    seed_contract: conformance.Contract, job_type: str, branch: str
) -> None:
    body = _set(_job(job_type), "/source/image/registry/id", "registry-1")
    rule = "/components/schemas/ContainerRegistryProviderDetailsResponse/properties/id"
    assert _explained(_validate(seed_contract, body)) == [
        (
            "/source/image/registry/id",
            "format",
            f"{branch}; /source oneOf[0] image",
            f"{rule}/format",
            _spec_line(f"{rule}/format"),
        )
    ]


MISSING = {
    "registry-name": (
        "/source/image/registry/name",
        "/source/image/registry",
        "/components/schemas/ContainerRegistryProviderDetailsResponse/required",
        f"{CRON}; /source oneOf[0] image",
    ),
    "cronjob-timezone": (
        "/schedule/cronjob/timezone",
        "/schedule/cronjob",
        "/components/schemas/CronJobResponse/allOf/1/properties/schedule"
        "/properties/cronjob/required",
        CRON,
    ),
    "environment-id": (
        "/environment/id",
        "/environment",
        "/components/schemas/ReferenceObject/required",
        CRON,
    ),
    "root-name": (
        "/name",
        "",
        "/components/schemas/BaseJobResponse/allOf/1/required",
        CRON,
    ),
    "base-created-at": ("/created_at", "", "/components/schemas/Base/required", CRON),
}


@pytest.mark.parametrize(
    ("dropped", "pointer", "rule", "branch"),
    list(MISSING.values()),
    ids=list(MISSING),
)
def test_missing_required_member_is_reported_at_the_object_lacking_it(
    seed_contract: conformance.Contract,
    dropped: str,
    pointer: str,
    rule: str,
    branch: str,
) -> None:
    result = _validate(seed_contract, _drop(_job("CRON"), dropped))
    assert _explained(result) == [(pointer, "required", branch, rule, _spec_line(rule))]


SOURCE_UNION = "/components/schemas/BaseJobResponse/allOf/1/properties/source/oneOf"


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        (
            {**_job("CRON")["source"], **_job("CRON", "docker")["source"]},
            "more than one",
        ),
        ({}, "matches none"),
    ],
    ids=["both-image-and-docker", "neither-image-nor-docker"],
)
def test_source_must_be_exactly_one_kind(
    seed_contract: conformance.Contract, source: dict[str, Any], fragment: str
) -> None:
    result = _validate(seed_contract, _set(_job("CRON"), "/source", source))
    assert [
        (*row, fragment in v.message)
        for row, v in zip(_explained(result), result.violations, strict=True)
    ] == [("/source", "oneOf", CRON, SOURCE_UNION, _spec_line(SOURCE_UNION), True)]
