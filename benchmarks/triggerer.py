"""The triggerer benchmark: ``make bench``, or ``python -m benchmarks.triggerer [--help]``.

For each load (1,000 waits polling every second, 5,000 waits polling every 10 s) and each side
(our ``UiPathJobTrigger`` polling, apache-airflow-providers-http's ``HttpSensorTrigger``, our trigger
with LongPolling), it starts a fresh emulator process and a fresh measured process
(:mod:`benchmarks.wait_run`), then prints the table, the targets and, last, the ratio ours/peer of
CPU per poll. It writes ``benchmarks/results/triggerer.md`` (the table), ``triggerer.png`` (the plot)
and ``triggerer.json`` (raw results, not committed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.emulator_jobs import running_emulator
from benchmarks.machine import describe_machine
from benchmarks.plan import LOADS, SIDE_ORDER, Scenario, Side, scenarios_of, write_json
from benchmarks.report import Figures, markdown_report, ratio_line, results_table, target_lines
from benchmarks.wait_run import RunSpec

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
TABLE_NAME = "triggerer.md"
PLOT_NAME = "triggerer.png"
RAW_NAME = "triggerer.json"
#: Seconds the measured process may take beyond its jobs and grace: imports, warm-up, job starts.
SET_UP_ALLOWANCE_SECONDS = 180.0


def run_scenario(scenario: Scenario, work_dir: Path) -> dict[str, Any]:
    """Measure one scenario: a fresh emulator, a fresh measured process; return its raw result.

    The measured process's standard output (the waits' log lines) is discarded.

    :param scenario: the scenario.
    :param work_dir: a folder for the emulator configuration, the spec and the result.
    """
    with running_emulator(scenario, work_dir) as emulator:
        spec = RunSpec(scenario, emulator.tenant_url, emulator.base_url, emulator.process.pid)
        spec_path, result_path = work_dir / f"{scenario.name}-spec.json", work_dir / f"{scenario.name}.json"
        write_json(spec_path, spec.to_dict())
        environment = {**os.environ, "AIRFLOW_HOME": str(work_dir / "airflow-home")}
        subprocess.run(
            [sys.executable, "-m", "benchmarks.wait_run", str(spec_path), str(result_path)],
            cwd=REPO_ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            check=True,
            timeout=scenario.longest_job_seconds + scenario.grace_seconds + SET_UP_ALLOWANCE_SECONDS,
        )
    return dict(json.loads(result_path.read_text()))


def _describe(scenario: Scenario) -> str:
    return (
        f"{scenario.side.label}: {scenario.waits:,} waits, polls every {scenario.poll_interval:g} s, "
        f"jobs of {scenario.shortest_job_seconds}-{scenario.longest_job_seconds} s"
    )


def run_all(scenarios: Sequence[Scenario]) -> list[dict[str, Any]]:
    """Measure every scenario in turn, printing progress.

    :param scenarios: the scenarios.
    """
    results = []
    with tempfile.TemporaryDirectory(prefix="uipath-bench-") as work_dir:
        for number, scenario in enumerate(scenarios, start=1):
            print(f"[{number}/{len(scenarios)}] {_describe(scenario)} ...", end=" ", flush=True)
            started = time.monotonic()
            results.append(run_scenario(scenario, Path(work_dir)))
            print(f"{time.monotonic() - started:.0f} s", flush=True)
    return results


def build_parser() -> argparse.ArgumentParser:
    """Return the command line's parser."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.triggerer", description=__doc__)
    parser.add_argument(
        "--waits",
        type=int,
        nargs="+",
        choices=[load.waits for load in LOADS],
        default=[load.waits for load in LOADS],
        help="which loads to run, by number of waits (default: all)",
    )
    parser.add_argument(
        "--sides",
        nargs="+",
        choices=[side.value for side in SIDE_ORDER],
        default=[side.value for side in SIDE_ORDER],
        help="which sides to run (default: all)",
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="where to write the results")
    parser.add_argument("--no-plot", action="store_true", help="skip the PNG (no matplotlib needed)")
    parser.add_argument(
        "--render-only",
        action="store_true",
        help=f"measure nothing: rewrite the table and the plot from the results dir's {RAW_NAME}",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, write the result files and print the table; the last line is the ratio.

    :param argv: the arguments, without the program name.
    """
    args = build_parser().parse_args(argv)
    results_dir: Path = args.results_dir
    if args.render_only:
        recorded = json.loads((results_dir / RAW_NAME).read_text())
        machine, raw = recorded["machine"], recorded["results"]
    else:
        loads = tuple(load for load in LOADS if load.waits in args.waits)
        sides = tuple(side for side in SIDE_ORDER if side.value in args.sides)
        machine = describe_machine()
        started = time.monotonic()
        raw = run_all(scenarios_of(loads, sides))
        write_json(results_dir / RAW_NAME, {"machine": machine, "results": raw})
        print(f"\nAll runs took {time.monotonic() - started:.0f} s. Results in {results_dir}.\n")
    all_figures = [Figures.of(result) for result in raw]
    (results_dir / TABLE_NAME).write_text(markdown_report(all_figures, machine, PLOT_NAME))
    if not args.no_plot:
        from benchmarks.plot import write_plot

        write_plot(all_figures, machine, results_dir / PLOT_NAME)
    print(results_table(all_figures))
    print()
    print("\n".join(target_lines(all_figures)))
    if any(figures.scenario.side is Side.PEER for figures in all_figures):
        print("The peer (HttpSensorTrigger) has no LongPolling equivalent: it polls.")
    print(ratio_line(all_figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
