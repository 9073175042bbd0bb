"""How a job is shown: Orchestrator's JobDto for the OData API, and a snapshot for tests and admins."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from airflow_provider_uipath.emulator.clock import format_timestamp
from airflow_provider_uipath.emulator.jobs import Job
from airflow_provider_uipath.emulator.vocabulary import CallMode, JobState

JOB_SOURCE_TYPE = "HttpTrigger"
JOB_RUNTIME_TYPE = "Unattended"
EMULATOR_MACHINE_NAME = "UIPATH-EMULATOR"


def job_dto(job: Job, now: float) -> dict[str, Any]:
    """Return a job as Orchestrator's JobDto, at an instant.

    ``InputArguments`` and ``OutputArguments`` are JSON strings; times are ISO-8601 UTC with ``Z``.

    :param job: the job.
    :param now: the instant on the emulator's clock.
    """
    state = job.state_at(now)
    error = job.error_info() if state in (JobState.FAULTED, JobState.STOPPED) else None
    start_time = _start_time(job, now)
    end_time = format_timestamp(job.ended_at) if state.is_terminal and job.ended_at is not None else None
    stop_applies = job.stop is not None and now >= job.stop.requested_at
    return {
        "Id": job.id,
        "Key": job.key,
        "State": state.value,
        "Source": job.trigger.name,
        "SourceType": JOB_SOURCE_TYPE,
        "StartingTriggerId": job.trigger.id,
        "CreationTime": format_timestamp(job.created_at),
        "StartTime": start_time,
        "EndTime": end_time,
        "LastModificationTime": format_timestamp(min(now, job.ended_at or now)),
        "ReleaseName": job.trigger.release_name,
        "ReleaseKey": job.trigger.release_key,
        "Release": {"Key": job.trigger.release_key, "Name": job.trigger.release_name},
        "InputArguments": json.dumps(job.input_arguments),
        "OutputArguments": json.dumps(job.output_arguments()) if state is JobState.SUCCESSFUL else None,
        "Info": _info(state, error),
        "JobError": error,
        "HasErrors": error is not None,
        "StopStrategy": job.stop.strategy.value if job.stop is not None and stop_applies else None,
        "OrganizationUnitId": job.folder.id,
        "OrganizationUnitFullyQualifiedName": job.folder.fully_qualified_name,
        "FolderKey": job.folder.key,
        "RuntimeType": JOB_RUNTIME_TYPE,
        "Type": JOB_RUNTIME_TYPE,
        "HostMachineName": EMULATOR_MACHINE_NAME if start_time is not None else None,
        "JobPriority": "Normal",
    }


@dataclass(frozen=True)
class JobSnapshot:
    """A job as tests see it, at the instant the snapshot was taken.

    :param id: the numeric job id.
    :param key: the job's GUID.
    :param state: the state at that instant.
    :param trigger_slug: the slug of the trigger that started it.
    :param call_mode: the call mode of the call that started it.
    :param folder_id: the folder id.
    :param creation_time: ISO-8601 UTC creation time.
    :param input_arguments: the input arguments.
    :param output_arguments: the output arguments once Successful, else ``None``.
    :param error: the job error once Faulted or Stopped, else ``None``.
    :param result_id: the last segment of its status and output URLs.
    """

    id: int
    key: str
    state: JobState
    trigger_slug: str
    call_mode: CallMode
    folder_id: int
    creation_time: str
    input_arguments: dict[str, Any]
    output_arguments: dict[str, Any] | None
    error: dict[str, Any] | None
    result_id: str

    @classmethod
    def of(cls, job: Job, now: float) -> JobSnapshot:
        """Take a snapshot of a job.

        :param job: the job.
        :param now: the instant on the emulator's clock.
        """
        state = job.state_at(now)
        return cls(
            id=job.id,
            key=job.key,
            state=state,
            trigger_slug=job.trigger.slug,
            call_mode=job.call_mode,
            folder_id=job.folder.id,
            creation_time=format_timestamp(job.created_at),
            input_arguments=dict(job.input_arguments),
            output_arguments=job.output_arguments() if state is JobState.SUCCESSFUL else None,
            error=job.error_info() if state in (JobState.FAULTED, JobState.STOPPED) else None,
            result_id=job.result_id,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object of the snapshot (``GET /_emulator/jobs``), with Orchestrator's casing."""
        return {
            "Id": self.id,
            "Key": self.key,
            "State": self.state.value,
            "TriggerSlug": self.trigger_slug,
            "CallMode": self.call_mode.value,
            "FolderId": self.folder_id,
            "CreationTime": self.creation_time,
            "InputArguments": self.input_arguments,
            "OutputArguments": self.output_arguments,
            "JobError": self.error,
            "ResultId": self.result_id,
        }


def _start_time(job: Job, now: float) -> str | None:
    stopped_before_start = job.stop is not None and job.stop.requested_at <= job.started_at
    if now < job.started_at or stopped_before_start:
        return None
    return format_timestamp(job.started_at)


def _info(state: JobState, error: dict[str, Any] | None) -> str | None:
    if state is JobState.SUCCESSFUL:
        return "Job completed"
    if state is JobState.FAULTED and error is not None:
        return f"Execution error : {error.get('Detail') or error.get('Title')}"
    if state is JobState.STOPPED:
        return "Job stopped"
    return None
