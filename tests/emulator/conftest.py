"""Fixtures for the emulator tests: one loopback server per session, reset before every test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from airflow_provider_uipath.emulator import CallMode, EmulatorServer, JobScript, TriggerSpec

from .helpers import HTTP_TIMEOUT_SECONDS, PAT, AddTrigger


@pytest.fixture(scope="session")
def emulator_session() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def emulator(emulator_session: EmulatorServer) -> EmulatorServer:
    emulator_session.reset()
    return emulator_session


@pytest.fixture
def client(emulator: EmulatorServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {PAT}"}
    with httpx.Client(headers=headers, timeout=HTTP_TIMEOUT_SECONDS) as http_client:
        yield http_client


@pytest.fixture
def anonymous_client(emulator: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(timeout=HTTP_TIMEOUT_SECONDS) as http_client:
        yield http_client


@pytest.fixture
def add_trigger(emulator: EmulatorServer) -> AddTrigger:
    """Return a factory that adds a trigger with a job script and returns its invoke URL."""

    def add(
        slug: str,
        *,
        method: str = "POST",
        calling_mode: str = "AsyncRequestReply",
        input_arguments: dict[str, Any] | None = None,
        enabled: bool = True,
        **script: Any,
    ) -> str:
        script.setdefault("pending_seconds", 0.0)
        trigger = TriggerSpec(
            slug=slug,
            method=method,
            calling_mode=CallMode(calling_mode),
            input_arguments=input_arguments or {},
            enabled=enabled,
            job=JobScript(**script),
        )
        emulator.add_trigger(trigger)
        return emulator.invoke_url(slug)

    return add
