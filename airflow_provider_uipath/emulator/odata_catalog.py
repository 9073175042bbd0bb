"""The OData lookups a client may use to find its trigger and folder: ``HttpTriggers`` and ``Folders``.

``GET HttpTriggers`` is folder-scoped (folder header) and needs ``OR.Execution.Read``; ``GET Folders``
and ``GET Folders({Id})`` need ``OR.Folders.Read``. Both collections accept the same query options
as Jobs, with filters on ``Slug``/``Name`` and ``FullyQualifiedName``/``Id``.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from airflow_provider_uipath.emulator.auth import authenticate, require_scope
from airflow_provider_uipath.emulator.config import FolderSpec, TriggerSpec
from airflow_provider_uipath.emulator.errors import (
    ERROR_CODE_INVALID_REQUEST,
    ERROR_CODE_ITEM_NOT_FOUND,
    OrchestratorError,
)
from airflow_provider_uipath.emulator.folder_context import folder_of_request
from airflow_provider_uipath.emulator.odata_filter import FieldKind, FilterError
from airflow_provider_uipath.emulator.odata_query import CollectionQuery, metadata_url, odata_collection
from airflow_provider_uipath.emulator.state import EmulatorState

EXECUTION_READ_SCOPE = "OR.Execution.Read"
FOLDERS_READ_SCOPE = "OR.Folders.Read"
TRIGGER_FILTER_FIELDS = {"Slug": FieldKind.TEXT, "Name": FieldKind.TEXT, "Id": FieldKind.GUID}
FOLDER_FILTER_FIELDS = {"FullyQualifiedName": FieldKind.TEXT, "Id": FieldKind.NUMBER, "Key": FieldKind.GUID}


def http_trigger_row(trigger: TriggerSpec, folder: FolderSpec) -> dict[str, Any]:
    """Return a trigger as a row of ``GET /odata/HttpTriggers``.

    :param trigger: the trigger.
    :param folder: its folder.
    """
    return {
        "Id": trigger.id,
        "Name": trigger.name,
        "Slug": trigger.slug,
        "Method": trigger.method.capitalize(),
        "CallingMode": trigger.calling_mode.value,
        "Enabled": trigger.enabled,
        "InputArguments": json.dumps(trigger.input_arguments),
        "ReleaseKey": trigger.release_key,
        "Release": {"Key": trigger.release_key, "Name": trigger.release_name},
        "OrganizationUnitId": folder.id,
        "ExternalReference": f"{trigger.method} {trigger.slug} {folder.key.upper()}",
    }


def folder_row(folder: FolderSpec) -> dict[str, Any]:
    """Return a folder as a row of ``GET /odata/Folders``.

    :param folder: the folder.
    """
    return {
        "Id": folder.id,
        "Key": folder.key,
        "DisplayName": folder.fully_qualified_name.rsplit("/", 1)[-1],
        "FullyQualifiedName": folder.fully_qualified_name,
    }


class CatalogEndpoints:
    """The trigger and folder lookups.

    :param state: the emulator state.
    """

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        """Return the routes, relative to ``/{org}/{tenant}/orchestrator_``."""
        return [
            Route("/odata/HttpTriggers", self.list_triggers, methods=["GET"]),
            Route("/odata/Folders", self.list_folders, methods=["GET"]),
            Route("/odata/Folders({folder_id:int})", self.get_folder, methods=["GET"]),
        ]

    async def list_triggers(self, request: Request) -> Response:
        """Answer ``GET HttpTriggers`` with the triggers of the request's folder.

        :param request: the request.
        """
        credential = authenticate(request, self.state)
        require_scope(credential, EXECUTION_READ_SCOPE, "GET /odata/HttpTriggers")
        folder = folder_of_request(request, self.state)

        rows = [
            http_trigger_row(trigger, folder)
            for trigger in self.state.triggers()
            if trigger.folder_id == folder.id
        ]
        return _collection_response(request, "HttpTriggers", rows, TRIGGER_FILTER_FIELDS)

    async def list_folders(self, request: Request) -> Response:
        """Answer ``GET Folders``.

        :param request: the request.
        """
        credential = authenticate(request, self.state)
        require_scope(credential, FOLDERS_READ_SCOPE, "GET /odata/Folders")

        rows = [folder_row(folder) for folder in self.state.config.folders]
        return _collection_response(request, "Folders", rows, FOLDER_FILTER_FIELDS)

    async def get_folder(self, request: Request) -> Response:
        """Answer ``GET Folders({Id})``.

        :param request: the request.
        """
        credential = authenticate(request, self.state)
        require_scope(credential, FOLDERS_READ_SCOPE, "GET /odata/Folders")
        folder = self.state.folder_by_id(request.path_params["folder_id"])
        if folder is None:
            raise OrchestratorError(
                404,
                f"Folder {request.path_params['folder_id']} does not exist.",
                error_code=ERROR_CODE_ITEM_NOT_FOUND,
            )
        return JSONResponse(folder_row(folder))


def _collection_response(
    request: Request,
    entity_set: str,
    rows: list[dict[str, Any]],
    filter_fields: dict[str, FieldKind],
) -> Response:
    try:
        query = CollectionQuery.from_params(request.query_params, filter_fields, ("Id",))
    except FilterError as error:
        raise OrchestratorError(400, str(error), error_code=ERROR_CODE_INVALID_REQUEST) from None
    page, matched = query.apply(rows)
    context = metadata_url(request, entity_set)
    return JSONResponse(odata_collection(context, page, matched if query.count else None))
