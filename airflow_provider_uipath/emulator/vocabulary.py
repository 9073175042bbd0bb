"""Orchestrator's own words that the emulator speaks: call modes, job states, outcomes, stop strategies."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

EnumT = TypeVar("EnumT", bound=Enum)


class CallMode(str, Enum):
    """How an API trigger call is answered (the ``$callMode`` values)."""

    ASYNC_REQUEST_REPLY = "AsyncRequestReply"
    FIRE_AND_FORGET = "FireAndForget"
    LONG_POLLING = "LongPolling"


class JobState(str, Enum):
    """The states a job of the emulator goes through, named as in Orchestrator's JobDto."""

    PENDING = "Pending"
    RUNNING = "Running"
    STOPPING = "Stopping"
    SUCCESSFUL = "Successful"
    FAULTED = "Faulted"
    STOPPED = "Stopped"

    @property
    def is_terminal(self) -> bool:
        """Whether a job in this state will never change state again."""
        return self in TERMINAL_JOB_STATES


TERMINAL_JOB_STATES = frozenset({JobState.SUCCESSFUL, JobState.FAULTED, JobState.STOPPED})


class JobOutcome(str, Enum):
    """How a scripted job ends on its own; ``Hang`` runs until someone stops it."""

    SUCCESSFUL = "Successful"
    FAULTED = "Faulted"
    STOPPED = "Stopped"
    HANG = "Hang"


class StopStrategy(str, Enum):
    """The ``strategy`` accepted by the StopJobs and StopJob actions."""

    SOFT_STOP = "SoftStop"
    KILL = "Kill"


def parse_enum(enum_type: type[EnumT], value: object, what: str) -> EnumT:
    """Turn ``value`` into a member of ``enum_type``, with a message that lists the allowed values.

    :param enum_type: the enumeration whose values are allowed.
    :param value: the value read from JSON or from a request.
    :param what: a name for the value, used in the error message.
    :raises ValueError: when the value is not one of the allowed ones.
    """
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in enum_type)
        raise ValueError(f"{what} must be one of {allowed}; got {value!r}.") from None
