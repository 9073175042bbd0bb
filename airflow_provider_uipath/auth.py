"""OAuth client-credentials tokens: the request, the answer and a process-wide cache.

One cache serves every hook of a process (a worker's task, or all the triggers of a triggerer),
keyed by token URL, client id and scope. A token is refreshed ahead of its expiry; concurrent
callers that find it stale wait for a single refresh instead of each asking for a token.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from airflow_provider_uipath.connection import ClientCredentials
from airflow_provider_uipath.exceptions import UiPathAuthError, quote_body

#: Refresh a token this many seconds before it expires...
DEFAULT_REFRESH_LEAD_SECONDS = 120.0
#: ...but never earlier than this fraction of its lifetime, so a 60-second token is still used.
MAX_REFRESH_LEAD_FRACTION = 0.25
#: Lifetime assumed when the identity server sends no ``expires_in``.
DEFAULT_TOKEN_LIFETIME_SECONDS = 3600.0

CacheKey = tuple[str, str, str]
Clock = Callable[[], float]


@dataclass(frozen=True)
class AccessToken:
    """A bearer token and when to stop using it.

    :param value: the token.
    :param refresh_at: the monotonic time after which a new token is fetched.
    :param expires_at: the monotonic time at which the identity server said it expires.
    """

    value: str = field(repr=False)
    refresh_at: float
    expires_at: float

    @classmethod
    def issued_now(cls, value: str, lifetime: float, clock: Clock = time.monotonic) -> AccessToken:
        """Build a token that was just issued.

        :param value: the token.
        :param lifetime: its ``expires_in``, in seconds.
        :param clock: the monotonic clock.
        """
        now = clock()
        lead = min(DEFAULT_REFRESH_LEAD_SECONDS, lifetime * MAX_REFRESH_LEAD_FRACTION)
        return cls(value=value, refresh_at=now + lifetime - lead, expires_at=now + lifetime)


class TokenCache:
    """Tokens shared by all hooks of a process, with single-flight refresh.

    :param clock: the monotonic clock (replaceable in tests).
    """

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._tokens: dict[CacheKey, AccessToken] = {}
        self._guard = threading.Lock()
        self._thread_locks: dict[CacheKey, threading.Lock] = {}
        self._loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[CacheKey, asyncio.Lock]]
        self._loop_locks = weakref.WeakKeyDictionary()

    def fresh(self, key: CacheKey) -> AccessToken | None:
        """Return the cached token when it does not need a refresh yet.

        :param key: the credentials' cache key.
        """
        token = self._tokens.get(key)
        if token is None or self._clock() >= token.refresh_at:
            return None
        return token

    def store(self, key: CacheKey, token: AccessToken) -> None:
        """Keep a new token.

        :param key: the credentials' cache key.
        :param token: the token.
        """
        self._tokens[key] = token

    def discard(self, key: CacheKey, value: str) -> None:
        """Forget a token Orchestrator refused, unless another caller already replaced it.

        :param key: the credentials' cache key.
        :param value: the refused token.
        """
        with self._guard:
            token = self._tokens.get(key)
            if token is not None and token.value == value:
                del self._tokens[key]

    def clear(self) -> None:
        """Forget every token."""
        self._tokens.clear()

    def thread_lock(self, key: CacheKey) -> threading.Lock:
        """The lock that makes threads of this process refresh one token at a time.

        :param key: the credentials' cache key.
        """
        with self._guard:
            return self._thread_locks.setdefault(key, threading.Lock())

    def loop_lock(self, key: CacheKey) -> asyncio.Lock:
        """The lock that makes coroutines of the running event loop refresh one token at a time.

        :param key: the credentials' cache key.
        """
        loop = asyncio.get_running_loop()
        with self._guard:
            locks = self._loop_locks.setdefault(loop, {})
            return locks.setdefault(key, asyncio.Lock())


#: The cache every hook of this process uses.
TOKEN_CACHE = TokenCache()


def build_token_request(credentials: ClientCredentials) -> httpx.Request:
    """Build the client-credentials request to the identity server.

    :param credentials: the external application.
    """
    return httpx.Request(
        "POST",
        credentials.token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": credentials.client_id,
            "client_secret": credentials.client_secret,
            "scope": credentials.scope,
        },
        headers={"Accept": "application/json"},
    )


def read_token_response(response: httpx.Response, credentials: ClientCredentials) -> AccessToken:
    """Turn the identity server's answer into a token, or a clear error.

    :param response: the answer to :func:`build_token_request`.
    :param credentials: the external application it was for.
    :raises UiPathAuthError: when the server refused or sent no token.
    """
    body = _json_or_none(response)
    if response.status_code != httpx.codes.OK:
        raise UiPathAuthError(
            f"The identity server {credentials.token_url} refused a token to client "
            f"{credentials.client_id!r} (HTTP {response.status_code}: "
            f"{_describe_oauth_error(body, response)}). "
            f"{_oauth_hint(body)}"
        )
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        raise UiPathAuthError(
            f"The identity server {credentials.token_url} answered HTTP 200 without an access_token "
            f"for client {credentials.client_id!r}; check the token_url extra of the connection."
        )
    lifetime = _read_lifetime(body.get("expires_in"))
    return AccessToken.issued_now(body["access_token"], lifetime)


def _read_lifetime(expires_in: Any) -> float:
    try:
        lifetime = float(expires_in)
    except (TypeError, ValueError):
        return DEFAULT_TOKEN_LIFETIME_SECONDS
    return lifetime if lifetime > 0 else DEFAULT_TOKEN_LIFETIME_SECONDS


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _describe_oauth_error(body: Any, response: httpx.Response) -> str:
    if isinstance(body, dict) and body.get("error"):
        description = body.get("error_description")
        return f"{body['error']}: {description}" if description else str(body["error"])
    return quote_body(response.text) or "no error text"


_OAUTH_HINTS = {
    "invalid_client": "Check the client id (login) and client secret (password) of the connection.",
    "invalid_scope": "Check the scope extra: the external application must be granted every scope requested.",
    "unsupported_grant_type": "The external application must be confidential, with application scopes.",
}


def _oauth_hint(body: Any) -> str:
    if isinstance(body, dict):
        return _OAUTH_HINTS.get(str(body.get("error")), "")
    return ""
