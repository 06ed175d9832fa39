"""`assert_conforms`: one response or decoded body against the contract, in a test.

Owns three things the pytest plugin hands out and the CLI does not need:
- turning an `httpx.Response` (or anything shaped like one: `requests.Response`,
  duck-typed on `status_code`, `headers`, `content`) into an `Exchange` and running
  the checks of checks.py on it — the same checks `conformance run` applies;
- `AssertingContract`, a `Contract` with an `assert_conforms` method (the `contract`
  fixture), and the settings it is loaded with (`[tool.conformance]`, env, flags);
- the failure text a person reads in a test report (`failure_text`), built from
  reporting/text.py: every violation with pointer, rule, message, branch and spec
  line, the status and content type, and at most a short excerpt of the body.

No pytest import here: a plain `assert_conforms(contract, response)` works anywhere.
"""

from __future__ import annotations

import json
import os
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .checks import CheckViolation, run_checks
from .contract import Contract
from .errors import ConfigError, UsageError
from .recording import Exchange
from .redact import Redactor
from .reporting import text
from .routes import Router
from .spec import Operation, Spec

if TYPE_CHECKING:
    from .config import RunConfig

MAX_EXCERPT = 240  # characters of the body shown in a failure
MAX_VIOLATIONS = 30  # violations listed in a failure; the rest are counted


class ContractFailure(AssertionError):
    """A response or body that breaks the contract; `str()` is the report text."""

    def __init__(self, message: str, violations: tuple[CheckViolation, ...]) -> None:
        super().__init__(message)
        self.violations = violations


@dataclass(frozen=True)
class Verdict:
    """What the checks said about one response or body."""

    operation: Operation
    violations: tuple[CheckViolation, ...]  # failures only; drift is not asked for
    status: int | str | None
    content_type: str | None  # None: a decoded body (no headers to check)
    branch: str = ""
    excerpt: str = ""
    expected_status: int | str | None = None  # the `status=` a response must have
    request: str = ""  # "GET https://…/job/…" when the response knows its request
    redactor: Redactor = field(default_factory=Redactor)  # what the text must hide

    @property
    def status_as_expected(self) -> bool:
        if self.expected_status is None or not isinstance(self.status, int):
            return True
        return status_matches(self.status, self.expected_status)

    @property
    def conforms(self) -> bool:
        return not self.violations and self.status_as_expected


# -- responses and bodies ------------------------------------------------------------


def is_response(obj: object) -> bool:
    """True for an httpx or requests response (or a look-alike)."""
    return all(hasattr(obj, name) for name in ("status_code", "headers", "content"))


def exchange_of(response: Any, operation_id: str) -> Exchange:
    """The `Exchange` snapshot of an httpx/requests response (checks read only this)."""
    try:
        body = response.content
    except Exception as exc:  # httpx.ResponseNotRead: a streamed response
        raise UsageError(
            f"assert_conforms: cannot read the response body ({type(exc).__name__}); "
            "call response.read() first"
        ) from None
    headers = response.headers
    pairs = (
        headers.multi_items() if hasattr(headers, "multi_items") else headers.items()
    )
    method, url = "", ""
    sent: tuple[tuple[str, str], ...] = ()
    try:
        request = response.request  # httpx raises RuntimeError when there is none
    except RuntimeError:
        request = None
    if request is not None:
        method = str(getattr(request, "method", "") or "")
        url = str(getattr(request, "url", "") or "")
        sent = _pairs(getattr(request, "headers", None))
    return Exchange(
        index=0,
        name=operation_id,
        operation_id=operation_id,
        params={},
        method=method,
        url=url,
        request_headers=sent,
        status=int(response.status_code),
        response_headers=tuple((str(k), str(v)) for k, v in pairs),
        body=bytes(body or b""),
    )


def _pairs(headers: Any) -> tuple[tuple[str, str], ...]:
    if headers is None:
        return ()
    multi = hasattr(headers, "multi_items")
    items = headers.multi_items() if multi else headers.items()
    return tuple((str(k), str(v)) for k, v in items)


def status_matches(received: int, expected: int | str) -> bool:
    """`received` is the asserted `expected` status (200, "200", "2XX" or "default")."""
    key = str(expected).upper()
    if key == "DEFAULT":
        return True
    if len(key) == 3 and key.endswith("XX"):
        return str(received)[:1] == key[:1]
    try:
        return int(key) == received
    except ValueError:
        raise UsageError(
            f"assert_conforms: status={expected!r} is not a status code, a range "
            "such as '2XX', or 'default'"
        ) from None


def pick_operation(contract: Contract, operation: str | None) -> Operation:
    """The named operation, or the only one the spec has (else a UsageError)."""
    if operation is not None:
        return contract.operation(operation)
    if len(contract.operations) == 1:
        return next(iter(contract.operations.values()))
    listed = ", ".join(sorted(contract.operations)[:10])
    raise UsageError(
        f"assert_conforms: pass operation=... (the spec has {len(contract.operations)} "
        f"operations: {listed}{' …' if len(contract.operations) > 10 else ''})"
    )


_ROUTERS: weakref.WeakKeyDictionary[Contract, Router] = weakref.WeakKeyDictionary()


def routed_operation(contract: Contract, response: Any) -> Operation:
    """The operation the response's request was sent to (method + URL).

    No request on the response: the UsageError of `pick_operation`. A request that
    matches no documented operation: a `ContractFailure` saying why.
    """
    __tracebackhide__ = True
    exchange = exchange_of(response, "")
    if not exchange.method or not exchange.url:
        return pick_operation(contract, None)
    router = _ROUTERS.get(contract)
    if router is None:
        router = _ROUTERS[contract] = Router.for_spec(contract.spec)
    found = router.match(exchange.method, exchange.url)
    if found is None:
        why = router.why_unmatched(exchange.method, exchange.url)
        raise ContractFailure(
            f"{exchange.method} {exchange.url} matches no operation of "
            f"{contract.source}: {why} (pass operation=... if the spec's paths "
            "are served under another base path)",
            (),
        )
    return found.operation


def check_response(
    contract: Contract,
    response: Any,
    operation: str | None = None,
    status: int | str | None = None,
    checks: Iterable[str] | None = None,
    redactor: Redactor | None = None,
) -> Verdict:
    """The checks of checks.py (status, content type, body) on one response.

    Without `operation=`, a spec of several operations is matched by the method
    and URL of the response's request (routes.py). The verdict's text hides the
    secrets of `redactor` and the credentials the request itself sent (its
    `Authorization` header, cookies, secret headers).
    """
    if operation is None and len(contract.operations) != 1:
        op = routed_operation(contract, response)
    else:
        op = pick_operation(contract, operation)
    if status is not None:
        status_matches(0, status)  # a malformed `status=` is a usage error up front
    exchange = exchange_of(response, op.operation_id)
    names = list(checks) if checks is not None else None
    found, branch = run_checks(exchange, op, contract, names, drift=False)
    known = (redactor or Redactor()).learned_from(exchange)
    return Verdict(
        op,
        tuple(v for v in found if not v.warning),
        exchange.status,
        exchange.content_type,
        branch,
        excerpt(exchange.body, known),
        status,
        known.text(f"{exchange.method} {exchange.url}".strip()),
        known,
    )


def check_body(
    contract: Contract,
    body: Any,
    operation: str | None,
    status: int | str | None,
    media_type: str = "application/json",
    redactor: Redactor | None = None,
) -> Verdict:
    """A decoded body against the schema of one documented status and media type."""
    op = pick_operation(contract, operation)
    if status is None:
        raise UsageError(
            f"assert_conforms: a decoded body needs status=... (which of "
            f"{op.operation_id}'s responses it is: {', '.join(op.responses)}); "
            "pass the response object itself to check its status too"
        )
    _, response = contract.response(op.operation_id, status)
    if contract.compiled(op.operation_id, response.status, media_type) is None:
        raise UsageError(
            f"assert_conforms: {op.operation_id} {response.status} documents no "
            f"{media_type} body schema to check against"
        )
    validator = contract.response_validator(
        op.operation_id, response.status, media_type
    )
    # The same two steps as checks.body_matches_schema, minus parsing: the fast
    # verdict first, the explanation only for a body that fails it.
    found: tuple[CheckViolation, ...] = ()
    if not validator.is_valid(body):
        found = tuple(
            CheckViolation("body_matches_schema", v) for v in validator.explain(body)
        )
    try:
        shown = json.dumps(body, ensure_ascii=False, default=repr)
    except (TypeError, ValueError, RecursionError):
        shown = repr(body)
    known = redactor or Redactor()
    return Verdict(
        op,
        found,
        status,
        None,
        validator.root_branch(body),
        known.excerpt(shown, MAX_EXCERPT),
        None,
        redactor=known,
    )


def assert_conforms(
    contract: Contract,
    obj: Any,
    operation: str | None = None,
    status: int | str | None = None,
    *,
    media_type: str = "application/json",
) -> None:
    """Raise `ContractFailure` (an AssertionError) unless `obj` keeps the contract.

    `obj` is a response (status, content type and body are checked; `status=`, if
    given, is the status it must have) or a decoded body (`status=` is required).
    """
    __tracebackhide__ = True
    redactor = getattr(contract, "redactor", None)  # AssertingContract: the config's
    if is_response(obj):
        verdict = check_response(contract, obj, operation, status, redactor=redactor)
    else:
        verdict = check_body(
            contract, obj, operation, status, media_type, redactor=redactor
        )
    if not verdict.conforms:
        # The violations travel with the error: they hide the secrets as its text does.
        hidden = verdict.redactor.data(verdict.violations)
        raise ContractFailure(failure_text(contract, verdict), hidden)


class AssertingContract(Contract):
    """A `Contract` that tests can assert with (the pytest `contract` fixture).

    `redactor` holds the project's secrets (the `token_env` token, secret values):
    failure text never shows them.
    """

    redactor: Redactor = Redactor()

    def assert_conforms(
        self,
        obj: Any,
        operation: str | None = None,
        status: int | str | None = None,
        *,
        media_type: str = "application/json",
    ) -> None:
        """See `assertions.assert_conforms`."""
        __tracebackhide__ = True
        assert_conforms(self, obj, operation, status, media_type=media_type)


# -- settings --------------------------------------------------------------------------


def project_config(root: Path) -> RunConfig:
    """`[tool.conformance]` (or conformance.toml) nearest `root`, schema-checked."""
    from .config import RunConfig, find_config, load_run_config

    found = find_config(root)
    return load_run_config(found[0]) if found is not None else RunConfig(None, {})


def load_for_tests(
    spec: str | None, root: Path, cfg: RunConfig | None = None
) -> AssertingContract:
    """The contract a test session checks against: flag > env > config > spec/."""
    from .config import default_spec

    cfg = cfg if cfg is not None else project_config(root)
    source = spec or os.environ.get("CONFORMANCE_SPEC") or cfg.path_value("spec")
    if not source:
        try:
            source = default_spec(root)
        except ConfigError:
            raise ConfigError(
                "no spec: pass --conformance-spec FILE|URL, or set spec in "
                "[tool.conformance] of pyproject.toml"
            ) from None
    nullable = cfg.value("nullable") or "common"
    contract = AssertingContract(Spec.load(str(source)), nullable=nullable)
    contract.redactor = cfg.redactor()
    return contract


# -- text ------------------------------------------------------------------------------


def excerpt(body: bytes, redactor: Redactor | None = None) -> str:
    """At most `MAX_EXCERPT` characters of a body, on one line, secrets hidden first
    (so a cut in the middle of a secret shows none of it)."""
    if not body:
        return ""
    text = body.decode("utf-8", errors="replace")
    return (redactor or Redactor()).excerpt(text, MAX_EXCERPT)


def failure_text(contract: Contract, verdict: Verdict) -> str:
    """What a person needs to see when a response or body breaks the contract."""
    op = verdict.operation
    what = "body" if verdict.content_type is None else "response"
    count = len(verdict.violations)
    head = f"{op.operation_id} ({op}): the {what} breaks the contract"
    if count:
        head += f" — {count} violation(s)"
    lines = [head]
    if verdict.content_type is None:
        lines.append(f"  checked as:   {verdict.status} (decoded body)")
    else:
        documented = ", ".join(op.responses) or "none"
        lines.append(f"  status:       {verdict.status} (documented: {documented})")
        lines.append(f"  content type: {verdict.content_type or '(none)'}")
    if verdict.request:
        lines.append(f"  request:      {verdict.request}")
    if verdict.branch:
        lines.append(f"  branch:       {verdict.branch}")
    if not verdict.status_as_expected:
        lines.append(
            f"  expected status {verdict.expected_status}, received {verdict.status}"
        )
    current = ""
    for item in verdict.violations[:MAX_VIOLATIONS]:
        if item.check != current:
            current = item.check
            lines.append(f"  {current}:")
        lines.append(text.violation(item.violation, "    "))
    if count > MAX_VIOLATIONS:
        lines.append(f"  … {count - MAX_VIOLATIONS} more violation(s) not shown")
    if verdict.excerpt:
        lines.append(f"  body: {verdict.excerpt}")
    return verdict.redactor.text("\n".join(lines))
