"""The emulator's ASGI application: UiPath Orchestrator's API triggers, token endpoint and Jobs API.

Endpoints (``{org}/{tenant}`` come from the configuration, e.g. ``acme/DefaultTenant``):

========================================================================  ==============================
``POST /identity_/connect/token``, ``POST /identity/connect/token``       OAuth2 client credentials
``{VERB} /{org}/{tenant}/orchestrator_/t/{folderKey}/{slug}``             call an API trigger
``GET  /{org}/{tenant}/orchestrator_/t/{folderKey}/{slug}/status/{id}``   status URL of a job
``GET  /{org}/{tenant}/orchestrator_/t/{folderKey}/{slug}/output/{id}``   output URL of a job
``GET  /{org}/{tenant}/orchestrator_/odata/Jobs``                         list jobs (rate-limited)
``GET  .../odata/Jobs({Id})``                                             one job by id
``GET  .../odata/Jobs/UiPath.Server.Configuration.OData.GetByKey(...)``   one job by key
``POST .../odata/Jobs/UiPath.Server.Configuration.OData.StopJobs``        stop jobs
``POST .../odata/Jobs({Id})/UiPath.Server.Configuration.OData.StopJob``   stop one job
``GET  .../odata/HttpTriggers``, ``.../odata/Folders``, ``Folders({Id})`` find triggers and folders
``/_emulator/...``                                                        admin API (see ``admin.py``)
``GET  /_emulator/bench/jobs/{id}``                                       404 until a job ends (bench)
========================================================================  ==============================

Every response carries ``X-Request-Id``; error bodies are ``{"message", "errorCode", "traceId"}``
(``{"error", "error_description"}`` on the token endpoint). Queued faults are applied by a middleware
before the endpoints run.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount

from airflow_provider_uipath.emulator.admin import AdminEndpoints
from airflow_provider_uipath.emulator.bench_route import BenchEndpoints
from airflow_provider_uipath.emulator.config import EmulatorConfig
from airflow_provider_uipath.emulator.errors import (
    OAuthError,
    OrchestratorError,
    answer_oauth_error,
    answer_orchestrator_error,
    answer_routing_error,
)
from airflow_provider_uipath.emulator.fault_injection import FaultInjectionMiddleware
from airflow_provider_uipath.emulator.job_results import JobResultEndpoints
from airflow_provider_uipath.emulator.odata_catalog import CatalogEndpoints
from airflow_provider_uipath.emulator.odata_jobs import JobsEndpoints
from airflow_provider_uipath.emulator.request_log import RequestLogMiddleware
from airflow_provider_uipath.emulator.state import EmulatorState
from airflow_provider_uipath.emulator.token_endpoint import TokenEndpoint
from airflow_provider_uipath.emulator.trigger_invocation import TriggerEndpoint


def create_app(config: EmulatorConfig | None = None, *, state: EmulatorState | None = None) -> Starlette:
    """Build the emulator application; its state is at ``app.state.emulator``.

    :param config: the configuration; the shipped default when ``None``.
    :param state: an existing state to serve (its configuration wins over ``config``).
    """
    state = state or EmulatorState(config or EmulatorConfig.default())
    app = Starlette(
        routes=_routes(state),
        middleware=[
            Middleware(RequestLogMiddleware, observer=state),
            Middleware(FaultInjectionMiddleware, faults=state.faults),
        ],
        exception_handlers={
            OrchestratorError: answer_orchestrator_error,
            OAuthError: answer_oauth_error,
            HTTPException: answer_routing_error,
        },
    )
    app.state.emulator = state
    return app


def _routes(state: EmulatorState) -> list[BaseRoute]:
    orchestrator_routes = [
        *TriggerEndpoint(state).routes(),
        *JobResultEndpoints(state).routes(),
        *JobsEndpoints(state).routes(),
        *CatalogEndpoints(state).routes(),
    ]
    return [
        *TokenEndpoint(state).routes(),
        *AdminEndpoints(state).routes(),
        *BenchEndpoints(state).routes(),
        Mount(f"/{state.config.org}/{state.config.tenant}/orchestrator_", routes=orchestrator_routes),
    ]
