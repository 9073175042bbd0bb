"""The hooks against the emulator, over real loopback HTTP."""

from __future__ import annotations

import asyncio
import logging

import pytest

from airflow_provider_uipath.auth import TOKEN_CACHE
from airflow_provider_uipath.call_modes import CallMode
from airflow_provider_uipath.emulator.server import EmulatorServer
from airflow_provider_uipath.exceptions import (
    UiPathAuthError,
    UiPathConfigError,
    UiPathInvokeError,
    UiPathJobFailedError,
    UiPathRequestError,
    UiPathUnreachableError,
)
from airflow_provider_uipath.hooks.uipath import UiPathHook
from airflow_provider_uipath.hooks.uipath_async import UiPathAsyncHook
from airflow_provider_uipath.protocol import InvokeOutcome
from tests.conftest import CLIENT_SECRET, FAST_RETRIES, PAT, AddTrigger, SetConnection, refuse_requests

JOB_ERROR = {"Code": "Robot.Exception", "Title": "Invoice file missing", "Detail": "No file"}


def route_requests(emulator: EmulatorServer, route: str) -> list[object]:
    return [record for record in emulator.requests() if record.route_class.value == route]


def test_async_request_reply_job_output_with_any_credentials(
    any_connection: str, add_trigger: AddTrigger
) -> None:
    invoke_url = add_trigger("quick", output={"rows": 3})
    with UiPathHook() as hook:
        result = hook.invoke_trigger(invoke_url, {"in_N": 1}, call_mode=CallMode.ASYNC_REQUEST_REPLY)
        assert result.outcome is InvokeOutcome.ACCEPTED
        assert result.status_url is not None
        assert hook.get_job_output(result.status_url, result.mode, poll_interval=0.05) == {"rows": 3}


def test_oauth_token_is_requested_once_and_shared_by_hooks(
    oauth_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("quick")
    for _ in range(3):
        with UiPathHook() as hook:
            hook.invoke_trigger(invoke_url, {}, call_mode=CallMode.FIRE_AND_FORGET)
    assert emulator.stats().token_requests == 1
    assert emulator.stats().jobs_created == 3


def test_expired_token_leads_to_one_reauthentication(
    oauth_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("quick")
    with UiPathHook() as hook:
        hook.invoke_trigger(invoke_url, {}, call_mode=CallMode.FIRE_AND_FORGET)
        emulator.advance_clock(emulator.state.knobs.token_ttl_seconds + 1)
        result = hook.invoke_trigger(invoke_url, {}, call_mode=CallMode.FIRE_AND_FORGET)
    assert result.outcome is InvokeOutcome.STARTED
    assert emulator.stats().token_requests == 2
    assert emulator.stats().jobs_created == 2
    assert [record.status_code for record in route_requests(emulator, "invoke")] == [200, 401, 200]


def test_token_refused_twice_is_a_clear_error(
    oauth_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("quick")
    emulator.add_fault("status", "invoke", status_code=401, count=2)
    with (
        UiPathHook() as hook,
        pytest.raises(UiPathAuthError, match=r"A freshly issued OAuth token was refused"),
    ):
        hook.invoke_trigger(invoke_url, {})
    assert emulator.stats().jobs_created == 0


def test_refused_personal_access_token_is_a_clear_error(
    emulator: EmulatorServer, set_connection: SetConnection, add_trigger: AddTrigger
) -> None:
    set_connection(host=emulator.tenant_url, password="revoked-token")
    with UiPathHook() as hook, pytest.raises(UiPathAuthError, match=r"Personal Access Token .* was refused"):
        hook.invoke_trigger(add_trigger("quick"), {})


def test_wrong_client_secret_names_the_oauth_error(
    emulator: EmulatorServer, set_connection: SetConnection
) -> None:
    set_connection(
        host=emulator.tenant_url,
        login="emulator-client",
        password="wrong-secret",
        extra={"token_url": f"{emulator.base_url}/identity_/connect/token"},
    )
    with UiPathHook() as hook, pytest.raises(UiPathAuthError, match=r"invalid_client.*Check the client id"):
        hook.get_token()


def test_rate_limited_status_poll_honours_retry_after(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="airflow_provider_uipath.retries")
    invoke_url = add_trigger("quick", duration_seconds=0)
    with UiPathHook() as hook:
        result = hook.invoke_trigger(invoke_url, {})
        emulator.add_fault("status", "status", status_code=429, retry_after=1)
        assert result.status_url is not None
        hook.get_job_output(result.status_url, result.mode, poll_interval=0.05)
    polls = route_requests(emulator, "status")
    assert [record.status_code for record in polls][:2] == [429, 303]
    # The connection's own backoff is 0.01 s: the one-second wait is the server's Retry-After.
    assert "HTTP 429" in caplog.text
    assert "attempt 1, retrying in 1.0 s" in caplog.text


def test_server_errors_are_retried_within_a_budget_then_reported(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("quick")
    with UiPathHook() as hook:
        result = hook.invoke_trigger(invoke_url, {})
        emulator.add_fault("status", "status", status_code=503, body={"message": "Service busy"}, count=10)
        assert result.status_url is not None
        with pytest.raises(
            UiPathRequestError, match=r"HTTP 503 with: Service busy\. Gave up after 3 attempts"
        ):
            hook.get_job_output(result.status_url, result.mode, poll_interval=0.05)
    assert len(route_requests(emulator, "status")) == FAST_RETRIES["max_attempts"]


def test_bad_gateway_on_invoke_is_never_repeated(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("quick")
    emulator.add_fault("bad_gateway_after_create", "invoke")
    with (
        UiPathHook() as hook,
        pytest.raises(UiPathInvokeError, match=r"HTTP 502 with: <html> <head>.*started anyway"),
    ):
        hook.invoke_trigger(invoke_url, {})
    assert len(route_requests(emulator, "invoke")) == 1
    assert emulator.stats().jobs_created == 1


def test_dropped_invoke_is_never_repeated(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("quick")
    emulator.add_fault("drop_after_create", "invoke")
    with UiPathHook() as hook, pytest.raises(UiPathUnreachableError, match=r"may have started a job"):
        hook.invoke_trigger(invoke_url, {})
    assert len(route_requests(emulator, "invoke")) == 1


def test_faulted_job_fails_with_the_remote_error(pat_connection: str, add_trigger: AddTrigger) -> None:
    invoke_url = add_trigger("faulty", outcome="Faulted", error=JOB_ERROR)
    with UiPathHook() as hook:
        result = hook.invoke_trigger(invoke_url, {})
        assert result.status_url is not None
        with pytest.raises(
            UiPathJobFailedError, match=r"Invoice file missing: No file \[code Robot.Exception\]"
        ):
            hook.get_job_output(result.status_url, result.mode, poll_interval=0.05)


@pytest.mark.parametrize("require_auth", [False, True])
def test_no_token_goes_to_another_origin(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer, require_auth: bool
) -> None:
    invoke_url = add_trigger("quick", duration_seconds=0)
    emulator.configure(status_url_host="localhost", redirects_require_auth=require_auth)
    with UiPathHook() as hook:
        result = hook.invoke_trigger(invoke_url, {})
        assert result.status_url is not None
        assert result.status_url.startswith("http://localhost:")
        if require_auth:
            with pytest.raises(UiPathAuthError, match=r"on another origin .* so no token was sent"):
                hook.get_job_output(result.status_url, result.mode, poll_interval=0.05)
        else:
            assert hook.get_job_output(result.status_url, result.mode, poll_interval=0.05) == {}
    followed = [r for r in emulator.requests() if r.route_class.value in ("status", "output")]
    assert followed
    assert all(record.host.startswith("localhost") and not record.has_authorization for record in followed)


def test_test_connection_succeeds_and_fails_with_a_reason(
    emulator: EmulatorServer, set_connection: SetConnection
) -> None:
    token_url = f"{emulator.base_url}/identity_/connect/token"
    set_connection(
        host=emulator.tenant_url,
        login="emulator-client",
        password=CLIENT_SECRET,
        extra={"token_url": token_url},
    )
    assert UiPathHook().test_connection() == (True, f"Connected to {emulator.tenant_url}.")
    set_connection(
        host=emulator.tenant_url, login="emulator-client", password="nope", extra={"token_url": token_url}
    )
    TOKEN_CACHE.clear()
    ok, reason = UiPathHook().test_connection()
    assert not ok
    assert "invalid_client" in reason


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"password": PAT}, r"has no host", id="no-host"),
        pytest.param(
            {"host": "http://orchestrator.invalid/acme/t", "password": PAT},
            r"plain http://",
            id="remote-http",
        ),
        pytest.param(
            {"host": "https://orchestrator.invalid/acme/t", "login": "id"}, r"no password", id="login-only"
        ),
    ],
)
def test_malformed_connections_fail_before_any_request(
    set_connection: SetConnection, fields: dict[str, str], message: str, emulator: EmulatorServer
) -> None:
    set_connection(**fields)
    with refuse_requests(UiPathHook()) as hook, pytest.raises(UiPathConfigError, match=message):
        hook.invoke_trigger("fk/slug", {})
    assert emulator.requests() == []


def test_secrets_never_reach_logs_or_errors(
    oauth_connection: str,
    add_trigger: AddTrigger,
    emulator: EmulatorServer,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    invoke_url = add_trigger("faulty", outcome="Faulted", error=JOB_ERROR)
    messages = []
    with UiPathHook() as hook:
        result = hook.invoke_trigger(invoke_url, {})
        token = hook.get_token()
        emulator.advance_clock(emulator.state.knobs.token_ttl_seconds + 1)
        assert result.status_url is not None
        try:
            hook.get_job_output(result.status_url, result.mode, poll_interval=0.05)
        except UiPathJobFailedError as error:
            messages.append(str(error))
        new_token = hook.get_token()
    assert token != new_token
    printed = capsys.readouterr()
    captured = "\n".join([caplog.text, printed.out, printed.err, *messages])
    for secret in (CLIENT_SECRET, token, new_token):
        assert secret not in captured
    assert "Got a new OAuth token" in captured
    assert "Invoice file missing" in captured


async def test_a_thousand_concurrent_waits_cause_one_token_request(
    oauth_connection: str, emulator: EmulatorServer
) -> None:
    hooks = [UiPathAsyncHook() for _ in range(1000)]
    tokens = await asyncio.gather(*(hook.aget_token() for hook in hooks))
    assert len(set(tokens)) == 1
    assert emulator.stats().token_requests == 1
