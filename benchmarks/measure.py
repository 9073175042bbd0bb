"""What the benchmark measures inside the process that runs the waits.

- :class:`ConnectionCounter`: TCP connections the event loop opens (every ``loop.create_connection``,
  which is how aiohttp connects, for both sides) and how many are open at once.
- :class:`LoopSampler`: a coroutine that sleeps a short period and records how late it wakes up (the
  event loop's lag), sampling the process's RSS and the open connections as it goes.
- :class:`GarbageCollectionTimer`: time spent in Python's garbage collector, per generation.
- :func:`percentile`: nearest-rank percentiles of the samples.

CPU is read with :func:`time.process_time`, which counts every thread of this process and nothing
of the emulator's.
"""

from __future__ import annotations

import asyncio
import gc
import math
import time
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import psutil

#: How long the lag monitor sleeps between two wake-ups, in seconds.
LAG_PERIOD_SECONDS = 0.05
#: The monitor samples RSS and open connections every this many wake-ups.
RESOURCE_SAMPLE_EVERY = 4

CreateConnection = Callable[..., Awaitable[tuple[asyncio.BaseTransport, asyncio.BaseProtocol]]]


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Return the nearest-rank percentile of samples, or NaN without samples.

    :param samples: the values.
    :param fraction: 0.5 for the median, 0.99 for p99.
    """
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def resident_set_bytes() -> int:
    """Return this process's resident set size, in bytes."""
    return int(psutil.Process().memory_info().rss)


class ConnectionCounter:
    """Count the TCP connections an event loop opens, and how many are open at a time.

    Installed on the loop instance, so it sees every connection aiohttp makes (through
    ``loop.create_connection``), whichever client or session asks.
    """

    def __init__(self) -> None:
        self.opened = 0
        self.peak_open = 0
        self._transports: weakref.WeakSet[asyncio.BaseTransport] = weakref.WeakSet()

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        """Wrap the loop's ``create_connection`` so each connection is counted.

        :param loop: the running event loop.
        """
        create_connection: CreateConnection = loop.create_connection

        async def counted_create_connection(*args: Any, **kwargs: Any) -> Any:
            transport, protocol = await create_connection(*args, **kwargs)
            self.opened += 1
            self._transports.add(transport)
            return transport, protocol

        loop.create_connection = counted_create_connection  # type: ignore[method-assign]

    def sample_open(self) -> int:
        """Count the connections open now, and keep the highest count seen."""
        open_now = sum(1 for transport in list(self._transports) if not transport.is_closing())
        self.peak_open = max(self.peak_open, open_now)
        return open_now


class GarbageCollectionTimer:
    """Add up the time the garbage collector runs, and count its collections per generation."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = [0, 0, 0]
        self._started = 0.0

    def __enter__(self) -> GarbageCollectionTimer:
        gc.callbacks.append(self._observe)
        return self

    def __exit__(self, *exc_info: object) -> None:
        gc.callbacks.remove(self._observe)

    def _observe(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        self.seconds += time.perf_counter() - self._started
        self.collections[info["generation"]] += 1


class LoopSampler:
    """Wake up every :data:`LAG_PERIOD_SECONDS`, recording the lag, RSS and open connections.

    :param connections: the connection counter to sample.
    """

    def __init__(self, connections: ConnectionCounter) -> None:
        self.connections = connections
        self.lags: list[float] = []
        self.peak_rss = 0
        self._stopped = asyncio.Event()

    async def run(self) -> None:
        """Sample until :meth:`stop` is called."""
        loop = asyncio.get_running_loop()
        wake_ups = 0
        while not self._stopped.is_set():
            due = loop.time() + LAG_PERIOD_SECONDS
            await asyncio.sleep(LAG_PERIOD_SECONDS)
            self.lags.append(max(0.0, loop.time() - due))
            wake_ups += 1
            if wake_ups % RESOURCE_SAMPLE_EVERY == 0:
                self.sample_resources()

    def sample_resources(self) -> None:
        """Record the RSS and the open connections now."""
        self.peak_rss = max(self.peak_rss, resident_set_bytes())
        self.connections.sample_open()

    def stop(self) -> None:
        """Make :meth:`run` return after its current sleep."""
        self._stopped.set()
