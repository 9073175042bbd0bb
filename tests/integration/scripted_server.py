"""A tiny HTTP/1.1 server on 127.0.0.1 whose answers a test scripts, byte for byte.

The emulator speaks Orchestrator's protocol; this server lets a transport test see exactly what was
sent (headers, body, one connection or several) and answer what no Orchestrator would: a gzip body,
a cookie, a dropped connection, silence.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

#: What a script does with a request: the raw answer to send, or ``None`` to close the connection.
Script = Callable[["SeenRequest"], Awaitable[bytes | None]]


@dataclass(frozen=True)
class SeenRequest:
    """A request as it arrived.

    :param method: the method.
    :param target: the request target (path and query).
    :param headers: the headers, names in lower case.
    :param body: the body.
    :param connection: the number of the connection it came on, from 1.
    """

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    connection: int


@dataclass
class ScriptedServer:
    """The running server and what it saw.

    :param url: its origin, ``http://127.0.0.1:<port>``.
    """

    url: str
    requests: list[SeenRequest] = field(default_factory=list)
    connections_opened: int = 0
    connections_open: int = 0
    most_connections_open: int = 0
    connections_closed_by_client: int = 0
    client_closed: asyncio.Event = field(default_factory=asyncio.Event)


def answer(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    """The bytes of an HTTP/1.1 answer with a ``Content-Length``.

    :param status: the status code.
    :param body: the body.
    :param headers: more headers.
    """
    lines = [f"HTTP/1.1 {status} Scripted", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_request(reader: asyncio.StreamReader, connection: int) -> SeenRequest | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    request_line, *header_lines = head.decode("latin-1").split("\r\n")[:-2]
    method, target, _ = request_line.split(" ", 2)
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return SeenRequest(method, target, headers, body, connection)


@contextlib.asynccontextmanager
async def scripted_server(script: Script) -> AsyncIterator[ScriptedServer]:
    """Serve on a free loopback port until the block ends.

    :param script: what to answer to each request.
    """
    server_state = ScriptedServer(url="")
    writers: set[asyncio.StreamWriter] = set()

    async def serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.add(writer)
        server_state.connections_opened += 1
        server_state.connections_open += 1
        server_state.most_connections_open = max(
            server_state.most_connections_open, server_state.connections_open
        )
        number = server_state.connections_opened
        try:
            while (request := await _read_request(reader, number)) is not None:
                server_state.requests.append(request)
                reply = await script(request)
                if reply is None:
                    break
                writer.write(reply)
                await writer.drain()
            else:
                server_state.connections_closed_by_client += 1
                server_state.client_closed.set()
        finally:
            server_state.connections_open -= 1
            writers.discard(writer)
            writer.close()

    server = await asyncio.start_server(serve_connection, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server_state.url = f"http://127.0.0.1:{port}"
    try:
        yield server_state
    finally:
        server.close()
        for writer in list(writers):
            writer.close()
        await server.wait_closed()
