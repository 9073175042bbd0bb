"""Airflow's components as separate processes, each in its own session, with a log file each.

Every component runs ``python -m airflow <command>`` from the interpreter running the tests, so the
Airflow under test is the one of the current virtual environment. Each is started in a new session:
stopping a component signals every process of that session, including the task processes,
supervisors and trigger runners it forked (task runners move to process groups of their own, but
stay in the session). Sessions are read from ``/proc``, so this runs on Linux.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

from tests.e2e.polling import ConditionTimeout, wait_until

LOOPBACK = "127.0.0.1"
#: Seconds a component may take to exit after SIGTERM before it is killed.
STOP_TIMEOUT_SECONDS = 15.0
#: Seconds the processes of a killed session may take to disappear.
KILL_TIMEOUT_SECONDS = 10.0
#: Seconds ``airflow db migrate`` may take on SQLite.
MIGRATE_TIMEOUT_SECONDS = 180.0
#: Lines of each log file shown when something went wrong.
LOG_TAIL_LINES = 60
#: Files under the task log folder shown when something went wrong, newest first.
TASK_LOG_FILES_SHOWN = 12

#: Heartbeats and intervals short enough for a test that lasts a few minutes.
FAST_AIRFLOW_SETTINGS = {
    "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
    "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "1",
    "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
    # A killed triggerer's triggers go to another triggerer once its heartbeat is this old.
    "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": "5",
    "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
    "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "5",
    "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
    "AIRFLOW__DAG_PROCESSOR__PRINT_STATS_INTERVAL": "0",
    "AIRFLOW__API__WORKERS": "1",
    "AIRFLOW__CORE__PARALLELISM": "8",
}


def free_loopback_port() -> int:
    """Return a TCP port that is free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def airflow_environment(
    airflow_home: Path, dags_folder: Path, api_port: int, extra: dict[str, str]
) -> dict[str, str]:
    """The environment of every component: a private home, SQLite, LocalExecutor, loopback only.

    Variables of the calling environment that configure Airflow are left out, so the components see
    only this configuration. Secrets are made up for this run and shared by all components.

    :param airflow_home: an empty folder for ``AIRFLOW_HOME``.
    :param dags_folder: the folder holding the DAG files.
    :param api_port: the loopback port of the api-server.
    :param extra: more variables, e.g. connections.
    """
    api_url = f"http://{LOOPBACK}:{api_port}"
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("AIRFLOW")}
    return {
        **inherited,
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder.resolve()),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
        "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api_url}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__API__HOST": LOOPBACK,
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__BASE_URL": api_url,
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        **FAST_AIRFLOW_SETTINGS,
        **extra,
    }


def migrate_database(env: dict[str, str], log_folder: Path) -> None:
    """Create the metadata database with ``airflow db migrate``.

    :param env: the components' environment.
    :param log_folder: where the command's output goes (``migrate.log``).
    """
    log_path = log_folder / "migrate.log"
    with log_path.open("wb") as log:
        result = subprocess.run(
            [sys.executable, "-m", "airflow", "db", "migrate"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=MIGRATE_TIMEOUT_SECONDS,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{tail_of(log_path)}")


@dataclass
class Component:
    """One running Airflow component.

    :param name: a label, e.g. ``triggerer``; also the name of its log file.
    :param process: the ``python -m airflow ...`` process, leader of its own session.
    :param log_path: the file receiving its output.
    """

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def session_id(self) -> int:
        """The session of the component and of everything it started."""
        return self.process.pid


def start_component(name: str, command: list[str], env: dict[str, str], log_folder: Path) -> Component:
    """Start ``python -m airflow <command>`` in a new session, its output going to a log file.

    :param name: the component's label; the log file is ``<name>.log``.
    :param command: the Airflow CLI command and its arguments, e.g. ``["triggerer"]``.
    :param env: the components' environment.
    :param log_folder: where the log file goes.
    """
    log_path = log_folder / f"{name}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "airflow", *command],
            env=env,
            cwd=env["AIRFLOW_HOME"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Component(name, process, log_path)


def kill_component(component: Component) -> None:
    """SIGKILL every process of the component's session, as when its machine is lost, and reap it.

    :param component: the component.
    """
    _signal_session(component.session_id, signal.SIGKILL)
    component.process.wait(timeout=KILL_TIMEOUT_SECONDS)
    _wait_until_session_is_gone(component.session_id)


def stop_component(component: Component) -> None:
    """SIGTERM the component and its session; SIGKILL whatever is left after a grace period.

    :param component: the component.
    """
    _signal_session(component.session_id, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        component.process.wait(timeout=STOP_TIMEOUT_SECONDS)
    _signal_session(component.session_id, signal.SIGKILL)
    component.process.wait(timeout=KILL_TIMEOUT_SECONDS)
    _wait_until_session_is_gone(component.session_id)


def processes_in_session(session_id: int) -> list[int]:
    """The ids of the live processes of a session, read from ``/proc``.

    :param session_id: the session id (the pid of its leader).
    """
    members = []
    for pid in _all_pids():
        stat = _read_stat(pid)
        # The command name, in parentheses, may hold spaces: fields are counted after it.
        if stat is None or ")" not in stat:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        state, session = fields[0], int(fields[3])
        if session == session_id and state != "Z":
            members.append(pid)
    return members


def _all_pids() -> Iterator[int]:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            yield int(entry.name)


def _read_stat(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None


def _signal_session(session_id: int, signal_number: signal.Signals) -> None:
    for pid in processes_in_session(session_id):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal_number)


def _wait_until_session_is_gone(session_id: int) -> None:
    def gone() -> bool:
        left = processes_in_session(session_id)
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return not left

    try:
        wait_until(gone, timeout=KILL_TIMEOUT_SECONDS, what=f"the processes of session {session_id} to end")
    except ConditionTimeout as timeout:
        raise RuntimeError(f"Processes left running: {processes_in_session(session_id)}") from timeout


def tail_of(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last lines of a text file.

    :param path: the file.
    :param lines: how many lines.
    """
    try:
        text = path.read_text(errors="replace")
    except OSError as error:
        return f"(cannot read {path}: {error})"
    return "\n".join(text.splitlines()[-lines:])


def print_log_tails(log_folder: Path, task_log_folder: Path) -> None:
    """Print the end of every component's log and of the newest task and trigger logs.

    :param log_folder: the folder of the components' logs.
    :param task_log_folder: Airflow's ``[logging] base_log_folder``.
    """
    for path in sorted(log_folder.glob("*.log")):
        _print_tail(path)
    task_logs = sorted(
        (path for path in task_log_folder.rglob("*.log") if path.is_file()),
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )
    for path in task_logs[:TASK_LOG_FILES_SHOWN]:
        _print_tail(path)


def _print_tail(path: Path) -> None:
    print(f"\n===== last {LOG_TAIL_LINES} lines of {path} =====")
    print(tail_of(path))
