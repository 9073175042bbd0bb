"""Sort request paths into the route classes that faults target and statistics count."""

from __future__ import annotations

from enum import Enum

TOKEN_PATHS = ("/identity_/connect/token", "/identity/connect/token")
ADMIN_PREFIX = "/_emulator/"
_TRIGGER_SEGMENTS = 3
_RESULT_SEGMENTS = 5


class RouteClass(str, Enum):
    """A family of endpoints. ``ANY`` only appears in faults: it matches every class but ``ADMIN``."""

    TOKEN = "token"
    INVOKE = "invoke"
    STATUS = "status"
    OUTPUT = "output"
    JOBS = "jobs"
    ADMIN = "admin"
    OTHER = "other"
    ANY = "any"


def classify_route(path: str, org: str, tenant: str) -> RouteClass:
    """Return the route class of a request path.

    >>> classify_route("/acme/T/orchestrator_/t/2b3c/invoice-sync/status/x", "acme", "T").value
    'status'

    :param path: the request path, without the query string.
    :param org: the organization name of the emulated tenant.
    :param tenant: the tenant name.
    """
    if path in TOKEN_PATHS:
        return RouteClass.TOKEN
    if path.startswith(ADMIN_PREFIX):
        return RouteClass.ADMIN
    orchestrator_prefix = f"/{org}/{tenant}/orchestrator_/"
    if not path.startswith(orchestrator_prefix):
        return RouteClass.OTHER
    rest = path[len(orchestrator_prefix) :]
    if rest.startswith("odata/"):
        return RouteClass.JOBS
    return _classify_trigger_path(rest.split("/"))


def _classify_trigger_path(segments: list[str]) -> RouteClass:
    if segments[0] != "t":
        return RouteClass.OTHER
    if len(segments) == _TRIGGER_SEGMENTS:
        return RouteClass.INVOKE
    if len(segments) == _RESULT_SEGMENTS and segments[3] == "status":
        return RouteClass.STATUS
    if len(segments) == _RESULT_SEGMENTS and segments[3] == "output":
        return RouteClass.OUTPUT
    return RouteClass.OTHER
