"""Many triggers in one event loop share one transport and one token, and release them when done."""

from __future__ import annotations

import asyncio

from airflow_provider_uipath.call_modes import CallMode
from airflow_provider_uipath.clients import LONG_POLL_MAX_CONNECTIONS, open_transport_count
from airflow_provider_uipath.emulator.server import EmulatorServer
from airflow_provider_uipath.hooks.uipath import UiPathHook
from airflow_provider_uipath.triggers.job import UiPathJobTrigger
from tests.conftest import AddTrigger
from tests.integration.task_runner import first_event

WAITS = 50


async def test_concurrent_waits_share_one_token_and_release_their_transport(
    oauth_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("robot", duration_seconds=0.5, output={"ok": True})
    with UiPathHook() as hook:
        status_urls = [hook.invoke_trigger(invoke_url, {"n": n}).status_url for n in range(WAITS)]
    waits = [first_event(UiPathJobTrigger(status_url=url, poll_interval=0.1)) for url in status_urls]
    events = await asyncio.gather(*waits)
    assert [event["status"] for event in events] == ["success"] * WAITS
    assert open_transport_count() == 0
    assert emulator.stats().token_requests == 1
    assert emulator.stats().jobs_created == WAITS


async def test_a_wait_cancelled_while_the_transport_is_built_leaves_nothing_open(
    pat_connection: str, add_trigger: AddTrigger
) -> None:
    with UiPathHook() as hook:
        status_url = hook.invoke_trigger(
            add_trigger("robot"), {}, call_mode=CallMode.ASYNC_REQUEST_REPLY
        ).status_url
    wait = asyncio.create_task(first_event(UiPathJobTrigger(status_url=status_url, poll_interval=0.1)))
    await asyncio.sleep(0)
    wait.cancel()
    await asyncio.gather(wait, return_exceptions=True)
    assert open_transport_count() == 0


async def test_more_long_polling_waits_than_the_polling_pool_are_all_held_at_once(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    held = 30  # more than the 20 connections status polls share
    emulator.configure(long_poll_wait_seconds=0)
    invoke_url = add_trigger("robot", duration_seconds=60, output={"ok": True})
    with UiPathHook() as hook:
        status_urls = [
            hook.invoke_trigger(invoke_url, {"n": n}, call_mode=CallMode.LONG_POLLING).status_url
            for n in range(held)
        ]
    emulator.configure(long_poll_wait_seconds=30)
    waits = [
        asyncio.create_task(
            first_event(UiPathJobTrigger(status_url=url, call_mode="LongPolling", poll_interval=1))
        )
        for url in status_urls
    ]
    await asyncio.to_thread(emulator.wait_for_held_requests, held, 10)
    assert open_transport_count() == 1
    emulator.advance_clock(61)
    events = await asyncio.gather(*waits)
    assert [event["status"] for event in events] == ["success"] * held
    assert held < LONG_POLL_MAX_CONNECTIONS
