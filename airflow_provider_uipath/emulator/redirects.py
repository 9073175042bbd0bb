"""Status and output URLs of a job, and the redirects that point to them.

The ``Location`` header can take three shapes (knob ``location_style``): an ``absolute`` URL (on the
host of the request, or on ``status_url_host`` with the same port), an absolute ``path``, or a
``relative`` reference that a client resolves against the URL it just requested.
"""

from __future__ import annotations

import posixpath
from typing import Literal

from starlette.requests import Request
from starlette.responses import Response

from airflow_provider_uipath.emulator.config import EmulatorConfig
from airflow_provider_uipath.emulator.jobs import Job
from airflow_provider_uipath.emulator.knobs import Knobs

ResultKind = Literal["status", "output"]


def result_path(config: EmulatorConfig, job: Job, kind: ResultKind) -> str:
    """Return the path of a job's status or output URL.

    For example ``/acme/DefaultTenant/orchestrator_/t/{folderKey}/invoice-sync/status/{opaque id}``.

    :param config: the emulator configuration (organization and tenant).
    :param job: the job.
    :param kind: ``status`` or ``output``.
    """
    trigger_path = f"/{config.org}/{config.tenant}/orchestrator_/t/{job.folder.key}/{job.trigger.slug}"
    return f"{trigger_path}/{kind}/{job.result_id}"


def location_of(request: Request, target_path: str, knobs: Knobs) -> str:
    """Return the ``Location`` value that sends a client from this request to ``target_path``.

    :param request: the request being answered.
    :param target_path: the absolute path to send the client to.
    :param knobs: the knobs in force (``location_style``, ``status_url_host``).
    """
    if knobs.location_style == "path":
        return target_path
    if knobs.location_style == "relative":
        return relative_reference(request.url.path, target_path)
    return f"{request.url.scheme}://{_authority(request, knobs.status_url_host)}{target_path}"


def redirect_to(request: Request, target_path: str, knobs: Knobs) -> Response:
    """Return an empty redirect response with the status of knob ``redirect_status``.

    :param request: the request being answered.
    :param target_path: the absolute path to send the client to.
    :param knobs: the knobs in force.
    """
    headers = {"Location": location_of(request, target_path, knobs)}
    return Response(status_code=knobs.redirect_status, headers=headers)


def relative_reference(base_path: str, target_path: str) -> str:
    """Return the shortest relative reference that resolves from ``base_path`` to ``target_path``.

    >>> relative_reference("/a/t/k/slug/status/x1", "/a/t/k/slug/output/x1")
    '../output/x1'

    :param base_path: the path of the request being answered.
    :param target_path: the absolute path to point at.
    """
    reference = posixpath.relpath(target_path, posixpath.dirname(base_path))
    first_segment = reference.split("/", 1)[0]
    return f"./{reference}" if ":" in first_segment else reference


def _authority(request: Request, host_override: str | None) -> str:
    if host_override is None:
        return request.headers.get("host") or request.url.netloc
    server = request.scope.get("server")
    port = server[1] if server else request.url.port
    return host_override if port is None else f"{host_override}:{port}"
