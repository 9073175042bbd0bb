"""An httpx transport that sends through one pooled aiohttp session, reading each answer whole.

The async hook builds httpx requests and reads httpx responses, as the sync hook does, so both run
the same flows. On the triggerer's event loop, thousands of waits share one of these transports:
aiohttp's connection pool hands out a connection in constant time, where httpx's own async pool
scans every pooled connection for each request (see the README's benchmark).

Every answer Orchestrator gives is a small JSON document, so the body is read in one call and the
httpx response is built around it: no stream wrappers, no per-chunk iteration. Cookies are neither
stored nor sent (Orchestrator's API does not use them), and redirects are left to the flows.

Network failures are raised as the httpx error that says what happened, so callers can tell a
request that never left (:class:`httpx.ConnectError`, :class:`httpx.ConnectTimeout`) from one that
may have reached the server.

Proxies come from the environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``), as they do for the
sync hook through httpx; they are read once per host, when the transport first sends to it.
"""

from __future__ import annotations

import ssl
import urllib.request
from collections.abc import Mapping

import aiohttp
import httpx

#: How httpx names the parts of a request's timeout, as the hooks set them in its extensions.
_TIMEOUT_PARTS = ("connect", "read", "pool")
#: The answer's HTTP version, for httpx's response extensions (aiohttp speaks HTTP/1.1).
_HTTP_VERSION = b"HTTP/1.1"

#: aiohttp failures and the httpx error each one is, most specific first.
_FAILURES: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.SocketTimeoutError, httpx.ReadTimeout),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
    (aiohttp.ClientPayloadError, httpx.ReadError),
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
    (aiohttp.ClientError, httpx.NetworkError),
)


def httpx_failure(error: BaseException, request: httpx.Request) -> httpx.TransportError:
    """The httpx error that says what an aiohttp failure means.

    :param error: what aiohttp raised.
    :param request: the request that failed.
    """
    for aiohttp_error, httpx_error in _FAILURES:
        if isinstance(error, aiohttp_error):
            return httpx_error(str(error) or type(error).__name__, request=request)
    raise TypeError(f"Not a network failure: {error!r}")


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Send httpx requests through one aiohttp session with a bounded connection pool.

    Build it anywhere (a worker thread is best: loading the CA certificates takes tens of
    milliseconds); the session itself is opened on the event loop, with the first request.

    :param verify: whether to check the server's TLS certificate.
    :param pool_size: the most connections open at once; more requests wait for one.
    :param user_agent: the ``User-Agent`` of requests that do not name one.
    """

    def __init__(self, verify: bool, pool_size: int, user_agent: str) -> None:
        self._user_agent = user_agent
        self._ssl: ssl.SSLContext | bool = ssl.create_default_context() if verify else False
        self._pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}
        self._proxies: dict[tuple[str, str], str | None] = {}

    def _opened_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, ssl=self._ssl),
                headers={"User-Agent": self._user_agent},
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,  # httpx decodes the body, as it does on the sync path
            )
        return self._session

    def _timeout_of(self, request: httpx.Request) -> aiohttp.ClientTimeout:
        """aiohttp's timeout for httpx's, made once per distinct value (a connection has two)."""
        parts: Mapping[str, float | None] = request.extensions.get("timeout", {})
        key = tuple(parts.get(name) for name in _TIMEOUT_PARTS)
        timeout = self._timeouts.get(key)
        if timeout is None:
            connect, read, pool = key
            timeout = self._timeouts[key] = aiohttp.ClientTimeout(
                total=None, connect=pool, sock_connect=connect, sock_read=read
            )
        return timeout

    def _proxy_for(self, url: httpx.URL) -> str | None:
        """The environment's proxy for the URL's scheme and host, looked up once per pair."""
        key = (url.scheme, url.host)
        if key not in self._proxies:
            bypassed = bool(urllib.request.proxy_bypass(url.host))
            self._proxies[key] = None if bypassed else urllib.request.getproxies().get(url.scheme)
        return self._proxies[key]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send the request and read the whole answer.

        :param request: the request, with its body already built.
        :raises httpx.TransportError: when the network fails, as the subclass that says how.
        """
        try:
            async with self._opened_session().request(
                request.method,
                str(request.url),
                headers=request.headers.multi_items(),
                data=request.content or None,
                allow_redirects=False,
                compress=False,
                timeout=self._timeout_of(request),
                proxy=self._proxy_for(request.url),
            ) as answer:
                body = await answer.read()
        except aiohttp.ClientError as error:
            raise httpx_failure(error, request) from error
        extensions = {"http_version": _HTTP_VERSION, "reason_phrase": (answer.reason or "").encode()}
        return httpx.Response(
            answer.status, headers=answer.raw_headers, content=body, request=request, extensions=extensions
        )

    async def aclose(self) -> None:
        """Close the session and its pooled connections."""
        if self._session is not None:
            await self._session.close()
