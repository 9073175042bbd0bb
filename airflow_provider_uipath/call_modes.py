"""API trigger call modes and the job states Orchestrator reports."""

from __future__ import annotations

from enum import Enum

from airflow_provider_uipath.exceptions import UiPathConfigError


class CallMode(str, Enum):
    """How an API trigger call is answered (the ``$callMode`` key of the request).

    - ``AsyncRequestReply``: 202 and a status URL to poll until it redirects to the output.
    - ``FireAndForget``: 200 once the job is created; nothing to follow.
    - ``LongPolling``: the call blocks, then redirects to a status URL that blocks again, until the
      final answer carries the output.
    """

    ASYNC_REQUEST_REPLY = "AsyncRequestReply"
    FIRE_AND_FORGET = "FireAndForget"
    LONG_POLLING = "LongPolling"

    def __str__(self) -> str:
        """The value, as Orchestrator spells it (so templates render ``LongPolling``)."""
        return self.value

    @classmethod
    def parse(cls, value: CallMode | str | None) -> CallMode | None:
        """Read a call mode given as an enum, its name or its value; ``None`` stays ``None``.

        :param value: e.g. ``CallMode.LONG_POLLING``, ``"LongPolling"`` or ``"long_polling"``.
        :raises UiPathConfigError: when the value names no call mode.
        """
        if value is None or isinstance(value, CallMode):
            return value
        wanted = str(value).removeprefix(f"{cls.__name__}.").replace("_", "").replace("-", "").lower()
        for mode in cls:
            if wanted in (mode.value.lower(), mode.name.replace("_", "").lower()):
                return mode
        choices = ", ".join(mode.value for mode in cls)
        raise UiPathConfigError(
            f"Unknown call mode {value!r}: use one of {choices}, or None for the trigger's default."
        )


class JobState(str, Enum):
    """The ``State`` of an Orchestrator job."""

    PENDING = "Pending"
    RUNNING = "Running"
    STOPPING = "Stopping"
    TERMINATING = "Terminating"
    SUSPENDED = "Suspended"
    RESUMED = "Resumed"
    SUCCESSFUL = "Successful"
    FAULTED = "Faulted"
    STOPPED = "Stopped"

    @property
    def is_terminal(self) -> bool:
        """Whether the job has ended and will not change again."""
        return self in TERMINAL_JOB_STATES


TERMINAL_JOB_STATES = frozenset({JobState.SUCCESSFUL, JobState.FAULTED, JobState.STOPPED})
