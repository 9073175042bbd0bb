"""The triggerer benchmark's mechanics at a tiny scale: our side only, no figures asserted.

The peer needs the ``bench`` extra, so it is left to ``make bench``; this checks that the measured
process runs its waits to their events against a real emulator and reports what it counted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.plan import Scenario, Side
from benchmarks.report import Figures, results_table
from benchmarks.triggerer import run_scenario

SMOKE_WAITS = 20


@pytest.mark.parametrize("side", [Side.OURS, Side.OURS_LONG_POLLING])
def test_every_wait_gets_its_event_and_polls_are_counted(side: Side, tmp_path: Path) -> None:
    scenario = Scenario(
        side=side,
        waits=SMOKE_WAITS,
        poll_interval=0.2,
        shortest_job_seconds=1,
        longest_job_seconds=2,
        grace_seconds=15.0,
    )

    raw = run_scenario(scenario, tmp_path)
    figures = Figures.of(raw)

    assert (raw["events"], raw["successes"]) == (SMOKE_WAITS, SMOKE_WAITS)
    assert raw["polls"] > 0
    assert raw["requests"]["token"] >= 1
    assert raw["connections_opened"] >= 1
    assert len(raw["notice_seconds"]) == SMOKE_WAITS
    assert raw["lags"]
    assert side.label in results_table([figures])
