"""Read the JSON object body of an OData action or an admin request."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from airflow_provider_uipath.emulator.errors import ERROR_CODE_INVALID_REQUEST, OrchestratorError


async def read_json_object(request: Request) -> dict[str, Any]:
    """Return the request body as a JSON object; an empty body reads as ``{}``.

    :param request: the request.
    :raises OrchestratorError: 400 with errorCode 1000 when the body is not a JSON object.
    """
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise OrchestratorError(
            400,
            f"The request body must be a JSON object; got {raw[:80]!r}.",
            error_code=ERROR_CODE_INVALID_REQUEST,
        )
    return body
