"""Pauses that end on the same tick share one timer of the event loop (isolated on purpose)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from airflow_provider_uipath.polling import POLL_TICK_SECONDS, tick_after
from airflow_provider_uipath.ticks import sleep_until_tick


@pytest.fixture
async def timers(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """When each timer the running event loop schedules from now on is due."""
    loop = asyncio.get_running_loop()
    scheduled: list[float] = []
    schedule = loop.call_at

    def counting_call_at(when: float, *args: Any, **kwargs: Any) -> asyncio.TimerHandle:
        scheduled.append(when)
        return schedule(when, *args, **kwargs)

    monkeypatch.setattr(loop, "call_at", counting_call_at)
    return scheduled


async def test_pauses_ending_on_one_tick_share_one_timer_on_the_grid(
    timers: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = asyncio.get_running_loop()
    # The pauses are asked for at one instant, on a tick, so all of them end on the next one.
    tick = tick_after(loop.time(), 0)
    on_a_tick = tick * POLL_TICK_SECONDS
    with monkeypatch.context() as frozen:
        frozen.setattr(loop, "time", lambda: on_a_tick)
        pauses = [sleep_until_tick(0.001 + n * 0.0001) for n in range(200)]
    assert timers == [(tick + 1) * POLL_TICK_SECONDS]  # one timer, on the grid's next tick
    await asyncio.gather(*pauses)
    assert loop.time() >= on_a_tick + 0.001 + 199 * 0.0001


async def test_a_cancelled_pause_leaves_the_others_of_its_tick_to_wake() -> None:
    cancelled = asyncio.ensure_future(sleep_until_tick(0.05))
    kept = asyncio.ensure_future(sleep_until_tick(0.05))
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.wait_for(kept, timeout=5)
    assert cancelled.cancelled()
    assert kept.done()
    assert kept.exception() is None


async def test_a_zero_pause_only_yields_to_the_loop(timers: list[float]) -> None:
    loop = asyncio.get_running_loop()
    others_ran: list[bool] = []
    loop.call_soon(others_ran.append, True)
    await sleep_until_tick(0)
    assert others_ran == [True]  # the loop got its turn
    assert timers == []  # and no timer waits for a tick
