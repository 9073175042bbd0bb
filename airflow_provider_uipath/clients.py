"""Async HTTP transports shared by every trigger of a triggerer process.

All deferred tasks of a deployment share the triggerer's event loop; one pooled transport per
(event loop, connection) lets thousands of waits reuse a few TCP connections. The transport is
:class:`~airflow_provider_uipath.aiohttp_transport.AiohttpTransport`: httpx requests and responses
over aiohttp's connection pool.

LongPolling waits get a transport of their own: a held request occupies its connection until
Orchestrator answers, so those waits need one connection each, while status polls share a few.

A transport is built in a worker thread (importing aiohttp and loading the CA certificates would
block the event loop for tens of milliseconds), lives while at least one trigger uses it, and is
closed when the last one ends.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass

import httpx

from airflow_provider_uipath.connection import DEFAULT_POOL_SIZE, UiPathConnectionConfig
from airflow_provider_uipath.sending import USER_AGENT

#: The most connections held by LongPolling waits of one connection: one per held request.
LONG_POLL_MAX_CONNECTIONS = 10_000

TransportKey = tuple[str, str, bool, bool]


@dataclass
class _SharedTransport:
    built: asyncio.Task[httpx.AsyncBaseTransport]
    users: int = 0


_transports: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[TransportKey, _SharedTransport]]
_transports = weakref.WeakKeyDictionary()


def build_async_transport(config: UiPathConnectionConfig, pool_size: int) -> httpx.AsyncBaseTransport:
    """Build an aiohttp-backed httpx transport with a bounded pool.

    :param config: the connection.
    :param pool_size: the most connections kept open.
    """
    from airflow_provider_uipath.aiohttp_transport import AiohttpTransport

    return AiohttpTransport(verify=config.verify, pool_size=pool_size, user_agent=USER_AGENT)


def shared_async_transport(config: UiPathConnectionConfig, long_poll: bool = False) -> TransportLease:
    """Lend the event loop's transport for a connection, building it for its first user.

    Use it as ``async with shared_async_transport(config) as transport:``.

    :param config: the connection.
    :param long_poll: whether the requests may be held by Orchestrator (LongPolling).
    """
    return TransportLease((config.conn_id, config.tenant_url, config.verify, long_poll), config)


class TransportLease:
    """One wait's use of a shared transport, as an async context manager.

    A small object rather than a generator-based context manager: thousands of waits hold one each
    for as long as they wait.

    :param key: what the transport is shared by: connection id, tenant URL, verify, LongPolling.
    :param config: the connection.
    """

    __slots__ = ("_config", "_key", "_shared", "_transports")

    def __init__(self, key: TransportKey, config: UiPathConnectionConfig) -> None:
        self._key = key
        self._config = config
        self._transports: dict[TransportKey, _SharedTransport] = {}
        self._shared: _SharedTransport | None = None

    async def __aenter__(self) -> httpx.AsyncBaseTransport:
        self._transports = _transports.setdefault(asyncio.get_running_loop(), {})
        shared = self._transports.get(self._key)
        if shared is None:
            long_poll = self._key[-1]
            pool_size = LONG_POLL_MAX_CONNECTIONS if long_poll else DEFAULT_POOL_SIZE
            built = asyncio.ensure_future(asyncio.to_thread(build_async_transport, self._config, pool_size))
            shared = self._transports[self._key] = _SharedTransport(built)
        shared.users += 1
        self._shared = shared
        try:
            return await asyncio.shield(shared.built)
        except BaseException:
            await self._release()
            raise

    async def __aexit__(self, *exc_info: object) -> None:
        await self._release()

    async def _release(self) -> None:
        """Give the transport back; the last user closes it."""
        shared, self._shared = self._shared, None
        if shared is None:
            return
        shared.users -= 1
        if shared.users == 0 and self._transports.get(self._key) is shared:
            del self._transports[self._key]
            await _close(shared)


async def _close(shared: _SharedTransport) -> None:
    """Close the transport; one still being built is dropped (it has opened nothing yet)."""
    if not shared.built.done():
        shared.built.cancel()
        return
    if not shared.built.cancelled() and shared.built.exception() is None:
        await shared.built.result().aclose()


def open_transport_count() -> int:
    """How many shared transports the running event loop holds (for tests and benchmarks)."""
    return len(_transports.get(asyncio.get_running_loop(), {}))
