"""Bounded waits: poll a condition until it holds or a deadline passes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

ValueT = TypeVar("ValueT")

#: Seconds between two checks of a condition.
POLL_SLEEP_SECONDS = 0.5


class ConditionTimeout(AssertionError):
    """A condition did not hold before its deadline.

    :param what: the condition, in words.
    :param timeout: the seconds waited.
    :param last_value: what the last check returned.
    """

    def __init__(self, what: str, timeout: float, last_value: object) -> None:
        super().__init__(f"Waited {timeout:g} s for {what}; the last check saw {last_value!r}.")
        self.last_value = last_value


def wait_until(
    check: Callable[[], ValueT | None],
    *,
    timeout: float,
    what: str,
    sleep: float = POLL_SLEEP_SECONDS,
) -> ValueT:
    """Call ``check`` until it returns a truthy value, and return that value.

    ``check`` may raise to stop waiting at once, e.g. when a task failed instead of deferring.

    :param check: returns the awaited value, or something falsy while the condition does not hold.
    :param timeout: seconds to wait at most.
    :param what: the condition, in words, for the error message.
    :param sleep: seconds between two checks.
    :raises ConditionTimeout: when the deadline passes first.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise ConditionTimeout(what, timeout, value)
        time.sleep(sleep)
