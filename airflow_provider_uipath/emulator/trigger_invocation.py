"""The API trigger endpoint: ``{VERB} /{org}/{tenant}/orchestrator_/t/{folderKey}/{slug}``.

Checks run in this order: bearer token (401), trigger lookup by folder key, slug and verb (404, or
knobs ``wrong_verb_status`` / ``disabled_trigger_status``), scope (403, only with knob
``invoke_required_scope``), inputs (400), call mode (400). Then a job is created and the answer
depends on the call mode: AsyncRequestReply 202 + ``Location`` of the status URL; FireAndForget 200;
LongPolling holds the request and answers the final result, or redirects to the status URL.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from airflow_provider_uipath.emulator.auth import authenticate
from airflow_provider_uipath.emulator.config import TRIGGER_METHODS, TriggerSpec
from airflow_provider_uipath.emulator.credentials import Credential
from airflow_provider_uipath.emulator.errors import (
    ERROR_CODE_EMPTY_BODY,
    ERROR_CODE_INVALID_REQUEST,
    ERROR_CODE_TRIGGER_NOT_FOUND,
    NOT_AUTHORIZED_MESSAGE,
    OrchestratorError,
)
from airflow_provider_uipath.emulator.job_results import final_result_response
from airflow_provider_uipath.emulator.jobs import Job
from airflow_provider_uipath.emulator.knobs import Knobs
from airflow_provider_uipath.emulator.long_poll import wait_for_job_end
from airflow_provider_uipath.emulator.redirects import location_of, redirect_to, result_path
from airflow_provider_uipath.emulator.state import EmulatorState
from airflow_provider_uipath.emulator.vocabulary import CallMode

CALL_MODE_KEY = "$callMode"


class TriggerEndpoint:
    """The endpoint that starts jobs.

    :param state: the emulator state.
    """

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        """Return the route, relative to ``/{org}/{tenant}/orchestrator_``."""
        return [Route("/t/{folder_key}/{slug}", self.invoke, methods=list(TRIGGER_METHODS))]

    async def invoke(self, request: Request) -> Response:
        """Start a job for a trigger call and answer according to the call mode.

        :param request: the trigger call.
        """
        credential = authenticate(request, self.state)
        trigger = self._matching_trigger(request)
        self._check_invoke_scope(credential)

        inputs = await read_call_inputs(request, self.state.knobs)
        call_mode = resolve_call_mode(inputs.pop(CALL_MODE_KEY, None), trigger)
        job = self.state.create_job(trigger, call_mode, {**trigger.input_arguments, **inputs})

        return await self._answer_call(request, job)

    def _matching_trigger(self, request: Request) -> TriggerSpec:
        knobs = self.state.knobs
        folder = self.state.folder_by_key(request.path_params["folder_key"])
        trigger = self.state.trigger_by_slug(request.path_params["slug"])
        if folder is None or trigger is None or trigger.folder_id != folder.id:
            raise _trigger_not_found(request)
        if trigger.method != request.method:
            message = f"HTTP trigger {trigger.slug} answers {trigger.method}, not {request.method}."
            raise _refusal(request, knobs.wrong_verb_status, message, allow=trigger.method)
        if not trigger.enabled:
            raise _refusal(
                request, knobs.disabled_trigger_status, f"HTTP trigger {trigger.slug} is disabled."
            )
        return trigger

    def _check_invoke_scope(self, credential: Credential) -> None:
        required = self.state.knobs.invoke_required_scope
        if required is not None and not credential.grants(required):
            raise OrchestratorError(403, NOT_AUTHORIZED_MESSAGE)

    async def _answer_call(self, request: Request, job: Job) -> Response:
        knobs = self.state.knobs
        status_path = result_path(self.state.config, job, "status")
        if job.call_mode is CallMode.FIRE_AND_FORGET:
            return Response(status_code=200)
        if job.call_mode is CallMode.ASYNC_REQUEST_REPLY:
            return Response(status_code=202, headers={"Location": location_of(request, status_path, knobs)})
        if not await wait_for_job_end(self.state, job, knobs.long_poll_wait_seconds):
            return redirect_to(request, status_path, knobs)
        return final_result_response(job, self.state.now(), knobs.faulted_output_status)


async def read_call_inputs(request: Request, knobs: Knobs) -> dict[str, Any]:
    """Read the input arguments of a trigger call, ``$callMode`` included.

    GET calls carry them in the query string, where values that parse as JSON are decoded
    (``?count=3&name=Ann`` gives ``{"count": 3, "name": "Ann"}``); other verbs carry a JSON object
    in the body. An empty body reads as ``{}`` unless knob ``empty_body_strict`` is on.

    :param request: the trigger call.
    :param knobs: the knobs in force.
    :raises OrchestratorError: 400 for a body that is not a JSON object.
    """
    if request.method == "GET":
        return {name: _decoded_query_value(value) for name, value in request.query_params.items()}
    body = await request.body()
    if not body.strip():
        return _empty_body_inputs(knobs)
    try:
        inputs = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise OrchestratorError(
            400,
            f"The request body is not valid JSON ({error}); send a JSON object of input arguments.",
            error_code=ERROR_CODE_INVALID_REQUEST,
        ) from None
    if not isinstance(inputs, dict):
        raise OrchestratorError(
            400,
            f"The request body must be a JSON object of input arguments; got a {type(inputs).__name__}.",
            error_code=ERROR_CODE_INVALID_REQUEST,
        )
    return inputs


def resolve_call_mode(requested: object, trigger: TriggerSpec) -> CallMode:
    """Return the call mode of a call: ``$callMode`` when given, else the trigger's default.

    :param requested: the ``$callMode`` value of the call, or ``None``.
    :param trigger: the trigger called.
    :raises OrchestratorError: 400 for a value that is not a call mode.
    """
    if requested is None:
        return trigger.calling_mode
    try:
        return CallMode(requested)
    except ValueError:
        allowed = ", ".join(mode.value for mode in CallMode)
        raise OrchestratorError(
            400,
            f"The call mode {requested!r} is not supported; use one of {allowed}.",
            error_code=ERROR_CODE_INVALID_REQUEST,
        ) from None


def _decoded_query_value(value: str) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def _empty_body_inputs(knobs: Knobs) -> dict[str, Any]:
    if knobs.empty_body_strict:
        raise OrchestratorError(
            400,
            "The request body is empty; send a JSON object of input arguments, at least {}.",
            error_code=ERROR_CODE_EMPTY_BODY,
        )
    return {}


def _trigger_not_found(request: Request) -> OrchestratorError:
    return OrchestratorError(
        404,
        f"HTTP trigger not found for {request.method} {request.url.path}.",
        error_code=ERROR_CODE_TRIGGER_NOT_FOUND,
    )


def _refusal(request: Request, status_code: int, message: str, allow: str | None = None) -> OrchestratorError:
    """Refuse a call to an existing trigger; with status 404 it looks exactly like an unknown trigger."""
    if status_code == 404:
        return _trigger_not_found(request)
    headers = {"Allow": allow} if allow is not None else None
    return OrchestratorError(status_code, message, error_code=ERROR_CODE_TRIGGER_NOT_FOUND, headers=headers)
