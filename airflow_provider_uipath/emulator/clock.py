"""The emulator's clock: wall-clock time plus an offset that tests push forward."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone


class EmulatorClock:
    """Tell the time for job lifecycles and token expiry; ``advance`` fast-forwards it.

    The clock keeps running at the speed of real time, so short scripted jobs finish on their own;
    ``advance`` adds an offset, so long ones can be finished at once.

    :param time_source: returns the current wall-clock time in seconds since the epoch.
    """

    def __init__(self, time_source: Callable[[], float] = time.time) -> None:
        self._time_source = time_source
        self._offset = 0.0
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        """Seconds added to wall-clock time by calls to :meth:`advance`."""
        return self._offset

    def now(self) -> float:
        """Return the emulator's current time in seconds since the epoch."""
        return self._time_source() + self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward and return the new time.

        :param seconds: how far to move; must not be negative.
        :raises ValueError: when ``seconds`` is negative.
        """
        if seconds < 0:
            raise ValueError(f"The clock only moves forward; got seconds={seconds!r}.")
        with self._lock:
            self._offset += seconds
        return self.now()

    def reset(self) -> None:
        """Drop the offset, back to wall-clock time."""
        with self._lock:
            self._offset = 0.0


def format_timestamp(epoch_seconds: float) -> str:
    """Format a time the way Orchestrator does: ISO-8601 UTC with milliseconds and ``Z``.

    :param epoch_seconds: seconds since the epoch.

    >>> format_timestamp(0.5)
    '1970-01-01T00:00:00.500Z'
    """
    moment = datetime.fromtimestamp(epoch_seconds, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_timestamp(text: str) -> float:
    """Read an ISO-8601 time (``Z`` or an offset; naive means UTC) into seconds since the epoch.

    :param text: the time, e.g. ``2026-01-31T12:00:00Z``.
    :raises ValueError: when the text is not an ISO-8601 time.
    """
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()
