"""The folder of an OData request, named by one of Orchestrator's folder headers.

Headers are read in this order: ``X-UIPATH-OrganizationUnitId`` (numeric id), ``X-UIPATH-FolderKey``
(GUID), ``X-UIPATH-FolderPath`` (fully qualified name). The ``-Encoded`` variant of the path header
is not read.
"""

from __future__ import annotations

from starlette.requests import Request

from airflow_provider_uipath.emulator.config import FolderSpec
from airflow_provider_uipath.emulator.errors import (
    ERROR_CODE_FOLDER_NOT_FOUND,
    ERROR_CODE_FOLDER_REQUIRED,
    OrchestratorError,
)
from airflow_provider_uipath.emulator.state import EmulatorState

ORGANIZATION_UNIT_HEADER = "X-UIPATH-OrganizationUnitId"
FOLDER_KEY_HEADER = "X-UIPATH-FolderKey"
FOLDER_PATH_HEADER = "X-UIPATH-FolderPath"
FOLDER_REQUIRED_MESSAGE = "A folder is required for this action."


def folder_of_request(request: Request, state: EmulatorState) -> FolderSpec:
    """Return the folder named by the request's folder header.

    :param request: the OData request.
    :param state: the emulator state that knows the folders.
    :raises OrchestratorError: 400 with errorCode 1101 when no folder header is sent, or 1100 when
        the folder does not exist.
    """
    headers = request.headers
    if ORGANIZATION_UNIT_HEADER in headers:
        value = headers[ORGANIZATION_UNIT_HEADER]
        folder = state.folder_by_id(int(value)) if value.strip().isdigit() else None
        return _found(folder, ORGANIZATION_UNIT_HEADER, value)
    if FOLDER_KEY_HEADER in headers:
        value = headers[FOLDER_KEY_HEADER]
        return _found(state.folder_by_key(value), FOLDER_KEY_HEADER, value)
    if FOLDER_PATH_HEADER in headers:
        value = headers[FOLDER_PATH_HEADER]
        return _found(state.folder_by_path(value), FOLDER_PATH_HEADER, value)
    raise OrchestratorError(400, FOLDER_REQUIRED_MESSAGE, error_code=ERROR_CODE_FOLDER_REQUIRED)


def _found(folder: FolderSpec | None, header: str, value: str) -> FolderSpec:
    if folder is None:
        raise OrchestratorError(
            400,
            f"The folder {value!r} given in {header} does not exist or you have no access to it.",
            error_code=ERROR_CODE_FOLDER_NOT_FOUND,
        )
    return folder
