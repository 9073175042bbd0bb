"""Deferrable UiPath tasks through real Airflow components: scheduler, dag-processor, triggerer, api-server.

Each component runs as its own process on a SQLite metadata database with the LocalExecutor, and
talks to the Orchestrator emulator over loopback HTTP. One scenario runs once for the module:

1. two DAG runs start through the REST API: ``uipath_e2e`` (four jobs that end on their own, in
   the AsyncRequestReply and LongPolling call modes) and ``uipath_e2e_kill`` (one job that never
   ends);
2. once all five tasks are deferred, the triggerer is killed with SIGKILL and a new one started;
3. once the new triggerer polls the endless job, that task is marked failed through the REST API;
4. the ``uipath_e2e`` run is awaited.

The tests then check what the scenario left behind, and the time each task spent on a worker is
printed next to its job's duration (figures, not assertions).
"""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import airflow
import httpx
import pytest
from packaging.version import Version

from airflow_provider_uipath.testing import EmulatorProcess, connection_json, emulator_process
from tests.e2e.airflow_api import AirflowApi
from tests.e2e.components import (
    LOOPBACK,
    Component,
    airflow_environment,
    free_loopback_port,
    kill_component,
    migrate_database,
    print_log_tails,
    start_component,
    stop_component,
)
from tests.e2e.conftest import add_summary_lines, failures_under
from tests.e2e.polling import wait_until
from tests.e2e.worker_time import (
    FROM_AUDIT_EVENTS,
    FROM_TASK_LOG,
    seconds_between,
    worker_seconds_from_events,
    worker_seconds_from_task_log,
)

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
DAGS_FOLDER = HERE / "dags"
EMULATOR_CONFIG = HERE / "emulator_config.json"
PAT = "emulator-pat"
#: The folder of ``emulator_config.json``, as the Jobs API wants it.
FOLDER_ID = "1"

MAIN_DAG_ID = "uipath_e2e"
KILL_DAG_ID = "uipath_e2e_kill"
KILL_TASK_ID = "run_endless_process"
KILL_TRIGGER_SLUG = "e2e-endless-process"
#: The trigger each task of ``uipath_e2e`` calls.
MAIN_TASK_TRIGGERS = {
    "sync_invoices": "e2e-invoice-sync",
    "look_up_customer": "e2e-lookup-customer",
    "build_monthly_report": "e2e-monthly-report",
    "archive_documents": "e2e-archive-documents",
}
#: Placeholder for the run id in the expected input arguments (the DAG templates ``{{ run_id }}``).
RUN_ID = "<run_id>"
#: The input arguments each job must receive, as the DAG file gives them.
MAIN_TASK_ARGUMENTS: dict[str, dict[str, Any]] = {
    "sync_invoices": {"in_Month": "2026-11", "in_RunId": RUN_ID},
    "look_up_customer": {"in_CustomerId": 1001},
    "build_monthly_report": {"in_Month": "2026-11", "in_Format": "pdf"},
    "archive_documents": {"in_Folders": ["invoices", "reports"], "in_KeepDays": 30},
}

#: ``BaseTrigger.on_kill`` exists, and is called when a user marks a deferred task, from 3.3 on.
TRIGGER_ON_KILL = Version(airflow.__version__).release >= (3, 3)
ENDED_JOB_STATES = {"Successful", "Faulted", "Stopped"}
STOPPED_JOB_STATES = {"Stopping", "Stopped"}
ENDED_TASK_STATES = {"success", "failed", "upstream_failed", "skipped", "removed"}
ENDED_RUN_STATES = {"success", "failed"}

#: The scheduler and triggerer would serve logs on fixed ports of every interface; the api-server reads
#: the log files directly, as all components share one machine.
SKIP_SERVE_LOGS = ["--skip-serve-logs"]

#: Bounds of each wait, in seconds; generous for a shared two-core machine.
COMPONENTS_READY_TIMEOUT = 240.0
DAGS_PARSED_TIMEOUT = 120.0
TASKS_DEFERRED_TIMEOUT = 150.0
TRIGGER_ADOPTED_TIMEOUT = 60.0
RUN_END_TIMEOUT = 180.0
#: The triggerer gives ``on_kill`` 30 s (``[triggerer] on_kill_timeout``); a margin on top.
JOB_STOPPED_TIMEOUT = 45.0


@dataclass
class AirflowCluster:
    """The running components and what they share.

    :param env: the components' environment.
    :param home: ``AIRFLOW_HOME``.
    :param api: a REST client of the api-server.
    """

    env: dict[str, str]
    home: Path
    api: AirflowApi
    components: dict[str, Component] = field(default_factory=dict)

    @property
    def component_logs(self) -> Path:
        """The folder of the components' own output."""
        return self.home / "component-logs"

    def start(self, name: str, command: list[str]) -> Component:
        """Start a component.

        :param name: its label, e.g. ``triggerer-2``.
        :param command: the Airflow CLI command, e.g. ``["triggerer"]``.
        """
        self.components[name] = start_component(name, command, self.env, self.component_logs)
        return self.components[name]

    def kill(self, name: str) -> None:
        """SIGKILL a component and every process it started.

        :param name: its label.
        """
        kill_component(self.components[name])
        del self.components[name]

    def stop_all(self) -> None:
        """Stop every component, the api-server last; report the first that would not stop.

        :raises RuntimeError: when processes of a component were left running.
        """
        errors = []
        for name in sorted(self.components, key=lambda name: name == "api-server"):
            try:
                stop_component(self.components.pop(name))
            except (RuntimeError, subprocess.TimeoutExpired) as error:
                errors.append(f"{name}: {error}")
        if errors:
            raise RuntimeError(f"Airflow components did not stop: {'; '.join(errors)}")


@dataclass
class Scenario:
    """What the scenario saw.

    :param main_run_id: the ``uipath_e2e`` run.
    :param kill_run_id: the ``uipath_e2e_kill`` run.
    :param main_run_state: the final state of the ``uipath_e2e`` run.
    :param task_instances: the final task instances of the ``uipath_e2e`` run, by task id.
    :param return_values: each successful task's ``return_value`` XCom.
    :param jobs_at_triggerer_kill: the emulator's jobs just before the triggerer was killed.
    :param jobs_at_end: the emulator's jobs once the run ended.
    :param run_seconds: seconds from triggering the ``uipath_e2e`` run to seeing it end.
    :param worker_seconds: each task's seconds on a worker, when known.
    :param worker_time_source: how ``worker_seconds`` were obtained.
    :param job_seconds: each task's job's seconds from creation to end, when it ended.
    """

    main_run_id: str
    kill_run_id: str
    main_run_state: str = ""
    task_instances: dict[str, dict[str, Any]] = field(default_factory=dict)
    return_values: dict[str, Any] = field(default_factory=dict)
    jobs_at_triggerer_kill: list[dict[str, Any]] = field(default_factory=list)
    jobs_at_end: list[dict[str, Any]] = field(default_factory=list)
    run_seconds: float = 0.0
    worker_seconds: dict[str, float | None] = field(default_factory=dict)
    worker_time_source: str = ""
    job_seconds: dict[str, float | None] = field(default_factory=dict)


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    """The Orchestrator emulator as its own process, with the end-to-end triggers."""
    with emulator_process(EMULATOR_CONFIG) as running:
        yield running


@pytest.fixture(scope="module")
def airflow_cluster(
    emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[AirflowCluster]:
    """Airflow's four components on a fresh SQLite database, healthy; stopped afterwards.

    When any test of the module failed, the end of every log is printed before stopping.
    """
    home = tmp_path_factory.mktemp("airflow-home")
    api_port = free_loopback_port()
    connection = {"AIRFLOW_CONN_UIPATH_DEFAULT": connection_json(emulator.tenant_url, pat=PAT)}
    env = airflow_environment(home, DAGS_FOLDER, api_port, connection)
    cluster = AirflowCluster(env, home, AirflowApi(f"http://{LOOPBACK}:{api_port}"))
    cluster.component_logs.mkdir()
    set_up = False
    try:
        _start_airflow(cluster)
        set_up = True
        yield cluster
    finally:
        if not set_up or failures_under(request.config, request.node.nodeid):
            print_log_tails(cluster.component_logs, home / "logs")
        cluster.api.close()
        cluster.stop_all()


def _start_airflow(cluster: AirflowCluster) -> None:
    """Migrate the database, start the components, and wait until the api-server calls them healthy.

    :param cluster: the cluster to start.
    """
    migrate_database(cluster.env, cluster.component_logs)
    cluster.start("api-server", ["api-server"])
    cluster.start("scheduler", ["scheduler", *SKIP_SERVE_LOGS])
    cluster.start("dag-processor", ["dag-processor"])
    cluster.start("triggerer", ["triggerer", *SKIP_SERVE_LOGS])
    wait_until(
        lambda: cluster.api.unhealthy_components() == [],
        timeout=COMPONENTS_READY_TIMEOUT,
        what="every Airflow component to be healthy",
    )


@pytest.fixture(scope="module")
def scenario(
    airflow_cluster: AirflowCluster, emulator: EmulatorProcess, pytestconfig: pytest.Config
) -> Scenario:
    """Run the scenario of the module docstring once, report the figures, and return what it saw."""
    seen = _run_scenario(airflow_cluster, emulator)
    _measure(seen, airflow_cluster, emulator)
    report = _report(seen)
    print("\n".join(["", *report]))
    add_summary_lines(pytestconfig, report)
    return seen


def _run_scenario(airflow_cluster: AirflowCluster, emulator: EmulatorProcess) -> Scenario:
    """Run both DAGs, kill the triggerer while their tasks are deferred, mark the endless task failed.

    :param airflow_cluster: the running components.
    :param emulator: the emulator.
    """
    api = airflow_cluster.api
    _wait_for_dags(api)
    started = time.monotonic()
    seen = Scenario(main_run_id=_start_run(api, MAIN_DAG_ID), kill_run_id=_start_run(api, KILL_DAG_ID))
    _wait_for_deferral(api, MAIN_DAG_ID, seen.main_run_id, set(MAIN_TASK_TRIGGERS))
    _wait_for_deferral(api, KILL_DAG_ID, seen.kill_run_id, {KILL_TASK_ID})
    _wait_for_first_polls(emulator, [*MAIN_TASK_TRIGGERS.values(), KILL_TRIGGER_SLUG])
    killed_triggerer_id = _triggerer_of(api, KILL_DAG_ID, seen.kill_run_id, KILL_TASK_ID)

    seen.jobs_at_triggerer_kill = emulator.jobs()
    airflow_cluster.kill("triggerer")
    polls_before_restart = _status_polls(emulator, KILL_TRIGGER_SLUG)
    airflow_cluster.start("triggerer-2", ["triggerer", *SKIP_SERVE_LOGS])

    _wait_for_adoption(api, seen.kill_run_id, killed_triggerer_id)
    wait_until(
        lambda: _status_polls(emulator, KILL_TRIGGER_SLUG) > polls_before_restart,
        timeout=TRIGGER_ADOPTED_TIMEOUT,
        what="the new triggerer to poll the endless job",
    )
    api.mark_task(KILL_DAG_ID, seen.kill_run_id, KILL_TASK_ID, "failed")

    seen.main_run_state = wait_until(
        lambda: _ended_run_state(api, MAIN_DAG_ID, seen.main_run_id),
        timeout=RUN_END_TIMEOUT,
        what=f"the {MAIN_DAG_ID} run to end",
    )
    seen.run_seconds = time.monotonic() - started
    seen.task_instances = api.task_instances(MAIN_DAG_ID, seen.main_run_id)
    seen.return_values = {
        task_id: api.return_value(MAIN_DAG_ID, seen.main_run_id, task_id)
        for task_id, instance in seen.task_instances.items()
        if instance["state"] == "success"
    }
    seen.jobs_at_end = emulator.jobs()
    return seen


def _measure(seen: Scenario, airflow_cluster: AirflowCluster, emulator: EmulatorProcess) -> None:
    """Read each task's time on a worker from Airflow, and its job's duration from the Jobs API.

    :param seen: the scenario's observations, completed in place.
    :param airflow_cluster: the running components.
    :param emulator: the emulator.
    """
    events = {
        task_id: airflow_cluster.api.task_events(MAIN_DAG_ID, seen.main_run_id, task_id)
        for task_id in MAIN_TASK_TRIGGERS
    }
    seen.worker_seconds = {task_id: worker_seconds_from_events(events[task_id]) for task_id in events}
    seen.worker_time_source = FROM_AUDIT_EVENTS
    if all(seconds is None for seconds in seen.worker_seconds.values()):
        seen.worker_seconds = {
            task_id: worker_seconds_from_task_log(_task_log(airflow_cluster.home, seen.main_run_id, task_id))
            for task_id in MAIN_TASK_TRIGGERS
        }
        seen.worker_time_source = FROM_TASK_LOG
    durations = _job_durations(emulator)
    seen.job_seconds = {
        task_id: durations.get(job["Id"])
        for task_id, trigger_slug in MAIN_TASK_TRIGGERS.items()
        for job in _jobs_of(seen.jobs_at_end, trigger_slug)
    }


def _task_log(airflow_home: Path, run_id: str, task_id: str) -> Path:
    """The log file of a task's first attempt, in Airflow's default layout.

    :param airflow_home: ``AIRFLOW_HOME``.
    :param run_id: the run.
    :param task_id: the task.
    """
    run_folder = airflow_home / "logs" / f"dag_id={MAIN_DAG_ID}" / f"run_id={run_id}"
    return run_folder / f"task_id={task_id}" / "attempt=1.log"


def _job_durations(emulator: EmulatorProcess) -> dict[int, float]:
    """Seconds from creation to end of every ended job, by job id, from the emulator's Jobs API.

    These are figures for the report: when the Jobs API refuses, there are none.

    :param emulator: the emulator.
    """
    response = httpx.get(
        f"{emulator.tenant_url}/orchestrator_/odata/Jobs",
        headers={"Authorization": f"Bearer {PAT}", "X-UIPATH-OrganizationUnitId": FOLDER_ID},
    )
    if not response.is_success:
        print(f"No job durations: the Jobs API answered {response.status_code}: {response.text}")
        return {}
    return {
        int(job["Id"]): seconds_between(job["CreationTime"], job["EndTime"])
        for job in response.json()["value"]
        if job["EndTime"]
    }


def _report(seen: Scenario) -> list[str]:
    """The figures: each task's seconds on a worker against its job's duration.

    :param seen: the scenario's observations.
    """
    lines = [
        f"Airflow {airflow.__version__}: run {seen.main_run_id} ended {seen.main_run_state} "
        f"{seen.run_seconds:.0f} s after it was triggered; its triggerer was killed while it was deferred.",
        f"Worker time from the {seen.worker_time_source}.",
        f"{'task':<22} {'call mode':<18} {'on a worker':>12} {'job (created to ended)':>24}",
    ]
    for task_id, trigger_slug in MAIN_TASK_TRIGGERS.items():
        call_modes = {job["CallMode"] for job in _jobs_of(seen.jobs_at_end, trigger_slug)}
        lines.append(
            f"{task_id:<22} {', '.join(sorted(call_modes)):<18} "
            f"{_seconds(seen.worker_seconds.get(task_id)):>12} {_seconds(seen.job_seconds.get(task_id)):>24}"
        )
    endless_states = [job["State"] for job in _jobs_of(seen.jobs_at_end, KILL_TRIGGER_SLUG)]
    lines.append(f"The endless job, after its deferred task was marked failed: {', '.join(endless_states)}.")
    return lines


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} s"


def _wait_for_dags(api: AirflowApi) -> None:
    """Wait until the dag-processor stored both DAGs; fail at once on an import error.

    :param api: the REST client.
    """

    def parsed() -> bool:
        errors = api.import_errors()
        assert not errors, f"The DAG files failed to import: {errors}"
        return api.dag_is_known(MAIN_DAG_ID) and api.dag_is_known(KILL_DAG_ID)

    wait_until(parsed, timeout=DAGS_PARSED_TIMEOUT, what="the dag-processor to store the DAGs")


def _start_run(api: AirflowApi, dag_id: str) -> str:
    """Unpause a DAG and trigger a run of it, as a user would; return the run id.

    :param api: the REST client.
    :param dag_id: the DAG.
    """
    api.unpause(dag_id)
    return api.trigger_run(dag_id)


def _wait_for_deferral(
    api: AirflowApi, dag_id: str, run_id: str, task_ids: set[str]
) -> dict[str, dict[str, Any]]:
    """Wait until the tasks are deferred; fail at once if one ends instead. Return the task instances.

    :param api: the REST client.
    :param dag_id: the DAG.
    :param run_id: the run.
    :param task_ids: the tasks.
    """

    def all_deferred() -> dict[str, dict[str, Any]] | None:
        instances = api.task_instances(dag_id, run_id)
        states = {task_id: instances[task_id]["state"] for task_id in task_ids if task_id in instances}
        ended = {task_id: state for task_id, state in states.items() if state in ENDED_TASK_STATES}
        assert not ended, f"Tasks ended without being deferred: {ended}"
        deferred = len(states) == len(task_ids) and set(states.values()) == {"deferred"}
        return instances if deferred else None

    return wait_until(all_deferred, timeout=TASKS_DEFERRED_TIMEOUT, what=f"the tasks of {dag_id} to defer")


def _wait_for_adoption(api: AirflowApi, kill_run_id: str, killed_triggerer_id: int | None) -> None:
    """Wait until the endless task's trigger belongs to a triggerer other than the killed one.

    :param api: the REST client.
    :param kill_run_id: the run of the endless task.
    :param killed_triggerer_id: the job id of the killed triggerer.
    """

    def adopted() -> bool:
        return _triggerer_of(api, KILL_DAG_ID, kill_run_id, KILL_TASK_ID) not in (None, killed_triggerer_id)

    wait_until(adopted, timeout=TRIGGER_ADOPTED_TIMEOUT, what="a new triggerer to take the endless task")


def _triggerer_of(api: AirflowApi, dag_id: str, run_id: str, task_id: str) -> int | None:
    """The job id of the triggerer a deferred task's trigger is assigned to, if any.

    :param api: the REST client.
    :param dag_id: the DAG.
    :param run_id: the run.
    :param task_id: the task.
    """
    trigger = api.task_instances(dag_id, run_id)[task_id]["trigger"] or {}
    triggerer_id = trigger.get("triggerer_id")
    return None if triggerer_id is None else int(triggerer_id)


def _wait_for_first_polls(emulator: EmulatorProcess, trigger_slugs: list[str]) -> None:
    """Wait until the triggerer asked for the status of every job, so every trigger is running.

    Workers never ask for a status: they call the trigger and defer.

    :param emulator: the emulator.
    :param trigger_slugs: the triggers whose jobs are awaited.
    """
    wait_until(
        lambda: all(_status_polls(emulator, slug) > 0 for slug in trigger_slugs),
        timeout=TRIGGER_ADOPTED_TIMEOUT,
        what="the triggerer to poll every job",
    )


def _status_polls(emulator: EmulatorProcess, trigger_slug: str) -> int:
    """How many status requests the emulator answered for the jobs of a trigger.

    :param emulator: the emulator.
    :param trigger_slug: the trigger.
    """
    records = httpx.get(f"{emulator.base_url}/_emulator/requests").json()
    return sum(1 for record in records if f"/{trigger_slug}/status/" in record["path"])


def _ended_run_state(api: AirflowApi, dag_id: str, run_id: str) -> str | None:
    state = api.run_state(dag_id, run_id)
    return state if state in ENDED_RUN_STATES else None


def _jobs_of(jobs: list[dict[str, Any]], trigger_slug: str) -> list[dict[str, Any]]:
    return [job for job in jobs if job["TriggerSlug"] == trigger_slug]


def _expected_inputs(task_id: str, run_id: str) -> dict[str, Any]:
    return {
        name: run_id if value == RUN_ID else value for name, value in MAIN_TASK_ARGUMENTS[task_id].items()
    }


def test_the_run_succeeds_although_the_triggerer_was_killed(scenario: Scenario) -> None:
    states = {task_id: instance["state"] for task_id, instance in scenario.task_instances.items()}
    assert states == dict.fromkeys(MAIN_TASK_TRIGGERS, "success")
    assert scenario.main_run_state == "success"


def test_the_jobs_outlived_the_killed_triggerer(scenario: Scenario) -> None:
    # Had a job ended before the kill, its event could have come from the old triggerer.
    for task_id, trigger_slug in MAIN_TASK_TRIGGERS.items():
        [job] = _jobs_of(scenario.jobs_at_triggerer_kill, trigger_slug)
        assert job["State"] not in ENDED_JOB_STATES, f"{task_id}'s job ended before the triggerer was killed"


def test_each_task_returns_its_jobs_output(scenario: Scenario) -> None:
    for task_id, trigger_slug in MAIN_TASK_TRIGGERS.items():
        [job] = _jobs_of(scenario.jobs_at_end, trigger_slug)
        expected_inputs = _expected_inputs(task_id, scenario.main_run_id)
        assert job["State"] == "Successful"
        assert job["InputArguments"] == expected_inputs
        assert scenario.return_values[task_id] == job["OutputArguments"]
        assert scenario.return_values[task_id]["echo"] == expected_inputs


def test_each_task_started_exactly_one_job(scenario: Scenario) -> None:
    jobs_per_trigger = Counter(job["TriggerSlug"] for job in scenario.jobs_at_end)
    expected = dict.fromkeys([*MAIN_TASK_TRIGGERS.values(), KILL_TRIGGER_SLUG], 1)
    assert jobs_per_trigger == expected


def test_the_deferred_task_marked_failed_is_failed(
    scenario: Scenario, airflow_cluster: AirflowCluster
) -> None:
    instances = airflow_cluster.api.task_instances(KILL_DAG_ID, scenario.kill_run_id)
    assert instances[KILL_TASK_ID]["state"] == "failed"


def test_marking_the_deferred_task_failed_stops_its_job(
    scenario: Scenario, emulator: EmulatorProcess
) -> None:
    if not TRIGGER_ON_KILL:
        # The documented limit: BaseTrigger.on_kill appeared in Airflow 3.3, so before it the job of a
        # task marked failed while deferred keeps running in Orchestrator.
        [job] = _jobs_of(emulator.jobs(), KILL_TRIGGER_SLUG)
        assert job["State"] == "Running", f"Airflow {airflow.__version__} has no trigger on_kill to stop it"
        return

    def endless_job_state() -> str | None:
        [job] = _jobs_of(emulator.jobs(), KILL_TRIGGER_SLUG)
        return str(job["State"]) if job["State"] in STOPPED_JOB_STATES else None

    wait_until(endless_job_state, timeout=JOB_STOPPED_TIMEOUT, what="the endless job to be stopped")
