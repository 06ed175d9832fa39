"""Bodies in bulk: conforming bodies and named mutations from the direct sampler.

Owns `sample_bodies` and `sample_invalid_bodies` (the public lists behind
`Contract.sample_bodies` / `Contract.sample_invalid_bodies`), `Run` (a seeded run
of draws over one plan: bodies alternate plain and rich, unions rotate) and
`mutations_by_rule` (the self-check's quota of mutations per rule, sharing each
drawn body among the rules). A fixed seed gives the same lists on every machine.
Mutations are the ones of mutations.py, applied as the hypothesis strategy
applies them: the rule first, then the place, kept only if the judge rejects it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from random import Random
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from .mutations import Edit, Mutation, applied, chosen_rules, edits
from .plan import Plan, plan_for
from .state import Draw, Undrawable

if TYPE_CHECKING:
    from ..contract import Contract

_RICH_EVERY = 2  # every second body has every optional member


class Run:
    """A seeded sequence of draws from one plan (bodies, donors, choices)."""

    def __init__(self, plan: Plan, seed: int | None) -> None:
        self.plan = plan
        self.rng = Random(seed)
        self.state = Draw(self.rng)
        self.count = 0

    def body(self) -> Any:
        """The next conforming body; raises `Undrawable` when none exists."""
        self.state.rich = self.count % _RICH_EVERY == 1
        self.count += 1
        return self.plan.sampler().draw(self.state)

    def mutation(
        self,
        body: Any,
        rule: str,
        edit: Edit,
        conforms: Callable[[Any], bool],
    ) -> Mutation | None:
        """`edit` applied to `body`; None when the result still conforms."""
        new = edit.value
        if edit.donor is not None:
            try:
                donor = self.plan.sampler(edit.donor).draw(self.state)
            except Undrawable:
                return None
            new = edit.value(donor)
        return applied(rule, edit, body, new, conforms)


def sample_bodies(
    contract: Contract,
    operation_id: str,
    status: int | str | None = None,
    n: int = 10,
    *,
    seed: int | None = None,
    media_type: str = "application/json",
) -> list[Any]:
    """`n` conforming bodies drawn directly (branches in rotation), no hypothesis."""
    run = Run(plan_for(contract, operation_id, status, media_type), seed)
    try:
        return [run.body() for _ in range(n)]
    except Undrawable as exc:
        raise UsageError(
            f"{run.plan.operation_id} {run.plan.status}: no conforming body can be "
            f"drawn: {exc.reason}"
        ) from None


def sample_invalid_bodies(
    contract: Contract,
    operation_id: str,
    status: int | str | None = None,
    n: int = 10,
    *,
    seed: int | None = None,
    media_type: str = "application/json",
    rules: Sequence[str] | None = None,
) -> list[Mutation]:
    """Up to `n` `Mutation`s, the rules taken in turn, each rejected by validation.

    Fewer than `n` come back only when the drawn bodies offer no place for the
    rules asked for (a budget of drawn bodies bounds the search).
    """
    chosen = chosen_rules(rules)
    plan = plan_for(contract, operation_id, status, media_type)
    run = Run(plan, seed)
    out: list[Mutation] = []
    turn = 0
    for _ in range(n * 4 + 20):
        if len(out) >= n:
            break
        by_rule = _places(plan, run, chosen)
        if not by_rule:
            continue
        ordered = [chosen[(turn + i) % len(chosen)] for i in range(len(chosen))]
        rule = next(r for r in ordered if r in by_rule)
        turn = chosen.index(rule) + 1
        body, candidates = by_rule[rule]
        found = run.mutation(
            body, rule, run.rng.choice(candidates), plan.validator.is_valid
        )
        if found is not None:
            out.append(found)
    return out


def _places(
    plan: Plan, run: Run, chosen: tuple[str, ...]
) -> dict[str, tuple[Any, list[Edit]]]:
    try:
        body = run.body()
    except Undrawable:
        return {}
    by_rule: dict[str, tuple[Any, list[Edit]]] = {}
    for rule, edit in edits(plan, body, chosen):
        by_rule.setdefault(rule, (body, []))[1].append(edit)
    return by_rule


def mutations_by_rule(
    plan: Plan,
    rules: Sequence[str],
    per_rule: int,
    *,
    seed: int,
    conforms: Callable[[Any], bool],
    budget: int | None = None,
) -> dict[str, list[Mutation]]:
    """Up to `per_rule` mutations of each rule; every drawn body serves every rule."""
    run = Run(plan, seed)
    found: dict[str, list[Mutation]] = {rule: [] for rule in rules}
    wanted = tuple(rules)
    limit = budget if budget is not None else per_rule * 3 + 20
    for _ in range(limit):
        wanted = tuple(r for r in wanted if len(found[r]) < per_rule)
        if not wanted:
            break
        for rule, (body, candidates) in _places(plan, run, wanted).items():
            made = run.mutation(body, rule, run.rng.choice(candidates), conforms)
            if made is not None:
                found[rule].append(made)
    return found
