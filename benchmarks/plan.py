"""What the benchmark runs: the sides compared, the numbers of waits, and the timing of jobs and polls."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path


class Side(str, Enum):
    """One way of waiting for a UiPath job in the triggerer."""

    #: ``UiPathJobTrigger`` following AsyncRequestReply jobs from their status URL.
    OURS = "ours"
    #: apache-airflow-providers-http's ``HttpSensorTrigger`` polling the emulator's bench route.
    PEER = "peer"
    #: ``UiPathJobTrigger`` with call mode LongPolling against LongPolling jobs.
    OURS_LONG_POLLING = "ours-longpolling"

    @property
    def call_mode(self) -> str:
        """The ``$callMode`` the side's jobs are started with."""
        return "LongPolling" if self is Side.OURS_LONG_POLLING else "AsyncRequestReply"

    @property
    def label(self) -> str:
        """How the side is named in tables and plots."""
        return SIDE_LABELS[self]


SIDE_LABELS = {
    Side.OURS: "UiPathJobTrigger, polling",
    Side.PEER: "HttpSensorTrigger (peer)",
    Side.OURS_LONG_POLLING: "UiPathJobTrigger, LongPolling",
}

#: The order the sides run in, for each load.
SIDE_ORDER = (Side.OURS, Side.PEER, Side.OURS_LONG_POLLING)
#: How long the emulator holds a LongPolling request (Orchestrator's hold is not documented).
LONG_POLL_HOLD_SECONDS = 30.0
#: Lifetime of the emulator's OAuth tokens: short, so a run spans more than one.
TOKEN_LIFETIME_SECONDS = 30.0
#: Waits still without an event this long after the last job ended are given up.
GRACE_AFTER_LAST_JOB_SECONDS = 30.0


@dataclass(frozen=True)
class Load:
    """How many waits run at once, how often each polls, and how long their jobs run.

    Job durations are whole seconds spread evenly over the range, so the jobs do not all end at once.

    :param waits: concurrent waits.
    :param poll_interval: seconds between two polls of one wait.
    :param shortest_job_seconds: the shortest job.
    :param longest_job_seconds: the longest job.
    """

    waits: int
    poll_interval: float
    shortest_job_seconds: int
    longest_job_seconds: int


#: The loads of ``make bench``. 1,000 waits poll once a second, as in the issue: 1,000 polls/s.
#: 5,000 waits poll every 10 s, the provider's default interval: 500 polls/s. Once a second they would
#: need 5,000 polls/s, 5 to 8 CPU-seconds per second for our side, 7 to 11 for the peer and 1.1 for
#: the emulator, on a 2-core machine (see benchmarks/README.md). Jobs last long enough for each wait
#: to poll 5 to 30 times.
LOADS = (Load(1_000, 1.0, 20, 30), Load(5_000, 10.0, 40, 60))


@dataclass(frozen=True)
class Scenario:
    """One measured run: ``waits`` concurrent waits of one side in one event loop.

    :param side: the way of waiting.
    :param waits: how many waits run at once.
    :param poll_interval: seconds between two polls of one wait.
    :param shortest_job_seconds: the shortest job.
    :param longest_job_seconds: the longest job.
    :param long_poll_hold_seconds: how long the emulator holds a LongPolling request.
    :param token_lifetime_seconds: lifetime of OAuth tokens.
    :param grace_seconds: how long after the last job's end waits may still report.
    """

    side: Side
    waits: int
    poll_interval: float
    shortest_job_seconds: int
    longest_job_seconds: int
    long_poll_hold_seconds: float = LONG_POLL_HOLD_SECONDS
    token_lifetime_seconds: float = TOKEN_LIFETIME_SECONDS
    grace_seconds: float = GRACE_AFTER_LAST_JOB_SECONDS

    @property
    def name(self) -> str:
        """A short name, e.g. ``ours-1000``."""
        return f"{self.side.value}-{self.waits}"

    @property
    def job_seconds(self) -> list[int]:
        """The distinct job durations, one emulator trigger each."""
        return list(range(self.shortest_job_seconds, self.longest_job_seconds + 1))

    def to_dict(self) -> dict[str, object]:
        """Return the JSON object of this scenario."""
        return {**asdict(self), "side": self.side.value}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Scenario:
        """Read a scenario from its JSON object.

        :param data: what :meth:`to_dict` returned.
        """
        return cls(**{**data, "side": Side(data["side"])})  # type: ignore[arg-type]


def scenarios_of(loads: tuple[Load, ...] = LOADS, sides: tuple[Side, ...] = SIDE_ORDER) -> list[Scenario]:
    """Return the scenarios of ``make bench``: each side under each load.

    :param loads: the loads.
    :param sides: the sides.
    """
    return [Scenario(side=side, **asdict(load)) for load in loads for side in sides]


def write_json(path: Path, data: object) -> None:
    """Write JSON, creating the folder.

    :param path: the file.
    :param data: a JSON value.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
