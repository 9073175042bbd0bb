"""Hold a LongPolling request until its job ends or the wait window closes."""

from __future__ import annotations

import math

from airflow_provider_uipath.emulator.jobs import Job
from airflow_provider_uipath.emulator.state import EmulatorState

MIN_WAIT_SECONDS = 0.001


async def wait_for_job_end(state: EmulatorState, job: Job, window_seconds: float) -> bool:
    """Wait until ``job`` is in a terminal state, for at most ``window_seconds`` on the emulator's clock.

    The wait sleeps until the job's scheduled end or the end of the window, whichever comes first,
    and wakes up early when the state changes (a stop, a clock jump, a reset, a knob change).

    :param state: the emulator state.
    :param job: the job to wait for.
    :param window_seconds: the longest to hold the request.
    :returns: whether the job has ended.
    """
    deadline = state.now() + window_seconds
    while True:
        seen_version = state.changes.version
        now = state.now()
        if job.state_at(now).is_terminal:
            return True
        if now >= deadline or state.changes.closed:
            return False
        wake_at = min(deadline, job.ended_at if job.ended_at is not None else math.inf)
        await state.changes.wait_for_change(seen_version, max(wake_at - now, MIN_WAIT_SECONDS))
