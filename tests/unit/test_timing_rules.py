"""Token refresh timing, retry waits and poll pacing, on fake clocks (isolated on purpose)."""

from __future__ import annotations

import httpx
import pytest
import tenacity
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_uipath.auth import AccessToken, TokenCache
from airflow_provider_uipath.connection import RetryPolicy
from airflow_provider_uipath.exceptions import UiPathConfigError
from airflow_provider_uipath.polling import (
    POLL_TICK_SECONDS,
    check_poll_interval,
    seconds_until_next_poll,
    tick_after,
)
from airflow_provider_uipath.retries import RetryableResponse, WaitRetryAfterOrBackoff, retry_after_seconds


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("lifetime", "refreshed_after"),
    [
        pytest.param(3600, 3480, id="hour-token-refreshed-two-minutes-early"),
        pytest.param(60, 45, id="minute-token-refreshed-at-three-quarters"),
        pytest.param(1, 0.75, id="one-second-token-still-used"),
    ],
)
def test_tokens_are_refreshed_ahead_of_expiry_but_still_used(lifetime: float, refreshed_after: float) -> None:
    clock = FakeClock()
    cache = TokenCache(clock)
    cache.store(("u", "c", "s"), AccessToken.issued_now("tok", lifetime, clock))
    clock.now += refreshed_after - 0.01
    assert cache.fresh(("u", "c", "s")) is not None
    clock.now += 0.02
    assert cache.fresh(("u", "c", "s")) is None


def test_a_refused_token_is_only_discarded_if_still_current() -> None:
    cache = TokenCache()
    key = ("u", "c", "s")
    cache.store(key, AccessToken.issued_now("new", 3600))
    cache.discard(key, "old")
    assert cache.fresh(key) is not None
    cache.discard(key, "new")
    assert cache.fresh(key) is None


def answer(status: int, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=httpx.Request("GET", "https://h.example/s"))


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        pytest.param("7", 7.0, id="seconds"),
        pytest.param("0", 0.0, id="zero"),
        pytest.param("Wed, 21 Oct 2015 07:28:00 GMT", 0.0, id="date-in-the-past"),
        pytest.param("soon", None, id="garbage"),
    ],
)
def test_retry_after_is_read_in_seconds_or_as_a_date(header: str, seconds: float | None) -> None:
    assert retry_after_seconds(answer(429, {"Retry-After": header})) == seconds


def wait_after(error: BaseException, attempt: int = 1, policy: RetryPolicy | None = None) -> float:
    state = tenacity.RetryCallState(tenacity.Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = attempt
    state.set_exception((type(error), error, None))
    return WaitRetryAfterOrBackoff(policy or RetryPolicy())(state)


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    assert wait_after(RetryableResponse(answer(429, {"Retry-After": "7"}))) == 7.0
    assert (
        wait_after(RetryableResponse(answer(429, {"Retry-After": "9999"}))) == RetryPolicy().max_retry_after
    )


@pytest.mark.parametrize("attempt", [1, 2, 3, 8])
def test_backoff_without_retry_after_grows_is_jittered_and_never_zero(attempt: int) -> None:
    policy = RetryPolicy(backoff=1.0, max_backoff=30.0)
    wait = wait_after(RetryableResponse(answer(503)), attempt, policy)
    assert 1.0 <= wait <= 31.0
    assert wait >= min(30.0, 2 ** (attempt - 1))


def test_a_request_answered_at_once_waits_about_the_interval() -> None:
    delays = [seconds_until_next_poll(100.0, 10.0, now=100.0) for _ in range(200)]
    assert min(delays) >= 9.0
    assert max(delays) <= 11.0
    assert len(set(delays)) > 1  # jittered, so thousands of waits do not poll in step


def test_a_request_held_longer_than_the_interval_is_followed_at_once() -> None:
    assert seconds_until_next_poll(100.0, 10.0, now=130.0) == 0.0


@given(
    now=st.floats(min_value=0, max_value=1e7, allow_nan=False),
    seconds=st.floats(min_value=1e-3, max_value=3600, allow_nan=False),
)
def test_a_pause_ends_on_the_shared_tick_at_most_one_tick_late(now: float, seconds: float) -> None:
    wake = tick_after(now, seconds) * POLL_TICK_SECONDS
    assert now + seconds - 1e-6 <= wake <= now + seconds + POLL_TICK_SECONDS + 1e-6


def test_waits_with_different_jitter_wake_on_the_same_tick() -> None:
    assert {tick_after(100.0, seconds) for seconds in (9.91, 9.95, 9.999)} == {1100}


@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf"), "often", None])
def test_poll_interval_must_be_positive(value: object) -> None:
    with pytest.raises(UiPathConfigError, match="poll_interval must be a positive number of seconds"):
        check_poll_interval(value)  # type: ignore[arg-type]


def test_a_connection_read_by_one_trigger_serves_the_others_for_a_while() -> None:
    from airflow_provider_uipath.config_cache import CONNECTION_CACHE_SECONDS, ConnectionConfigCache
    from airflow_provider_uipath.connection import UiPathConnectionConfig

    clock = FakeClock()
    cache = ConnectionConfigCache(clock)
    config = UiPathConnectionConfig(
        conn_id="uipath_default", tenant_url="https://h.example/a/t", personal_access_token="x"
    )
    cache.store(config)
    clock.now += CONNECTION_CACHE_SECONDS - 1
    assert cache.get("uipath_default") is config
    assert cache.get("other") is None
    clock.now += 1
    assert cache.get("uipath_default") is None
