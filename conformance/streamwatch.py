"""Streamed items judged as they arrive, during a live run.

The probe hands each item of a streamed answer to a hook (probe.py's `watch`,
run in the checks' worker thread, off the event loop). `ItemWatch` makes that
hook: it judges the item with the same per-item check as the verdict
(streamcheck.item_violations) and reports each violation at once, so a broken
item is known even if the stream then hangs until a limit or the run is
interrupted. The probe's verdict is still made from the items it kept (the
`stream_items_match_schema` check), which replay repeats exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .model import Violation
from .spec import media_type_matches
from .streamcheck import item_violations

if TYPE_CHECKING:
    from .contract import Contract
    from .probe import ProbeRequest
    from .streamprobe import ItemHook
    from .streams import Item

__all__ = ["ItemReport", "ItemWatch"]

# (the probe's name, a violation of one of its items)
ItemReport = Callable[[str, Violation], None]


class ItemWatch:
    """A probe `watch`: for a documented stream, a hook judging each item."""

    def __init__(self, contract: Contract, report: ItemReport) -> None:
        self.contract = contract
        self.report = report

    def __call__(
        self, request: ProbeRequest, status: int, ctype: str
    ) -> ItemHook | None:
        op = self.contract.operation(request.operation_id)
        response = op.response_for(status)
        if response is None:
            return None
        name = next((n for n in response.content if media_type_matches(n, ctype)), None)
        media = response.content[name] if name is not None else None
        if media is None or not media.sequential or media.item_schema is None:
            return None
        title = f"{op.operation_id} {response.status} item"
        rules: dict[str, Any] = {}  # per event name, as item_violations caches

        def hook(item: Item) -> None:
            for violation in item_violations(
                self.contract, media, (item,), title, rules
            ):
                self.report(request.name, violation)

        return hook
