"""The operator in every call mode against the emulator: deferrable or not, success or failure."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_uipath.call_modes import CallMode, JobState
from airflow_provider_uipath.emulator.server import EmulatorServer
from airflow_provider_uipath.exceptions import (
    UiPathConfigError,
    UiPathError,
    UiPathInvokeError,
    UiPathJobFailedError,
    UiPathJobTimeoutError,
)
from airflow_provider_uipath.operators.api_trigger import UiPathApiTriggerOperator
from tests.conftest import AddTrigger, refuse_requests
from tests.integration.task_runner import run_task

JOB_ERROR = {"Code": "Robot.Exception", "Title": "Invoice file missing", "Detail": "No file", "Status": 0}
OUTPUT = {"invoices_processed": 42}
WAITING_MODES = [CallMode.ASYNC_REQUEST_REPLY, CallMode.LONG_POLLING]


def operator(invoke_url: str, **kwargs: Any) -> UiPathApiTriggerOperator:
    kwargs.setdefault("poll_interval", 0.05)
    return UiPathApiTriggerOperator(task_id="run_robot", invoke_url=invoke_url, **kwargs)


@pytest.mark.parametrize("mode", WAITING_MODES, ids=str)
@pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "on-worker"])
def test_successful_job_returns_its_output(
    any_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer, mode: CallMode, deferrable: bool
) -> None:
    invoke_url = add_trigger("robot", duration_seconds=0.6, output=OUTPUT)
    run = run_task(
        operator(invoke_url, arguments={"in_Month": "2026-12"}, call_mode=mode, deferrable=deferrable)
    )
    assert run.result == OUTPUT
    assert (run.trigger is not None) is deferrable
    assert run.xcoms["status_url"].startswith(emulator.tenant_url)
    assert run.xcoms["call_mode"] == mode.value
    [job] = emulator.jobs()
    assert job.input_arguments == {"in_Month": "2026-12"}
    assert job.call_mode == mode


@pytest.mark.parametrize("mode", WAITING_MODES, ids=str)
@pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "on-worker"])
def test_faulted_job_fails_the_task_with_the_remote_error(
    any_connection: str, add_trigger: AddTrigger, mode: CallMode, deferrable: bool
) -> None:
    invoke_url = add_trigger("robot", duration_seconds=0.6, outcome="Faulted", error=JOB_ERROR)
    task = operator(invoke_url, call_mode=mode, deferrable=deferrable)
    with pytest.raises(UiPathJobFailedError, match=r"Invoice file missing: No file \[code Robot.Exception\]"):
        run_task(task)


@pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "on-worker"])
def test_fire_and_forget_never_defers_and_returns_nothing(
    any_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer, deferrable: bool
) -> None:
    invoke_url = add_trigger("robot", duration_seconds=5)
    run = run_task(operator(invoke_url, call_mode="FireAndForget", deferrable=deferrable))
    assert run.result is None
    assert run.trigger is None
    assert "status_url" not in run.xcoms
    assert emulator.stats().jobs_created == 1
    assert [r.route_class.value for r in emulator.requests() if r.route_class.value != "token"] == ["invoke"]


def test_long_polling_job_that_ends_within_the_wait_returns_at_once(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("robot", duration_seconds=0.05, output=OUTPUT)
    run = run_task(operator(invoke_url, call_mode=CallMode.LONG_POLLING, deferrable=True))
    assert run.result == OUTPUT
    assert run.trigger is None
    assert [r.route_class.value for r in emulator.requests()] == ["invoke"]


@pytest.mark.parametrize(
    ("trigger_default", "expected_mode"),
    [
        pytest.param("AsyncRequestReply", CallMode.ASYNC_REQUEST_REPLY, id="async-default"),
        pytest.param("LongPolling", CallMode.LONG_POLLING, id="long-polling-default"),
    ],
)
def test_without_call_mode_the_trigger_default_applies(
    pat_connection: str,
    add_trigger: AddTrigger,
    emulator: EmulatorServer,
    trigger_default: str,
    expected_mode: CallMode,
) -> None:
    invoke_url = add_trigger("robot", calling_mode=trigger_default, duration_seconds=0.6, output=OUTPUT)
    run = run_task(operator(invoke_url, deferrable=True))
    assert run.result == OUTPUT
    assert run.xcoms["call_mode"] == expected_mode.value
    [job] = emulator.jobs()
    assert job.call_mode == expected_mode


VARIANTS = [
    pytest.param({"redirect_status": 302}, id="302"),
    pytest.param({"redirect_status": 303}, id="303"),
    pytest.param({"redirect_status": 307, "location_style": "relative"}, id="307-relative"),
    pytest.param({"location_style": "path"}, id="absolute-path"),
    pytest.param({"location_style": "relative"}, id="relative"),
    pytest.param({"status_url_host": "localhost", "redirects_require_auth": False}, id="other-origin"),
    pytest.param({"long_poll_terminal_response": "redirect"}, id="long-poll-redirects-to-output"),
    pytest.param({"status_url_embeds_job_key": True}, id="job-key-in-url"),
]


@pytest.mark.parametrize("knobs", VARIANTS)
@pytest.mark.parametrize("mode", WAITING_MODES, ids=str)
@pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "on-worker"])
def test_protocol_variants_all_work(
    pat_connection: str,
    add_trigger: AddTrigger,
    emulator: EmulatorServer,
    knobs: dict[str, Any],
    mode: CallMode,
    deferrable: bool,
) -> None:
    emulator.configure(**knobs)
    invoke_url = add_trigger("robot", duration_seconds=0.6, output=OUTPUT)
    assert run_task(operator(invoke_url, call_mode=mode, deferrable=deferrable)).result == OUTPUT
    other_origin = [r for r in emulator.requests() if r.host.startswith("localhost")]
    assert not any(record.has_authorization for record in other_origin)


def test_token_is_sent_on_redirects_to_the_same_origin(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    emulator.configure(redirects_require_auth=True)
    invoke_url = add_trigger("robot", duration_seconds=0.6, output=OUTPUT)
    run_task(operator(invoke_url, call_mode=CallMode.LONG_POLLING, deferrable=True))
    assert all(record.has_authorization for record in emulator.requests())


@pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "on-worker"])
def test_deadline_stops_the_job_and_fails_the_task(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer, deferrable: bool
) -> None:
    invoke_url = add_trigger("endless", outcome="Hang", pending_seconds=0)
    task = operator(
        invoke_url,
        arguments={"in_Batch": 7},
        call_mode="AsyncRequestReply",
        deferrable=deferrable,
        timeout=0.5,
    )
    with pytest.raises(UiPathJobTimeoutError, match=r"was still running at the task's deadline"):
        run_task(task)
    [job] = emulator.jobs()
    assert job.state in (JobState.STOPPING, JobState.STOPPED)


def test_on_kill_stops_the_job(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("endless", outcome="Hang")
    task = operator(invoke_url, arguments={"in_Batch": 8}, wait_for_completion=False)
    run = run_task(task)
    assert run.result is None
    assert run.xcoms["status_url"]
    task.on_kill()
    [job] = emulator.jobs()
    assert job.state in (JobState.STOPPING, JobState.STOPPED)


def test_refused_invoke_names_the_trigger_and_the_server_message(
    pat_connection: str, emulator: EmulatorServer
) -> None:
    with pytest.raises(
        UiPathInvokeError, match=r"orchestrator_/t/[^ ]+/no-such-trigger answered HTTP 404 with: .*1623"
    ):
        run_task(operator("2b3c4d5e-0000-4000-8000-000000000001/no-such-trigger"))
    assert emulator.stats().jobs_created == 0


def test_wrong_verb_is_refused_without_a_job(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("robot", method="GET")
    with pytest.raises(UiPathInvokeError, match=r"method= matches the trigger's configured verb"):
        run_task(operator(invoke_url, method="POST"))
    assert emulator.stats().jobs_created == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"call_mode": "Synchronous"}, r"Unknown call mode 'Synchronous'", id="call-mode"),
        pytest.param({"arguments": {"when": object()}}, r"cannot be sent as JSON", id="arguments"),
        pytest.param({"arguments": ["a", "b"]}, r"must be a dict", id="arguments-list"),
        pytest.param({"method": "PATCH"}, r"Unsupported method 'PATCH'", id="method"),
        pytest.param(
            {"invoke_url": "https://orchestrator.invalid/acme/DefaultTenant/orchestrator_/t/f/s"},
            r"is not on the connection's origin",
            id="other-origin",
        ),
    ],
)
def test_bad_input_fails_before_any_request(
    pat_connection: str, emulator: EmulatorServer, kwargs: dict[str, Any], message: str
) -> None:
    kwargs.setdefault("invoke_url", "2b3c4d5e-0000-4000-8000-000000000001/invoice-sync")
    task = operator(**kwargs)
    refuse_requests(task.hook)
    with pytest.raises(UiPathConfigError, match=message):
        run_task(task)
    assert emulator.requests() == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"poll_interval": 0}, r"poll_interval must be a positive number", id="zero-interval"),
        pytest.param(
            {"poll_interval": -1}, r"poll_interval must be a positive number", id="negative-interval"
        ),
        pytest.param({"timeout": 0}, r"timeout must be a positive number", id="zero-timeout"),
    ],
)
def test_bad_numbers_fail_when_the_dag_is_parsed(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(UiPathConfigError, match=message):
        operator("fk/slug", **kwargs)


def test_long_polling_timeout_over_fifteen_minutes_warns(
    pat_connection: str, add_trigger: AddTrigger
) -> None:
    task = operator(add_trigger("robot", duration_seconds=0), call_mode="LongPolling", timeout=3600)
    with pytest.warns(UserWarning, match=r"exceeds the 15-minute limit UiPath sets on LongPolling jobs"):
        run_task(task)


def test_non_json_output_is_a_clear_error(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("robot", duration_seconds=0)
    emulator.add_fault("status", "output", status_code=200, body="<html>maintenance</html>")
    with pytest.raises(UiPathError, match=r"output at .* is not JSON \(text/plain"):
        run_task(operator(invoke_url, deferrable=True))
