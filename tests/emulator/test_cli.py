"""The command line: help, the default configuration, refusal of non-loopback hosts, and a real run."""

from __future__ import annotations

import json
import selectors
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from airflow_provider_uipath.emulator import EmulatorConfig
from airflow_provider_uipath.emulator.cli import main

from .helpers import HTTP_TIMEOUT_SECONDS, PAT, bearer

STARTUP_TIMEOUT_SECONDS = 30.0
LISTENING_PREFIX = "Emulator listening on "


def read_line(process: subprocess.Popen[str], timeout_seconds: float) -> str:
    """Read one line of the process's standard output, or fail after the timeout."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout_seconds):
            raise TimeoutError(f"The emulator printed nothing within {timeout_seconds} s.")
    return process.stdout.readline().strip()


@pytest.fixture
def start_cli() -> Iterator[list[subprocess.Popen[str]]]:
    """Collect started emulator processes and make sure each one is stopped."""
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(HTTP_TIMEOUT_SECONDS)


def launch(processes: list[subprocess.Popen[str]], *arguments: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_uipath.emulator", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    processes.append(process)
    return process


def test_help_documents_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit, match="0"):
        main(["--help"])

    help_text = capsys.readouterr().out
    for option in ("--port", "--host", "--config", "--print-default-config", "--log-level"):
        assert option in help_text
    assert "emulator-pat" in help_text


def test_print_default_config_prints_the_shipped_config(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--print-default-config"]) == 0

    assert EmulatorConfig.from_dict(json.loads(capsys.readouterr().out)) == EmulatorConfig.default()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])
def test_non_loopback_host_is_refused(capsys: pytest.CaptureFixture[str], host: str) -> None:
    with pytest.raises(SystemExit, match="2"):
        main(["--host", host])

    assert "--host must be a loopback address" in capsys.readouterr().err


def test_unreadable_config_file_is_reported(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"org": "acme"}', encoding="utf-8")

    assert main(["--config", str(path)]) == 2
    assert "Missing keys ['tenant', 'folders']" in capsys.readouterr().err


@pytest.mark.parametrize(
    "stop_signal",
    [pytest.param(signal.SIGTERM, id="SIGTERM"), pytest.param(signal.SIGINT, id="SIGINT")],
)
def test_cli_serves_until_signalled(
    start_cli: list[subprocess.Popen[str]], stop_signal: signal.Signals
) -> None:
    process = launch(start_cli, "--port", "0")

    line = read_line(process, STARTUP_TIMEOUT_SECONDS)
    tenant_url = line.removeprefix(LISTENING_PREFIX)
    response = httpx.get(
        f"{tenant_url}/orchestrator_/odata/Folders", headers=bearer(PAT), timeout=HTTP_TIMEOUT_SECONDS
    )
    process.send_signal(stop_signal)

    assert line.startswith(f"{LISTENING_PREFIX}http://127.0.0.1:")
    assert tenant_url.endswith("/acme/DefaultTenant")
    assert response.json()["value"][0]["FullyQualifiedName"] == "Shared"
    assert process.wait(HTTP_TIMEOUT_SECONDS) == 0


def test_cli_serves_a_config_file(start_cli: list[subprocess.Popen[str]], tmp_path: Path) -> None:
    config = {**EmulatorConfig.default().to_dict(), "org": "initech", "tenant": "Staging"}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    process = launch(start_cli, "--port", "0", "--config", str(path), "--host", "localhost")

    line = read_line(process, STARTUP_TIMEOUT_SECONDS)
    process.terminate()

    assert line.startswith(f"{LISTENING_PREFIX}http://localhost:")
    assert line.endswith("/initech/Staging")
    assert process.wait(HTTP_TIMEOUT_SECONDS) == 0
