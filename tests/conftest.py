"""Fixtures shared by the whole suite.

Airflow reads its configuration when first imported, so its home is set before anything imports it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import settings

EXAMPLE_DAGS = Path(__file__).resolve().parent.parent / "example_dags"

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="uipath-tests-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(EXAMPLE_DAGS))

# Property tests check behaviour, not speed: the first example may pay for imports.
settings.register_profile("uipath", deadline=None)
settings.load_profile("uipath")

from airflow_provider_uipath.auth import TOKEN_CACHE  # noqa: E402
from airflow_provider_uipath.config_cache import CONNECTION_CACHE  # noqa: E402
from airflow_provider_uipath.emulator.config import JobScript, TriggerSpec  # noqa: E402
from airflow_provider_uipath.emulator.server import EmulatorServer  # noqa: E402
from airflow_provider_uipath.hooks.uipath import UiPathHook  # noqa: E402

SetConnection = Callable[..., str]
AddTrigger = Callable[..., str]

#: The folder of the emulator's shipped configuration.
FOLDER_KEY = "2b3c4d5e-0000-4000-8000-000000000001"
PAT = "emulator-pat"
CLIENT_ID = "emulator-client"
CLIENT_SECRET = "emulator-secret"
#: Retries in tests: few attempts, short backoff.
FAST_RETRIES = {"max_attempts": 3, "retry_backoff": 0.01}


@pytest.fixture(autouse=True)
def _forget_tokens() -> Iterator[None]:
    """Every test starts with empty process-wide token and connection caches."""
    TOKEN_CACHE.clear()
    CONNECTION_CACHE.clear()
    yield
    TOKEN_CACHE.clear()
    CONNECTION_CACHE.clear()


@pytest.fixture
def set_connection(monkeypatch: pytest.MonkeyPatch) -> SetConnection:
    """Define an Airflow connection through the environment, as a user would in a container.

    Returns a function taking the connection id and the connection's fields.
    """

    def define(conn_id: str = "uipath_default", **fields: Any) -> str:
        fields.setdefault("conn_type", "uipath")
        if isinstance(fields.get("extra"), dict):
            fields["extra"] = json.dumps(fields["extra"])
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(fields))
        return conn_id

    return define


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    """One emulator on a loopback port for the whole session."""
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> EmulatorServer:
    """The emulator, back to its shipped configuration, with short LongPolling holds."""
    emulator_server.reset()
    emulator_server.configure(long_poll_wait_seconds=0.3, retry_after_seconds=1)
    return emulator_server


@pytest.fixture
def add_trigger(emulator: EmulatorServer) -> AddTrigger:
    """Create an API trigger on the emulator and return its ``{folderKey}/{slug}``.

    Takes the slug, then ``TriggerSpec`` fields, and ``JobScript`` fields for what its jobs do.
    """

    def add(slug: str, method: str = "POST", calling_mode: str = "AsyncRequestReply", **job: Any) -> str:
        job.setdefault("pending_seconds", 0.0)
        job.setdefault("duration_seconds", 0.2)
        emulator.add_trigger(
            TriggerSpec(slug=slug, method=method, calling_mode=calling_mode, job=JobScript(**job))  # type: ignore[arg-type]
        )
        return f"{FOLDER_KEY}/{slug}"

    return add


@pytest.fixture
def pat_connection(emulator: EmulatorServer, set_connection: SetConnection) -> str:
    """``uipath_default`` with the emulator's Personal Access Token."""
    return set_connection(host=emulator.tenant_url, password=PAT, extra=FAST_RETRIES)


@pytest.fixture
def oauth_connection(emulator: EmulatorServer, set_connection: SetConnection) -> str:
    """``uipath_default`` with the emulator's external application (OAuth client credentials)."""
    return set_connection(
        host=emulator.tenant_url,
        login=CLIENT_ID,
        password=CLIENT_SECRET,
        extra={"token_url": f"{emulator.base_url}/identity_/connect/token", **FAST_RETRIES},
    )


@pytest.fixture(params=["pat", "oauth"])
def any_connection(request: pytest.FixtureRequest) -> str:
    """Each test using it runs once with a PAT and once with OAuth."""
    return str(request.getfixturevalue(f"{request.param}_connection"))


def refuse_requests(hook: UiPathHook) -> UiPathHook:
    """Give a hook an HTTP transport that fails the test if any request is attempted."""

    def fail(request: httpx.Request) -> httpx.Response:
        pytest.fail(f"No request should have been sent, but {request.method} {request.url} was.")

    hook.client = httpx.Client(transport=httpx.MockTransport(fail))
    return hook
