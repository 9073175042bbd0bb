"""A wait holds none of its answers through the pause between two polls.

Thousands of waits share the triggerer's heap: an answer kept alive through a pause outlives a
garbage collection or two, and the oldest generation then fills, and is walked, faster.
"""

from __future__ import annotations

import gc
from collections.abc import Awaitable

import httpx
import pytest

from airflow_provider_uipath.emulator.server import EmulatorServer
from airflow_provider_uipath.hooks import uipath_async
from airflow_provider_uipath.hooks.uipath import UiPathHook
from airflow_provider_uipath.triggers.job import UiPathJobTrigger
from tests.conftest import AddTrigger
from tests.integration.task_runner import first_event

#: Pauses watched before the job is made to end.
PAUSES = 3


def live_responses() -> int:
    """How many ``httpx.Response`` objects the process holds, after a full collection."""
    gc.collect()
    return sum(type(candidate) is httpx.Response for candidate in gc.get_objects())


async def test_a_waiting_trigger_holds_no_answer_through_its_pause(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with UiPathHook() as hook:
        status_url = hook.invoke_trigger(add_trigger("robot", duration_seconds=60), {}).status_url
    held_at_pauses: list[int] = []
    real_pause = uipath_async.sleep_until_tick

    def pause_counting_responses(seconds: float) -> Awaitable[None]:
        held_at_pauses.append(live_responses() - responses_before)
        if len(held_at_pauses) == PAUSES:
            emulator.advance_clock(61)  # the job ends: the next poll finds its output
        return real_pause(seconds)

    monkeypatch.setattr(uipath_async, "sleep_until_tick", pause_counting_responses)
    responses_before = live_responses()
    event = await first_event(UiPathJobTrigger(status_url=status_url, poll_interval=0.05))
    assert event["status"] == "success"
    assert held_at_pauses == [0] * PAUSES
