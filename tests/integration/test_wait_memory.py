"""A wait holds none of its answers through the pause between two polls.

Thousands of waits share the triggerer's heap: an answer kept alive through a pause outlives a
garbage collection or two, and the oldest generation then fills, and is walked, faster.
"""

from __future__ import annotations

import gc

import httpx
import pytest

from airflow_provider_uipath.hooks import uipath_async
from airflow_provider_uipath.hooks.uipath import UiPathHook
from airflow_provider_uipath.triggers.job import UiPathJobTrigger
from tests.conftest import AddTrigger
from tests.integration.task_runner import first_event


def live_responses() -> int:
    """How many ``httpx.Response`` objects the process holds, after a full collection."""
    gc.collect()
    return sum(type(candidate) is httpx.Response for candidate in gc.get_objects())


async def test_a_waiting_trigger_holds_no_answer_through_its_pause(
    pat_connection: str, add_trigger: AddTrigger, monkeypatch: pytest.MonkeyPatch
) -> None:
    with UiPathHook() as hook:
        status_url = hook.invoke_trigger(add_trigger("robot", duration_seconds=1), {}).status_url
    held_at_pauses: list[int] = []
    real_pause = uipath_async.pause_to_next_tick

    def pause_counting_responses(now: float, seconds: float) -> float:
        held_at_pauses.append(live_responses() - responses_before)
        return real_pause(now, seconds)

    monkeypatch.setattr(uipath_async, "pause_to_next_tick", pause_counting_responses)
    responses_before = live_responses()
    event = await first_event(UiPathJobTrigger(status_url=status_url, poll_interval=0.05))
    assert event["status"] == "success"
    assert len(held_at_pauses) >= 2
    assert held_at_pauses == [0] * len(held_at_pauses)
