"""Async HTTP clients shared by every trigger of a triggerer process.

All deferred tasks of a deployment share the triggerer's event loop; one pooled client per
(event loop, connection) lets thousands of waits reuse a few TCP connections. The transport is
aiohttp-backed: httpx's own async pool scans every pooled connection for each request, a cost that
grows with the number of concurrent waits (see the README's benchmark). httpx's API stays on top.

A client is built in a worker thread (importing aiohttp and loading the CA certificates would block
the event loop for tens of milliseconds), lives while at least one trigger uses it, and is closed
when the last one ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

from airflow_provider_uipath.connection import DEFAULT_POOL_SIZE, UiPathConnectionConfig

ClientKey = tuple[str, str, bool]


@dataclass
class _SharedClient:
    built: asyncio.Task[httpx.AsyncClient]
    users: int = 0


_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[ClientKey, _SharedClient]]
_clients = weakref.WeakKeyDictionary()


def _client_key(config: UiPathConnectionConfig) -> ClientKey:
    return config.conn_id, config.tenant_url, config.verify


def build_async_client(
    config: UiPathConnectionConfig, pool_size: int = DEFAULT_POOL_SIZE
) -> httpx.AsyncClient:
    """Build an async client with an aiohttp transport and a bounded pool.

    :param config: the connection.
    :param pool_size: the most connections kept open.
    """
    from httpx_aiohttp import AiohttpTransport

    limits = httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size)
    transport = AiohttpTransport(verify=config.verify, limits=limits)
    return httpx.AsyncClient(transport=transport, timeout=config.timeout, follow_redirects=False)


@contextlib.asynccontextmanager
async def shared_async_client(config: UiPathConnectionConfig) -> AsyncIterator[httpx.AsyncClient]:
    """Lend the event loop's client for a connection, building it for its first user.

    :param config: the connection.
    """
    clients = _clients.setdefault(asyncio.get_running_loop(), {})
    key = _client_key(config)
    shared = clients.get(key)
    if shared is None:
        built = asyncio.ensure_future(asyncio.to_thread(build_async_client, config))
        shared = clients[key] = _SharedClient(built)
    shared.users += 1
    try:
        yield await asyncio.shield(shared.built)
    finally:
        shared.users -= 1
        if shared.users == 0 and clients.get(key) is shared:
            del clients[key]
            await _close(shared)


async def _close(shared: _SharedClient) -> None:
    """Close the client; one still being built is dropped (its transport has opened nothing yet)."""
    if not shared.built.done():
        shared.built.cancel()
        return
    if not shared.built.cancelled() and shared.built.exception() is None:
        await shared.built.result().aclose()


def open_client_count() -> int:
    """How many shared clients the running event loop holds (for tests and benchmarks)."""
    return len(_clients.get(asyncio.get_running_loop(), {}))
