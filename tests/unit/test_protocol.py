"""The protocol's reading of Orchestrator's answers, on answers built in memory (no I/O on purpose)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_uipath.call_modes import CallMode
from airflow_provider_uipath.exceptions import (
    UiPathConfigError,
    UiPathInvokeError,
    UiPathJobFailedError,
    UiPathOutputTooLargeError,
    UiPathProtocolError,
    UiPathRequestError,
)
from airflow_provider_uipath.protocol import (
    MAX_REDIRECT_CHAIN,
    InvokeOutcome,
    JobFollower,
    JobOutput,
    NextRequest,
    build_invoke_request,
    check_arguments,
    read_invoke_response,
    read_job_error,
    read_output,
)
from airflow_provider_uipath.retries import is_retryable_response

TRIGGER = "https://h.example/acme/t1/orchestrator_/t/fk/slug"
STATUS = f"{TRIGGER}/status/abc"
OUTPUT = f"{TRIGGER}/output/abc"
JOB_ERROR = {"Code": "Robot.Exception", "Title": "Invoice file missing", "Detail": "C:/in.xlsx", "Status": 0}


def answer(
    status: int,
    url: str = TRIGGER,
    method: str = "GET",
    body: Any = None,
    text: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    content = text.encode() if text is not None else (json.dumps(body).encode() if body is not None else b"")
    return httpx.Response(status, content=content, headers=headers, request=httpx.Request(method, url))


def test_post_sends_arguments_and_call_mode_as_json() -> None:
    request = build_invoke_request(TRIGGER, "post", {"n": 1, "s": "x"}, CallMode.ASYNC_REQUEST_REPLY)
    assert request.method == "POST"
    assert json.loads(request.content) == {"n": 1, "s": "x", "$callMode": "AsyncRequestReply"}


def test_post_without_arguments_or_mode_sends_an_empty_object() -> None:
    request = build_invoke_request(TRIGGER, "PUT", None, None)
    assert json.loads(request.content) == {}


@given(
    arguments=st.dictionaries(
        st.text(alphabet="abcdefghij_", min_size=1, max_size=8),
        st.one_of(st.integers(), st.text(max_size=10), st.booleans(), st.lists(st.integers(), max_size=3)),
        max_size=5,
    )
)
def test_get_sends_arguments_in_the_query_string(arguments: dict[str, Any]) -> None:
    request = build_invoke_request(TRIGGER, "GET", arguments, None)
    assert request.content == b""
    sent = dict(request.url.params)
    assert set(sent) == set(arguments)
    for key, value in arguments.items():
        assert sent[key] == (value if isinstance(value, str) else json.dumps(value))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(["a"], r"must be a dict of input argument names to values, not list", id="list"),
        pytest.param({"when": object()}, r"cannot be sent as JSON", id="object"),
        pytest.param({"x": float("nan")}, r"cannot be sent as JSON", id="nan"),
        pytest.param({"$callMode": "LongPolling"}, r"use the call_mode parameter", id="call-mode-key"),
    ],
)
def test_bad_arguments_are_refused(arguments: Any, message: str) -> None:
    with pytest.raises(UiPathConfigError, match=message):
        check_arguments(arguments)


def test_unknown_method_is_refused() -> None:
    with pytest.raises(UiPathConfigError, match=r"Unsupported method 'PATCH'"):
        build_invoke_request(TRIGGER, "PATCH", {}, None)


@pytest.mark.parametrize(
    "value", ["LongPolling", "longpolling", "LONG_POLLING", "long-polling", CallMode.LONG_POLLING]
)
def test_call_modes_parse_from_names_and_values(value: Any) -> None:
    assert CallMode.parse(value) is CallMode.LONG_POLLING


def test_unknown_call_mode_lists_the_choices() -> None:
    with pytest.raises(UiPathConfigError, match=r"Unknown call mode 'Sync': use one of AsyncRequestReply"):
        CallMode.parse("Sync")


@pytest.mark.parametrize(
    ("response", "outcome", "mode"),
    [
        pytest.param(
            answer(202, headers={"Location": STATUS}), InvokeOutcome.ACCEPTED, CallMode.ASYNC_REQUEST_REPLY
        ),
        pytest.param(
            answer(303, headers={"Location": STATUS}), InvokeOutcome.STILL_RUNNING, CallMode.LONG_POLLING
        ),
        pytest.param(
            answer(302, headers={"Location": STATUS}), InvokeOutcome.STILL_RUNNING, CallMode.LONG_POLLING
        ),
        pytest.param(answer(200), InvokeOutcome.STARTED, CallMode.FIRE_AND_FORGET),
        pytest.param(answer(200, body={"x": 1}), InvokeOutcome.COMPLETED, CallMode.LONG_POLLING),
    ],
)
def test_invoke_answers_decide_how_to_go_on(
    response: httpx.Response, outcome: InvokeOutcome, mode: CallMode
) -> None:
    result = read_invoke_response(response)
    assert result.outcome is outcome
    assert result.mode is mode


def test_accepted_with_relative_location_is_resolved() -> None:
    result = read_invoke_response(answer(202, headers={"Location": "slug/status/abc"}))
    assert result.status_url == STATUS


def test_accepted_without_location_is_a_protocol_error() -> None:
    with pytest.raises(UiPathProtocolError, match="no Location header"):
        read_invoke_response(answer(202))


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        pytest.param(
            404,
            {"message": "HTTP trigger not found", "errorCode": 1623},
            r"HTTP 404 with: HTTP trigger not found \(errorCode 1623\).*check the folder key, the slug",
            id="404",
        ),
        pytest.param(403, {"message": "You are not authorized!", "errorCode": 0}, r"Jobs.Create", id="403"),
        pytest.param(
            400, {"message": "Invalid call mode", "errorCode": 1000}, r"Invalid call mode", id="400"
        ),
        pytest.param(502, None, r"may have been started anyway", id="502"),
    ],
)
def test_refused_invoke_names_the_trigger_and_the_server_message(
    status: int, body: Any, message: str
) -> None:
    with pytest.raises(UiPathInvokeError, match=message) as raised:
        read_invoke_response(answer(status, method="POST", body=body))
    assert TRIGGER in str(raised.value)


def test_long_polling_job_that_faulted_in_the_wait_fails_with_its_error() -> None:
    with pytest.raises(
        UiPathJobFailedError, match=r"Invoice file missing: C:/in.xlsx \[code Robot.Exception\]"
    ):
        read_invoke_response(answer(500, method="POST", body=JOB_ERROR))


def test_async_follower_waits_while_the_status_answers_200_then_reads_the_output() -> None:
    follower = JobFollower(STATUS, CallMode.ASYNC_REQUEST_REPLY)
    assert follower.first_request() == NextRequest(STATUS, job_running=False)
    assert follower.read(answer(200, STATUS, body={})) == NextRequest(STATUS, job_running=True)
    assert follower.read(answer(303, STATUS, headers={"Location": OUTPUT})) == NextRequest(
        OUTPUT, job_running=False
    )
    assert follower.read(answer(200, OUTPUT, body={"n": 42})) == JobOutput({"n": 42})


def test_long_polling_follower_treats_a_self_redirect_as_still_running() -> None:
    follower = JobFollower(STATUS, CallMode.LONG_POLLING)
    assert follower.read(answer(303, STATUS, headers={"Location": STATUS})) == NextRequest(
        STATUS, job_running=True
    )
    assert follower.read(answer(200, STATUS, body={"done": True})) == JobOutput({"done": True})


def test_follower_reports_the_job_error_from_the_output_url() -> None:
    follower = JobFollower(STATUS, CallMode.ASYNC_REQUEST_REPLY)
    follower.read(answer(302, STATUS, headers={"Location": OUTPUT}))
    with pytest.raises(UiPathJobFailedError) as raised:
        follower.read(answer(500, OUTPUT, body=JOB_ERROR))
    assert raised.value.error == JOB_ERROR
    assert raised.value.http_status == 500


def test_follower_gives_up_on_a_redirect_loop() -> None:
    follower = JobFollower(STATUS, CallMode.ASYNC_REQUEST_REPLY)
    urls = [f"{TRIGGER}/hop/{n}" for n in range(MAX_REDIRECT_CHAIN + 1)]
    previous = STATUS
    for url in urls[:-1]:
        follower.read(answer(303, previous, headers={"Location": url}))
        previous = url
    with pytest.raises(UiPathProtocolError, match=r"redirected more than 10 times in a row"):
        follower.read(answer(303, previous, headers={"Location": urls[-1]}))


def test_follower_reports_an_unknown_status_url() -> None:
    follower = JobFollower(STATUS, CallMode.ASYNC_REQUEST_REPLY)
    with pytest.raises(
        UiPathRequestError, match=r"HTTP 404 with: Not found \(errorCode 1002\).*may have expired"
    ):
        follower.read(answer(404, STATUS, body={"message": "Not found", "errorCode": 1002}))


def test_non_json_output_is_a_clear_error() -> None:
    with pytest.raises(UiPathProtocolError, match=r"is not JSON \(text/html\): <html>oops</html>"):
        read_output(answer(200, OUTPUT, text="<html>oops</html>", headers={"Content-Type": "text/html"}))


def test_output_over_the_limit_names_size_and_limit() -> None:
    with pytest.raises(
        UiPathOutputTooLargeError, match=r"output is 19 bytes, more than the limit of 10 bytes"
    ):
        read_output(answer(200, OUTPUT, body={"x": "0123456789"}), max_output_bytes=10)


@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
        max_leaves=10,
    )
)
def test_any_json_output_round_trips(body: Any) -> None:
    assert read_output(answer(200, OUTPUT, text=json.dumps(body))) == body


@given(text=st.text(max_size=200))
def test_reading_any_error_body_never_crashes(text: str) -> None:
    response = answer(500, OUTPUT, text=text)
    error = read_job_error(response)
    assert error is None or JOB_ERROR.keys() & error.keys() or {"Code", "Title", "Detail"} & error.keys()
    assert is_retryable_response(response) is (error is None)


@pytest.mark.parametrize(
    ("response", "retryable"),
    [
        pytest.param(answer(502, text="<html>Bad gateway</html>"), True, id="html-502"),
        pytest.param(answer(429, headers={"Retry-After": "3"}), True, id="429"),
        pytest.param(answer(503), True, id="503"),
        pytest.param(
            answer(500, body={"message": "An error has occurred.", "errorCode": 0}), True, id="generic-500"
        ),
        pytest.param(answer(500, body=JOB_ERROR), False, id="job-error"),
        pytest.param(answer(404), False, id="404"),
        pytest.param(answer(400), False, id="400"),
    ],
)
def test_which_answers_are_retried(response: httpx.Response, retryable: bool) -> None:
    assert is_retryable_response(response) is retryable
