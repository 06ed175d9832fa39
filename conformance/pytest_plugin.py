"""The pytest plugin (`pytest11` entry point `conformance`; `-p no:conformance` = off).

Owns options, the session fixture `contract`, and collection: every exchange of
`--conformance-cassettes PATH` (what `conformance replay PATH` reads: our cassettes,
HAR files, vcrpy YAML, a folder searched recursively) becomes an item
(`getJob[jobId=…]`, as the probe runner names its test cases; foreign requests are
routed to their operation, and one no operation matches is a skipped
`unmatched[GET /path]` item, a failure with `--conformance-unmatched fail`), and
with `--conformance-base-url URL` every probe listed in `[tool.conformance] probes`
becomes a live item marked `conformance_live`.
Items marked `conformance_live` (those, and a team's own) are deselected unless a
base URL is given.

Start-up cost matters (this module is imported by every pytest run where the
package is installed), so only pytest is imported at the top; the contract, the
checks and httpx are imported when a test or an option asks for them. The verdicts
and their text come from runner.py and assertions.py; nothing is checked here.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from .assertions import AssertingContract
    from .config import RunConfig
    from .recording import Exchange
    from .redact import Redactor
    from .runner import ProbeResult, Unmatched

LIVE_MARK = "conformance_live"
_CONTRACT = pytest.StashKey[Any]()  # the loaded contract, or the ConformanceError
_CONFIG = pytest.StashKey["RunConfig"]()
_CLAIMED = pytest.StashKey[dict[Path, str]]()  # collected path -> "cassette" | "live"
_LOADED = pytest.StashKey[dict[Path, list[Any]]]()  # traffic file -> its Exchanges
_ROUTER = pytest.StashKey[Any]()  # routes.Router: one per session, for every file
_PLAN = pytest.StashKey[Any]()  # (requests by name, ProbeSettings) or the error
_SESSION = pytest.StashKey[Any]()  # probe.Session: one client for every live item
_NEXT = pytest.StashKey[Any]()  # the item this process runs after this one
_CONFIGS: list[pytest.Config] = []  # active sessions, innermost last (pytester nests)
_CLI_FLAG = re.compile(r"(?<![\w-])--(spec|base-url)(?![\w-])")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "OpenAPI response contract (conformance)")
    group.addoption(
        "--conformance-spec",
        metavar="FILE|URL",
        help="OpenAPI document (default: spec in [tool.conformance])",
    )
    group.addoption(
        "--conformance-base-url",
        metavar="URL",
        help=f"run live probes of [tool.conformance] and {LIVE_MARK} tests here",
    )
    group.addoption(
        "--conformance-cassettes",
        metavar="PATH",
        help="collect every exchange at PATH as a test item: a folder (searched "
        "recursively) or one file; our *.jsonl cassettes, *.har, vcrpy *.yaml",
    )
    group.addoption(
        "--conformance-unmatched",
        choices=("skip", "fail"),
        default="skip",
        help="a recorded request no operation matches: a skipped item (default) "
        "or a failed one",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{LIVE_MARK}: needs a live API; deselected unless --conformance-base-url",
    )
    _CONFIGS.append(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    if config in _CONFIGS:
        _CONFIGS.remove(config)
    session = config.stash.get(_SESSION, None)
    if session is not None:
        del config.stash[_SESSION]
        session.close()


# -- the contract --------------------------------------------------------------------


def _run_config(config: pytest.Config) -> RunConfig:
    if _CONFIG not in config.stash:
        from .assertions import project_config

        config.stash[_CONFIG] = project_config(config.rootpath)
    return config.stash[_CONFIG]


def contract_of(config: pytest.Config) -> AssertingContract:
    """The session's contract (loaded once); a bad spec or config fails the test."""
    if _CONTRACT not in config.stash:
        from .assertions import load_for_tests
        from .errors import ConformanceError

        try:
            config.stash[_CONTRACT] = load_for_tests(
                config.getoption("conformance_spec"),
                config.rootpath,
                _run_config(config),
            )
        except ConformanceError as exc:
            config.stash[_CONTRACT] = exc  # remembered: one load per session
    found = config.stash[_CONTRACT]
    if isinstance(found, Exception):
        pytest.fail(f"conformance: {own_options(str(found))}", pytrace=False)
    return found


def own_options(message: str) -> str:
    """A message of the shared code with the CLI's flags named as this plugin's
    options (`--spec` → `--conformance-spec`), so the advice can be followed."""
    return _CLI_FLAG.sub(r"--conformance-\1", message)


def session_contract() -> AssertingContract:
    """The `contract` fixture's object, for module-level `@given(...)` strategies."""
    if not _CONFIGS:
        raise RuntimeError("session_contract() is only available inside a pytest run")
    return contract_of(_CONFIGS[-1])


@pytest.fixture(scope="session", name="contract")
def _contract_fixture(request: pytest.FixtureRequest) -> AssertingContract:
    """The loaded contract, with `assert_conforms(obj, operation=..., status=...)`."""
    return contract_of(request.config)


# -- collection ----------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> None:
    """Add the cassettes (and the config file, for live probes) to what is collected.

    Done here rather than at configure time: under xdist the controller never
    collects, and each worker adds the same paths, so every worker sees the same items.
    """
    config = session.config
    claimed: dict[Path, str] = {}
    cassettes = config.getoption("conformance_cassettes")
    if cassettes:
        from .errors import UsageError
        from .traffic import load_traffic, traffic_files

        location = Path(config.invocation_params.dir, cassettes)
        try:  # read here: a bad file is a usage error naming file and entry
            named = location.is_file()
            loaded = {
                path.resolve(): load_traffic(path, named=named)
                for path in traffic_files(location)
            }
        except UsageError as exc:
            raise pytest.UsageError(f"--conformance-cassettes: {exc}") from None
        config.stash[_LOADED] = loaded
        # A YAML file that is no vcrpy cassette (a spec, a config) is not claimed.
        claimed.update((path, "cassette") for path, found in loaded.items() if found)
        _add_arg(config, location.resolve())
    if config.getoption("conformance_base_url"):
        from .errors import ConformanceError

        try:
            cfg = _run_config(config)
            probes = cfg.probes()
        except ConformanceError as exc:  # a bad config: the user's error, not ours
            raise pytest.UsageError(f"conformance: {own_options(str(exc))}") from None
        if cfg.path is not None and probes:
            claimed[cfg.path.resolve()] = "live"
            _add_arg(config, cfg.path.resolve())
    config.stash[_CLAIMED] = claimed


def _add_arg(config: pytest.Config, path: Path) -> None:
    if str(path) not in config.args:
        config.args.append(str(path))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> Any:
    claimed = parent.config.stash.get(_CLAIMED, None)
    kind = claimed.get(file_path.resolve()) if claimed else None
    if kind == "cassette":
        return CassetteFile.from_parent(parent, path=file_path)
    if kind == "live":
        return LiveProbes.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Remember the next item (pytest and each xdist worker know it) for prefetching."""
    if isinstance(item, LiveProbeItem):
        item.stash[_NEXT] = nextitem


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    if config.getoption("conformance_base_url"):
        return
    keep, live = [], []
    for item in items:
        (live if item.get_closest_marker(LIVE_MARK) else keep).append(item)
    if live:
        config.hook.pytest_deselected(items=live)
        items[:] = keep


def _unique(names: Iterable[str]) -> Iterator[str]:
    """Names made unique (`getJob[jobId=A]#2`): a node id may appear only once."""
    from .probe import unique_name

    seen: dict[str, int] = {}
    for name in names:
        yield unique_name(name, seen)


class CassetteFile(pytest.File):
    """A traffic file: one item per exchange, in file order; foreign exchanges
    routed (runner.routed, as `conformance replay`), unmatched requests last."""

    def collect(self) -> Iterator[pytest.Item]:
        exchanges = self.config.stash[_LOADED][self.path.resolve()]
        unmatched: list[Unmatched] = []
        if any(not e.operation_id for e in exchanges):  # HAR or vcrpy
            from .routes import Router
            from .runner import routed

            contract = contract_of(self.config)
            if _ROUTER not in self.config.stash:
                self.config.stash[_ROUTER] = Router.for_spec(contract.spec)
            router = self.config.stash[_ROUTER]
            exchanges = routed(contract, exchanges, None, unmatched, router)
        names = _unique(
            [e.name for e in exchanges] + [_unmatched_name(u) for u in unmatched]
        )
        for exchange in exchanges:
            yield CassetteItem.from_parent(self, name=next(names), exchange=exchange)
        skip = self.config.getoption("conformance_unmatched") != "fail"
        for request in unmatched:
            item = UnmatchedItem.from_parent(self, name=next(names), request=request)
            if skip:  # reported at the item, as any skip mark
                item.add_marker(pytest.mark.skip(reason=item.why()))
            yield item


def _unmatched_name(request: Unmatched) -> str:
    from urllib.parse import urlsplit

    return f"unmatched[{request.method} {urlsplit(request.url).path or '/'}]"


class UnmatchedItem(pytest.Item):
    """A recorded request no operation of the spec matches: skipped, saying why
    (failed with `--conformance-unmatched fail`); never judged."""

    def __init__(self, *, request: Unmatched, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.request = request

    def why(self) -> str:
        request = self.request
        status = "no answer" if request.status is None else str(request.status)
        where = f" [{request.source}]" if request.source else ""
        return (
            _run_config(self.config)
            .redactor()
            .text(
                f"unmatched: {request.method} {request.url} ({status}): "
                f"{request.reason}{where}"
            )
        )

    def runtest(self) -> None:  # `--conformance-unmatched fail`
        pytest.fail(self.why(), pytrace=False)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, 0, self.name  # a line: pytest places skips by it


class LiveProbes(pytest.File):
    """The probes listed in `[tool.conformance]`: one live item per probe."""

    def collect(self) -> Iterator[pytest.Item]:
        from .probe import probe_name

        probes = _run_config(self.config).probes()
        names = _unique(probe_name(p.operation, p.params) for p in probes)
        for index, name in enumerate(names):
            item = LiveProbeItem.from_parent(self, name=name, index=index)
            item.add_marker(LIVE_MARK)
            yield item


class _ExchangeItem(pytest.Item):
    """An item judged like a probe: setup gets the verdict, the call reports it.

    No answer (the network, not the contract) is an error at setup, as `conformance
    run` counts it apart from failures; a broken contract is a test failure.
    """

    result: ProbeResult | None = None
    recorded: Exchange | None = None
    known: Redactor

    def exchange(self) -> Exchange:
        raise NotImplementedError

    def redactor(self) -> Redactor:
        """What no report may show: the project's secrets (config, token variable)."""
        return _run_config(self.config).redactor()

    def setup(self) -> None:
        from .runner import ERROR, judge

        contract = contract_of(self.config)
        cfg = _run_config(self.config)
        checks = cfg.value("checks")
        self.recorded = self.exchange()
        self.known = self.redactor().learned_from(self.recorded)
        self.result = self.known.data(
            judge(self.recorded, contract, list(checks) if checks else None, True)
        )
        properties = [("status", str(self.result.status))]
        if self.result.content_type:
            properties.append(("content_type", self.result.content_type))
        if self.result.branch:
            properties.append(("branch", self.result.branch))
        if self.result.warnings:
            drift = ", ".join(w.violation.pointer for w in self.result.warnings)
            properties.append(("drift", drift))
        self.user_properties += [(k, self.known.text(v)) for k, v in properties]
        if self.result.outcome == ERROR:
            why = self.result.error
            if self.result.error_kind == "network":
                why = f"no answer from {self.result.url or 'the API'}: {why}"
            pytest.fail(self.known.text(f"{self.name}: {why}"), pytrace=False)

    def runtest(self) -> None:
        from .assertions import Verdict, excerpt, failure_text
        from .runner import FAILED

        result, exchange = self.result, self.recorded
        assert result is not None, "setup did not run"
        assert exchange is not None, "setup did not run"
        if result.outcome != FAILED:
            return
        contract = contract_of(self.config)
        verdict = Verdict(
            contract.operation(result.operation_id),
            result.violations,
            result.status,
            result.content_type,
            result.branch,
            excerpt(exchange.body, self.known),
            request=f"{result.method} {result.url}".strip(),
            redactor=self.known,
        )
        pytest.fail(failure_text(contract, verdict), pytrace=False)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, self.name


class CassetteItem(_ExchangeItem):
    """One recorded exchange, checked offline."""

    def __init__(self, *, exchange: Exchange, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._exchange = exchange

    def exchange(self) -> Exchange:
        return self._exchange


class LiveProbeItem(_ExchangeItem):
    """One probe of the config, sent to `--conformance-base-url` when it runs."""

    def __init__(self, *, index: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = index

    def exchange(self) -> Exchange:
        requests, _ = _plan(self.config)
        session = _session(self.config)
        following = self.stash.get(_NEXT, None)
        if isinstance(following, LiveProbeItem):
            # This worker runs it next: its request travels while this one is judged.
            session.prefetch(requests[following.index])
        return session.send(requests[self.index])

    def redactor(self) -> Redactor:
        from .probe import redactor_of

        return super().redactor().merged(redactor_of(_plan(self.config)[1]))


def _session(config: pytest.Config) -> Any:
    """The live items' one client and event loop (per session, so per xdist worker)."""
    if _SESSION not in config.stash:
        from .probe import Session

        config.stash[_SESSION] = Session(_plan(config)[1])
    return config.stash[_SESSION]


def _plan(config: pytest.Config) -> tuple[list[Any], Any]:
    """Every live request (planned once: flags > config > defaults, token from env)."""
    if _PLAN not in config.stash:
        import argparse

        from .errors import ConformanceError
        from .run_cmd import plan

        args = argparse.Namespace(
            target=None,
            base_url=config.getoption("conformance_base_url"),
            operation=None,
            param=[],
            auth_scheme=None,
            token_env=None,
            timeout=None,
            retries=None,
            concurrency=None,
            rate_limit=None,
            max_body_size=None,
        )
        try:
            requests, settings, _ = plan(
                args, _run_config(config), contract_of(config), sys.stderr
            )
            config.stash[_PLAN] = (requests, settings)
        except ConformanceError as exc:
            config.stash[_PLAN] = exc
    found = config.stash[_PLAN]
    if isinstance(found, Exception):
        pytest.fail(f"conformance: {own_options(str(found))}", pytrace=False)
    return found
