"""``make demo``: the example DAGs, run through Airflow against the bundled Orchestrator emulator.

Starts the emulator on a free loopback port, gives Airflow a temporary home with a SQLite metadata
database, runs each example DAG with ``dag.test()`` (deferred tasks run their trigger in line),
prints every task's outcome and the job outputs it got, and stops everything it started. Exits
non-zero when any task failed.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import warnings
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
EXAMPLE_DAGS = REPOSITORY / "example_dags"
#: The emulator holds a LongPolling call this long, so the 2-second report job shows the redirect loop.
DEMO_LONG_POLL_WAIT_SECONDS = 1


def main() -> int:
    """Run the demo and return the exit status."""
    with tempfile.TemporaryDirectory(prefix="uipath-demo-") as home:
        from airflow_provider_uipath.testing import prepare_airflow_home

        print(f"Airflow home: {home} (SQLite, removed afterwards)")
        os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
        # Airflow's in-process test runner imports Starlette's test client, which warns about httpx.
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        prepare_airflow_home(Path(home), EXAMPLE_DAGS)
        return run_examples()


def run_examples() -> int:
    """Run every example DAG against a fresh emulator; 1 if any task failed."""
    from airflow_provider_uipath.testing import connection_json, emulator_process, load_dags, run_dag

    with emulator_process() as emulator:
        print(f"Emulator: {emulator.tenant_url}")
        emulator.configure(long_poll_wait_seconds=DEMO_LONG_POLL_WAIT_SECONDS)
        os.environ["AIRFLOW_CONN_UIPATH_DEFAULT"] = connection_json(
            emulator.tenant_url,
            client_id="emulator-client",
            client_secret="emulator-secret",
            extra={"token_url": f"{emulator.base_url}/identity_/connect/token"},
        )
        failed = False
        for dag_id, dag in sorted(load_dags(EXAMPLE_DAGS).items()):
            outcome = run_dag(dag)
            print(f"\n{dag_id}: {outcome.state}")
            for task in outcome.tasks:
                label = task.task_id if task.map_index < 0 else f"{task.task_id}[{task.map_index}]"
                waited = "deferred" if task.deferred else "on worker"
                output = json.dumps(task.xcoms.get("return_value"))
                print(f"  {label:28} {task.state:8} {waited:9} -> {output}")
                failed = failed or task.state != "success"
        jobs = emulator.jobs()
        print(f"\nThe emulator created {len(jobs)} UiPath jobs.")
    print("Demo " + ("FAILED: a task did not succeed." if failed else "succeeded."))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
