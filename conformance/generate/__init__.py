"""Hypothesis strategies of response bodies: conforming ones, and named mutations.

Valid bodies are made by construction with hypothesis's own strategies (build.py),
from a rewrite of the compiled schema that can be generated from without filtering:

- `$ref`s are inlined; a schema may nest itself `max_depth` times, after which its
  optional members and array items stop (required ones go on, up to a hard cap);
- a compiled discriminator (guard + `if`/`then` arms, see compiler.py) becomes an
  `anyOf` of its arms, each the target schema with the property fixed by `const`;
- a plain `oneOf` becomes an `anyOf` whose alternatives exclude each other: an
  alternative forbids a member that another one requires (`properties: {k: false}`),
  or, where no such member exists, carries `not: other` (a filter, the last resort);
- `allOf` of object schemas is merged into one object (unions distributed), and
  objects are closed (`additionalProperties: false`): bodies carry no undocumented
  members unless asked for (`extra_members=True`);
- formats are renamed to private aliases, each drawn by the format's own strategy
  (`conformance.formats`, `Contract.register_format`) or sampler.

Invalid bodies: draw a valid body, list the places where one named mutation
(`MUTATIONS`) applies, draw one, apply it, and keep the result only if the validator
rejects it. A `Mutation` says where the validator must report the broken rule, by
the validator's conventions (a missing member at the object that lacks it).

No hypothesis-jsonschema: its object generation (0.23.1) uses hypothesis internals
that changed in hypothesis 6.170.10; every node is built here instead, so any
hypothesis from the declared lower bound up works.

Bodies in bulk (`sample_bodies`, `sample_invalid_bodies`, the self-check, the mock
server) come from the direct sampler instead: the same generation schema compiled
into draw functions over a seeded `random.Random` (`sample.py`, its state in
`state.py`, numbers in `numbers.py`, closed objects as source in `inline.py`, leaf
values in `draws.py` and `formats.py`, lists and mutation quotas in `bulk.py`).

Modules: `rewrite.py` (compiled schema → generation schema), `build.py`
(generation schema → strategy), `plan.py` (`Plan`, `plan_for`, `valid_bodies`),
`mutations.py` (`MUTATIONS`, `Mutation`, `invalid_bodies`). The names below are
the package's interface; import them from `conformance.generate`.
"""

from __future__ import annotations

# `__all__` is the public set. The `name as name` imports are deliberate re-exports
# outside it: importable from here as before the split (selfcheck.py, the tests).
from .bulk import mutations_by_rule as mutations_by_rule
from .bulk import sample_bodies, sample_invalid_bodies
from .mutations import MUTATIONS, RULES, Mutation, invalid_bodies
from .mutations import Edit as Edit
from .mutations import applicable_rules as applicable_rules
from .mutations import edits as edits
from .mutations import mutation as mutation
from .plan import Branch, plan_for, valid_bodies
from .plan import Plan as Plan
from .plan import Site as Site

__all__ = [
    "MUTATIONS",
    "RULES",
    "Branch",
    "Mutation",
    "invalid_bodies",
    "plan_for",
    "sample_bodies",
    "sample_invalid_bodies",
    "valid_bodies",
]
