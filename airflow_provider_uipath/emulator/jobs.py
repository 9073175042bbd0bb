"""A job started by an API trigger, whose state is computed from its script and the emulator's clock.

Nothing runs in the background: a job knows when it was created, how long its script stays Pending
and Running, and whether someone asked it to stop, so its state at any instant is a pure function of
the clock. That is what lets a test fast-forward the clock instead of waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from airflow_provider_uipath.emulator.config import FolderSpec, JobScript, TriggerSpec
from airflow_provider_uipath.emulator.vocabulary import CallMode, JobOutcome, JobState, StopStrategy

DEFAULT_FAULT_ERROR: dict[str, Any] = {
    "Code": "Robot.Exception",
    "Title": "Job faulted",
    "Detail": "The job script of this trigger ends in Faulted.",
    "Category": "User",
    "Status": 0,
}
STOPPED_ERROR_CODE = "Orchestrator.JobStopped"
STOPPED_ERROR_TITLE = "Job stopped"

_FINAL_STATE_OF_OUTCOME = {
    JobOutcome.SUCCESSFUL: JobState.SUCCESSFUL,
    JobOutcome.FAULTED: JobState.FAULTED,
    JobOutcome.STOPPED: JobState.STOPPED,
}


@dataclass
class ScheduledStop:
    """A stop of a job: asked for at ``requested_at``, in state Stopped from ``stopped_at``.

    :param requested_at: when the stop takes effect (Stopping starts).
    :param stopped_at: when the job is Stopped.
    :param strategy: SoftStop or Kill.
    :param reason: a sentence for the job error, saying who stopped the job and why.
    """

    requested_at: float
    stopped_at: float
    strategy: StopStrategy
    reason: str


@dataclass
class Job:
    """One job, with what Orchestrator would store about it.

    :param id: the numeric job id.
    :param key: the job's GUID.
    :param result_id: the opaque id in the status and output URLs.
    :param trigger: the trigger that started the job.
    :param folder: the folder of that trigger.
    :param call_mode: the call mode of the call that started the job.
    :param input_arguments: the trigger's defaults overlaid with the call's inputs.
    :param created_at: creation time on the emulator's clock.
    :param stop: a stop, set by StopJobs or by the LongPolling time limit.
    """

    id: int
    key: str
    result_id: str
    trigger: TriggerSpec
    folder: FolderSpec
    call_mode: CallMode
    input_arguments: dict[str, Any]
    created_at: float
    stop: ScheduledStop | None = None

    @property
    def script(self) -> JobScript:
        """The script the job follows, from its trigger."""
        return self.trigger.job

    @property
    def started_at(self) -> float:
        """When the job leaves Pending, unless it was stopped before."""
        return self.created_at + self.script.pending_seconds

    @property
    def natural_end_at(self) -> float | None:
        """When the script ends on its own; ``None`` for a job that hangs."""
        if self.script.outcome is JobOutcome.HANG:
            return None
        return self.started_at + self.script.duration_seconds

    @property
    def ended_at(self) -> float | None:
        """When the job reaches its terminal state; ``None`` while that is not known."""
        if self.stop is not None:
            return self.stop.stopped_at
        return self.natural_end_at

    def state_at(self, now: float) -> JobState:
        """Return the job's state at an instant.

        :param now: a time on the emulator's clock.
        """
        if self.stop is not None and now >= self.stop.requested_at:
            return JobState.STOPPED if now >= self.stop.stopped_at else JobState.STOPPING
        if now < self.started_at:
            return JobState.PENDING
        end = self.natural_end_at
        if end is None or now < end:
            return JobState.RUNNING
        return _FINAL_STATE_OF_OUTCOME[self.script.outcome]

    def request_stop(self, now: float, strategy: StopStrategy, soft_stop_seconds: float) -> None:
        """Stop the job the way StopJobs does; a job that has ended is left alone.

        Pending or killed jobs stop at once; a running job asked to SoftStop is Stopping for
        ``soft_stop_seconds`` first. A soft-stopped job always ends Stopped, even when its script
        would have ended sooner: the emulator does not model a robot finishing its work while
        stopping.

        :param now: the time of the request on the emulator's clock.
        :param strategy: SoftStop or Kill.
        :param soft_stop_seconds: how long a SoftStop keeps a running job in Stopping.
        """
        state = self.state_at(now)
        if state.is_terminal:
            return
        if state is JobState.STOPPING and self.stop is not None:
            _kill_while_stopping(self.stop, now, strategy)
            return
        delay = soft_stop_seconds if state is JobState.RUNNING and strategy is StopStrategy.SOFT_STOP else 0.0
        self.stop = ScheduledStop(
            now, now + delay, strategy, f"The job was stopped with strategy {strategy.value}."
        )

    def limit_long_polling(self, max_job_seconds: float) -> None:
        """Schedule the stop of a LongPolling job that would run longer than allowed.

        :param max_job_seconds: the longest a LongPolling job may run.
        """
        limit = self.started_at + max_job_seconds
        end = self.natural_end_at
        if end is not None and end <= limit:
            return
        reason = (
            f"The job ran longer than the {max_job_seconds:g} seconds allowed for LongPolling calls "
            "and was stopped."
        )
        self.stop = ScheduledStop(limit, limit, StopStrategy.KILL, reason)

    def output_arguments(self) -> dict[str, Any]:
        """Return the output arguments of the script, with the inputs echoed if the script says so."""
        if self.script.echo_inputs:
            return {**self.script.output, "echo": dict(self.input_arguments)}
        return dict(self.script.output)

    def error_info(self) -> dict[str, Any] | None:
        """Return the job error of a job that ended Faulted or Stopped, else ``None``."""
        if self.stop is not None:
            return _stopped_error(self.stop.reason)
        if self.script.outcome is JobOutcome.FAULTED:
            return dict(self.script.error or DEFAULT_FAULT_ERROR)
        if self.script.outcome is JobOutcome.STOPPED:
            return _stopped_error("The job script of this trigger ends in Stopped.")
        return None


def _kill_while_stopping(stop: ScheduledStop, now: float, strategy: StopStrategy) -> None:
    if strategy is StopStrategy.KILL:
        stop.stopped_at = now
        stop.reason = "The job was killed while it was stopping."


def _stopped_error(detail: str) -> dict[str, Any]:
    return {
        "Code": STOPPED_ERROR_CODE,
        "Title": STOPPED_ERROR_TITLE,
        "Detail": detail,
        "Category": "User",
        "Status": 0,
    }
