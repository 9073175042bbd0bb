"""The measured process: N waits of one side in one event loop, as in Airflow's triggerer.

:mod:`benchmarks.triggerer` starts it once per scenario, in a fresh process, so that peak RSS and
CPU belong to that scenario alone::

    python -m benchmarks.wait_run SPEC.json RESULT.json

Steps: one warm-up wait (imports and first-use set-up are not counted), the jobs are started, the
baseline RSS is read, then every wait is started, spread evenly over one poll interval, and each
``trigger.run()`` is iterated to its first event. The measurement window runs from the first start
to the last event. Log lines are rendered as Airflow renders them and written to standard output,
which the caller discards.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import sys
import time
from collections.abc import AsyncGenerator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

import psutil
from airflow.triggers.base import BaseTrigger, TriggerEvent

from benchmarks.emulator_jobs import (
    EmulatorAdmin,
    result_id_of,
    start_jobs,
    start_warm_up_job,
)
from benchmarks.measure import ConnectionCounter, GarbageCollectionTimer, LoopSampler, resident_set_bytes
from benchmarks.plan import Scenario, Side, write_json
from benchmarks.sides import WaitSide, side_of


@dataclass(frozen=True)
class RunSpec:
    """What the measured process needs to know.

    :param scenario: the scenario.
    :param tenant_url: the emulator's tenant URL.
    :param base_url: the emulator's origin.
    :param emulator_pid: the emulator's process id, to read its CPU time.
    """

    scenario: Scenario
    tenant_url: str
    base_url: str
    emulator_pid: int

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object of this spec."""
        return {**asdict(self), "scenario": self.scenario.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunSpec:
        """Read a spec from its JSON object.

        :param data: what :meth:`to_dict` returned.
        """
        return cls(**{**data, "scenario": Scenario.from_dict(data["scenario"])})


@dataclass(frozen=True)
class WaitOutcome:
    """How one wait went.

    :param started_at: Unix time the wait started.
    :param event_at: Unix time its first event arrived; ``None`` when it was given up.
    :param succeeded: whether the event said the job ended well.
    """

    started_at: float
    event_at: float | None
    succeeded: bool


@dataclass(frozen=True)
class LoopRun:
    """What one event loop measured while its waits ran.

    :param window_seconds: wall-clock seconds from the first start to the last event.
    :param cpu_seconds: CPU seconds of this process in that window.
    :param emulator_cpu_seconds: CPU seconds of the emulator process in that window.
    :param background_cpu_seconds: CPU seconds the rest of the machine used in that window.
    :param gc_seconds: seconds the garbage collector ran in that window (part of ``cpu_seconds``).
    :param gc_collections: collections of generations 0, 1 and 2 in that window.
    :param peak_rss: the highest RSS sampled, in bytes.
    :param connections_opened: TCP connections opened in the window.
    :param peak_open_connections: the most TCP connections open at a sample.
    :param lags: how late the 50 ms monitor woke up, each time, in seconds.
    :param outcomes: one per wait, in the order of the waits.
    """

    window_seconds: float
    cpu_seconds: float
    emulator_cpu_seconds: float
    background_cpu_seconds: float
    gc_seconds: float
    gc_collections: list[int]
    peak_rss: int
    connections_opened: int
    peak_open_connections: int
    lags: list[float]
    outcomes: list[WaitOutcome]


async def follow_to_first_event(trigger: BaseTrigger, side: WaitSide, start_delay: float) -> WaitOutcome:
    """Start a wait after a delay and iterate its ``run()`` to the first event, as the triggerer does.

    :param trigger: the trigger.
    :param side: its side, to read the event.
    :param start_delay: seconds to wait before starting.
    """
    await asyncio.sleep(start_delay)
    started_at = time.time()
    events = cast("AsyncGenerator[TriggerEvent, None]", trigger.run())
    try:
        event = await anext(events)
    finally:
        await events.aclose()
    return WaitOutcome(started_at, time.time(), side.succeeded(event.payload))


def _cpu_seconds_of(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _machine_busy_seconds() -> float:
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


async def run_waits(
    waits: Sequence[BaseTrigger], side: WaitSide, scenario: Scenario, give_up_at: float, emulator_pid: int
) -> LoopRun:
    """Run every wait in this event loop, with the monitors, until all have an event or time is up.

    :param waits: the triggers.
    :param side: their side.
    :param scenario: the scenario.
    :param give_up_at: Unix time after which waits without an event are cancelled.
    :param emulator_pid: the emulator's process id.
    """
    connections = ConnectionCounter()
    connections.install(asyncio.get_running_loop())
    sampler = LoopSampler(connections)
    sampling = asyncio.create_task(sampler.run())
    emulator = psutil.Process(emulator_pid)
    spread = scenario.poll_interval / len(waits)

    machine_before, emulator_cpu_before = _machine_busy_seconds(), _cpu_seconds_of(emulator)
    cpu_before, wall_before = time.process_time(), time.time()
    with GarbageCollectionTimer() as collector:
        tasks = [
            asyncio.create_task(follow_to_first_event(wait, side, index * spread))
            for index, wait in enumerate(waits)
        ]
        await asyncio.wait(tasks, timeout=max(0.0, give_up_at - time.time()))
    cpu_seconds = time.process_time() - cpu_before
    emulator_cpu_seconds = _cpu_seconds_of(emulator) - emulator_cpu_before
    machine_seconds = _machine_busy_seconds() - machine_before
    window_seconds = time.time() - wall_before
    sampler.sample_resources()

    outcomes = [_outcome_of(task, wall_before + index * spread) for index, task in enumerate(tasks)]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    sampler.stop()
    await sampling
    return LoopRun(
        window_seconds=window_seconds,
        cpu_seconds=cpu_seconds,
        emulator_cpu_seconds=emulator_cpu_seconds,
        background_cpu_seconds=max(0.0, machine_seconds - cpu_seconds - emulator_cpu_seconds),
        gc_seconds=collector.seconds,
        gc_collections=collector.collections,
        peak_rss=sampler.peak_rss,
        connections_opened=connections.opened,
        peak_open_connections=connections.peak_open,
        lags=sampler.lags,
        outcomes=outcomes,
    )


def _outcome_of(task: asyncio.Task[WaitOutcome], planned_start: float) -> WaitOutcome:
    if task.done() and not task.cancelled() and task.exception() is None:
        return task.result()
    if task.done() and not task.cancelled():
        print(f"A wait failed: {task.exception()!r}", file=sys.stderr)
    return WaitOutcome(planned_start, None, False)


def warm_up(side: WaitSide, emulator: EmulatorAdmin, spec: RunSpec) -> None:
    """Run one wait to its event in a throw-away loop: imports and first-use set-up happen here.

    :param side: the side.
    :param emulator: the emulator's admin API.
    :param spec: the run.
    """
    status_url = start_warm_up_job(emulator, spec.tenant_url, spec.scenario)
    outcome = asyncio.run(follow_to_first_event(side.build_wait(status_url, spec.scenario), side, 0.0))
    if not outcome.succeeded:
        raise RuntimeError(f"The warm-up wait of {spec.scenario.name} did not succeed.")
    side.forget_shared_state()


def polls_due(scenario: Scenario, outcomes: Sequence[WaitOutcome], job_ends: Sequence[float]) -> float:
    """The polls the waits would have sent on an idle loop: one at start, then one per interval
    until the job's end. Meaningless for LongPolling, where requests are held instead.

    :param scenario: the scenario.
    :param outcomes: the waits' outcomes.
    :param job_ends: each wait's job end, Unix time.
    """
    return sum(
        1 + math.ceil(max(0.0, end - outcome.started_at) / scenario.poll_interval)
        for outcome, end in zip(outcomes, job_ends, strict=True)
    )


def measure(spec: RunSpec) -> dict[str, Any]:
    """Measure one scenario and return the raw result as a JSON object.

    :param spec: the run.
    """
    scenario = spec.scenario
    side = side_of(scenario.side)
    os.environ.update(side.connection_env(spec.tenant_url, spec.base_url))
    emulator = EmulatorAdmin(spec.base_url)
    warm_up(side, emulator, spec)

    status_urls = start_jobs(emulator, spec.tenant_url, scenario)
    end_by_result_id = emulator.job_end_times(scenario)
    job_ends = [end_by_result_id[result_id_of(url)] for url in status_urls]
    counts_before = emulator.request_counts()
    gc.collect()
    rss_before = resident_set_bytes()
    waits = [side.build_wait(url, scenario) for url in status_urls]
    give_up_at = max(job_ends) + scenario.grace_seconds
    run = asyncio.run(run_waits(waits, side, scenario, give_up_at, spec.emulator_pid))
    counts_after = emulator.request_counts()

    requests = {name: counts_after.get(name, 0) - counts_before.get(name, 0) for name in counts_after}
    return {
        "scenario": scenario.to_dict(),
        "rss_before": rss_before,
        "requests": requests,
        "polls": requests.get("bench" if scenario.side is Side.PEER else "status", 0),
        "polls_due": polls_due(scenario, run.outcomes, job_ends),
        "notice_seconds": [
            outcome.event_at - end
            for outcome, end in zip(run.outcomes, job_ends, strict=True)
            if outcome.event_at is not None
        ],
        **{name: value for name, value in asdict(run).items() if name != "outcomes"},
        "events": sum(outcome.event_at is not None for outcome in run.outcomes),
        "successes": sum(outcome.succeeded for outcome in run.outcomes),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Measure the scenario of a spec file and write the result file.

    :param argv: ``SPEC.json RESULT.json``.
    """
    spec_path, result_path = argv if argv is not None else sys.argv[1:]
    spec = RunSpec.from_dict(json.loads(Path(spec_path).read_text()))
    write_json(Path(result_path), measure(spec))
    return 0


if __name__ == "__main__":
    sys.exit(main())
