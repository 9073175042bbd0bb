"""Full DAG runs through Airflow must never print a secret or a token, whatever the credentials."""

from __future__ import annotations

import logging

import pytest

from airflow_provider_uipath.auth import TOKEN_CACHE
from airflow_provider_uipath.emulator.server import EmulatorServer
from airflow_provider_uipath.testing import load_dags, run_dag
from tests.conftest import CLIENT_SECRET, EXAMPLE_DAGS, PAT
from tests.dags.test_example_dags import migrated_airflow  # noqa: F401  (a fixture)


@pytest.mark.parametrize("credentials", ["pat_connection", "oauth_connection"])
def test_dag_runs_print_no_secret_and_no_token(
    migrated_airflow: None,  # noqa: F811
    credentials: str,
    request: pytest.FixtureRequest,
    emulator: EmulatorServer,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    request.getfixturevalue(credentials)
    monkeypatch.setenv("UIPATH_POLL_INTERVAL", "0.1")
    caplog.set_level(logging.DEBUG)
    if credentials == "oauth_connection":
        emulator.add_fault("status", "status", status_code=401)  # forces a token refresh mid-wait
    dags = load_dags(EXAMPLE_DAGS)
    states = [run_dag(dags[dag_id]).state for dag_id in ("uipath_async_request_reply", "uipath_long_polling")]
    tokens = [token.value for token in TOKEN_CACHE._tokens.values()]
    printed = capfd.readouterr()
    everything = "\n".join([printed.out, printed.err, caplog.text])
    assert states == ["success", "success"]
    assert "The job was started" in everything
    for secret in [PAT, CLIENT_SECRET, *tokens]:
        assert secret not in everything
    if credentials == "oauth_connection":
        assert emulator.stats().token_requests == 2
        assert tokens
