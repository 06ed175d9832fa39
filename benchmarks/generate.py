"""getJob bodies per second: the direct sampler beside hypothesis, side by side.

    python benchmarks/generate.py [--bodies 5000] [--examples 240] [--rounds 8]

Three rates, measured in one run on the same machine, in rounds taken in turn (the
best round of each):

- the direct sampler: `contract.sample_bodies("getJob", 200, N, seed=0)` (plan built
  first, then N bodies timed);
- the hypothesis strategy: `contract.response_bodies("getJob", 200)` driven the way
  a user drives it, by a `@given` test with `max_examples` (no database, no
  deadline);
- plain hypothesis: a `fixed_dictionaries` of comparable structure (about 70
  leaves, three levels, two lists, one `one_of`), also under `@given`: the cost of
  hypothesis's per-draw machinery alone, whatever builds the strategy.

It prints the rates and their ratios (the target: the sampler at least 50× plain
hypothesis), then checks every sampled body with this project's validator and with
an independent one (openapi-schema-validator on the spec's JobResponse, discriminator
included) and prints how many each accepted; and, with ../shared beside the
checkout, the sampler over every JSON body of the full Qovery spec. A script, not a
test: it prints numbers and never fails a build.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import conformance
from conformance.generate import plan_for

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "spec" / "qovery-getjob.yaml"
FULL_SPEC = ROOT.parent / "shared" / "specs" / "qovery" / "openapi.yaml"


def given_rate(strategy: Any, examples: int) -> tuple[int, float]:
    """(bodies drawn, seconds) for `examples` draws through @given."""
    count = [0]

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def draw(body: Any) -> None:
        count[0] += 1

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        draw()
    return count[0], time.perf_counter() - started


def plain_reference() -> st.SearchStrategy[Any]:
    """A getJob-like dict drawn by hypothesis alone: about 65 leaves of the same
    kinds (uuids, date-times, text, integers, booleans, enums) in three levels, two
    lists and one one_of."""
    text = st.text(max_size=12)
    uuid = st.uuids().map(str)
    moment = st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat)
    numbers = st.integers(min_value=0, max_value=10_000)
    enum = st.sampled_from(["DOCR", "ECR", "GCR", "GITHUB", "PUBLIC"])
    registry = st.fixed_dictionaries(
        {"id": uuid, "name": text, "url": text, "kind": enum}
    )
    probe = st.fixed_dictionaries(
        {f"p{i}": numbers for i in range(6)} | {"type": enum, "scheme": enum},
        optional={"command": st.lists(text, max_size=3)},
    )
    image = st.fixed_dictionaries(
        {"image_name": text, "tag": text, "registry_id": uuid, "registry": registry}
    )
    docker = st.fixed_dictionaries(
        {f"d{i}": text for i in range(4)} | {"git_id": uuid, "updated": moment}
    )
    labels = st.lists(st.fixed_dictionaries({"id": uuid, "k": text}), max_size=3)
    return st.fixed_dictionaries(
        {f"id{i}": uuid for i in range(4)}
        | {f"at{i}": moment for i in range(3)}
        | {f"s{i}": text for i in range(16)}
        | {f"n{i}": numbers for i in range(12)}
        | {f"b{i}": st.booleans() for i in range(3)}
        | {
            "job_type": enum,
            "environment": st.fixed_dictionaries({"id": uuid}),
            "source": st.one_of(image, docker),
            "healthchecks": st.fixed_dictionaries({"a": probe, "b": probe}),
            "labels": labels,
        }
    )


def _leaves(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_leaves(v) for v in value.values())
    if isinstance(value, list):
        return sum(_leaves(v) for v in value)
    return 1


def independent_validator() -> Any:
    """openapi-schema-validator on the seed spec (see benchmarks/validate.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from validate import normalised_seed, schema_validator_engine

    document, _ = normalised_seed()
    return schema_validator_engine(document)


def full_spec(per_body: int) -> None:
    if not FULL_SPEC.exists():
        print(f"full spec: {FULL_SPEC} is absent; skipped")
        return
    contract = conformance.load_contract(str(FULL_SPEC))
    bodies = list(contract.bodies())
    started = time.perf_counter()
    for body in bodies:
        plan_for(contract, body.operation.operation_id, body.status, body.media_type)
    built = time.perf_counter() - started
    started = time.perf_counter()
    drawn = accepted = 0
    for body in bodies:
        op, status = body.operation.operation_id, body.status
        validator = contract.response_validator(op, status, body.media_type)
        for value in contract.sample_bodies(
            op, status, per_body, seed=0, media_type=body.media_type
        ):
            drawn += 1
            accepted += validator.is_valid(value)
    seconds = time.perf_counter() - started
    print(
        f"full Qovery spec: {len(bodies)} JSON bodies, plans in {built:.1f}s; "
        f"{drawn} sampled in {seconds:.1f}s ({drawn / seconds:.0f} bodies/s), "
        f"{accepted}/{drawn} accepted by our validator"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", type=int, default=5000, help="sampler bodies")
    parser.add_argument("--examples", type=int, default=240, help="@given examples")
    parser.add_argument("--per-body", type=int, default=3, help="full spec, each")
    parser.add_argument("--rounds", type=int, default=8, help="turns taken")
    args = parser.parse_args()

    contract = conformance.load_contract(str(SPEC))
    contract.sample_bodies("getJob", 200, 1, seed=0)  # the plan, built once
    ours = contract.response_bodies("getJob", 200)
    reference = plain_reference()
    # Rounds in turn (sampler, strategy, plain, sampler, ...); each rate is the best
    # round's, as the other benchmarks take the minimum time: a machine whose load
    # changes during the run weighs on the three alike.
    rates: dict[str, list[float]] = {"sampler": [], "strategy": [], "plain": []}
    bodies: list[Any] = []
    for round_ in range(args.rounds):
        started = time.perf_counter()
        drawn = contract.sample_bodies(
            "getJob", 200, args.bodies // args.rounds, seed=round_
        )
        rates["sampler"].append(len(drawn) / (time.perf_counter() - started))
        bodies += drawn
        for name, strategy in (("strategy", ours), ("plain", reference)):
            n, spent = given_rate(strategy, args.examples // args.rounds)
            rates[name].append(n / spent)
    sampler, strategy, plain = (max(rates[k]) for k in rates)

    mean = sum(map(_leaves, bodies)) / len(bodies)
    print(f"getJob, {len(bodies)} sampled bodies, {mean:.0f} leaves on average")
    print(f"sampler (seeded random.Random)    : {sampler:10.0f} bodies/s")
    print(f"response_bodies under @given      : {strategy:10.1f} bodies/s")
    print(f"plain hypothesis, similar shape   : {plain:10.1f} bodies/s")
    verdict = "PASS" if sampler >= 50 * plain else "MISS"
    print(
        f"ratio sampler / plain hypothesis  : {sampler / plain:10.0f}x  "
        f"(target >= 50x: {verdict})"
    )
    print(f"ratio sampler / response_bodies   : {sampler / strategy:10.0f}x")
    print(f"ratio response_bodies / plain     : {strategy / plain:10.2f}x")

    ours = contract.response_validator("getJob", 200)
    other = independent_validator()
    checked = bodies[:1000]
    mine = sum(map(ours.is_valid, checked))
    theirs = sum(other.verdict(b)[0] for b in checked)
    print(
        f"accepted: {mine}/{len(checked)} by our validator, {theirs}/{len(checked)} "
        "by openapi-schema-validator (JobResponse, discriminator)"
    )
    full_spec(args.per_body)


if __name__ == "__main__":
    main()
