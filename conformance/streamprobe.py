"""Reading a streamed response incrementally, within the limits a nightly needs.

An endless stream is normal (deployment status, logs, an LLM's tokens): the probe
reads items as they arrive and stops at the first limit reached — `stream_items`
items, `stream_seconds` seconds, `max_bytes` bytes, or `idle` seconds without a
byte. Stopping at a limit is not an error; it is written down (`stopped`) beside
the items' arrival times, which cassettes keep so a replay judges the same items.

Memory is bounded by `max_bytes` (the body kept for the checks and the cassette)
plus one unfinished item in the parser.

`on_item` sees each item the probe keeps, as it arrives (before the next read), so
a broken item can be judged and reported while the stream is still open; the items
it sees are exactly the ones the final check judges (`items` of `extra()`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .streams import Item, parser_for

if TYPE_CHECKING:
    import httpx

__all__ = ["ItemHook", "StreamLimits", "StreamRead", "read_stream"]

ItemHook = Callable[[Item], None]


@dataclass(frozen=True, slots=True)
class StreamLimits:
    """When to stop reading a stream (each 0 or less: no such limit)."""

    items: int = 100
    seconds: float = 10.0
    max_bytes: int = 8 * 1024 * 1024
    idle: float = 0.0  # the per-read timeout; 0: the client's own


@dataclass(frozen=True, slots=True)
class StreamRead:
    """What was read: the body up to the stop, item arrival times, why it stopped."""

    body: bytes
    times: tuple[float, ...]
    # "" (the stream ended), "items", "seconds", "bytes", "idle", "closed (…)"
    stopped: str

    def extra(self) -> dict[str, Any]:
        """The `stream` entry of an exchange's extra (cassettes keep it)."""
        return {
            "items": len(self.times),
            "times": [round(t, 4) for t in self.times],
            "stopped": self.stopped,
        }


async def read_stream(
    response: httpx.Response,
    media_type: str,
    limits: StreamLimits,
    on_item: ItemHook | None = None,
) -> StreamRead:
    """Read `response` (sent with `stream=True`) item by item until a limit;
    `on_item` is called with each kept item as soon as it is whole."""
    import httpx

    parser = parser_for(media_type)
    chunks: list[bytes] = []
    size = 0
    times: list[float] = []
    started = time.perf_counter()
    stopped = ""

    def full() -> bool:
        return 0 < limits.items <= len(times)

    try:
        async with asyncio.timeout(limits.seconds if limits.seconds > 0 else None):
            async for chunk in response.aiter_bytes():
                at = time.perf_counter() - started
                if limits.max_bytes > 0 and size + len(chunk) > limits.max_bytes:
                    chunk = chunk[: limits.max_bytes - size]
                    stopped = "bytes"
                chunks.append(chunk)
                size += len(chunk)
                for item in parser.feed(chunk, at):
                    if not full():
                        times.append(at)
                        if on_item is not None:
                            on_item(item)
                if full():
                    stopped = "items"
                if stopped:
                    break
            else:
                for item in parser.close(time.perf_counter() - started):
                    if not full():
                        times.append(item.at)
                        if on_item is not None:
                            on_item(item)
    except TimeoutError:
        stopped = "seconds"
    except httpx.ReadTimeout:
        stopped = "idle"
    except httpx.TransportError as exc:  # the server cut the stream: keep the items
        stopped = f"closed ({type(exc).__name__})"
    finally:
        await response.aclose()
    return StreamRead(b"".join(chunks), tuple(times), stopped)
