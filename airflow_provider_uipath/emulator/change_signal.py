"""Wake up held requests when something that may end a job happens (a stop, a clock jump, a reset).

Held LongPolling requests run in the server's event loop, while tests may change the state from
another thread; :class:`ChangeSignal` bridges the two with ``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading


class ChangeSignal:
    """A version counter that coroutines can wait on, notified from any thread."""

    def __init__(self) -> None:
        self._version = 0
        self._closed = False
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._lock = threading.Lock()
        self._waiters_changed = threading.Condition(self._lock)

    @property
    def version(self) -> int:
        """A number that grows with every :meth:`notify`; read it before checking the state."""
        return self._version

    @property
    def closed(self) -> bool:
        """Whether the server is shutting down, so nothing should wait any more."""
        return self._closed

    @property
    def waiter_count(self) -> int:
        """How many coroutines are waiting now (held LongPolling requests)."""
        return len(self._waiters)

    def wait_for_waiters(self, count: int, timeout_seconds: float) -> bool:
        """Block the calling thread until at least ``count`` coroutines wait; return whether they do.

        :param count: the number of waiters to wait for.
        :param timeout_seconds: the longest to block.
        """
        with self._waiters_changed:
            return self._waiters_changed.wait_for(lambda: len(self._waiters) >= count, timeout_seconds)

    def notify(self) -> None:
        """Wake up every waiter; safe to call from any thread."""
        with self._lock:
            self._version += 1
            waiters = list(self._waiters)
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    def close(self) -> None:
        """Wake up every waiter for good, so held requests answer at once during shutdown."""
        self._closed = True
        self.notify()

    async def wait_for_change(self, seen_version: int, timeout_seconds: float) -> None:
        """Return after a notify newer than ``seen_version``, or after the timeout.

        :param seen_version: the :attr:`version` read before the caller checked the state.
        :param timeout_seconds: the longest to wait, in real seconds.
        """
        event = asyncio.Event()
        waiter = (asyncio.get_running_loop(), event)
        with self._lock:
            if self._version != seen_version or self._closed:
                return
            self._waiters.add(waiter)
            self._waiters_changed.notify_all()
        try:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(event.wait(), timeout_seconds)
        finally:
            with self._lock:
                self._waiters.discard(waiter)
                self._waiters_changed.notify_all()
