"""The sensor that waits for a UiPath job started elsewhere, from its status URL."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import conf
from airflow.sdk import BaseSensorOperator, PokeReturnValue

from airflow_provider_uipath.call_modes import CallMode
from airflow_provider_uipath.events import result_of_event
from airflow_provider_uipath.exceptions import UiPathConfigError
from airflow_provider_uipath.hooks.uipath import UiPathHook
from airflow_provider_uipath.polling import DEFAULT_POLL_INTERVAL, check_poll_interval
from airflow_provider_uipath.protocol import DEFAULT_MAX_OUTPUT_BYTES
from airflow_provider_uipath.triggers.job import UiPathJobTrigger

if TYPE_CHECKING:
    from airflow.sdk import Context

#: How long the sensor waits for the job unless told otherwise: seven days, as BaseSensorOperator.
DEFAULT_SENSOR_TIMEOUT = timedelta(days=7).total_seconds()


class UiPathJobSensor(BaseSensorOperator):
    """Wait for a UiPath job from its status URL, and return the job's output arguments.

    Pair it with ``UiPathApiTriggerOperator(wait_for_completion=False)``, whose XCom ``status_url``
    and ``call_mode`` it reads through templates. Works deferrable, and in poke or reschedule mode.

    :param status_url: the status URL of the job. Templated.
    :param call_mode: the call mode the job was started in. Templated.
    :param uipath_conn_id: the ``uipath`` connection id.
    :param deferrable: wait in the triggerer instead of on a worker.
    :param poll_interval: seconds between two status requests.
    :param max_output_bytes: the largest output accepted as the task's XCom.
    """

    template_fields: Sequence[str] = ("status_url", "call_mode", "uipath_conn_id")

    def __init__(
        self,
        *,
        status_url: str,
        call_mode: CallMode | str = CallMode.ASYNC_REQUEST_REPLY,
        uipath_conn_id: str = UiPathHook.default_conn_name,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("timeout", DEFAULT_SENSOR_TIMEOUT)
        super().__init__(poke_interval=check_poll_interval(poll_interval), **kwargs)
        self.status_url = status_url
        self.call_mode = call_mode
        self.uipath_conn_id = uipath_conn_id
        self.deferrable = deferrable
        self.poll_interval = poll_interval
        self.max_output_bytes = max_output_bytes

    @cached_property
    def hook(self) -> UiPathHook:
        """The hook for the connection."""
        return UiPathHook(self.uipath_conn_id)

    @property
    def mode_of_job(self) -> CallMode:
        """The call mode the job runs in; FireAndForget jobs cannot be followed."""
        mode = CallMode.parse(self.call_mode) or CallMode.ASYNC_REQUEST_REPLY
        if mode is CallMode.FIRE_AND_FORGET:
            raise UiPathConfigError("A FireAndForget job has no status URL to follow.")
        return mode

    def execute(self, context: Context) -> Any:
        """Defer at once when deferrable; otherwise poke as any sensor does."""
        if not self.deferrable:
            return super().execute(context)
        self.defer(
            trigger=UiPathJobTrigger(
                status_url=self.status_url,
                uipath_conn_id=self.uipath_conn_id,
                call_mode=self.mode_of_job.value,
                deadline=time.time() + float(self.timeout),
                poll_interval=self.poll_interval,
                max_output_bytes=self.max_output_bytes,
            ),
            method_name="execute_complete",
            timeout=None,
        )

    def poke(self, context: Context) -> PokeReturnValue:
        """Ask once whether the job has ended.

        :param context: the task's context.
        """
        with self.hook as hook:
            output = hook.poll_job(self.status_url, self.mode_of_job, self.max_output_bytes)
        if output is None:
            self.log.info("The UiPath job at %s is still running.", self.status_url)
            return PokeReturnValue(is_done=False)
        self.log.info("The UiPath job at %s succeeded.", self.status_url)
        return PokeReturnValue(is_done=True, xcom_value=output.value)

    def execute_complete(self, context: Context, event: dict[str, Any]) -> Any:
        """Resume after the trigger: return the job's output, or raise its error.

        :param context: the task's context.
        :param event: the trigger's event.
        """
        return result_of_event(event)
