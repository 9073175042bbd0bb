"""The triggerer's transport: httpx requests in, httpx responses out, over real loopback HTTP."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
from collections.abc import AsyncIterator

import httpx
import pytest

from airflow_provider_uipath.aiohttp_transport import AiohttpTransport
from airflow_provider_uipath.sending import transport_failure, was_never_sent
from tests.integration.scripted_server import SeenRequest, answer, scripted_server

AGENT = "uipath-transport-test/1"
JSON_HEADERS = {"Content-Type": "application/json"}
SHORT = httpx.Timeout(5.0, read=0.2, pool=0.2)


@pytest.fixture
async def transport() -> AsyncIterator[AiohttpTransport]:
    opened = AiohttpTransport(verify=True, pool_size=20, user_agent=AGENT)
    yield opened
    await opened.aclose()


def timed(request: httpx.Request, timeout: httpx.Timeout = SHORT) -> httpx.Request:
    """Set the request's timeout as the async hook does."""
    request.extensions["timeout"] = timeout.as_dict()
    return request


async def reply_json(request: SeenRequest) -> bytes:
    return answer(200, json.dumps({"target": request.target}).encode(), JSON_HEADERS)


async def test_an_answer_becomes_an_httpx_response_with_its_status_headers_body_and_request(
    transport: AiohttpTransport,
) -> None:
    async with scripted_server(reply_json) as server:
        request = timed(httpx.Request("GET", f"{server.url}/status/7?x=1"))
        response = await transport.handle_async_request(request)
    assert response.status_code == 200
    assert response.json() == {"target": "/status/7?x=1"}
    assert response.headers["Content-Type"] == "application/json"
    assert response.request is request
    assert response.extensions["http_version"] == b"HTTP/1.1"
    assert response.reason_phrase == "Scripted"


async def test_a_gzip_body_is_decoded_as_httpx_decodes_it(transport: AiohttpTransport) -> None:
    async def reply_gzip(request: SeenRequest) -> bytes:
        body = gzip.compress(b'{"big": "' + b"x" * 100_000 + b'"}')
        return answer(200, body, {**JSON_HEADERS, "Content-Encoding": "gzip"})

    async with scripted_server(reply_gzip) as server:
        response = await transport.handle_async_request(timed(httpx.Request("GET", server.url)))
    assert response.json() == {"big": "x" * 100_000}


async def test_a_redirect_comes_back_as_it_is_for_the_flows_to_follow(transport: AiohttpTransport) -> None:
    async def reply_see_other(request: SeenRequest) -> bytes:
        return answer(303, headers={"Location": "/output/7"})

    async with scripted_server(reply_see_other) as server:
        response = await transport.handle_async_request(timed(httpx.Request("GET", server.url)))
    assert response.status_code == 303
    assert response.headers["Location"] == "/output/7"
    assert len(server.requests) == 1


async def test_the_request_goes_out_as_built_with_the_transports_user_agent_by_default(
    transport: AiohttpTransport,
) -> None:
    async with scripted_server(reply_json) as server:
        built = httpx.Request("POST", server.url, json={"a": 1}, headers={"Authorization": "Bearer t"})
        await transport.handle_async_request(timed(built))
        named = httpx.Request("GET", server.url, headers={"User-Agent": "someone-else/2"})
        await transport.handle_async_request(timed(named))
    posted, got = server.requests
    assert (posted.method, json.loads(posted.body)) == ("POST", {"a": 1})
    assert posted.headers["authorization"] == "Bearer t"
    assert posted.headers["content-type"] == "application/json"
    assert posted.headers["user-agent"] == AGENT
    assert got.headers["user-agent"] == "someone-else/2"


async def test_cookies_are_neither_kept_nor_sent_back(transport: AiohttpTransport) -> None:
    async def reply_with_cookie(request: SeenRequest) -> bytes:
        return answer(200, b"{}", {**JSON_HEADERS, "Set-Cookie": "session=abc; Path=/"})

    async with scripted_server(reply_with_cookie) as server:
        by_name = server.url.replace("127.0.0.1", "localhost")  # cookie jars ignore IP addresses
        for _ in range(2):
            await transport.handle_async_request(timed(httpx.Request("GET", by_name)))
    assert [request.headers.get("cookie") for request in server.requests] == [None, None]


async def test_requests_beyond_the_pool_wait_for_a_pooled_connection() -> None:
    pool_size, requests = 2, 6
    gate, pool_busy = asyncio.Event(), asyncio.Event()

    async def reply_when_the_gate_opens(request: SeenRequest) -> bytes:
        if len(server.requests) == pool_size:
            pool_busy.set()
        await gate.wait()
        return await reply_json(request)

    transport = AiohttpTransport(verify=True, pool_size=pool_size, user_agent=AGENT)
    async with scripted_server(reply_when_the_gate_opens) as server:
        sends = [
            asyncio.create_task(transport.handle_async_request(timed(httpx.Request("GET", server.url))))
            for _ in range(requests)
        ]
        await pool_busy.wait()
        gate.set()
        responses = await asyncio.gather(*sends)
        await transport.aclose()
    assert [response.status_code for response in responses] == [200] * requests
    assert server.connections_opened == pool_size
    assert server.most_connections_open == pool_size


async def test_closing_the_transport_closes_its_pooled_connections() -> None:
    transport = AiohttpTransport(verify=True, pool_size=20, user_agent=AGENT)
    async with scripted_server(reply_json) as server:
        await transport.handle_async_request(timed(httpx.Request("GET", server.url)))
        assert server.connections_open == 1
        await transport.aclose()
        await server.client_closed.wait()
        assert server.connections_open == 0


def a_closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_refused_connection_is_a_connect_error_that_was_never_sent(
    transport: AiohttpTransport,
) -> None:
    request = timed(httpx.Request("GET", f"http://127.0.0.1:{a_closed_port()}/status"))
    with pytest.raises(httpx.ConnectError) as raised:
        await transport.handle_async_request(request)
    assert was_never_sent(transport_failure(raised.value, request, "follow the UiPath job"))


async def test_a_connection_dropped_after_the_request_may_have_reached_the_server(
    transport: AiohttpTransport,
) -> None:
    async def drop(request: SeenRequest) -> None:
        return None

    async with scripted_server(drop) as server:
        request = timed(httpx.Request("POST", server.url, json={}))
        with pytest.raises(httpx.RemoteProtocolError) as raised:
            await transport.handle_async_request(request)
    assert len(server.requests) == 1
    assert not was_never_sent(transport_failure(raised.value, request, "invoke the API trigger"))


async def test_a_server_that_never_answers_is_a_read_timeout(transport: AiohttpTransport) -> None:
    never = asyncio.Event()

    async def stay_silent(request: SeenRequest) -> bytes:
        await never.wait()
        return b""

    async with scripted_server(stay_silent) as server:
        request = timed(httpx.Request("GET", server.url))
        with pytest.raises(httpx.ReadTimeout) as raised:
            await transport.handle_async_request(request)
        never.set()
    assert not was_never_sent(transport_failure(raised.value, request, "follow the UiPath job"))


async def test_no_free_pooled_connection_in_time_is_a_connect_timeout_that_was_never_sent() -> None:
    release, held = asyncio.Event(), asyncio.Event()

    async def hold_the_first(request: SeenRequest) -> bytes:
        held.set()
        await release.wait()
        return await reply_json(request)

    transport = AiohttpTransport(verify=True, pool_size=1, user_agent=AGENT)
    async with scripted_server(hold_the_first) as server:
        first = asyncio.create_task(
            transport.handle_async_request(timed(httpx.Request("GET", server.url), httpx.Timeout(5.0)))
        )
        await held.wait()
        second = timed(httpx.Request("GET", server.url))
        with pytest.raises(httpx.ConnectTimeout) as raised:
            await transport.handle_async_request(second)
        release.set()
        assert (await first).status_code == 200
        await transport.aclose()
    assert len(server.requests) == 1
    assert was_never_sent(transport_failure(raised.value, second, "follow the UiPath job"))


async def test_requests_go_through_the_environments_proxy(
    transport: AiohttpTransport, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with scripted_server(reply_json) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        request = timed(httpx.Request("GET", "http://orchestrator.invalid/status/7"))
        response = await transport.handle_async_request(request)
    assert response.json() == {"target": "http://orchestrator.invalid/status/7"}


async def test_hosts_the_environment_exempts_are_reached_directly(
    transport: AiohttpTransport, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{a_closed_port()}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with scripted_server(reply_json) as server:
        response = await transport.handle_async_request(timed(httpx.Request("GET", f"{server.url}/status")))
    assert response.json() == {"target": "/status"}
