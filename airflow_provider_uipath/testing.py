"""Run DAGs that use this provider through Airflow, offline, against the bundled emulator.

The demo, the test suite and users testing their own DAGs share these helpers::

    with EmulatorServer() as emulator:
        os.environ["AIRFLOW_CONN_UIPATH_DEFAULT"] = connection_json(emulator.tenant_url, pat="emulator-pat")
        outcome = run_dag(load_dags("dags/")["my_dag"])
        assert outcome.state == "success"

Airflow must be configured (``AIRFLOW_HOME``, a migrated metadata database, ``dags_folder``) before
:func:`run_dag`; :func:`prepare_airflow_home` does that in a temporary folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from airflow.sdk import DAG


def prepare_airflow_home(airflow_home: Path, dags_folder: Path) -> dict[str, str]:
    """Point Airflow at a private home with a SQLite database, and migrate it.

    Sets the variables in this process's environment and returns them, for child processes.

    :param airflow_home: an empty folder for ``AIRFLOW_HOME``.
    :param dags_folder: the folder holding the DAG files.
    """
    settings = {
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder.resolve()),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    }
    os.environ.update(settings)
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        capture_output=True,
        env={**os.environ, **settings},
    )
    return settings


#: Seconds the emulator process may take to start listening.
EMULATOR_START_TIMEOUT = 30.0
EMULATOR_READY_LINE = "Emulator listening on "


@dataclass
class EmulatorProcess:
    """The emulator running as its own process.

    :param process: the process.
    :param tenant_url: its tenant URL.
    """

    process: subprocess.Popen[str]
    tenant_url: str

    @property
    def base_url(self) -> str:
        """The emulator's origin, e.g. ``http://127.0.0.1:8765``."""
        url = httpx.URL(self.tenant_url)
        return f"{url.scheme}://{url.host}:{url.port}"

    def configure(self, **knobs: Any) -> None:
        """Set knobs through the admin API.

        :param knobs: knob names and values.
        """
        httpx.post(f"{self.base_url}/_emulator/config", json=knobs).raise_for_status()

    def jobs(self) -> list[dict[str, Any]]:
        """Every job the emulator created."""
        response = httpx.get(f"{self.base_url}/_emulator/jobs")
        response.raise_for_status()
        return list(response.json())


@contextlib.contextmanager
def emulator_process(config_file: Path | None = None) -> Iterator[EmulatorProcess]:
    """Start ``python -m airflow_provider_uipath.emulator`` on a free loopback port; stop it after.

    :param config_file: a JSON configuration, or ``None`` for the shipped one.
    """
    command = [sys.executable, "-m", "airflow_provider_uipath.emulator", "--port", "0"]
    if config_file is not None:
        command += ["--config", str(config_file)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        yield EmulatorProcess(process, _read_tenant_url(process))
    finally:
        process.terminate()
        try:
            process.wait(timeout=EMULATOR_START_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _read_tenant_url(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith(EMULATOR_READY_LINE):
        raise RuntimeError(f"The emulator did not start (exit code {process.poll()}): {line!r}")
    return line.removeprefix(EMULATOR_READY_LINE).strip()


def connection_json(
    tenant_url: str,
    *,
    pat: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """A ``uipath`` connection in Airflow's JSON form, for an ``AIRFLOW_CONN_...`` variable.

    :param tenant_url: the tenant URL, e.g. the emulator's ``tenant_url``.
    :param pat: a Personal Access Token.
    :param client_id: an external application's id (with ``client_secret``).
    :param client_secret: its secret.
    :param extra: the connection's extra fields.
    """
    fields: dict[str, Any] = {"conn_type": "uipath", "host": tenant_url}
    if pat is not None:
        fields["password"] = pat
    if client_id is not None:
        fields.update(login=client_id, password=client_secret)
    if extra:
        fields["extra"] = json.dumps(extra)
    return json.dumps(fields)


def load_dags(dags_folder: Path | str) -> dict[str, DAG]:
    """Parse the DAG files of a folder, failing on any import error.

    :param dags_folder: the folder.
    """
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow < 3.2
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]

    bag = DagBag(str(dags_folder))
    if bag.import_errors:
        raise RuntimeError(f"DAG files failed to import: {bag.import_errors}")
    return dict(bag.dags)


@dataclass
class TaskOutcome:
    """How one task instance of a DAG run ended.

    :param task_id: the task.
    :param map_index: its map index (-1 when not mapped).
    :param state: its final state.
    :param deferred: whether it was handed to a trigger.
    :param xcoms: its XComs by key.
    """

    task_id: str
    map_index: int
    state: str | None
    deferred: bool
    xcoms: dict[str, Any] = field(default_factory=dict)


@dataclass
class DagRunOutcome:
    """How a DAG run ended.

    :param dag_id: the DAG.
    :param run_id: the run.
    :param state: the run's final state.
    :param tasks: its task instances.
    """

    dag_id: str
    run_id: str
    state: str | None
    tasks: list[TaskOutcome]

    def task(self, task_id: str, map_index: int = -1) -> TaskOutcome:
        """One task instance of the run.

        :param task_id: the task.
        :param map_index: its map index.
        """
        for outcome in self.tasks:
            if (outcome.task_id, outcome.map_index) == (task_id, map_index):
                return outcome
        raise KeyError(f"No task instance {task_id}[{map_index}] in run {self.run_id}.")


def run_dag(dag: DAG) -> DagRunOutcome:
    """Run a DAG in this process with ``dag.test()``, triggers run in line, and report each task.

    :param dag: the DAG, loaded from the configured DAGs folder.
    """
    dag_run = dag.test()
    return read_dag_run(dag.dag_id, dag_run.run_id)


def read_dag_run(dag_id: str, run_id: str) -> DagRunOutcome:
    """Read a finished DAG run's task states and XComs from the metadata database.

    :param dag_id: the DAG.
    :param run_id: the run.
    """
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        run = session.scalars(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)).one()
        instances = session.scalars(
            select(TaskInstance).where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id)
        ).all()
        xcoms = session.scalars(
            select(XComModel).where(XComModel.dag_id == dag_id, XComModel.run_id == run_id)
        ).all()
        tasks = [
            TaskOutcome(
                task_id=ti.task_id,
                map_index=ti.map_index,
                state=str(ti.state) if ti.state else None,
                deferred=ti.trigger_id is not None,
                xcoms={
                    xcom.key: XComModel.deserialize_value(xcom)
                    for xcom in xcoms
                    if (xcom.task_id, xcom.map_index) == (ti.task_id, ti.map_index)
                },
            )
            for ti in instances
        ]
        return DagRunOutcome(
            dag_id, run_id, str(run.state) if run.state else None, sorted(tasks, key=_task_order)
        )


def _task_order(task: TaskOutcome) -> tuple[str, int]:
    return task.task_id, task.map_index
