"""The operator that starts a UiPath job through an Orchestrator API trigger."""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import conf
from airflow.sdk import BaseOperator

from airflow_provider_uipath.call_modes import CallMode
from airflow_provider_uipath.events import result_of_event
from airflow_provider_uipath.exceptions import UiPathConfigError, UiPathError, UiPathJobTimeoutError
from airflow_provider_uipath.hooks.uipath import UiPathHook
from airflow_provider_uipath.jobs import JobLocator
from airflow_provider_uipath.links import JOB_URL_XCOM_KEY, UiPathJobLink
from airflow_provider_uipath.polling import DEFAULT_POLL_INTERVAL, check_poll_interval
from airflow_provider_uipath.protocol import (
    DEFAULT_MAX_OUTPUT_BYTES,
    InvokeOutcome,
    InvokeResult,
    check_arguments,
    check_method,
)
from airflow_provider_uipath.triggers.job import UiPathJobTrigger
from airflow_provider_uipath.urls import resolve_invoke_url

if TYPE_CHECKING:
    from airflow.sdk import Context

#: UiPath's documented limit for a job started in LongPolling mode, in seconds.
LONG_POLLING_MAX_JOB_SECONDS = 15 * 60
STATUS_URL_XCOM_KEY = "status_url"
CALL_MODE_XCOM_KEY = "call_mode"


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
    :param timeout: seconds the job may take, counted from the call; when they pass the task fails.
    :param max_output_bytes: the largest output accepted as the task's XCom.
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
        self.timeout = _check_timeout(timeout)
        self.max_output_bytes = max_output_bytes
        self.uipath_conn_id = uipath_conn_id
        self._job_locator: JobLocator | None = None

    @cached_property
    def hook(self) -> UiPathHook:
        """The hook for the connection."""
        return UiPathHook(self.uipath_conn_id)

    def execute(self, context: Context) -> Any:
        """Check the input, call the trigger once, then wait for the job as its answer requires."""
        call_mode = CallMode.parse(self.call_mode)
        arguments = check_arguments(self.arguments)
        method = check_method(self.method)
        self._warn_about_long_polling_limit(call_mode)
        deadline = time.time() + self.timeout if self.timeout else None

        with self.hook as hook:
            trigger_url = resolve_invoke_url(hook.config.tenant_url, self.invoke_url)
            self._job_locator = JobLocator.for_call_starting_now(trigger_url, arguments)
            result = hook.invoke_trigger(trigger_url, arguments, method, call_mode, self.max_output_bytes)
            try:
                return self._go_on_after(result, deadline, context)
            except UiPathJobTimeoutError:
                self._stop_job_quietly(self._job_locator)
                raise

    def execute_complete(
        self, context: Context, event: dict[str, Any], job_locator: dict[str, Any] | None = None
    ) -> Any:
        """Resume after the trigger: return the job's output, or raise its error.

        When the deadline passed, the job is stopped first, if it can be identified.

        :param context: the task's context.
        :param event: the trigger's event.
        :param job_locator: what identifies the job the call started.
        """
        try:
            output = result_of_event(event)
        except UiPathJobTimeoutError:
            if job_locator:
                with self.hook:
                    self._stop_job_quietly(JobLocator.from_dict(job_locator))
            raise
        self.log.info("The UiPath job succeeded.")
        return output

    def on_kill(self) -> None:
        """Stop the UiPath job when the task is killed while it waits on the worker."""
        locator = getattr(self, "_job_locator", None)
        if locator is not None:
            self._stop_job_quietly(locator)

    def _stop_job_quietly(self, locator: JobLocator) -> None:
        try:
            job = self.hook.stop_started_job(locator)
        except UiPathError as error:
            self.log.warning("Could not stop the UiPath job: %s", error)
            return
        if job is None:
            self.log.warning("The UiPath job could not be identified, so it was not stopped.")

    def _go_on_after(self, result: InvokeResult, deadline: float | None, context: Context) -> Any:
        context["ti"].xcom_push(
            key=JOB_URL_XCOM_KEY, value=f"{self.hook.config.tenant_url}/orchestrator_/jobs"
        )
        if result.outcome is InvokeOutcome.STARTED:
            self.log.info("The job was started (FireAndForget): nothing is awaited, the task ends here.")
            return None
        if result.outcome is InvokeOutcome.COMPLETED:
            self.log.info("The job ended within Orchestrator's LongPolling wait.")
            return result.output
        assert result.status_url is not None
        self._push_job_handle(context, result)
        if not self.wait_for_completion:
            self.log.info(
                "The job was started; not waiting. Its status URL is in XCom %r.", STATUS_URL_XCOM_KEY
            )
            return None
        if self.deferrable:
            self._defer_until_done(result.status_url, result.mode, deadline)
        self.log.info("Waiting on the worker for the job at %s.", result.status_url)
        return self.hook.get_job_output(
            result.status_url, result.mode, self.poll_interval, deadline, self.max_output_bytes
        )

    def _push_job_handle(self, context: Context, result: InvokeResult) -> None:
        ti = context["ti"]
        ti.xcom_push(key=STATUS_URL_XCOM_KEY, value=result.status_url)
        ti.xcom_push(key=CALL_MODE_XCOM_KEY, value=result.mode.value)
        self.log.info("The job was started (%s); status URL %s", result.mode.value, result.status_url)

    def _defer_until_done(self, status_url: str, mode: CallMode, deadline: float | None) -> None:
        self.log.info("Deferring until the job at %s ends.", status_url)
        locator = self._job_locator.to_dict() if self._job_locator else None
        self.defer(
            trigger=UiPathJobTrigger(
                status_url=status_url,
                uipath_conn_id=self.uipath_conn_id,
                call_mode=mode.value,
                deadline=deadline,
                poll_interval=self.poll_interval,
                max_output_bytes=self.max_output_bytes,
                job_locator=locator,
            ),
            method_name="execute_complete",
            kwargs={"job_locator": locator},
            timeout=None,
        )

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


def _check_timeout(timeout: float | None) -> float | None:
    if timeout is None:
        return None
    try:
        seconds = float(timeout)
    except (TypeError, ValueError):
        seconds = float("nan")
    if not 0 < seconds < float("inf"):
        raise UiPathConfigError(f"timeout must be a positive number of seconds or None, not {timeout!r}.")
    return seconds
