"""Prove the validator right: generated valid bodies pass, every mutation is caught.

`conformance selfcheck --operation ID` draws N conforming bodies (each must pass)
and N mutations per rule of `generate.MUTATIONS` (each must be rejected with a
violation at the mutation's pointer, and with its keyword where one is named). A
failure is shrunk by hypothesis and shows the small body, the expected and the
reported pointers. Rules the schema gives no place to (no discriminator, no
writeOnly member) are skipped, not failed. `selfcheck()` is the pure part: it
returns values; `render_text` and `suites` turn them into a summary and JUnit.
"""

from __future__ import annotations

import argparse
import json
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from .contract import Contract
    from .reporting.junit import TestSuite

PASSED, FAILED, SKIPPED, ERROR = "passed", "failed", "skipped", "error"
_BODY_CHARS = 4000  # a shrunk body longer than this is cut in reports
_PROGRESS_FROM = 10  # response bodies from which a run reports its progress


@dataclass(frozen=True)
class Failure:
    """A body the validator judged wrongly (after shrinking)."""

    body: Any
    expected: str  # "conforms" / "a violation at /schedule (required)"
    reported: tuple[str, ...]  # "/schedule required: missing required member …"
    note: str = ""  # what the mutation did

    def text(self) -> str:
        body = json.dumps(self.body, ensure_ascii=False, indent=1, default=str)
        if len(body) > _BODY_CHARS:
            body = body[:_BODY_CHARS] + " …"
        reported = "\n".join(f"  {r}" for r in self.reported) or "  nothing"
        note = f"mutation: {self.note}\n" if self.note else ""
        return f"{note}expected: {self.expected}\nreported:\n{reported}\nbody: {body}"


@dataclass(frozen=True)
class RuleResult:
    """The verdict on one rule (or on "valid" bodies)."""

    rule: str
    status: str  # passed / failed / skipped / error
    checked: int = 0  # bodies checked before the first failure
    seconds: float = 0.0
    failure: Failure | None = None
    reason: str = ""  # why skipped, or the tool error


@dataclass(frozen=True)
class SelfCheck:
    """Everything the self-check found for one response body."""

    operation: str
    status: str
    media_type: str
    examples: int
    seed: int
    valid: RuleResult
    branches: dict[str, int] = field(default_factory=dict)  # label → bodies taking it
    rules: tuple[RuleResult, ...] = ()
    # Branches no valid body took, with why (the guard contradicts the target, ...).
    undrawn: tuple[tuple[str, str], ...] = ()
    # Contract coverage of the valid bodies (coverage.py), as results.json has it.
    coverage: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        rows = (self.valid, *self.rules)
        return not self.undrawn and all(r.status in (PASSED, SKIPPED) for r in rows)

    @property
    def label(self) -> str:
        return f"{self.operation} {self.status} {self.media_type}"


def selfcheck(
    contract: Contract,
    operation_id: str,
    status: int | str | None = None,
    *,
    media_type: str = "application/json",
    examples: int = 25,
    seed: int = 0,
    rules: Sequence[str] | None = None,
) -> SelfCheck:
    """Sample `examples` valid bodies and `examples` mutations per rule; judge them.

    Bodies come from the direct sampler (generate/sample.py); a body judged
    wrongly is then shrunk by hypothesis when it can find one of its own.
    """
    from .coverage import Tracker
    from .generate import RULES, applicable_rules, plan_for

    op, response = contract.response(operation_id, status)
    plan = plan_for(contract, op.operation_id, response.status, media_type)
    validator = plan.validator
    tracker = Tracker(contract)
    valid, branches, undrawn = _valid_bodies(
        plan,
        examples,
        seed,
        lambda body: tracker.observe_body(op, response.status, body),
    )

    def check_mutation(mutation: Any) -> Failure | None:
        result = validator.validate(mutation.body)
        if any(
            mutation.matches(v.pointer, v.keyword, v.branch) for v in result.violations
        ):
            return None
        where = f"{mutation.pointer or '/'}{' or below' if mutation.within else ''}"
        what = f" ({mutation.keyword})" if mutation.keyword else ""
        branch = f" in branch {mutation.branch}" if mutation.branch else ""
        return Failure(
            mutation.body,
            f"a violation at {where}{what}{branch}",
            tuple(map(_describe, result.violations)),
            mutation.note,
        )

    # Which mutations "still conform by chance" is decided by the other engine, not
    # by the validator under test: one that wrongly accepts a mutation fails here.
    other = "python" if validator.engine == "rs" else "rs"
    try:
        judge = contract.response_validator(
            op.operation_id, response.status, media_type, engine=other
        ).is_valid
    except ImportError:  # jsonschema-rs is absent: only one engine to ask
        judge = validator.is_valid
    applies = applicable_rules(plan)
    if valid.status == FAILED and valid.failure is None:  # no body to mutate
        applies = {}
    chosen = [r for r in rules or RULES if applies.get(r, False)]
    drawn, share = _mutations(plan, chosen, examples, seed, judge)
    results = []
    for rule in rules or RULES:
        if not applies.get(rule, False):
            reason = (
                f"nothing in this schema for {rule} to break"
                if applies
                else "no conforming body to break a rule of"
            )
            results.append(RuleResult(rule, SKIPPED, reason=reason))
            continue
        results.append(
            _judge_mutations(
                rule,
                drawn[rule],
                check_mutation,
                share,
                examples,
                seed,
                judge,
                lambda r: _mutation_strategy(contract, plan, r, judge),
            )
        )
    return SelfCheck(
        op.operation_id,
        response.status,
        media_type,
        examples,
        seed,
        valid,
        branches,
        tuple(results),
        undrawn,
        _body_coverage(tracker.to_json(), op.operation_id, response.status),
    )


def _body_coverage(cov: dict[str, Any], op_id: str, status: str) -> dict[str, Any]:
    """The coverage of this one response body (the other statuses are not drawn)."""
    from .coverage import with_score

    entry = cov["operations"].get(op_id, {})
    body = entry.get("statuses", {}).get(status, {"count": 0})
    only = {**entry, "statuses": {status: body}}
    return with_score({**cov, "operations": {op_id: only}})


_EXTRA_BODIES = 60  # bodies drawn past `examples` to reach every branch


def _valid_bodies(
    plan: Any,
    examples: int,
    seed: int,
    observe: Callable[[Any], None] | None = None,
) -> tuple[RuleResult, dict[str, int], tuple[tuple[str, str], ...]]:
    """The valid-body verdict, bodies per branch, and the branches never drawn."""
    from .generate.bulk import Run
    from .generate.sample import Undrawable

    validator = plan.validator
    started = time.perf_counter()
    branches = {b.label: 0 for b in plan.branches()}
    run = Run(plan, seed)
    checked = 0
    failure: Failure | None = None
    for index in range(examples + _EXTRA_BODIES):
        if index >= examples and all(branches.values()):
            break
        try:
            body = run.body()
        except Undrawable as exc:
            reason = f"no conforming body can be drawn: {exc.reason}"
            seconds = time.perf_counter() - started
            return RuleResult("valid", FAILED, 0, seconds, reason=reason), branches, ()
        if not validator.is_valid(body):
            result = validator.validate(body)
            failure = Failure(
                body, "conforms", tuple(map(_describe, result.violations))
            )
            break
        checked += 1
        if observe is not None:
            observe(body)
        for branch in plan.branches_of(body):
            branches[branch.label] = branches.get(branch.label, 0) + 1
    if failure is not None:
        failure = (
            _shrunk("valid", lambda: plan.strategy(), _valid_check(validator), examples)
            or failure
        )
        seconds = time.perf_counter() - started
        return RuleResult("valid", FAILED, checked, seconds, failure), branches, ()
    undrawn = tuple(
        (label, _why_undrawn(plan, label, checked))
        for label, count in branches.items()
        if not count
    )
    seconds = time.perf_counter() - started
    return RuleResult("valid", PASSED, checked, seconds), branches, undrawn


def _why_undrawn(plan: Any, label: str, bodies: int) -> str:
    dropped = plan.rewriter.dropped.get(label)
    if dropped:
        return f"no body can take it: {dropped}"
    failures = list(plan.sampler().failures)[:3]
    if failures:
        return f"never drawn in {bodies} bodies; drawing failed: {'; '.join(failures)}"
    return (
        f"never drawn in {bodies} bodies (it lies past the recursion depth bound, "
        "or under a union alternative that is never drawn)"
    )


def _valid_check(validator: Any) -> Callable[[Any], Failure | None]:
    def check(body: Any) -> Failure | None:
        result = validator.validate(body)
        if result.conforms:
            return None
        return Failure(body, "conforms", tuple(map(_describe, result.violations)))

    return check


def _mutations(
    plan: Any,
    rules: Sequence[str],
    examples: int,
    seed: int,
    judge: Callable[[Any], bool],
) -> tuple[dict[str, list[Any]], float]:
    """Mutations per rule, and each rule's share of the drawing time."""
    from .generate import mutations_by_rule

    started = time.perf_counter()
    drawn = mutations_by_rule(plan, rules, examples, seed=seed, conforms=judge)
    share = (time.perf_counter() - started) / max(1, len(rules))
    return drawn, share


def _judge_mutations(
    rule: str,
    mutations: list[Any],
    check: Callable[[Any], Failure | None],
    share: float,
    examples: int,
    seed: int,
    judge: Callable[[Any], bool],
    strategy_of: Callable[[str], SearchStrategy[Any]],
) -> RuleResult:
    started = time.perf_counter()
    if not mutations:
        return RuleResult(
            rule,
            SKIPPED,
            0,
            share,
            reason=f"no drawn body offered a place for {rule} "
            f"({examples} tried; the schema has one, deep or optional)",
        )
    for checked, mutation in enumerate(mutations):
        failure = check(mutation)
        if failure is None:
            continue
        shrunk = _shrunk(rule, lambda: strategy_of(rule), check, examples, seed)
        failure = shrunk or failure
        seconds = share + time.perf_counter() - started
        return RuleResult(rule, FAILED, checked, seconds, failure)
    seconds = share + time.perf_counter() - started
    return RuleResult(rule, PASSED, len(mutations), seconds)


def _mutation_strategy(
    contract: Contract, plan: Any, rule: str, judge: Callable[[Any], bool]
) -> SearchStrategy[Any]:
    from .generate import invalid_bodies

    return invalid_bodies(
        contract,
        plan.operation_id,
        plan.status,
        plan.media_type,
        rules=[rule],
        conforms=judge,
    )


def _shrunk(
    rule: str,
    strategy: Callable[[], SearchStrategy[Any]],
    check: Callable[[Any], Failure | None],
    examples: int,
    seed: int = 0,
) -> Failure | None:
    """A small failing body found by hypothesis (it shrinks), or None."""
    result = _explore(rule, strategy, check, max(examples, 50), seed)
    return result.failure


class _Found(Exception):
    """Raised inside the hypothesis test to make it shrink a failing body."""


def _explore(
    rule: str,
    strategy: Callable[[], SearchStrategy[Any]],
    check: Callable[[Any], Failure | None],
    examples: int,
    seed: int,
) -> RuleResult:
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as fix_seed
    from hypothesis.errors import Unsatisfiable

    state: dict[str, Any] = {"checked": 0, "failure": None}
    started = time.perf_counter()

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        phases=(Phase.generate, Phase.shrink),
    )
    @fix_seed(seed)
    @given(strategy())
    def run(value: Any) -> None:
        failure = check(value)
        if state["failure"] is None and failure is None:
            state["checked"] += 1
        if failure is not None:
            state["failure"] = failure  # the last one is the shrunk one
            raise _Found

    try:
        run()
    except _Found:
        pass
    except Unsatisfiable:
        return RuleResult(
            rule,
            SKIPPED,
            0,
            time.perf_counter() - started,
            reason=f"no drawn body offered a place for {rule} "
            f"({examples} tried; the schema has one, deep or optional)",
        )
    except Exception as exc:  # noqa: BLE001 - the tool failed: an <error>, not a crash
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return RuleResult(
            rule,
            ERROR,
            state["checked"],
            time.perf_counter() - started,
            reason=f"{detail}\n{traceback.format_exc(limit=-3)}",
        )
    seconds = time.perf_counter() - started
    failure = state["failure"]
    if failure is not None:
        return RuleResult(rule, FAILED, state["checked"], seconds, failure)
    return RuleResult(rule, PASSED, state["checked"], seconds)


def _describe(violation: Any) -> str:
    return f"{violation.pointer or '/'} {violation.keyword}: {violation.message}"


# --- reports ------------------------------------------------------------------------


def render_text(result: SelfCheck) -> str:
    """A summary per rule and per branch, then the failures in full."""
    lines = [
        f"selfcheck {result.label} ({result.examples} examples, seed {result.seed})"
    ]
    rows = [result.valid, *result.rules]
    width = max(len(r.rule) for r in rows)
    for r in rows:
        what = "bodies" if r is result.valid else "mutations"
        detail = r.reason.splitlines()[0] if r.reason else f"{r.checked} {what}"
        lines.append(f"  {r.rule:<{width}}  {r.status:<7}  {detail}")
        if r is result.valid:
            for label, count in result.branches.items():
                lines.append(f"    branch {label}: {count}")
            if result.coverage and r.checked:
                lines.extend(_coverage_lines(result.coverage))
    for label, why in result.undrawn:
        lines.append(f"FAILED {result.label} branch {label}: {why}")
    for r in rows:
        if r.failure is not None:
            lines.append(f"FAILED {result.label} {r.rule}")
            lines.extend("  " + line for line in r.failure.text().splitlines())
        elif r.status == FAILED:
            lines.append(f"FAILED {result.label} {r.rule}: {r.reason}")
        elif r.status == ERROR:
            lines.append(f"ERROR {result.label} {r.rule}")
            lines.extend("  " + line for line in r.reason.splitlines())
    counts = Counter(r.status for r in rows)
    counts[FAILED] += len(result.undrawn)
    lines.append(
        ", ".join(f"{counts[s]} {s}" for s in (PASSED, FAILED, SKIPPED, ERROR))
    )
    return "\n".join(lines)


def _coverage_lines(cov: dict[str, Any], shown: int = 3) -> list[str]:
    """How much of the contract the valid bodies exercised, and what they missed."""
    missing = [m.split(": ", 1)[-1] for m in _not_drawn(cov)]
    lines = [
        f"    coverage {cov['percent']}% ({cov['covered']} of {cov['points']} "
        "contract points in the bodies drawn)"
    ]
    lines += [f"      not drawn: {m}" for m in missing[:shown]]
    if len(missing) > shown:
        lines.append(f"      … {len(missing) - shown} more not drawn")
    return lines


def _not_drawn(cov: dict[str, Any]) -> list[str]:
    """The body's points no valid body exercised (a status is drawn, not received)."""
    from .coverage import not_exercised

    return [m for m in not_exercised(cov) if not m.endswith(": status never received")]


def coverage_properties(results: Iterable[SelfCheck]) -> dict[str, str]:
    """JUnit suite properties: the coverage of these bodies together, as the text
    shows it per body (`coverage_percent`, `..._covered`, `..._points`,
    `not_exercised`); nothing when none was measured."""
    from .coverage import merge

    found = [r.coverage for r in results if r.coverage and r.valid.checked]
    if not found:
        return {}
    cov = merge(found)
    return {
        "coverage_percent": str(cov["percent"]),
        "coverage_covered": str(cov["covered"]),
        "coverage_points": str(cov["points"]),
        "not_exercised": str(len(_not_drawn(cov))),
    }


def suites(results: Iterable[SelfCheck]) -> list[TestSuite]:
    """One JUnit suite per operation: a case per (status, rule), one per branch;
    the bodies' contract coverage as the suite's properties."""
    from .reporting.junit import Outcome, TestCase, TestSuite

    by_operation: dict[str, list[TestCase]] = {}
    checks: dict[str, list[SelfCheck]] = {}
    for result in results:
        checks.setdefault(result.operation, []).append(result)
        cases = by_operation.setdefault(result.operation, [])
        classname = f"selfcheck.{result.operation}"
        prefix = f"{result.operation} {result.status}"
        for r in (result.valid, *result.rules):
            failure = error = skipped = None
            if r.failure is not None:
                places = [x.split(":")[0] for x in r.failure.reported]
                failure = Outcome(
                    f"{r.rule}: {r.failure.expected}, reported "
                    f"{', '.join(places) or 'nothing'}",
                    r.failure.text(),
                    "validator",
                )
            elif r.status == FAILED:
                failure = Outcome(f"{r.rule}: {r.reason}", r.reason, "generator")
            elif r.status == ERROR:
                first, _, rest = r.reason.partition("\n")
                error = Outcome(first, rest, "tool")
            elif r.status == SKIPPED:
                skipped = r.reason
            cases.append(
                TestCase(
                    f"{prefix} {r.rule}",
                    classname,
                    r.seconds,
                    failure=failure,
                    error=error,
                    skipped=skipped,
                    properties={"checked": str(r.checked)},
                )
            )
        undrawn = dict(result.undrawn)
        for label, count in result.branches.items():
            why = undrawn.get(label)
            cases.append(
                TestCase(
                    f"{prefix} valid[{label}]",
                    classname,
                    failure=Outcome(f"branch {label}: {why}", why, "generator")
                    if why
                    else None,
                    properties={"bodies": str(count)},
                )
            )
    return [
        TestSuite(name, cases, properties=coverage_properties(checks[name]))
        for name, cases in by_operation.items()
    ]


# --- command line -------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from .cli import _common

    _common(parser)
    parser.add_argument(
        "--operation",
        action="append",
        default=[],
        metavar="ID",
        help="operationId to prove (repeatable)",
    )
    parser.add_argument(
        "--all", action="store_true", help="every JSON response body of every operation"
    )
    parser.add_argument("--status", help="status code; default: the single 2xx")
    parser.add_argument(
        "--media-type",
        default="application/json",
        metavar="TYPE",
        help="media type of the body (default: application/json)",
    )
    parser.add_argument(
        "--examples",
        type=int,
        default=25,
        metavar="N",
        help="valid bodies, and mutations per rule, to draw (default: 25)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="S",
        help="random seed, so a run can be repeated (default: 0)",
    )
    parser.add_argument(
        "--rule",
        action="append",
        default=[],
        metavar="NAME",
        help="only this mutation rule (repeatable; default: every rule)",
    )
    parser.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")


def command(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from .cli import load, nothing_to_check, print_warnings
    from .errors import UsageError
    from .generate import RULES
    from .reporting import junit

    if not args.operation and not args.all:
        raise UsageError("conformance selfcheck: give --operation ID or --all")
    if args.examples < 1:
        raise UsageError("conformance selfcheck: --examples must be at least 1")
    unknown = [r for r in args.rule if r not in RULES]
    if unknown:
        raise UsageError(
            f"unknown rule(s) {', '.join(unknown)}; known: {', '.join(RULES)}"
        )
    if args.junit:  # a bad path fails now, not after the work
        from .reporting.files import check_writable

        try:
            check_writable([args.junit])
        except OSError as exc:
            raise UsageError(f"--junit {args.junit}: {exc.strerror}") from None
    contract = load(args, err)
    print_warnings(contract, err)
    if args.all:
        targets = [
            (b.operation.operation_id, b.status, b.media_type)
            for b in contract.bodies()
        ]
    else:
        targets = []
        for op_id in args.operation:
            _, response = contract.response(op_id, args.status)
            if contract.compiled(op_id, response.status, args.media_type) is None:
                print(
                    f"note: {op_id} {response.status} documents no "
                    f"{args.media_type} body schema; nothing to check there",
                    file=err,
                )
                continue
            targets.append((op_id, response.status, args.media_type))
    if not targets:
        return nothing_to_check(contract, "selfcheck", err)
    results = []
    started = time.perf_counter()
    every = max(1, len(targets) // 20)
    for done, (op_id, status, media) in enumerate(targets, start=1):
        result = selfcheck(
            contract,
            op_id,
            status,
            media_type=media,
            examples=args.examples,
            seed=args.seed,
            rules=args.rule or None,
        )
        print(render_text(result), file=out)
        results.append(result)
        if len(targets) >= _PROGRESS_FROM and (
            done % every == 0 or done == len(targets)
        ):
            seconds = time.perf_counter() - started
            print(
                f"selfcheck: {done}/{len(targets)} response bodies, "
                f"{sum(not r.ok for r in results)} broken ({seconds:.0f} s)",
                file=err,
                flush=True,
            )
    if args.junit:
        try:
            junit.write(args.junit, suites(results), name="conformance selfcheck")
        except OSError as exc:
            raise UsageError(f"--junit {args.junit}: {exc.strerror}") from None
    broken = [r.label for r in results if not r.ok]
    print(
        f"{len(results) - len(broken)} of {len(results)} response bodies hold"
        + (f"; broken: {', '.join(broken)}" if broken else ""),
        file=out,
    )
    return 0 if not broken else 1
