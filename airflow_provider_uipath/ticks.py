"""One timer per tick for the pauses of every wait in an event loop.

Pauses between two polls end on the shared grid of :data:`~airflow_provider_uipath.polling.POLL_TICK_SECONDS`,
so in a triggerer hundreds of waits wake on the same tick. With ``asyncio.sleep`` each of them would
still hold a timer of its own through its pause (a heap entry, a copy of the context, a coroutine);
here the waits of one tick share one timer, and each holds a bare future. Fewer objects live through
each pause, so the event loop's timer heap stays small and the garbage collector walks the whole heap
less often.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable

from airflow_provider_uipath.polling import POLL_TICK_SECONDS, tick_after


class TickSleepers:
    """The futures of the waits of one event loop, by the tick their pause ends on."""

    def __init__(self) -> None:
        self._sleepers: dict[int, list[asyncio.Future[None]]] = {}

    def sleep(self, loop: asyncio.AbstractEventLoop, seconds: float) -> asyncio.Future[None]:
        """A future done on the first tick at least ``seconds`` from now.

        :param loop: the running event loop.
        :param seconds: the pause, more than zero.
        """
        tick = tick_after(loop.time(), seconds)
        sleepers = self._sleepers.get(tick)
        if sleepers is None:
            sleepers = self._sleepers[tick] = []
            loop.call_at(tick * POLL_TICK_SECONDS, self._wake, tick)
        woken: asyncio.Future[None] = loop.create_future()
        sleepers.append(woken)
        return woken

    def _wake(self, tick: int) -> None:
        for woken in self._sleepers.pop(tick):
            if not woken.done():  # a cancelled wait leaves its future cancelled
                woken.set_result(None)


#: Per event loop; nothing here refers to the loop, so a closed loop's sleepers go with it.
_sleepers_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, TickSleepers]
_sleepers_by_loop = weakref.WeakKeyDictionary()


def sleep_until_tick(seconds: float) -> Awaitable[None]:
    """Pause until the first shared tick at least ``seconds`` from now; a zero pause only yields.

    A plain function returning what to await, not a coroutine: no frame of its own lives through
    the pause.

    :param seconds: the pause asked for.
    """
    if seconds <= 0:
        return asyncio.sleep(0)
    loop = asyncio.get_running_loop()
    sleepers = _sleepers_by_loop.get(loop)
    if sleepers is None:
        sleepers = _sleepers_by_loop[loop] = TickSleepers()
    return sleepers.sleep(loop, seconds)
