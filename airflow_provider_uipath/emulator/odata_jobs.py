"""The OData Jobs API, folder-scoped, under ``/{org}/{tenant}/orchestrator_/odata/``.

Every request needs a bearer token (401), the scope ``OR.Jobs.Read`` for reads or ``OR.Jobs.Write``
for stops, ``OR.Jobs`` covering both (403), and a folder header (400). Only the collection
``GET Jobs`` counts against knob ``jobs_rate_limit_per_minute`` (429 with ``Retry-After``); the
single-job reads do not.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from airflow_provider_uipath.emulator.auth import authenticate, require_scope
from airflow_provider_uipath.emulator.config import FolderSpec
from airflow_provider_uipath.emulator.errors import (
    ERROR_CODE_INVALID_REQUEST,
    ERROR_CODE_ITEM_NOT_FOUND,
    OrchestratorError,
)
from airflow_provider_uipath.emulator.folder_context import folder_of_request
from airflow_provider_uipath.emulator.job_views import job_dto
from airflow_provider_uipath.emulator.jobs import Job
from airflow_provider_uipath.emulator.json_bodies import read_json_object
from airflow_provider_uipath.emulator.odata_filter import FieldKind, FilterError
from airflow_provider_uipath.emulator.odata_query import CollectionQuery, metadata_url, odata_collection
from airflow_provider_uipath.emulator.state import EmulatorState
from airflow_provider_uipath.emulator.vocabulary import StopStrategy

JOBS_READ_SCOPE = "OR.Jobs.Read"
JOBS_WRITE_SCOPE = "OR.Jobs.Write"
ODATA_ACTIONS = "UiPath.Server.Configuration.OData"
JOB_FILTER_FIELDS = {
    "Id": FieldKind.NUMBER,
    "Key": FieldKind.GUID,
    "State": FieldKind.TEXT,
    "SourceType": FieldKind.TEXT,
    "StartingTriggerId": FieldKind.GUID,
    "Release/Key": FieldKind.GUID,
    "CreationTime": FieldKind.TIME,
}
JOB_ORDER_FIELDS = ("CreationTime", "Id")


class JobsEndpoints:
    """Read and stop jobs.

    :param state: the emulator state.
    """

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        """Return the routes, relative to ``/{org}/{tenant}/orchestrator_``."""
        return [
            Route("/odata/Jobs", self.list_jobs, methods=["GET"]),
            Route("/odata/Jobs({job_id:int})", self.get_job, methods=["GET"]),
            Route(
                f"/odata/Jobs/{ODATA_ACTIONS}.GetByKey(identifier={{identifier}})",
                self.get_job_by_key,
                methods=["GET"],
            ),
            Route(f"/odata/Jobs/{ODATA_ACTIONS}.StopJobs", self.stop_jobs, methods=["POST"]),
            Route(f"/odata/Jobs({{job_id:int}})/{ODATA_ACTIONS}.StopJob", self.stop_job, methods=["POST"]),
        ]

    async def list_jobs(self, request: Request) -> Response:
        """Answer ``GET Jobs`` with the folder's jobs, filtered, sorted and paged.

        :param request: the request.
        """
        folder = self._authorize(request, JOBS_READ_SCOPE)
        self._count_against_rate_limit()
        query = _collection_query(request)

        now = self.state.now()
        rows = [job_dto(job, now) for job in self.state.jobs() if job.folder.id == folder.id]
        page, matched = query.apply(rows)
        context = metadata_url(request, "Jobs")
        return JSONResponse(odata_collection(context, page, matched if query.count else None))

    async def get_job(self, request: Request) -> Response:
        """Answer ``GET Jobs({Id})``.

        :param request: the request.
        """
        folder = self._authorize(request, JOBS_READ_SCOPE)
        job = self._job_in_folder(self.state.job_by_id(request.path_params["job_id"]), folder, request)
        return self._single_job(request, job)

    async def get_job_by_key(self, request: Request) -> Response:
        """Answer ``GET Jobs/UiPath.Server.Configuration.OData.GetByKey(identifier=<key>)``.

        :param request: the request.
        """
        folder = self._authorize(request, JOBS_READ_SCOPE)
        key = request.path_params["identifier"].strip("'")
        job = self._job_in_folder(self.state.job_by_key(key), folder, request)
        return self._single_job(request, job)

    async def stop_jobs(self, request: Request) -> Response:
        """Answer the StopJobs action: ``{"jobIds": [...], "strategy": "SoftStop" | "Kill"}``.

        :param request: the request.
        """
        folder = self._authorize(request, JOBS_WRITE_SCOPE)
        body = await read_json_object(request)
        strategy = _stop_strategy(body.get("strategy"))
        job_ids = _job_ids(body.get("jobIds"))
        jobs = [self._job_in_folder(self.state.job_by_id(job_id), folder, request) for job_id in job_ids]

        for job in jobs:
            self.state.stop_job(job, strategy)
        return Response(status_code=self.state.knobs.stop_jobs_status)

    async def stop_job(self, request: Request) -> Response:
        """Answer the StopJob action on one job: ``{"strategy": "SoftStop" | "Kill"}``.

        :param request: the request.
        """
        folder = self._authorize(request, JOBS_WRITE_SCOPE)
        strategy = _stop_strategy((await read_json_object(request)).get("strategy"))
        job = self._job_in_folder(self.state.job_by_id(request.path_params["job_id"]), folder, request)

        self.state.stop_job(job, strategy)
        return Response(status_code=self.state.knobs.stop_jobs_status)

    def _authorize(self, request: Request, scope: str) -> FolderSpec:
        credential = authenticate(request, self.state)
        require_scope(credential, scope, f"{request.method} {request.url.path}")
        return folder_of_request(request, self.state)

    def _count_against_rate_limit(self) -> None:
        if self.state.allow_jobs_listing():
            return
        retry_after = self.state.knobs.retry_after_seconds
        raise OrchestratorError(
            429,
            f"Too many requests to the Jobs collection; retry after {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )

    def _job_in_folder(self, job: Job | None, folder: FolderSpec, request: Request) -> Job:
        if job is None or job.folder.id != folder.id:
            raise OrchestratorError(
                404,
                f"The job asked for by {request.url.path} does not exist "
                f"in folder {folder.fully_qualified_name}.",
                error_code=ERROR_CODE_ITEM_NOT_FOUND,
            )
        return job

    def _single_job(self, request: Request, job: Job) -> Response:
        body = {"@odata.context": metadata_url(request, "Jobs/$entity"), **job_dto(job, self.state.now())}
        return JSONResponse(body)


def _collection_query(request: Request) -> CollectionQuery:
    try:
        return CollectionQuery.from_params(request.query_params, JOB_FILTER_FIELDS, JOB_ORDER_FIELDS)
    except FilterError as error:
        raise OrchestratorError(400, str(error), error_code=ERROR_CODE_INVALID_REQUEST) from None


def _stop_strategy(value: object) -> StopStrategy:
    try:
        return StopStrategy(value)
    except ValueError:
        raise OrchestratorError(
            400,
            f"The stop strategy {value!r} is not valid; use SoftStop or Kill.",
            error_code=ERROR_CODE_INVALID_REQUEST,
        ) from None


def _job_ids(value: object) -> list[int]:
    if not isinstance(value, list) or not value or not all(_is_job_id(item) for item in value):
        raise OrchestratorError(
            400,
            f"jobIds must be a non-empty list of numeric job ids; got {value!r}.",
            error_code=ERROR_CODE_INVALID_REQUEST,
        )
    return [int(item) for item in value]


def _is_job_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
