"""The status URL and the output URL of a job, and the final result they lead to.

- ``GET .../t/{folderKey}/{slug}/status/{id}``: for an async call, 200 ``{}`` while the job runs and
  a redirect to the output URL once it has ended. For a LongPolling call, the request is held (knob
  ``long_poll_wait_seconds``); if the job ends in time the answer is the final result (or a redirect
  to the output URL, knob ``long_poll_terminal_response``), else a redirect to the same status URL.
- ``GET .../t/{folderKey}/{slug}/output/{id}``: the final result of an ended job: 200 with the output
  arguments, or the job error with the status of knob ``faulted_output_status``.

Both need a bearer token unless knob ``redirects_require_auth`` is off.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from airflow_provider_uipath.emulator.auth import authenticate
from airflow_provider_uipath.emulator.errors import ERROR_CODE_ITEM_NOT_FOUND, OrchestratorError
from airflow_provider_uipath.emulator.jobs import Job
from airflow_provider_uipath.emulator.long_poll import wait_for_job_end
from airflow_provider_uipath.emulator.redirects import redirect_to, result_path
from airflow_provider_uipath.emulator.state import EmulatorState
from airflow_provider_uipath.emulator.vocabulary import CallMode, JobState

STATUS_WHILE_RUNNING_BODY: dict[str, object] = {}


def final_result_response(job: Job, now: float, faulted_output_status: int) -> Response:
    """Return the final result of an ended job: its output arguments, or its job error.

    :param job: a job in a terminal state.
    :param now: the instant on the emulator's clock.
    :param faulted_output_status: the status for a Faulted or Stopped job.
    """
    if job.state_at(now) is JobState.SUCCESSFUL:
        return JSONResponse(job.output_arguments())
    return JSONResponse(job.error_info(), status_code=faulted_output_status)


class JobResultEndpoints:
    """The status and output endpoints.

    :param state: the emulator state.
    """

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        """Return the routes, relative to ``/{org}/{tenant}/orchestrator_``."""
        return [
            Route("/t/{folder_key}/{slug}/status/{result_id}", self.status, methods=["GET"]),
            Route("/t/{folder_key}/{slug}/output/{result_id}", self.output, methods=["GET"]),
        ]

    async def status(self, request: Request) -> Response:
        """Answer a status URL.

        :param request: the request.
        """
        self._authenticate_redirected_call(request)
        job = self._job_of(request)
        if job.call_mode is CallMode.LONG_POLLING:
            return await self._hold_long_polling_status(request, job)
        if not job.state_at(self.state.now()).is_terminal:
            return JSONResponse(STATUS_WHILE_RUNNING_BODY)
        return redirect_to(request, result_path(self.state.config, job, "output"), self.state.knobs)

    async def output(self, request: Request) -> Response:
        """Answer an output URL.

        :param request: the request.
        """
        self._authenticate_redirected_call(request)
        job = self._job_of(request)
        now = self.state.now()
        state = job.state_at(now)
        # What Orchestrator answers on the output URL of a job that has not ended is not documented;
        # the emulator answers 404 and points the client back to the status URL.
        if not state.is_terminal:
            raise OrchestratorError(
                404,
                f"Job {job.key} is {state.value}; its output exists once it has ended. Poll the status URL.",
                error_code=ERROR_CODE_ITEM_NOT_FOUND,
            )
        return final_result_response(job, now, self.state.knobs.faulted_output_status)

    async def _hold_long_polling_status(self, request: Request, job: Job) -> Response:
        knobs = self.state.knobs
        ended = await wait_for_job_end(self.state, job, knobs.long_poll_wait_seconds)
        if not ended:
            return redirect_to(request, result_path(self.state.config, job, "status"), knobs)
        if knobs.long_poll_terminal_response == "redirect":
            return redirect_to(request, result_path(self.state.config, job, "output"), knobs)
        return final_result_response(job, self.state.now(), knobs.faulted_output_status)

    def _authenticate_redirected_call(self, request: Request) -> None:
        if self.state.knobs.redirects_require_auth:
            authenticate(request, self.state)

    def _job_of(self, request: Request) -> Job:
        params = request.path_params
        job = self.state.job_by_result_id(params["result_id"])
        if (
            job is None
            or job.trigger.slug != params["slug"]
            or job.folder.key.lower() != params["folder_key"].lower()
        ):
            raise OrchestratorError(
                404,
                f"The job behind {request.url.path} does not exist.",
                error_code=ERROR_CODE_ITEM_NOT_FOUND,
            )
        return job
