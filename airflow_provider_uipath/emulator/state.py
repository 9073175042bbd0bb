"""The emulator's in-memory state: triggers, jobs, credentials, request log, faults, knobs and clock.

One :class:`EmulatorState` is shared by the server's event loop and by tests (through
:class:`~airflow_provider_uipath.emulator.server.EmulatorServer`), so every change takes a lock, and
changes that may end a job notify :attr:`EmulatorState.changes` to wake up held requests.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from airflow_provider_uipath.emulator.change_signal import ChangeSignal
from airflow_provider_uipath.emulator.clock import EmulatorClock
from airflow_provider_uipath.emulator.config import EmulatorConfig, FolderSpec, OAuthApp, TriggerSpec
from airflow_provider_uipath.emulator.config_fields import EmulatorConfigError
from airflow_provider_uipath.emulator.credentials import CredentialStore
from airflow_provider_uipath.emulator.faults import FaultQueue
from airflow_provider_uipath.emulator.jobs import Job
from airflow_provider_uipath.emulator.knobs import Knobs
from airflow_provider_uipath.emulator.rate_limit import SlidingWindowLimiter
from airflow_provider_uipath.emulator.request_log import RequestLog, RequestRecord
from airflow_provider_uipath.emulator.route_classes import RouteClass
from airflow_provider_uipath.emulator.vocabulary import CallMode, StopStrategy

FIRST_JOB_ID = 7_000_001
RESULT_ID_BYTES = 18


@dataclass(frozen=True)
class EmulatorStats:
    """Counters for tests and the demo.

    :param jobs_created: jobs created since the last reset.
    :param token_requests: requests received by the token endpoint.
    :param tokens_issued: OAuth access tokens issued.
    :param requests_by_route_class: requests received per route class.
    """

    jobs_created: int
    token_requests: int
    tokens_issued: int
    requests_by_route_class: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object of these counters."""
        return {
            "jobs_created": self.jobs_created,
            "token_requests": self.token_requests,
            "tokens_issued": self.tokens_issued,
            "requests_by_route_class": dict(self.requests_by_route_class),
        }


class EmulatorState:
    """Everything the emulator remembers between requests.

    :param config: the configuration; :meth:`reset` returns to it.
    :param clock: the clock for job lifecycles and token expiry.
    """

    def __init__(self, config: EmulatorConfig, clock: EmulatorClock | None = None) -> None:
        self.config = config
        self.clock = clock or EmulatorClock()
        self.changes = ChangeSignal()
        self.faults = FaultQueue()
        self.credentials = CredentialStore(config.personal_access_tokens)
        self.request_log = RequestLog()
        self.jobs_rate_limiter = SlidingWindowLimiter()
        self._lock = threading.RLock()
        self._knobs = config.knobs
        self._triggers: dict[str, TriggerSpec] = {}
        self._jobs: dict[int, Job] = {}
        self._job_ids_by_key: dict[str, int] = {}
        self._job_ids_by_result_id: dict[str, int] = {}
        self._job_ids: Iterator[int] = itertools.count(FIRST_JOB_ID)
        self._load_triggers()

    @property
    def knobs(self) -> Knobs:
        """The knobs in force."""
        return self._knobs

    @property
    def tenant_path(self) -> tuple[str, str]:
        """The organization and tenant names, the first two URL segments."""
        return self.config.org, self.config.tenant

    def now(self) -> float:
        """Return the time on the emulator's clock."""
        return self.clock.now()

    def configure(self, **changes: object) -> Knobs:
        """Change knobs while the emulator runs and return the knobs now in force.

        :param changes: knob names and their new values.
        :raises EmulatorConfigError: for an unknown knob or a bad value.
        """
        with self._lock:
            self._knobs = self._knobs.updated(changes)
        self.changes.notify()
        return self._knobs

    def advance_clock(self, seconds: float) -> float:
        """Fast-forward the clock, wake up held requests, and return the new time.

        :param seconds: how far to move the clock.
        """
        now = self.clock.advance(seconds)
        self.changes.notify()
        return now

    def reset(self) -> None:
        """Return to the configuration: no jobs, requests, faults, issued tokens or clock offset."""
        with self._lock:
            self._knobs = self.config.knobs
            self._jobs.clear()
            self._job_ids_by_key.clear()
            self._job_ids_by_result_id.clear()
            self._job_ids = itertools.count(FIRST_JOB_ID)
            self._load_triggers()
            self.faults.clear()
            self.request_log.clear()
            self.credentials.forget_issued()
            self.jobs_rate_limiter.clear()
            self.clock.reset()
        self.changes.notify()

    def folder_by_id(self, folder_id: int) -> FolderSpec | None:
        """Return the folder with this numeric id, if any.

        :param folder_id: the folder id.
        """
        return next((folder for folder in self.config.folders if folder.id == folder_id), None)

    def folder_by_key(self, key: str) -> FolderSpec | None:
        """Return the folder with this GUID key (any letter case), if any.

        :param key: the folder key.
        """
        return next((folder for folder in self.config.folders if folder.key.lower() == key.lower()), None)

    def folder_by_path(self, path: str) -> FolderSpec | None:
        """Return the folder with this fully qualified name, if any.

        :param path: the folder path, e.g. ``Shared``.
        """
        return next((folder for folder in self.config.folders if folder.fully_qualified_name == path), None)

    def put_trigger(self, trigger: TriggerSpec) -> TriggerSpec:
        """Add a trigger, or replace the one with the same slug.

        :param trigger: the trigger.
        :raises EmulatorConfigError: when the trigger's folder is not configured.
        """
        if self.folder_by_id(trigger.folder_id) is None:
            raise EmulatorConfigError(
                f"Trigger {trigger.slug} is in folder {trigger.folder_id}, which is not configured."
            )
        with self._lock:
            self._triggers[trigger.slug] = trigger
        return trigger

    def trigger_by_slug(self, slug: str) -> TriggerSpec | None:
        """Return the trigger with this slug, if any.

        :param slug: the trigger slug.
        """
        return self._triggers.get(slug)

    def triggers(self) -> list[TriggerSpec]:
        """Return every trigger."""
        with self._lock:
            return list(self._triggers.values())

    def oauth_app(self, client_id: str) -> OAuthApp | None:
        """Return the OAuth application with this client id, if any.

        :param client_id: the client id.
        """
        return next((app for app in self.config.oauth_apps if app.client_id == client_id), None)

    def create_job(self, trigger: TriggerSpec, call_mode: CallMode, inputs: dict[str, Any]) -> Job:
        """Create a Pending job for a trigger call.

        :param trigger: the trigger that was called.
        :param call_mode: the call mode of the call.
        :param inputs: the input arguments (defaults already overlaid).
        """
        folder = self.folder_by_id(trigger.folder_id)
        if folder is None:
            raise EmulatorConfigError(
                f"Trigger {trigger.slug} is in folder {trigger.folder_id}, which is gone."
            )
        with self._lock:
            job = self._new_job(trigger, folder, call_mode, inputs)
            self._jobs[job.id] = job
            self._job_ids_by_key[job.key.lower()] = job.id
            self._job_ids_by_result_id[job.result_id] = job.id
        return job

    def jobs(self) -> list[Job]:
        """Return every job, oldest first."""
        with self._lock:
            return list(self._jobs.values())

    def job_by_id(self, job_id: int) -> Job | None:
        """Return the job with this id, if any.

        :param job_id: the numeric job id.
        """
        return self._jobs.get(job_id)

    def job_by_key(self, key: str) -> Job | None:
        """Return the job with this GUID key (any letter case), if any.

        :param key: the job key.
        """
        job_id = self._job_ids_by_key.get(key.lower())
        return None if job_id is None else self._jobs.get(job_id)

    def job_by_result_id(self, result_id: str) -> Job | None:
        """Return the job whose status and output URLs end with this id, if any.

        :param result_id: the last segment of a status or output URL.
        """
        job_id = self._job_ids_by_result_id.get(result_id)
        return None if job_id is None else self._jobs.get(job_id)

    def stop_job(self, job: Job, strategy: StopStrategy) -> None:
        """Stop a job as StopJobs does and wake up requests held on it.

        :param job: the job.
        :param strategy: SoftStop or Kill.
        """
        with self._lock:
            job.request_stop(self.now(), strategy, self._knobs.soft_stop_seconds)
        self.changes.notify()

    def allow_jobs_listing(self) -> bool:
        """Count a ``GET /odata/Jobs`` against the rate limit and say whether it may proceed."""
        return self.jobs_rate_limiter.try_acquire(self.now(), self._knobs.jobs_rate_limit_per_minute)

    def record_request(self, record: RequestRecord) -> None:
        """Keep the record of an answered request.

        :param record: the record.
        """
        self.request_log.append(record)

    def stats(self) -> EmulatorStats:
        """Return the counters."""
        by_route_class = self.request_log.counts_by_route_class()
        return EmulatorStats(
            jobs_created=len(self._jobs),
            token_requests=by_route_class.get(RouteClass.TOKEN.value, 0),
            tokens_issued=self.credentials.issued_count,
            requests_by_route_class=by_route_class,
        )

    def _load_triggers(self) -> None:
        self._triggers = {trigger.slug: trigger for trigger in self.config.triggers}

    def _new_job(
        self,
        trigger: TriggerSpec,
        folder: FolderSpec,
        call_mode: CallMode,
        inputs: dict[str, Any],
    ) -> Job:
        key = str(uuid.uuid4())
        result_id = key if self._knobs.status_url_embeds_job_key else secrets.token_urlsafe(RESULT_ID_BYTES)
        job = Job(
            id=next(self._job_ids),
            key=key,
            result_id=result_id,
            trigger=trigger,
            folder=folder,
            call_mode=call_mode,
            input_arguments=inputs,
            created_at=self.now(),
        )
        if call_mode is CallMode.LONG_POLLING:
            job.limit_long_polling(self._knobs.long_poll_max_job_seconds)
        return job
