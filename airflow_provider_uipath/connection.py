"""The ``uipath`` connection, read once into a typed configuration.

Fields of the Airflow connection:

- ``host``: the tenant's base URL, e.g. ``https://cloud.uipath.com/{org}/{tenant}``;
- ``password`` alone: a Personal Access Token;
- ``login`` + ``password``: an external application's client id and secret (OAuth client credentials);
- ``extra`` (JSON): ``token_url``, ``scope``, ``timeout``, ``long_poll_timeout``, ``verify``,
  ``max_attempts``, ``retry_backoff``, ``folder_id``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from airflow_provider_uipath.exceptions import UiPathConfigError
from airflow_provider_uipath.urls import is_loopback_host

DEFAULT_SCOPE = "OR.Jobs OR.Execution OR.Folders.Read"
#: Seconds to open a connection.
DEFAULT_CONNECT_TIMEOUT = 10.0
#: Seconds to wait for an answer to an ordinary request.
DEFAULT_TIMEOUT = 60.0
#: Seconds to wait for a LongPolling call, which Orchestrator holds open while the job runs.
DEFAULT_LONG_POLL_TIMEOUT = 180.0
#: Attempts for a request that is safe to repeat (status, output, token, Jobs API reads).
DEFAULT_MAX_RETRIES = 5
#: First backoff between attempts, in seconds; it doubles, with jitter, up to DEFAULT_MAX_BACKOFF.
DEFAULT_RETRY_BACKOFF = 1.0
DEFAULT_MAX_BACKOFF = 30.0
#: Longest ``Retry-After`` honoured, in seconds.
MAX_RETRY_AFTER = 120.0
#: Connections kept per client.
DEFAULT_POOL_SIZE = 20


class ConnectionLike(Protocol):
    """What is read from an Airflow ``Connection``."""

    conn_id: str
    host: str | None
    login: str | None
    password: str | None
    port: int | None
    schema: str | None


@dataclass(frozen=True)
class ClientCredentials:
    """An external application's credentials, for OAuth client credentials.

    :param client_id: the application id.
    :param client_secret: the application secret.
    :param token_url: the identity server's token endpoint.
    :param scope: the space-separated scopes requested.
    """

    client_id: str
    client_secret: str = field(repr=False)
    token_url: str
    scope: str

    @property
    def cache_key(self) -> tuple[str, str, str]:
        """The key under which this application's token is cached."""
        return self.token_url, self.client_id, self.scope


@dataclass(frozen=True)
class RetryPolicy:
    """How requests that are safe to repeat are retried.

    :param attempts: the most times a request is sent.
    :param backoff: the first wait between attempts, in seconds.
    :param max_backoff: the longest wait between attempts, in seconds.
    :param max_retry_after: the longest ``Retry-After`` honoured, in seconds.
    """

    attempts: int = DEFAULT_MAX_RETRIES
    backoff: float = DEFAULT_RETRY_BACKOFF
    max_backoff: float = DEFAULT_MAX_BACKOFF
    max_retry_after: float = MAX_RETRY_AFTER


@dataclass(frozen=True)
class UiPathConnectionConfig:
    """Everything the hooks need from a ``uipath`` connection.

    :param conn_id: the Airflow connection id.
    :param tenant_url: the tenant's base URL, without a trailing slash.
    :param personal_access_token: a PAT, when the connection has a password and no login.
    :param client_credentials: an external application, when it has a login and a password.
    :param timeout: connect and read timeouts for ordinary requests.
    :param long_poll_timeout: read timeout for LongPolling calls.
    :param verify: whether TLS certificates are verified.
    :param retry: the retry policy for requests that are safe to repeat.
    :param folder_id: the numeric folder id sent to the Jobs API, if set.
    """

    conn_id: str
    tenant_url: str
    personal_access_token: str | None = field(default=None, repr=False)
    client_credentials: ClientCredentials | None = None
    timeout: httpx.Timeout = field(
        default_factory=lambda: httpx.Timeout(DEFAULT_TIMEOUT, connect=DEFAULT_CONNECT_TIMEOUT)
    )
    long_poll_timeout: httpx.Timeout = field(
        default_factory=lambda: httpx.Timeout(DEFAULT_LONG_POLL_TIMEOUT, connect=DEFAULT_CONNECT_TIMEOUT)
    )
    verify: bool = True
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    folder_id: int | None = None

    @functools.cached_property
    def timeout_extensions(self) -> dict[bool, dict[str, float | None]]:
        """Both timeouts as httpx's request extensions carry them, by whether Orchestrator may hold
        the request (LongPolling); made once per connection, shared by every request."""
        return {False: self.timeout.as_dict(), True: self.long_poll_timeout.as_dict()}

    @property
    def secrets(self) -> list[str]:
        """The secret values of this connection, to hide from logs."""
        values = [self.personal_access_token]
        if self.client_credentials:
            values.append(self.client_credentials.client_secret)
        return [value for value in values if value]

    @classmethod
    def from_connection(cls, connection: ConnectionLike, extra: dict[str, Any]) -> UiPathConnectionConfig:
        """Read and check a connection.

        :param connection: the Airflow connection.
        :param extra: its ``extra`` field, already parsed.
        :raises UiPathConfigError: naming the field to fix.
        """
        conn_id = connection.conn_id
        tenant_url = _read_tenant_url(conn_id, connection.host, connection.port, connection.schema)
        personal_access_token, credentials = _read_credentials(conn_id, tenant_url, connection, extra)
        timeout = _read_seconds(conn_id, extra, "timeout", DEFAULT_TIMEOUT)
        long_poll = _read_seconds(
            conn_id, extra, "long_poll_timeout", max(DEFAULT_LONG_POLL_TIMEOUT, timeout)
        )
        return cls(
            conn_id=conn_id,
            tenant_url=tenant_url,
            personal_access_token=personal_access_token,
            client_credentials=credentials,
            timeout=httpx.Timeout(timeout, connect=min(DEFAULT_CONNECT_TIMEOUT, timeout)),
            long_poll_timeout=httpx.Timeout(long_poll, connect=min(DEFAULT_CONNECT_TIMEOUT, long_poll)),
            verify=_read_bool(conn_id, extra, "verify", default=True),
            retry=_read_retry_policy(conn_id, extra),
            folder_id=_read_optional_int(conn_id, extra, "folder_id"),
        )


def _read_tenant_url(conn_id: str, host: str | None, port: int | None, schema: str | None) -> str:
    host = (host or "").strip()
    if not host:
        raise UiPathConfigError(
            f"Connection {conn_id!r} has no host: set it to the tenant's URL, "
            "e.g. https://cloud.uipath.com/{organization}/{tenant}."
        )
    if "://" not in host:
        host = f"https://{host}"
    url = httpx.URL(host)
    if port:
        url = url.copy_with(port=port)
    if schema and url.path in ("", "/"):
        url = url.copy_with(path=f"/{schema.strip('/')}")
    if url.scheme not in ("http", "https") or not url.host:
        raise UiPathConfigError(f"Connection {conn_id!r} has an unusable host {host!r}: use an https:// URL.")
    if url.scheme == "http" and not is_loopback_host(url.host):
        raise UiPathConfigError(
            f"Connection {conn_id!r} uses plain http:// for {url.host}, which would send the bearer token "
            "unencrypted: use https://. Plain http is only accepted for loopback addresses (the emulator)."
        )
    return str(url.copy_with(query=None, fragment=None)).rstrip("/")


def _read_credentials(
    conn_id: str, tenant_url: str, connection: ConnectionLike, extra: dict[str, Any]
) -> tuple[str | None, ClientCredentials | None]:
    login = (connection.login or "").strip()
    password = connection.password or ""
    if login and not password:
        raise UiPathConfigError(
            f"Connection {conn_id!r} has a login (client id) but no password: set the external "
            "application's client secret as the password, or clear the login to use a Personal Access Token."
        )
    if not password:
        raise UiPathConfigError(
            f"Connection {conn_id!r} has no password: set a Personal Access Token as the password, "
            "or an external application's client id and secret as login and password."
        )
    if not login:
        return password, None
    token_url = str(extra.get("token_url") or default_token_url(tenant_url))
    scope = " ".join(str(extra.get("scope") or DEFAULT_SCOPE).split())
    return None, ClientCredentials(client_id=login, client_secret=password, token_url=token_url, scope=scope)


def default_token_url(tenant_url: str) -> str:
    """The identity server's token endpoint for a tenant on UiPath Automation Cloud.

    :param tenant_url: the tenant's base URL.

    >>> default_token_url("https://cloud.uipath.com/acme/DefaultTenant")
    'https://cloud.uipath.com/identity_/connect/token'
    """
    url = httpx.URL(tenant_url)
    return str(url.copy_with(path="/identity_/connect/token", query=None))


def _read_seconds(conn_id: str, extra: dict[str, Any], key: str, default: float) -> float:
    value = extra.get(key, default)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not seconds > 0 or math.isinf(seconds):
        raise UiPathConfigError(
            f"Connection {conn_id!r}: extra {key!r} must be a positive number of seconds, not {value!r}."
        )
    return seconds


def _read_bool(conn_id: str, extra: dict[str, Any], key: str, default: bool) -> bool:
    value = extra.get(key, default)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise UiPathConfigError(f"Connection {conn_id!r}: extra {key!r} must be true or false, not {value!r}.")


def _read_optional_int(conn_id: str, extra: dict[str, Any], key: str) -> int | None:
    value = extra.get(key)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise UiPathConfigError(
            f"Connection {conn_id!r}: extra {key!r} must be an integer, not {value!r}."
        ) from None


def _read_retry_policy(conn_id: str, extra: dict[str, Any]) -> RetryPolicy:
    attempts = _read_optional_int(conn_id, extra, "max_attempts")
    if attempts is not None and attempts < 1:
        raise UiPathConfigError(
            f"Connection {conn_id!r}: extra 'max_attempts' must be at least 1, not {attempts}."
        )
    backoff = _read_seconds(conn_id, extra, "retry_backoff", DEFAULT_RETRY_BACKOFF)
    return RetryPolicy(
        attempts=attempts or DEFAULT_MAX_RETRIES,
        backoff=backoff,
        max_backoff=max(backoff, DEFAULT_MAX_BACKOFF),
    )
