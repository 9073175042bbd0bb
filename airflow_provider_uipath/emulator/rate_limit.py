"""A sliding-window request counter, used for the rate limit on ``GET /odata/Jobs``."""

from __future__ import annotations

import threading
from collections import deque

RATE_LIMIT_WINDOW_SECONDS = 60.0


class SlidingWindowLimiter:
    """Allow at most N requests in any window of ``window_seconds`` on the emulator's clock.

    :param window_seconds: the length of the window.
    """

    def __init__(self, window_seconds: float = RATE_LIMIT_WINDOW_SECONDS) -> None:
        self._window_seconds = window_seconds
        self._accepted: deque[float] = deque()
        self._lock = threading.Lock()

    def try_acquire(self, now: float, limit: int | None) -> bool:
        """Count one request if the window has room and say whether it may proceed.

        :param now: the time of the request on the emulator's clock.
        :param limit: requests allowed per window; ``None`` allows every request.
        """
        if limit is None:
            return True
        with self._lock:
            while self._accepted and self._accepted[0] <= now - self._window_seconds:
                self._accepted.popleft()
            if len(self._accepted) >= limit:
                return False
            self._accepted.append(now)
            return True

    def clear(self) -> None:
        """Forget every counted request."""
        with self._lock:
            self._accepted.clear()
