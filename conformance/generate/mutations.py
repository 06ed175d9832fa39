"""Invalid bodies: the named mutations, their registry, and the strategy.

Owns `Mutation` (a body breaking one rule and where the validator must report
it), `Edit` (a candidate mutation at one `Site`), the `@mutation` registry
`MUTATIONS` with `RULES` (its names in order), one function per rule,
`applicable_rules`, `edits` and the public strategy `invalid_bodies`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..compiler import INT_BOUNDS
from ..errors import UsageError
from ..source import mappings, pointer_join
from .plan import Plan, Site, plan_for
from .rewrite import _json_in, _numbers, _required, _types

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn, SearchStrategy

    from ..contract import Contract
    from ..spec import Location


@dataclass(frozen=True)
class Mutation:
    """A body that breaks exactly one rule, and where the validator must say so."""

    rule: str  # "required", "discriminator-unknown", ... (a key of MUTATIONS)
    body: Any
    pointer: str  # where the violation must be reported
    keyword: str  # the violation's keyword ("" = any keyword)
    valid: Any = field(repr=False)  # the conforming body it came from
    note: str = ""  # what was done, e.g. "removed 'schedule'"
    within: bool = False  # the violation may be at `pointer` or below it
    branch: str = ""  # the discriminator arm the validator must have taken

    def matches(self, pointer: str, keyword: str, branch: str = "") -> bool:
        """True if a reported violation is the one this mutation must cause."""
        at = pointer == self.pointer or (
            self.within and pointer.startswith(self.pointer + "/")
        )
        return (
            at
            and (not self.keyword or keyword == self.keyword)
            and (not self.branch or self.branch in branch)
        )


@dataclass(frozen=True)
class Edit:
    """One candidate mutation at a site (before it is applied)."""

    path: tuple[str | int, ...]
    value: Any  # the new value at `path`, or a function of a donor value
    pointer: str
    keyword: str
    note: str
    within: bool = False
    branch: str = ""
    donor: Any = None  # a compiled schema to draw a valid value from
    post: Callable[[Any], bool] | None = None  # must hold for the new value


Mutator = Callable[[Site, Plan], Iterator[Edit]]
MUTATIONS: dict[str, Mutator] = {}


def mutation(name: str) -> Callable[[Mutator], Mutator]:
    """Register a mutation under its rule name."""

    def register(func: Mutator) -> Mutator:
        MUTATIONS[name] = func
        return func

    return register


def _edit(site: Site, value: Any, keyword: str, note: str, **kw: Any) -> Edit:
    return Edit(site.path, value, site.pointer, keyword, note, **kw)


def _without(obj: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in keys}


@mutation("required")
def drop_required_member(site: Site, plan: Plan) -> Iterator[Edit]:
    """Remove a required member: reported at the object that lacks it."""
    if not isinstance(site.value, dict):
        return
    # The discriminator property is `discriminator-missing`, not `required`.
    props = {guard.prop for guard, _ in _guards(site, plan)}
    for node in site.plain():
        if id(node) in plan.map.guards:
            continue
        for name in node.get("required") or ():
            if name in site.value and name not in props:
                yield _edit(
                    site, _without(site.value, name), "required", f"removed {name!r}"
                )


_SAMPLES: tuple[tuple[str, Any], ...] = (
    ("boolean", True),
    ("integer", 0),
    ("string", "a"),
    ("array", []),
    ("object", {}),
)


@mutation("type")
def change_type(site: Site, plan: Plan) -> Iterator[Edit]:
    """Replace a value by one of another JSON type (not null: see `nullable`)."""
    if site.discriminator:
        return
    for node in site.plain():
        types = _types(node)
        if types is None or id(node) in plan.map.guards:
            continue
        for name, sample in _SAMPLES:
            if name not in types:
                yield _edit(site, sample, "type", f"{name} {json.dumps(sample)}")
                return


@mutation("nullable")
def make_null(site: Site, plan: Plan) -> Iterator[Edit]:
    """Replace a non-nullable value by null: reported as `type`."""
    if site.discriminator or site.value is None:
        return
    for node in site.plain():
        types = _types(node)
        if (
            types is not None
            and "null" not in types
            and id(node) not in plan.map.guards
        ):
            yield _edit(site, None, "type", "null where the schema is not nullable")
            return


@mutation("enum")
def leave_enum(site: Site, plan: Plan) -> Iterator[Edit]:
    """Replace an enumerated value by one outside the enum, of the same type."""
    if site.discriminator:
        return
    for node in site.plain():
        values = node.get("enum")
        if not isinstance(values, list) or id(node) in plan.map.guards:
            continue
        if isinstance(site.value, str):
            bad: Any = f"{site.value}_UNLISTED"
        elif _numbers(site.value):
            bad = max(v for v in [site.value, *values] if _numbers(v)) + 1
        else:
            continue
        if not _json_in(bad, values):
            yield _edit(site, bad, "enum", f"{json.dumps(bad)} is not listed")
            return


_BAD_STRINGS = ("not a valid value", "", "?", "0")


@mutation("format")
def break_format(site: Site, plan: Plan) -> Iterator[Edit]:
    """A string its format rejects, or an integer beyond its int32/int64 bound."""
    if site.discriminator:
        return
    for node in site.plain():
        name = node.get("format")
        if isinstance(site.value, str) and name in plan.validator.formats:
            check = plan.validator.formats[name].check
            bad = next((s for s in _BAD_STRINGS if not check(s)), None)
            if bad is not None:
                yield _edit(site, bad, "format", f"{bad!r} is not a {name}")
                return
        fmt = plan.map.int_formats.get(id(node))
        if fmt and _numbers(site.value) and node.get("maximum") == INT_BOUNDS[fmt][1]:
            big = INT_BOUNDS[fmt][1] + 1
            yield _edit(site, big, "format", f"{big} overflows {fmt}")
            return


@mutation("minimum")
def go_below_minimum(site: Site, plan: Plan) -> Iterator[Edit]:
    """A number just below the schema's (spec, not int32/int64) minimum."""
    if not _numbers(site.value):
        return
    for node in site.plain():
        fmt = plan.map.int_formats.get(id(node))
        floor = INT_BOUNDS[fmt][0] if fmt else None
        if _numbers(node.get("minimum")) and node["minimum"] != floor:
            low = node["minimum"] - 1
            yield _edit(site, low, "minimum", f"{low} < minimum {node['minimum']}")
            return
        if _numbers(node.get("exclusiveMinimum")):
            low = node["exclusiveMinimum"]
            yield _edit(site, low, "exclusiveMinimum", f"{low} is not > {low}")
            return


@mutation("minItems")
def drop_items(site: Site, plan: Plan) -> Iterator[Edit]:
    """Shorten an array below its minItems."""
    if not isinstance(site.value, list):
        return
    for node in site.plain():
        least = node.get("minItems")
        if isinstance(least, int) and least > 0 and len(site.value) >= least:
            short = site.value[: least - 1]
            yield _edit(site, short, "minItems", f"{len(short)} item(s) < {least}")
            return


@mutation("writeOnly-present")
def add_write_only(site: Site, plan: Plan) -> Iterator[Edit]:
    """Add a writeOnly member, which a response must not carry."""
    if not isinstance(site.value, dict):
        return
    for node, _ in site.schemas:
        for name, sub in (node.get("properties") or {}).items():
            if id(sub) in plan.map.write_only and name not in site.value:
                yield Edit(
                    site.path,
                    {**site.value, name: "secret"},
                    pointer_join(site.pointer, name),
                    "writeOnly",
                    f"added writeOnly {name!r}",
                )


def _guards(site: Site, plan: Plan) -> Iterator[tuple[Any, list[Any]]]:
    """(Guard, dispatch arms) of each discriminator applying to an object site."""
    if not isinstance(site.value, dict):
        return
    for node, _ in site.schemas:
        parts = node.get("allOf") or ()
        for part in parts:
            guard = plan.map.guards.get(id(part))
            if guard is not None and guard.prop in site.value:
                arms = [
                    plan.map.dispatch[id(p)]
                    for p in parts
                    if id(p) in plan.map.dispatch
                ]
                yield guard, arms


@mutation("discriminator-unknown")
def unknown_discriminator(site: Site, plan: Plan) -> Iterator[Edit]:
    """An unmapped discriminator value (lower-cased, or unheard of)."""
    for guard, _ in _guards(site, plan):
        current = site.value[guard.prop]
        candidates = [str(current).lower(), "UNKNOWN_TYPE"]
        for bad in dict.fromkeys(candidates):
            if bad not in guard.keys:
                yield Edit(
                    site.path,
                    {**site.value, guard.prop: bad},
                    pointer_join(site.pointer, guard.prop),
                    "discriminator",
                    f"{guard.prop}={bad!r} is not mapped",
                )


@mutation("discriminator-missing")
def missing_discriminator(site: Site, plan: Plan) -> Iterator[Edit]:
    """The discriminator property removed: reported at the object."""
    for guard, _ in _guards(site, plan):
        yield _edit(
            site,
            _without(site.value, guard.prop),
            "discriminator",
            f"removed {guard.prop!r}",
        )


@mutation("discriminator-wrong-branch")
def wrong_branch(site: Site, plan: Plan) -> Iterator[Edit]:
    """Another mapped value on this body: checked against (and failing) that arm."""
    for guard, arms in _guards(site, plan):
        current = site.value[guard.prop]
        for arm in arms:
            if arm.key != current:
                yield _edit(
                    site,
                    {**site.value, guard.prop: arm.key},
                    "",
                    f"{guard.prop}={current!r} body relabelled {arm.key!r}",
                    within=True,
                    branch=arm.label,
                )


def _one_ofs(site: Site, plan: Plan) -> Iterator[tuple[dict[str, Any], int]]:
    """(oneOf node, index of the alternative the value takes) at this site."""
    for node, _ in site.schemas:
        alternatives = node.get("oneOf")
        if not isinstance(alternatives, list):
            continue
        fitting = [
            i for i, alt in enumerate(alternatives) if plan.fits(alt, site.value)
        ]
        if len(fitting) == 1:
            yield node, fitting[0]


@mutation("oneOf-none")
def fit_no_alternative(site: Site, plan: Plan) -> Iterator[Edit]:
    """A value no alternative of a oneOf accepts: reported at the union."""
    for node, index in _one_ofs(site, plan):
        alternatives = node["oneOf"]

        def fits_none(value: Any, alternatives: list[Any] = alternatives) -> bool:
            return not any(plan.fits(alt, value) for alt in alternatives)

        candidates: list[tuple[Any, str]] = []
        own = _required(plan.deref(alternatives[index]))
        if isinstance(site.value, dict) and own:
            candidates.append((_without(site.value, *own), f"removed {', '.join(own)}"))
        candidates += [(s, f"{n} {json.dumps(s)}") for n, s in _SAMPLES]
        for value, note in candidates:
            if fits_none(value):
                yield _edit(site, value, "oneOf", note)
                break


@mutation("oneOf-both")
def fit_two_alternatives(site: Site, plan: Plan) -> Iterator[Edit]:
    """An object two alternatives of a oneOf accept: reported at the union."""
    if not isinstance(site.value, dict):
        return
    for node, index in _one_ofs(site, plan):
        for j, other in enumerate(node["oneOf"]):
            if j == index:
                continue
            mine = node["oneOf"][index]

            def combine(donor: Any, value: dict[str, Any] = site.value) -> Any:
                return {**donor, **value} if isinstance(donor, dict) else donor

            def both(value: Any, mine: Any = mine, other: Any = other) -> bool:
                return plan.fits(mine, value) and plan.fits(other, value)

            yield _edit(
                site,
                combine,
                "oneOf",
                f"merged a valid oneOf[{j}] into the oneOf[{index}] value",
                donor=other,
                post=both,
            )


RULES: tuple[str, ...] = tuple(MUTATIONS)


def applicable_rules(plan: Plan) -> dict[str, bool]:
    """Rule name → whether the schema holds anything the rule can break."""
    nodes = list(mappings(plan.compiled.schema))
    ids = {id(n) for n in nodes}
    has = {
        "required": any(
            isinstance(n.get("required"), list) for n in nodes if isinstance(n, dict)
        ),
        "type": any("type" in n for n in nodes if isinstance(n, dict)),
        "enum": any(
            isinstance(n.get("enum"), list) and id(n) not in plan.map.guards
            for n in nodes
            if isinstance(n, dict)
        ),
        "format": any(
            (isinstance(n.get("format"), str) and n["format"] in plan.validator.formats)
            or id(n) in plan.map.int_formats
            for n in nodes
            if isinstance(n, dict)
        ),
        "minimum": any(
            _numbers(n.get("minimum")) or _numbers(n.get("exclusiveMinimum"))
            for n in nodes
            if isinstance(n, dict)
        ),
        "minItems": any(
            isinstance(n.get("minItems"), int) and n["minItems"] > 0
            for n in nodes
            if isinstance(n, dict)
        ),
        "writeOnly-present": any(i in plan.map.write_only for i in ids),
        "oneOf-both": any(
            isinstance(n.get("oneOf"), list) for n in nodes if isinstance(n, dict)
        ),
    }
    has["nullable"] = has["type"]
    has["oneOf-none"] = has["oneOf-both"]
    disc = any(i in plan.map.guards for i in ids)
    for name in ("discriminator-unknown", "discriminator-missing"):
        has[name] = disc
    has["discriminator-wrong-branch"] = disc
    return {rule: has.get(rule, True) for rule in RULES}


def chosen_rules(rules: Sequence[str] | None) -> tuple[str, ...]:
    """The rules asked for (every rule when none), each a known one."""
    chosen = tuple(rules) if rules else RULES
    unknown = [r for r in chosen if r not in MUTATIONS]
    if unknown:
        raise UsageError(
            f"unknown mutation rule(s) {', '.join(unknown)}; known: {', '.join(RULES)}"
        )
    return chosen


def applied(
    rule: str, edit: Edit, body: Any, new: Any, conforms: Callable[[Any], bool]
) -> Mutation | None:
    """`body` with `edit` setting `new`; None when the edit refuses `new` or the
    result still conforms (not a finding). Both generators apply edits here."""
    if edit.post is not None and not edit.post(new):
        return None
    mutated = _replace(body, edit.path, new)
    if conforms(mutated):
        return None
    return Mutation(
        rule,
        mutated,
        edit.pointer,
        edit.keyword,
        body,
        edit.note,
        edit.within,
        edit.branch,
    )


def _replace(body: Any, path: tuple[str | int, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(body, dict):
        return {**body, head: _replace(body[head], rest, value)}
    out = list(body)
    out[head] = _replace(body[head], rest, value)  # type: ignore[index]
    return out


def edits(plan: Plan, body: Any, rules: tuple[str, ...]) -> list[tuple[str, Edit]]:
    """Every mutation of `rules` that applies somewhere in `body`, shallow first."""
    found = []
    for site in plan.sites(body):
        for rule in rules:
            found.extend((rule, e) for e in MUTATIONS[rule](site, plan))
    return found


def invalid_bodies(
    contract: Contract,
    operation_id: str,
    status: int | str | None = None,
    media_type: str = "application/json",
    *,
    rules: tuple[str, ...] | list[str] | None = None,
    max_depth: int = 2,
    conforms: Callable[[Any], bool] | None = None,
    at: Location | None = None,
) -> SearchStrategy[Mutation]:
    """`Mutation`s: valid bodies with one rule broken, each rejected by validation.

    A mutation that by chance still conforms is discarded; `conforms` decides that
    (default: the contract's validator). The self-check passes a judge other than
    the validator it proves, so a validator that wrongly accepts cannot hide.
    """
    from hypothesis import reject
    from hypothesis import strategies as st

    chosen = chosen_rules(rules)
    where = {"at": at} if at is not None else {}  # another schema of the response
    plan = plan_for(
        contract, operation_id, status, media_type, max_depth=max_depth, **where
    )
    sources = st.one_of(plan.strategy(), plan.strategy(rich=True))

    @st.composite
    def mutations(draw: DrawFn) -> Mutation:
        body = draw(sources)
        candidates = edits(plan, body, chosen)
        if not candidates:
            reject()
        # The rule first, then the place: rules with few places (the discriminator,
        # oneOf) are drawn as often as those with many (required, type).
        by_rule: dict[str, list[Edit]] = {}
        for name, candidate in candidates:
            by_rule.setdefault(name, []).append(candidate)
        rule = draw(st.sampled_from(sorted(by_rule, key=chosen.index)))
        edit = draw(st.sampled_from(by_rule[rule]))
        new = edit.value
        if edit.donor is not None:
            new = edit.value(draw(plan.strategy(edit.donor)))
        found = applied(rule, edit, body, new, conforms or plan.validator.is_valid)
        if found is None:
            reject()  # a value the edit refuses, or by chance still conforming
        return found

    return mutations()
