"""Pacing of status requests: how long to wait before asking again."""

from __future__ import annotations

import math
import random
import time

from airflow_provider_uipath.exceptions import UiPathConfigError

#: Seconds between two status requests of a running job, unless the user sets another.
DEFAULT_POLL_INTERVAL = 10.0
#: Spread of each wait around the poll interval, so thousands of waits do not poll in step.
POLL_JITTER_FRACTION = 0.1
#: The grid, in seconds, on which the waits of one triggerer wake: a turn of the event loop then
#: sends every poll due on that tick, instead of one turn (and one system call to wait) per poll.
#: At 5,000 waits this saves about a fifth of the CPU per poll (see the README's benchmark).
POLL_TICK_SECONDS = 0.1


def check_poll_interval(poll_interval: float) -> float:
    """Return a poll interval that is a positive number of seconds.

    :param poll_interval: seconds between two status requests.
    :raises UiPathConfigError: for zero, negative or non-numeric values.
    """
    try:
        seconds = float(poll_interval)
    except (TypeError, ValueError):
        seconds = float("nan")
    if not 0 < seconds < float("inf"):
        raise UiPathConfigError(f"poll_interval must be a positive number of seconds, not {poll_interval!r}.")
    return seconds


def seconds_until_next_poll(
    last_request_started: float, poll_interval: float, now: float | None = None
) -> float:
    """How long to wait so that two status requests start about ``poll_interval`` apart.

    A LongPolling request that Orchestrator held for longer than the interval is followed at once;
    one answered at once waits the interval, so no loop ever spins.

    :param last_request_started: the monotonic time the last request was sent.
    :param poll_interval: seconds between two status requests.
    :param now: the monotonic time now (defaults to the clock).
    """
    now = time.monotonic() if now is None else now
    jittered = poll_interval * random.uniform(1 - POLL_JITTER_FRACTION, 1 + POLL_JITTER_FRACTION)
    return max(0.0, last_request_started + jittered - now)


def tick_after(now: float, seconds: float, tick: float = POLL_TICK_SECONDS) -> int:
    """The number of the first tick of the shared grid at least ``seconds`` from now.

    Many waits in one event loop then wake together, whatever their jitter, at most one tick late.

    :param now: the event loop's time now.
    :param seconds: the pause asked for.
    :param tick: the grid's spacing, in seconds.
    """
    return math.ceil((now + seconds) / tick)


def seconds_left(deadline: float | None) -> float | None:
    """Seconds until a deadline given as a Unix timestamp, or ``None`` without a deadline.

    :param deadline: the Unix time at which the job must have finished.
    """
    if deadline is None:
        return None
    return deadline - time.time()
