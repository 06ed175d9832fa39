"""Generated bodies: valid ones conform by construction, mutations break one rule."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import conformance
from conformance.generate import (
    MUTATIONS,
    RULES,
    Mutation,
    applicable_rules,
    edits,
    plan_for,
)

DRAWS = settings(
    max_examples=30,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

MUTATION_RULES = [
    "required",
    "type",
    "nullable",
    "enum",
    "format",
    "minimum",
    "minItems",
    "discriminator-unknown",
    "discriminator-missing",
    "discriminator-wrong-branch",
    "oneOf-none",
    "oneOf-both",
]

OVERLAP_SPEC = """
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /pets:
    get:
      operationId: getPet
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
components:
  schemas:
    Pet:
      type: object
      required: [name, source]
      properties:
        name: {type: string, format: shortcode}
        secret: {type: string, writeOnly: true}
        parent: {$ref: "#/components/schemas/Pet"}
        source:
          oneOf:
            - {type: object, required: [a], properties: {a: {type: integer}}}
            - {type: object, required: [a, b], properties: {b: {type: integer}}}
"""


CRON_JOB = {
    "id": "00000000-0000-0000-0000-000000000000",
    "created_at": "2024-01-01T00:00:00Z",
    "environment": {"id": "00000000-0000-0000-0000-000000000001"},
    "maximum_cpu": 1,
    "maximum_memory": 1,
    "maximum_gpu": 0,
    "name": "job",
    "cpu": 1,
    "memory": 1,
    "gpu": 0,
    "auto_preview": False,
    "source": {
        "image": {
            "image_name": "i",
            "tag": "t",
            "registry": {
                "id": "00000000-0000-0000-0000-000000000002",
                "name": "r",
                "url": "u",
                "kind": "ECR",
            },
        }
    },
    "healthchecks": {},
    "icon_uri": "https://example.com/i.png",
    "service_type": "JOB",
    "job_type": "CRON",
    "schedule": {"cronjob": {"timezone": "UTC", "scheduled_at": "* * * * *"}},
    "labels_groups": [
        {
            "id": "00000000-0000-0000-0000-000000000003",
            "created_at": "2024-01-01T00:00:00Z",
            "name": "g",
            "labels": [{"key": "k", "value": "v", "propagate_to_cloud_provider": True}],
        }
    ],
}


def test_the_hand_written_cron_job_conforms(seed_contract):
    assert seed_contract.response_validator("getJob").validate(CRON_JOB).conforms


def _is_shortcode(text: str) -> bool:
    return len(text) == 3 and text.isalpha() and text.isupper()


def _shortcodes() -> st.SearchStrategy[str]:
    return st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3)


@pytest.fixture(scope="module")
def overlap_contract(tmp_path_factory: pytest.TempPathFactory) -> conformance.Contract:
    path = tmp_path_factory.mktemp("overlap") / "spec.yaml"
    path.write_text(OVERLAP_SPEC, encoding="utf-8")
    contract = conformance.load_contract(str(path))
    contract.register_format("shortcode", _is_shortcode, strategy=_shortcodes)
    return contract


def test_every_drawn_getjob_body_conforms(seed_contract):
    validator = seed_contract.response_validator("getJob", 200)

    @DRAWS
    @given(seed_contract.response_bodies("getJob", 200))
    def check(body: object) -> None:
        assert validator.validate(body).conforms, json.dumps(body)[:500]

    check()


def test_every_discriminator_branch_and_oneof_alternative_is_reached(seed_contract):
    plan = plan_for(seed_contract, "getJob")
    taken: set[str] = set()

    @DRAWS
    @seed(3)
    @given(plan.strategy())
    def collect(body: object) -> None:
        taken.update(b.label for b in plan.branches_of(body))

    collect()
    assert taken == {b.label for b in plan.branches()}
    assert len(plan.branches()) == 4  # two job types, image or docker source


def test_the_discriminator_is_generated_branch_by_branch_with_const(seed_contract):
    schema = plan_for(seed_contract, "getJob").generation_schema()
    keys = [b["properties"]["job_type"]["const"] for b in schema["anyOf"]]
    assert keys == ["LIFECYCLE", "CRON"]


def test_overlapping_oneof_alternatives_are_both_generated_valid(overlap_contract):
    # {a} and {a, b} overlap: a body with a and b fits both unless made exclusive.
    plan = plan_for(overlap_contract, "getPet")
    taken: set[str] = set()

    @DRAWS
    @seed(1)
    @given(plan.strategy())
    def check(body: dict) -> None:
        assert plan.validator.is_valid(body), body
        taken.update(b.label for b in plan.branches_of(body))

    check()
    assert taken == {b.label for b in plan.branches()}


def test_user_formats_draw_from_their_registered_strategy(overlap_contract):
    @DRAWS
    @given(overlap_contract.response_bodies("getPet"))
    def check(body: dict) -> None:
        assert _is_shortcode(body["name"]), body["name"]

    check()


def test_recursive_schemas_stop_at_the_depth_bound(overlap_contract):
    def depth(body: dict) -> int:
        return 1 + depth(body["parent"]) if "parent" in body else 1

    deepest: list[int] = []

    @DRAWS
    @given(plan_for(overlap_contract, "getPet").strategy(rich=True))
    def check(body: dict) -> None:
        deepest.append(depth(body))

    check()
    assert max(deepest) == 2  # Pet may nest itself once (max_depth=2)


def test_writeonly_members_are_never_generated(overlap_contract):
    @DRAWS
    @given(plan_for(overlap_contract, "getPet").strategy(rich=True))
    def check(body: dict) -> None:
        assert "secret" not in body

    check()


def test_shrinking_gives_a_small_body(seed_contract):
    from hypothesis import find

    body = find(
        seed_contract.response_bodies("getJob"),
        lambda b: b["job_type"] == "CRON",
        settings=settings(database=None, max_examples=50),
    )
    assert len(json.dumps(body)) < 900, json.dumps(body)
    assert set(body) == {
        "id",
        "created_at",
        "environment",
        "maximum_cpu",
        "maximum_memory",
        "maximum_gpu",
        "name",
        "cpu",
        "memory",
        "gpu",
        "auto_preview",
        "source",
        "healthchecks",
        "icon_uri",
        "service_type",
        "job_type",
        "schedule",
    }


def test_rules_are_registered_under_the_issue_names():
    assert set(RULES) == {*MUTATION_RULES, "writeOnly-present"}
    assert all(callable(MUTATIONS[rule]) for rule in RULES)


def _rejected_at_its_pointer(validator, mutation: Mutation) -> None:
    assert validator.is_valid(mutation.valid)
    violations = validator.validate(mutation.body).violations
    assert any(mutation.matches(v.pointer, v.keyword, v.branch) for v in violations), (
        mutation.pointer,
        mutation.note,
        [v.as_dict() for v in violations],
    )


@pytest.mark.parametrize("rule", MUTATION_RULES, ids=MUTATION_RULES)
def test_each_getjob_mutation_is_rejected_at_its_pointer(seed_contract, rule):
    # Many mutations from the sampler (milliseconds); the strategy's own are below.
    validator = seed_contract.response_validator("getJob")
    mutations = seed_contract.sample_invalid_bodies(
        "getJob", 200, 60, seed=11, rules=[rule]
    )
    assert len(mutations) > 30
    for mutation in mutations:
        assert mutation.rule == rule
        _rejected_at_its_pointer(validator, mutation)


def test_the_mutation_strategy_gives_rules_rejected_at_their_pointer(seed_contract):
    validator = seed_contract.response_validator("getJob")
    rules: set[str] = set()

    @settings(DRAWS, max_examples=40)
    @given(seed_contract.invalid_response_bodies("getJob"))
    def check(mutation: Mutation) -> None:
        rules.add(mutation.rule)
        _rejected_at_its_pointer(validator, mutation)

    check()
    assert len(rules) >= 6  # the rule is drawn first: many rules come round


@pytest.mark.parametrize(
    ("rule", "pointer", "keyword"),
    [
        ("discriminator-missing", "", "discriminator"),
        ("discriminator-unknown", "/job_type", "discriminator"),
        ("oneOf-none", "/source", "oneOf"),
        ("oneOf-both", "/source", "oneOf"),
    ],
    ids=["missing-at-object", "unknown-at-property", "none-at-union", "both-at-union"],
)
def test_discriminator_and_oneof_mutations_point_where_the_issue_says(
    seed_contract, rule, pointer, keyword
):
    seen: set[tuple[str, str]] = set()

    @settings(DRAWS, max_examples=15)
    @given(seed_contract.invalid_response_bodies("getJob", rules=[rule]))
    def collect(mutation: Mutation) -> None:
        seen.add((mutation.pointer, mutation.keyword))

    collect()
    assert seen == {(pointer, keyword)}


def test_a_lower_case_discriminator_value_is_one_of_the_unknown_mutations(
    seed_contract,
):
    plan = plan_for(seed_contract, "getJob")
    found = [
        e.value["job_type"]
        for _, e in edits(plan, CRON_JOB, ("discriminator-unknown",))
    ]
    assert found == ["cron", "UNKNOWN_TYPE"]


def test_a_lifecycle_schedule_on_a_cron_job_is_the_wrong_branch(seed_contract):
    plan = plan_for(seed_contract, "getJob")
    lifecycle = {**CRON_JOB, "job_type": "LIFECYCLE", "schedule": {"on_start": {}}}
    [(_, edit)] = edits(plan, lifecycle, ("discriminator-wrong-branch",))
    violations = plan.validator.explain(edit.value)
    assert [(v.pointer, v.keyword, v.branch) for v in violations] == [
        ("/schedule", "required", "job_type=CRON → CronJobResponse")
    ]


def test_mutations_reach_nested_places(seed_contract):
    plan = plan_for(seed_contract, "getJob")
    found = {
        (edit.pointer, edit.note)
        for _, edit in edits(plan, CRON_JOB, ("required", "format", "oneOf-none"))
    }
    assert {
        ("/labels_groups/0/labels/0", "removed 'propagate_to_cloud_provider'"),
        ("/schedule/cronjob", "removed 'scheduled_at'"),
        ("/source/image/registry", "removed 'kind'"),
        ("/schedule/cronjob/scheduled_at", "'not a valid value' is not a cron"),
        ("/source", "removed image"),
    } <= found


def test_writeonly_present_applies_only_where_a_writeonly_member_exists(
    seed_contract, overlap_contract
):
    getjob = applicable_rules(plan_for(seed_contract, "getJob"))
    pet = applicable_rules(plan_for(overlap_contract, "getPet"))
    assert (getjob["writeOnly-present"], pet["writeOnly-present"]) == (False, True)


def test_writeonly_present_is_reported_at_the_member(overlap_contract):
    validator = overlap_contract.response_validator("getPet")
    mutations = overlap_contract.sample_invalid_bodies(
        "getPet", 200, 10, seed=0, rules=["writeOnly-present"]
    )
    assert mutations
    for mutation in mutations:
        violations = validator.explain(mutation.body)
        assert mutation.pointer.endswith("/secret")
        assert any(
            (v.pointer, v.keyword) == (mutation.pointer, "writeOnly")
            for v in violations
        )


def test_an_unknown_rule_is_a_usage_error(seed_contract):
    with pytest.raises(conformance.UsageError, match="unknown mutation rule"):
        seed_contract.invalid_response_bodies("getJob", rules=["no-such-rule"])


def test_a_response_without_a_body_cannot_generate(seed_contract):
    with pytest.raises(conformance.UsageError, match="documents no"):
        seed_contract.response_bodies("getJob", 404)
