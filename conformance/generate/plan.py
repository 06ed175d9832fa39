"""The generation plan of one response body, and its valid bodies.

Owns `Plan` (the compiled schema, its validator, the rewrite and the cached
strategies of one response; walks a body into `Site`s, the places with the
schemas that apply there; lists the union alternatives, `Branch`es, a schema
holds and a body takes), the per-contract plan cache `plan_for`, and the public
strategy `valid_bodies`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..source import mappings, pointer_join
from .build import _Builder, _format_aliases, _format_strategies
from .formats import format_draws
from .rewrite import _Rewriter, oneof_label
from .sample import Sampler

if TYPE_CHECKING:
    from random import Random

    from hypothesis.strategies import SearchStrategy

    from ..contract import Contract
    from ..spec import Location
    from ..validate import ResponseValidator


@dataclass(frozen=True, order=True)
class Branch:
    """One alternative of a union: a discriminator arm or a plain oneOf alternative."""

    union: str  # spec pointer of the union (the discriminator object or the oneOf)
    label: str  # "job_type=CRON → CronJobResponse", "…/source oneOf[0] image"

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Site:
    """A place in a valid body, with the compiled schemas that apply there."""

    path: tuple[str | int, ...]
    value: Any
    # (schema node, id of the union it is an alternative of at this level, or None)
    schemas: tuple[tuple[dict[str, Any], int | None], ...]
    discriminator: bool  # the member is the discriminator property of its parent

    @property
    def pointer(self) -> str:
        return pointer_join("", *self.path) if self.path else ""

    def plain(self) -> Iterator[dict[str, Any]]:
        """Applicable schemas that are not one alternative of a union at this level."""
        return (node for node, via in self.schemas if via is None)


class Plan:
    """Strategies, validator and schema walker for one response body (cached)."""

    def __init__(
        self,
        contract: Contract,
        operation_id: str,
        status: int | str | None,
        media_type: str,
        *,
        max_depth: int = 2,
        extra_members: bool = False,
        at: Location | None = None,
    ) -> None:
        import jsonschema

        op, response = contract.response(operation_id, status)
        self.validator: ResponseValidator
        if at is not None:  # a schema of the response other than the body's own:
            # a stream's item schema, an event's contentSchema (generate/items.py)
            self.validator = contract.validator_at(at)
            compiled = self.validator.compiled
        else:
            compiled = contract.compiled(op.operation_id, response.status, media_type)
            self.validator = contract.response_validator(
                op.operation_id, response.status, media_type
            )
        if compiled is None:
            raise UsageError(
                f"{op.operation_id} {response.status} documents no {media_type} body"
            )
        self.operation_id = op.operation_id
        self.status = response.status
        self.media_type = media_type
        self.compiled = compiled
        self.map = contract.compiler.map
        self.formats = contract.enabled_formats()
        aliases = _format_aliases(self.formats)
        self._custom_formats: dict[str, SearchStrategy[str]] | None = None
        self.rewriter = _Rewriter(
            compiled.schema, self.map, aliases, max_depth=max_depth
        )
        self.extra_members = extra_members
        root = compiled.schema
        self._structure = jsonschema.validators.validator_for(root)(root)
        self._strategies: dict[tuple[int, bool], SearchStrategy[Any]] = {}
        self._samplers: dict[int, Sampler] = {}
        self._format_draws: dict[str, Callable[[Random], str]] | None = None

    # -- valid bodies --

    def strategy(self, node: Any = None, *, rich: bool = False) -> SearchStrategy[Any]:
        """Conforming instances of `node` (default: the whole body)."""
        node = self.compiled.schema if node is None else node
        key = (id(node), rich)
        if key not in self._strategies:
            schema = self.rewriter.rewrite(
                node, closed=not self.extra_members, rich=rich
            )
            if self._custom_formats is None:  # hypothesis strategies, built once
                self._custom_formats = _format_strategies(self.formats)
            self._strategies[key] = _Builder(self._custom_formats).build(schema)
        return self._strategies[key]

    def sampler(self, node: Any = None) -> Sampler:
        """The direct sampler of `node` (default: the whole body), built once."""
        node = self.compiled.schema if node is None else node
        found = self._samplers.get(id(node))
        if found is None:
            if self._format_draws is None:
                self._format_draws = format_draws(self.formats, self.rewriter.aliases)
            closed = not self.extra_members
            schema = self.rewriter.rewrite(node, closed=closed, rich=False)
            found = self._samplers[id(node)] = Sampler(schema, self._format_draws)
        return found

    def generation_schema(self, *, rich: bool = False) -> Any:
        """The rewritten schema the valid-body strategy draws from (for inspection)."""
        return self.rewriter.rewrite(
            self.compiled.schema, closed=not self.extra_members, rich=rich
        )

    # -- walking a valid body --

    def fits(self, schema: Any, value: Any) -> bool:
        """`value` is valid under `schema` (structure only, formats not asserted)."""
        return bool(self._structure.evolve(schema=schema).is_valid(value))

    def deref(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 64:
            name = node["$ref"].rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
            node = self.rewriter.defs.get(name)
            seen += 1
        return node

    def sites(self, body: Any) -> list[Site]:
        """Every place in `body` with the schemas that apply there, shallow first."""
        out: list[Site] = []
        queue: list[tuple[Any, tuple[str | int, ...], list[Any], bool]] = [
            (body, (), [self.compiled.schema], False)
        ]
        while queue:
            value, path, roots, is_disc = queue.pop(0)
            applied = self._applicable(value, [(r, None) for r in roots])
            out.append(Site(path, value, tuple(applied), is_disc))
            if isinstance(value, dict):
                props_of: dict[str, list[Any]] = {}
                extra: list[Any] = []
                disc = set()
                for node, _ in applied:
                    for name, sub in (node.get("properties") or {}).items():
                        props_of.setdefault(name, []).append(sub)
                    if isinstance(node.get("additionalProperties"), dict):
                        extra.append(node["additionalProperties"])
                    guard = self.map.guards.get(id(node))
                    if guard is not None:
                        disc.add(guard.prop)
                    default = self.map.defaults.get(id(node))  # 3.2 defaultMapping
                    if default is not None:
                        disc.add(default.prop)
                for name, member in value.items():
                    subs = props_of.get(name) or extra
                    queue.append((member, (*path, name), subs, name in disc))
            elif isinstance(value, list):
                items = [
                    n["items"] for n, _ in applied if isinstance(n.get("items"), dict)
                ]
                for i, item in enumerate(value):
                    queue.append((item, (*path, i), items, False))
        return out

    def _applicable(
        self, value: Any, todo: list[tuple[Any, int | None]]
    ) -> list[tuple[dict[str, Any], int | None]]:
        out: list[tuple[dict[str, Any], int | None]] = []
        seen: set[int] = set()
        while todo:
            raw, via = todo.pop()
            node = self.deref(raw)
            if not isinstance(node, dict) or id(node) in seen:
                continue
            seen.add(id(node))
            out.append((node, via))
            todo.extend((p, via) for p in node.get("allOf", ()))
            if "if" in node:
                info = self.map.dispatch.get(id(node))
                if info is not None:
                    taken = isinstance(value, dict) and value.get(info.prop) == info.key
                else:
                    taken = self.fits(node["if"], value)
                if taken and "then" in node:
                    todo.append((node["then"], via))
                elif not taken and "else" in node:
                    todo.append((node["else"], via))
            if id(node) in self.map.nullable_wrappers:
                if value is not None:
                    todo.append((node["anyOf"][1], via))
                continue
            for kw in ("oneOf", "anyOf"):
                for alt in node.get(kw) or ():
                    if self.fits(alt, value):
                        todo.append((alt, id(node)))
        return out

    # -- branches --

    def branches(self) -> list[Branch]:
        """Every discriminator arm and plain oneOf alternative the schema holds."""
        found: set[Branch] = set()
        for node in mappings(self.compiled.schema):
            found.update(self._node_branches(node))
        return sorted(found)

    def branches_of(self, body: Any) -> set[Branch]:
        """The union alternatives `body` takes, anywhere in it."""
        taken: set[Branch] = set()
        for site in self.sites(body):
            for node, _ in site.schemas:
                for branch, choice in self._choices(node):
                    if choice(site.value):
                        taken.add(branch)
        return taken

    def _node_branches(self, node: Any) -> list[Branch]:
        return [b for b, _ in self._choices(node)]

    def _choices(self, node: Any) -> list[tuple[Branch, Callable[[Any], bool]]]:
        if not isinstance(node, dict):
            return []
        out: list[tuple[Branch, Callable[[Any], bool]]] = []
        for part in node.get("allOf", ()):
            info = self.map.dispatch.get(id(part))
            if info is None:
                continue
            guard = next(
                (
                    self.map.guards[id(p)]
                    for p in node["allOf"]
                    if id(p) in self.map.guards
                ),
                None,
            )
            union = guard.location.pointer if guard else ""

            def chose(value: Any, info: Any = info) -> bool:
                return isinstance(value, dict) and value.get(info.prop) == info.key

            out.append((Branch(union, info.label), chose))
        alternatives = node.get("oneOf")
        if isinstance(alternatives, list):
            origin = self.map.origin.get(id(node))
            union = origin.pointer if origin else ""
            for i, alt in enumerate(alternatives):
                label = oneof_label(self.map, node, i, alt)

                def chose_alt(value: Any, alt: Any = alt) -> bool:
                    return self.fits(alt, value)

                out.append((Branch(union, label), chose_alt))
        return out


_PLANS: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], Plan]] = (
    weakref.WeakKeyDictionary()
)


def plan_for(
    contract: Contract,
    operation_id: str,
    status: int | str | None = None,
    media_type: str = "application/json",
    **options: Any,
) -> Plan:
    """The (cached) generation plan of one response body."""
    op, response = contract.response(operation_id, status)
    key = (
        op.operation_id,
        response.status,
        media_type,
        tuple(sorted(options.items())),
        tuple(sorted(contract.enabled_formats())),
        id(contract.format_registry.get("cron")),
    )
    plans = _PLANS.setdefault(contract, {})
    if key not in plans:
        plans[key] = Plan(
            contract, op.operation_id, response.status, media_type, **options
        )
    return plans[key]


def valid_bodies(
    contract: Contract,
    operation_id: str,
    status: int | str | None = None,
    media_type: str = "application/json",
    *,
    max_depth: int = 2,
    extra_members: bool = False,
) -> SearchStrategy[Any]:
    """Bodies that conform to one response, by construction (no filtering)."""
    plan = plan_for(
        contract,
        operation_id,
        status,
        media_type,
        max_depth=max_depth,
        extra_members=extra_members,
    )
    return plan.strategy()
