"""The operator that starts a UiPath job through an Orchestrator API trigger."""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import conf
from airflow.sdk import BaseOperator

from airflow_provider_uipath.call_modes import CallMode
from airflow_provider_uipath.events import result_of_event
from airflow_provider_uipath.exceptions import (
    UiPathConfigError,
    UiPathError,
    UiPathInvokeError,
    UiPathJobFailedError,
    UiPathJobTimeoutError,
    UiPathRequestError,
    UiPathUncertainStartError,
    UiPathUnreachableError,
)
from airflow_provider_uipath.hooks.uipath import UiPathHook
from airflow_provider_uipath.job_handle import JobHandle, JobHandleStore
from airflow_provider_uipath.jobs import JobLocator
from airflow_provider_uipath.links import JOB_URL_XCOM_KEY, UiPathJobLink
from airflow_provider_uipath.polling import DEFAULT_POLL_INTERVAL, check_poll_interval
from airflow_provider_uipath.protocol import (
    DEFAULT_MAX_OUTPUT_BYTES,
    InvokeOutcome,
    InvokeResult,
    JobOutput,
    check_arguments,
    check_method,
)
from airflow_provider_uipath.reconcile import (
    DEFAULT_RECONCILE_GRACE_SECONDS,
    UncertainStartPolicy,
    adoptable_job,
    is_uncertain_start,
)
from airflow_provider_uipath.triggers.job import UiPathJobTrigger
from airflow_provider_uipath.urls import resolve_invoke_url

if TYPE_CHECKING:
    from airflow.sdk import Context

#: UiPath's documented limit for a job started in LongPolling mode, in seconds.
LONG_POLLING_MAX_JOB_SECONDS = 15 * 60
STATUS_URL_XCOM_KEY = "status_url"
CALL_MODE_XCOM_KEY = "call_mode"
JOB_ID_XCOM_KEY = "job_id"


@dataclass(frozen=True)
class _Call:
    """The checked input of one call to the trigger."""

    trigger_url: str
    arguments: dict[str, Any]
    method: str
    call_mode: CallMode | None


@dataclass(frozen=True)
class _Finished:
    """A job whose outcome is already known: nothing to wait for."""

    output: Any


class UiPathApiTriggerOperator(BaseOperator):
    """Start a UiPath job through an Orchestrator API trigger, and return its output arguments.

    The trigger is called exactly once. How the task goes on depends on Orchestrator's answer:
    202 (AsyncRequestReply) is followed by polling the status URL; a redirect (LongPolling) by
    following the redirect loop; a 200 carrying the output (LongPolling that finished in time) is
    returned at once; an empty 200 (FireAndForget) ends the task with nothing awaited.

    With ``deferrable=True`` the waiting happens in Airflow's triggerer, so no worker slot is held.

    :param invoke_url: the part after ``/orchestrator_/t/`` (``{folderKey}/{slug}``), or the full URL
        copied from Orchestrator, which must be on the connection's origin. Templated.
    :param arguments: the job's input arguments: a JSON body for POST, PUT and DELETE, the query
        string for GET. Templated.
    :param method: the trigger's configured verb. Templated.
    :param call_mode: ``"AsyncRequestReply"``, ``"FireAndForget"``, ``"LongPolling"`` or a
        :class:`CallMode`; ``None`` uses the trigger's default. Templated.
    :param wait_for_completion: wait for the job and return its output; with ``False`` the task ends
        once the job is started, leaving ``status_url`` in XCom for a :class:`UiPathJobSensor`.
    :param deferrable: wait in the triggerer instead of on the worker.
    :param poll_interval: seconds between two status requests of a running job.
    :param timeout: seconds the job may take, counted from the call; when they pass the job is
        stopped (where it can be identified) and the task fails.
    :param max_output_bytes: the largest output accepted as the task's XCom.
    :param uncertain_start: what to do when the call that starts the job fails after it may have
        reached Orchestrator (a 502, a dropped connection): ``"adopt"`` (default) looks for the job
        through the Jobs API and waits on it when exactly one matches, failing otherwise;
        ``"adopt_or_reinvoke"`` calls the trigger once more when no job appeared; ``"fail"`` fails at
        once. The call is never repeated blindly.
    :param reconcile_grace_period: seconds to keep looking for the job after an uncertain start.
    :param uipath_conn_id: the ``uipath`` connection id.
    """

    template_fields: Sequence[str] = ("invoke_url", "arguments", "method", "call_mode", "uipath_conn_id")
    template_fields_renderers = {"arguments": "json"}
    operator_extra_links = (UiPathJobLink(),)
    ui_color = "#fa4616"

    def __init__(
        self,
        *,
        invoke_url: str,
        arguments: dict[str, Any] | None = None,
        method: str = "POST",
        call_mode: CallMode | str | None = None,
        wait_for_completion: bool = True,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        timeout: float | None = None,
        max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
        uncertain_start: UncertainStartPolicy | str = UncertainStartPolicy.ADOPT,
        reconcile_grace_period: float = DEFAULT_RECONCILE_GRACE_SECONDS,
        uipath_conn_id: str = UiPathHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.invoke_url = invoke_url
        self.arguments = arguments
        self.method = method
        self.call_mode = call_mode
        self.wait_for_completion = wait_for_completion
        self.deferrable = deferrable
        self.poll_interval = check_poll_interval(poll_interval)
        self.timeout = _check_seconds("timeout", timeout)
        self.max_output_bytes = max_output_bytes
        self.uncertain_start = UncertainStartPolicy.parse(uncertain_start)
        self.reconcile_grace_period = _check_grace_period(reconcile_grace_period)
        self.uipath_conn_id = uipath_conn_id
        self._job_handle: JobHandle | None = None

    @cached_property
    def hook(self) -> UiPathHook:
        """The hook for the connection."""
        return UiPathHook(self.uipath_conn_id)

    def execute(self, context: Context) -> Any:
        """Check the input, start the job (or reattach to a previous try's), then wait as needed."""
        store = JobHandleStore(context)
        deadline = time.time() + self.timeout if self.timeout else None
        with self.hook:
            call = self._check_input()
            context["ti"].xcom_push(
                key=JOB_URL_XCOM_KEY, value=f"{self.hook.config.tenant_url}/orchestrator_/jobs"
            )
            step = self._reattach_to_previous_try(store) or self._start_job(call, store, may_reinvoke=True)
            if isinstance(step, _Finished):
                store.forget()
                return step.output
            return self._wait_for(step, deadline, context, store)

    def execute_complete(
        self, context: Context, event: dict[str, Any], job_locator: dict[str, Any] | None = None
    ) -> Any:
        """Resume after the trigger: return the job's output, or raise its error.

        When the deadline passed, the job is stopped first, if it can be identified.

        :param context: the task's context.
        :param event: the trigger's event.
        :param job_locator: what identifies the job the call started.
        """
        store = JobHandleStore(context)
        try:
            output = result_of_event(event)
        except UiPathJobTimeoutError:
            if job_locator:
                with self.hook:
                    self._stop_job_quietly(JobLocator.from_dict(job_locator))
            store.forget()
            raise
        except UiPathJobFailedError:
            store.forget()
            raise
        store.forget()
        self.log.info("The UiPath job succeeded.")
        return output

    def on_kill(self) -> None:
        """Stop the UiPath job when the task is killed while it runs on the worker."""
        handle = getattr(self, "_job_handle", None)
        if handle is not None:
            self._stop_job_quietly(handle.locator)

    def _check_input(self) -> _Call:
        call_mode = CallMode.parse(self.call_mode)
        arguments = check_arguments(self.arguments)
        method = check_method(self.method)
        trigger_url = resolve_invoke_url(self.hook.config.tenant_url, self.invoke_url)
        self._warn_about_long_polling_limit(call_mode)
        return _Call(trigger_url, arguments, method, call_mode)

    def _start_job(self, call: _Call, store: JobHandleStore, may_reinvoke: bool) -> JobHandle | _Finished:
        """Call the trigger once; the handle is kept before the call, so a retry can find the job."""
        locator = JobLocator.for_call_starting_now(call.trigger_url, call.arguments)
        self._job_handle = JobHandle(locator)
        store.remember(self._job_handle)
        try:
            result = self.hook.invoke_trigger(
                call.trigger_url, call.arguments, call.method, call.call_mode, self.max_output_bytes
            )
        except (UiPathInvokeError, UiPathUnreachableError) as error:
            return self._settle_uncertain_start(error, call, locator, store, may_reinvoke)
        return self._handle_from_answer(result, locator, store)

    def _handle_from_answer(
        self, result: InvokeResult, locator: JobLocator, store: JobHandleStore
    ) -> JobHandle | _Finished:
        if result.outcome is InvokeOutcome.STARTED:
            self.log.info("The job was started (FireAndForget): nothing is awaited, the task ends here.")
            return _Finished(None)
        if result.outcome is InvokeOutcome.COMPLETED:
            self.log.info("The job ended within Orchestrator's LongPolling wait.")
            return _Finished(result.output)
        self._job_handle = JobHandle(locator, status_url=result.status_url, call_mode=result.mode.value)
        store.remember(self._job_handle)
        self.log.info("The job was started (%s); status URL %s", result.mode.value, result.status_url)
        return self._job_handle

    def _settle_uncertain_start(
        self,
        error: UiPathInvokeError | UiPathUnreachableError,
        call: _Call,
        locator: JobLocator,
        store: JobHandleStore,
        may_reinvoke: bool,
    ) -> JobHandle | _Finished:
        """After a failed call that may have started a job: adopt it, call again, or fail, by policy."""
        if not is_uncertain_start(error) or self.uncertain_start is UncertainStartPolicy.FAIL:
            store.forget()
            raise error
        self.log.warning("%s Looking for the job through the Jobs API instead of calling again.", error)
        job = self.hook.find_job_after_uncertain_start(locator, self.reconcile_grace_period)
        if job is not None:
            self.log.info("Adopting job %s, which the failed call started.", job.get("Id"))
            if call.call_mode is CallMode.FIRE_AND_FORGET:
                return _Finished(None)
            self._job_handle = JobHandle(locator, job_id=int(job["Id"]))
            store.remember(self._job_handle)
            return self._job_handle
        if may_reinvoke and self.uncertain_start is UncertainStartPolicy.ADOPT_OR_REINVOKE:
            self.log.warning(
                "No job appeared in %.0f s; calling the trigger once more.", self.reconcile_grace_period
            )
            return self._start_job(call, store, may_reinvoke=False)
        store.forget()
        raise UiPathUncertainStartError(
            f"{error} No job of this trigger with these arguments appeared within "
            f"{self.reconcile_grace_period:g} s, so the call most likely started none; the task can be "
            "retried. Set uncertain_start='adopt_or_reinvoke' to call the trigger again in this case."
        ) from error

    def _reattach_to_previous_try(self, store: JobHandleStore) -> JobHandle | _Finished | None:
        """Find the job an earlier try of this task started; ``None`` when a new job is needed."""
        previous = store.recall()
        if previous is None:
            return None
        self.log.info(
            "An earlier try of this task started a UiPath job; checking on it before starting another."
        )
        try:
            return self._check_previous_job(previous, store)
        except UiPathJobFailedError as error:
            self.log.info("The earlier try's job did not succeed (%s); starting a new one.", error)
        except UiPathRequestError as error:
            self.log.warning(
                "The earlier try's job cannot be followed any more (%s); starting a new one.", error
            )
        store.forget()
        return None

    def _check_previous_job(self, previous: JobHandle, store: JobHandleStore) -> JobHandle | _Finished | None:
        if not previous.answered:
            job = adoptable_job(self.hook.find_started_jobs(previous.locator), previous.locator.trigger_url)
            if job is None:
                self.log.info("The earlier try's call started no job.")
                store.forget()
                return None
            previous = JobHandle(previous.locator, job_id=int(job["Id"]))
            store.remember(previous)
        outcome = self._poll_once(previous)
        self._job_handle = previous
        if outcome is not None:
            self.log.info("The earlier try's job already succeeded; using its output.")
            return _Finished(outcome.value)
        self.log.info("Reattaching to the earlier try's job, still running.")
        return previous

    def _poll_once(self, handle: JobHandle) -> JobOutput | None:
        if handle.status_url is not None:
            return self.hook.poll_job(handle.status_url, CallMode(handle.call_mode), self.max_output_bytes)
        assert handle.job_id is not None
        return self.hook.poll_job_by_id(handle.locator.folder_key, handle.job_id, self.max_output_bytes)

    def _wait_for(
        self, handle: JobHandle, deadline: float | None, context: Context, store: JobHandleStore
    ) -> Any:
        self._push_handle(context, handle)
        if not self.wait_for_completion:
            self.log.info(
                "The job was started; not waiting. XCom %r tells where to follow it.", STATUS_URL_XCOM_KEY
            )
            return None
        if self.deferrable:
            self._defer_until_done(handle, deadline)
        try:
            output = self._wait_on_worker(handle, deadline)
        except UiPathJobTimeoutError:
            self._stop_job_quietly(handle.locator)
            store.forget()
            raise
        except UiPathJobFailedError:
            store.forget()
            raise
        store.forget()
        return output

    def _wait_on_worker(self, handle: JobHandle, deadline: float | None) -> Any:
        if handle.status_url is not None:
            self.log.info("Waiting on the worker for the job at %s.", handle.status_url)
            mode = CallMode(handle.call_mode)
            return self.hook.get_job_output(
                handle.status_url, mode, self.poll_interval, deadline, self.max_output_bytes
            )
        assert handle.job_id is not None
        self.log.info("Waiting on the worker for job %s through the Jobs API.", handle.job_id)
        return self.hook.get_job_output_by_id(
            handle.locator.folder_key, handle.job_id, self.poll_interval, deadline, self.max_output_bytes
        )

    def _push_handle(self, context: Context, handle: JobHandle) -> None:
        ti = context["ti"]
        if handle.status_url is not None:
            ti.xcom_push(key=STATUS_URL_XCOM_KEY, value=handle.status_url)
            ti.xcom_push(key=CALL_MODE_XCOM_KEY, value=handle.call_mode)
        if handle.job_id is not None:
            ti.xcom_push(key=JOB_ID_XCOM_KEY, value=handle.job_id)

    def _defer_until_done(self, handle: JobHandle, deadline: float | None) -> None:
        self.log.info("Deferring until the job at %s ends.", handle.status_url or f"job {handle.job_id}")
        locator = handle.locator.to_dict()
        self.defer(
            trigger=UiPathJobTrigger(
                status_url=handle.status_url,
                uipath_conn_id=self.uipath_conn_id,
                call_mode=handle.call_mode or CallMode.ASYNC_REQUEST_REPLY.value,
                deadline=deadline,
                poll_interval=self.poll_interval,
                max_output_bytes=self.max_output_bytes,
                job_locator=locator,
                job_id=handle.job_id,
            ),
            method_name="execute_complete",
            kwargs={"job_locator": locator},
            timeout=None,
        )

    def _stop_job_quietly(self, locator: JobLocator) -> None:
        try:
            job = self.hook.stop_started_job(locator)
        except UiPathError as error:
            self.log.warning("Could not stop the UiPath job: %s", error)
            return
        if job is None:
            self.log.warning("The UiPath job could not be identified, so it was not stopped.")

    def _warn_about_long_polling_limit(self, call_mode: CallMode | None) -> None:
        if (
            call_mode is CallMode.LONG_POLLING
            and self.timeout
            and self.timeout > LONG_POLLING_MAX_JOB_SECONDS
        ):
            warnings.warn(
                f"timeout={self.timeout:g} s exceeds the 15-minute limit UiPath sets on LongPolling jobs; "
                "use AsyncRequestReply for longer jobs.",
                UserWarning,
                stacklevel=2,
            )


def _check_grace_period(value: float) -> float:
    seconds = _as_seconds(value)
    if not 0 <= seconds < float("inf"):
        raise UiPathConfigError(f"reconcile_grace_period must be zero or more seconds, not {value!r}.")
    return seconds


def _check_seconds(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    seconds = _as_seconds(value)
    if not 0 < seconds < float("inf"):
        raise UiPathConfigError(f"{name} must be a positive number of seconds or None, not {value!r}.")
    return seconds


def _as_seconds(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")
