"""The direct sampler: seeded, every branch in turn, bodies that conform."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from random import Random

import pytest
from conftest import SEED_SPEC
from hypothesis import Phase, find, settings

from conformance.formats import BUILTIN_FORMATS
from conformance.generate import RULES, plan_for
from conformance.generate.draws import FORMAT_DRAWS, draw_regex
from conformance.generate.sample import Draw, Sampler, Undrawable

PATTERNS_SPEC = """
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /things:
    get:
      operationId: getThing
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [digest, size, tags, ratio, step, nick]
                properties:
                  digest: {type: string, pattern: '^sha256:[0-9a-f]{64}$'}
                  size: {type: string, pattern: '^\\d+(s|m|h)$'}
                  tags:
                    type: array
                    minItems: 2
                    maxItems: 4
                    uniqueItems: true
                    items: {type: string, enum: [a, b, c, d, e]}
                  ratio: {type: number, minimum: 0, exclusiveMaximum: 1}
                  step: {type: integer, multipleOf: 5, minimum: 3, maximum: 40}
                  nick: {type: string, minLength: 2, maxLength: 4, nullable: true}
                  map:
                    type: object
                    additionalProperties: {type: integer, format: int32}
"""


def test_a_seed_gives_the_same_bodies_every_time(seed_contract):
    first = seed_contract.sample_bodies("getJob", 200, 30, seed=7)
    again = seed_contract.sample_bodies("getJob", 200, 30, seed=7)
    other = seed_contract.sample_bodies("getJob", 200, 30, seed=8)
    assert first == again
    assert first != other


def test_getjob_bodies_conform_and_take_every_branch_in_a_few_draws(seed_contract):
    plan = plan_for(seed_contract, "getJob", 200)
    bodies = seed_contract.sample_bodies("getJob", 200, 8, seed=0)
    assert all(plan.validator.is_valid(body) for body in bodies)
    taken = Counter(b.label for body in bodies for b in plan.branches_of(body))
    assert set(taken) == {b.label for b in plan.branches()}
    assert len(taken) == 4


def test_nullable_members_are_null_part_of_the_time(write_spec):
    contract = write_spec(PATTERNS_SPEC)
    nicks = [b["nick"] for b in contract.sample_bodies("getThing", 200, 60, seed=1)]
    assert 0 < nicks.count(None) < len(nicks)


def test_patterns_bounds_and_unique_items_are_drawn_valid(write_spec):
    contract = write_spec(PATTERNS_SPEC)
    validator = contract.response_validator("getThing", 200)
    bodies = contract.sample_bodies("getThing", 200, 80, seed=2)
    assert [validator.validate(b).violations for b in bodies] == [()] * len(bodies)
    assert any("map" in b and b["map"] for b in bodies)  # open maps get members
    assert {len(b["tags"]) for b in bodies} <= {2, 3, 4}


@pytest.mark.parametrize("name", sorted(FORMAT_DRAWS))
def test_every_builtin_format_is_drawn_valid(name):
    rng = Random(name)
    check = BUILTIN_FORMATS[name].check
    drawn = [FORMAT_DRAWS[name](rng) for _ in range(300)]
    assert [text for text in drawn if not check(text)] == []
    assert len(set(drawn)) > 30


@pytest.mark.parametrize(
    "pattern",
    [r"^sha256:[0-9a-f]{64}\Z", r"^[0-9]+(s|m|h)\Z", r"^https://", r"(a|bc){2,3}x?"],
)
def test_regex_draws_match_their_pattern(pattern):
    rng = Random(0)
    assert all(re.search(pattern, draw_regex(pattern, rng)) for _ in range(100))


def test_a_user_format_draws_from_its_sample_function(write_spec):
    contract = write_spec(PATTERNS_SPEC.replace("minLength: 2", "format: nickname"))
    contract.register_format(
        "nickname", lambda t: t.startswith("N"), sample=lambda rng: "N" + "x" * 2
    )
    nicks = {b["nick"] for b in contract.sample_bodies("getThing", 200, 40, seed=3)}
    assert nicks == {"Nxx", None}


def test_a_contradiction_is_undrawable_with_its_reason():
    sampler = Sampler({"type": "integer", "minimum": 5, "maximum": 1}, {})
    with pytest.raises(Undrawable, match="no integer between 5 and 1"):
        sampler.draw(Draw(Random(0)))


def test_an_undrawable_body_is_a_usage_error_naming_the_operation(write_spec):
    from conformance.errors import UsageError

    contract = write_spec(
        PATTERNS_SPEC.replace("minimum: 3, maximum: 40", "minimum: 41, maximum: 44")
    )
    with pytest.raises(UsageError, match="getThing 200: no conforming body"):
        contract.sample_bodies("getThing", 200, 1, seed=0)


def test_invalid_bodies_take_the_rules_in_turn_and_are_rejected(seed_contract):
    validator = seed_contract.response_validator("getJob", 200)
    mutations = seed_contract.sample_invalid_bodies("getJob", 200, 24, seed=5)
    assert len(mutations) == 24
    rules = Counter(m.rule for m in mutations)
    assert set(rules) <= set(RULES)
    assert len(rules) >= 10  # every applicable rule comes round
    for m in mutations:
        reported = validator.validate(m.body).violations
        assert any(m.matches(v.pointer, v.keyword, v.branch) for v in reported), m


def test_invalid_bodies_can_be_limited_to_named_rules(seed_contract):
    mutations = seed_contract.sample_invalid_bodies(
        "getJob", 200, 6, seed=1, rules=["discriminator-wrong-branch"]
    )
    assert {m.rule for m in mutations} == {"discriminator-wrong-branch"}
    assert all(m.branch for m in mutations)


def test_every_json_body_of_the_full_spec_samples_conforming_bodies(full_contract):
    broken = []
    for body in full_contract.bodies():
        op, status = body.operation.operation_id, body.status
        plan = plan_for(full_contract, op, status, body.media_type)
        run_state = Draw(Random(0))
        for rich in (False, True, False):
            run_state.rich = rich
            try:
                value = plan.sampler().draw(run_state)
            except Undrawable as exc:
                broken.append((op, status, exc.reason))
                continue
            if not plan.validator.is_valid(value):
                broken.append((op, status, plan.validator.validate(value).violations))
    assert broken == []


ODD_NAMES_SPEC = """
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /odd:
    get:
      operationId: getOdd
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: ["it's \\"quoted\\"\\n", owner]
                properties:
                  "it's \\"quoted\\"\\n": {type: string, maxLength: 3}
                  "__import__('os')": {type: boolean}
                  owner:
                    type: object
                    nullable: true
                    required: [id]
                    properties: {id: {type: string, format: uuid}}
"""


def test_closed_objects_compiled_to_source_keep_odd_names_and_nullables(write_spec):
    contract = write_spec(ODD_NAMES_SPEC)
    validator = contract.response_validator("getOdd", 200)
    bodies = contract.sample_bodies("getOdd", 200, 40, seed=9)
    assert all(validator.is_valid(b) for b in bodies)
    assert all(len(b['it\'s "quoted"\n']) <= 3 for b in bodies)
    assert any("__import__('os')" in b for b in bodies)
    owners = [b["owner"] for b in bodies]
    assert None in owners
    assert any(o is not None for o in owners)


def test_a_seed_gives_the_same_bodies_in_another_process(seed_contract):
    # Another interpreter, another hash seed: nothing may depend on set order or
    # object ids, or "the same on every machine" would not hold.
    code = (
        "import hashlib, json, conformance\n"
        f"c = conformance.load_contract({str(SEED_SPEC)!r})\n"
        "bodies = c.sample_bodies('getJob', 200, 50, seed=7)\n"
        "mutations = c.sample_invalid_bodies('getJob', 200, 20, seed=7)\n"
        "found = [(m.rule, m.pointer, m.body) for m in mutations]\n"
        "data = json.dumps([bodies, found])\n"
        "print(hashlib.sha256(data.encode()).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    bodies = seed_contract.sample_bodies("getJob", 200, 50, seed=7)
    mutations = seed_contract.sample_invalid_bodies("getJob", 200, 20, seed=7)
    found = [(m.rule, m.pointer, m.body) for m in mutations]
    data = json.dumps([bodies, found])
    assert done.stdout.strip() == hashlib.sha256(data.encode()).hexdigest(), (
        done.stderr[-2000:]
    )


def test_one_rule_named_as_a_string_is_that_rule_not_its_letters(seed_contract):
    mutations = seed_contract.sample_invalid_bodies(
        "getJob", 200, 2, seed=1, rules="required"
    )
    strategy = seed_contract.invalid_response_bodies("getJob", 200, rules="enum")
    assert [m.rule for m in mutations] == ["required", "required"]
    once = settings(database=None, phases=[Phase.generate])
    found = find(strategy, lambda m: True, settings=once)
    assert found.rule == "enum"
