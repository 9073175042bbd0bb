"""URL handling: origins, trigger URLs and redirect locations.

Orchestrator's status and output URLs are opaque: this module joins and compares them, and never
reads anything out of them.
"""

from __future__ import annotations

import functools
import ipaddress
from urllib.parse import urljoin

import httpx

from airflow_provider_uipath.exceptions import UiPathConfigError, UiPathProtocolError

#: The path segment between the tenant URL and a trigger's folder key and slug.
TRIGGER_PATH = "orchestrator_/t/"

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
#: How many parsed URLs are kept: the tenant URLs, and the locations of redirects being followed.
RECENT_URLS = 256


def origin_of(url: str | httpx.URL) -> tuple[str, str, int | None]:
    """Return the scheme, host and port that make up a URL's origin.

    :param url: an absolute URL.

    >>> origin_of("https://cloud.uipath.com/acme/tenant")
    ('https', 'cloud.uipath.com', 443)
    """
    parsed = url if isinstance(url, httpx.URL) else parse_url(url)
    return parsed.scheme, parsed.host.lower(), parsed.port or _DEFAULT_PORTS.get(parsed.scheme)


@functools.lru_cache(maxsize=RECENT_URLS)
def parse_url(url: str) -> httpx.URL:
    """Parse a URL, or reuse it if it was parsed a moment ago.

    httpx checks a URL character by character, which makes parsing the costliest step of a
    redirect. The tenant URL is compared on every request, and a redirect's location is parsed when
    it is resolved and again when it is requested: each is parsed once.

    :param url: the URL.
    :raises httpx.InvalidURL: when it cannot be parsed.
    """
    return httpx.URL(url)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def same_origin(first: str | httpx.URL, second: str | httpx.URL) -> bool:
    """Whether two absolute URLs share scheme, host and port.

    :param first: an absolute URL.
    :param second: another absolute URL.
    """
    return origin_of(first) == origin_of(second)


def is_loopback_host(host: str) -> bool:
    """Whether a host name or address is this machine's loopback.

    :param host: ``"127.0.0.1"``, ``"::1"``, ``"localhost"``...
    """
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_invoke_url(tenant_url: str, invoke_url: str) -> str:
    """Build the full URL of an API trigger.

    :param tenant_url: the connection's base URL, e.g. ``https://cloud.uipath.com/acme/DefaultTenant``.
    :param invoke_url: the part after ``/orchestrator_/t/`` (``{folderKey}/{slug}``), or the full
        URL copied from Orchestrator, which must be on the tenant's origin.
    :raises UiPathConfigError: when the URL is empty or on another origin.

    >>> resolve_invoke_url("https://cloud.uipath.com/acme/t1", "2b3c/invoice-sync")
    'https://cloud.uipath.com/acme/t1/orchestrator_/t/2b3c/invoice-sync'
    """
    invoke_url = invoke_url.strip()
    if not invoke_url:
        raise UiPathConfigError(
            "The invoke_url is empty: give the trigger's '{folderKey}/{slug}' or its full URL."
        )
    if "://" not in invoke_url:
        relative = invoke_url.lstrip("/")
        relative = relative.removeprefix(TRIGGER_PATH)
        return f"{tenant_url.rstrip('/')}/{TRIGGER_PATH}{relative}"
    if not same_origin(invoke_url, tenant_url):
        raise UiPathConfigError(
            f"The invoke_url {invoke_url} is not on the connection's origin {tenant_url}: the bearer token "
            "is only ever sent to the connection's own host. Use a connection for that host, or give "
            "the '{folderKey}/{slug}' part alone."
        )
    return invoke_url


def resolve_location(request_url: str | httpx.URL, location: str | None) -> str:
    """Resolve a ``Location`` header against the URL of the request that received it.

    Absolute URLs, absolute paths and relative references are all accepted.

    :param request_url: the URL that answered with the redirect.
    :param location: the ``Location`` header, if any.
    :raises UiPathProtocolError: when there is no usable location.

    >>> resolve_location("https://h/acme/t/orchestrator_/t/f/s", "s/status/1")
    'https://h/acme/t/orchestrator_/t/f/s/status/1'
    """
    if location is None or not location.strip():
        raise UiPathProtocolError(
            f"Orchestrator answered {request_url} with a redirect or 202 but no Location header, "
            "so there is no status URL to follow."
        )
    try:
        return str(parse_url(urljoin(str(request_url), location.strip())))
    except httpx.InvalidURL as error:
        raise UiPathProtocolError(
            f"Orchestrator answered {request_url} with an unusable Location {location!r}: {error}."
        ) from error
