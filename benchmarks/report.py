"""Figures from raw results: the table, the targets and the ratio of CPU per poll.

A *poll* is one request of a wait to learn whether its job has ended: a status request for our
side (its one output request per wait, and its token requests, are extra requests whose CPU is
included), a bench-route request for the peer. For LongPolling it is one held status request.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from airflow_provider_uipath.auth import DEFAULT_REFRESH_LEAD_SECONDS, MAX_REFRESH_LEAD_FRACTION
from airflow_provider_uipath.connection import DEFAULT_POOL_SIZE
from benchmarks.machine import machine_line
from benchmarks.measure import percentile
from benchmarks.plan import Scenario, Side

MS_PER_SECOND = 1000.0
BYTES_PER_KB = 1024
BYTES_PER_MB = 1024**2
P50 = 0.5
P99 = 0.99
MIN_CPU_SECONDS = 1e-9

#: The issue's targets.
MAX_CPU_RATIO = 1 / 3
TARGET_WAITS = 5_000
MAX_LAG_P99_SECONDS = 0.2
MAX_RSS_PER_WAIT_KB = 20.0
MAX_LONG_POLL_NOTICE_P50_SECONDS = 0.1


@dataclass(frozen=True)
class Figures:
    """What one scenario measured, in the units of the table.

    :param scenario: the scenario.
    :param polls: polls answered by the emulator.
    :param polls_due: polls the waits would have sent on an idle loop (``None`` for LongPolling).
    :param cpu_ms_per_poll: CPU milliseconds of the waits' process per poll (= CPU s per 1,000 polls).
    :param gc_percent: the share of that CPU spent in Python's garbage collector.
    :param peak_rss_mb: the process's peak RSS.
    :param rss_per_wait_kb: the RSS growth from before the waits to the peak, per wait.
    :param connections_opened: TCP connections opened by the waits.
    :param peak_open_connections: the most TCP connections open at once (sampled every 0.2 s).
    :param token_requests: token requests of the waits, ``None`` for the peer (static header).
    :param token_lifetimes: token lifetimes the run spanned (refreshes allowed).
    :param lag_p99_ms: the event loop's lag, p99.
    :param lag_max_ms: the event loop's lag, max.
    :param notice_p50_s: seconds from a job's end to its wait's event, p50.
    :param notice_p99_s: the same, p99.
    :param events: waits that got their event.
    :param successes: events that said the job succeeded.
    :param window_s: seconds from the first wait's start to the last event.
    :param emulator_cpu_percent: the emulator's CPU, in percent of one core.
    :param background_cpu_percent: the rest of the machine's CPU, in percent of one core.
    """

    scenario: Scenario
    polls: int
    polls_due: float | None
    cpu_ms_per_poll: float
    gc_percent: float
    peak_rss_mb: float
    rss_per_wait_kb: float
    connections_opened: int
    peak_open_connections: int
    token_requests: int | None
    token_lifetimes: int
    lag_p99_ms: float
    lag_max_ms: float
    notice_p50_s: float
    notice_p99_s: float
    events: int
    successes: int
    window_s: float
    emulator_cpu_percent: float
    background_cpu_percent: float

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Figures:
        """Compute the figures of one raw result (see :func:`benchmarks.wait_run.measure`).

        :param raw: the raw result.
        """
        scenario = Scenario.from_dict(raw["scenario"])
        polls = int(raw["polls"])
        window = float(raw["window_seconds"])
        lifetime = scenario.token_lifetime_seconds
        refresh_every = lifetime - min(DEFAULT_REFRESH_LEAD_SECONDS, lifetime * MAX_REFRESH_LEAD_FRACTION)
        return cls(
            scenario=scenario,
            polls=polls,
            polls_due=None if scenario.side is Side.OURS_LONG_POLLING else float(raw["polls_due"]),
            cpu_ms_per_poll=float(raw["cpu_seconds"]) / max(polls, 1) * MS_PER_SECOND,
            gc_percent=100 * float(raw["gc_seconds"]) / max(float(raw["cpu_seconds"]), MIN_CPU_SECONDS),
            peak_rss_mb=raw["peak_rss"] / BYTES_PER_MB,
            rss_per_wait_kb=(raw["peak_rss"] - raw["rss_before"]) / scenario.waits / BYTES_PER_KB,
            connections_opened=int(raw["connections_opened"]),
            peak_open_connections=int(raw["peak_open_connections"]),
            token_requests=None if scenario.side is Side.PEER else int(raw["requests"].get("token", 0)),
            token_lifetimes=max(1, math.ceil(window / refresh_every)),
            lag_p99_ms=percentile(raw["lags"], P99) * MS_PER_SECOND,
            lag_max_ms=max(raw["lags"], default=math.nan) * MS_PER_SECOND,
            notice_p50_s=percentile(raw["notice_seconds"], P50),
            notice_p99_s=percentile(raw["notice_seconds"], P99),
            events=int(raw["events"]),
            successes=int(raw["successes"]),
            window_s=window,
            emulator_cpu_percent=100 * float(raw["emulator_cpu_seconds"]) / window,
            background_cpu_percent=100 * float(raw["background_cpu_seconds"]) / window,
        )


def _load_label(scenario: Scenario) -> str:
    return f"{scenario.waits:,} ({scenario.poll_interval:g} s)"


def _polls_cell(figures: Figures) -> str:
    if figures.polls_due is None:
        return f"{figures.polls:,} held"
    return f"{figures.polls:,} / {figures.polls_due:,.0f}"


def _tokens_cell(figures: Figures) -> str:
    if figures.token_requests is None:
        return "none (static header)"
    return f"{figures.token_requests} ({figures.token_lifetimes})"


def _notice_cell(figures: Figures) -> str:
    missed = figures.scenario.waits - figures.events
    cell = f"{figures.notice_p50_s * MS_PER_SECOND:,.0f} / {figures.notice_p99_s * MS_PER_SECOND:,.0f}"
    return f"{cell}, {missed:,} gave up" if missed else cell


TABLE_HEADER = (
    "| waits (poll interval) | side | polls done / due | CPU s per 1,000 polls (GC %) | peak RSS MB | "
    "RSS per wait KB | TCP connections opened (most open) | token requests (lifetimes) | "
    "loop lag p99 ms | job end to event p50 / p99 ms | emulator CPU % |"
)
TABLE_RULE = "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"


def table_row(figures: Figures) -> str:
    """One markdown table row.

    :param figures: the figures of a scenario.
    """
    cells = [
        _load_label(figures.scenario),
        figures.scenario.side.label,
        _polls_cell(figures),
        f"{figures.cpu_ms_per_poll:.2f} ({figures.gc_percent:.0f} %)",
        f"{figures.peak_rss_mb:,.0f}",
        f"{figures.rss_per_wait_kb:.1f}",
        f"{figures.connections_opened:,} ({figures.peak_open_connections:,})",
        _tokens_cell(figures),
        f"{figures.lag_p99_ms:,.0f}",
        _notice_cell(figures),
        f"{figures.emulator_cpu_percent:.0f}",
    ]
    return "| " + " | ".join(cells) + " |"


def results_table(all_figures: Sequence[Figures]) -> str:
    """The markdown table of every scenario, with the peer's missing LongPolling row.

    :param all_figures: the figures, in run order.
    """
    rows = [TABLE_HEADER, TABLE_RULE]
    for figures in all_figures:
        rows.append(table_row(figures))
        if figures.scenario.side is Side.PEER:
            rows.append(
                f"| {_load_label(figures.scenario)} | HttpSensorTrigger, LongPolling | "
                "no equivalent: it polls, it cannot follow a held request | | | | | | | | |"
            )
    return "\n".join(rows)


def _by_side(all_figures: Sequence[Figures], side: Side) -> dict[int, Figures]:
    return {figures.scenario.waits: figures for figures in all_figures if figures.scenario.side is side}


def cpu_ratios(all_figures: Sequence[Figures]) -> dict[int, float]:
    """Ours/peer CPU per poll, by number of waits, where both sides ran.

    :param all_figures: the figures.
    """
    ours, peer = _by_side(all_figures, Side.OURS), _by_side(all_figures, Side.PEER)
    return {
        waits: ours[waits].cpu_ms_per_poll / peer[waits].cpu_ms_per_poll for waits in ours if waits in peer
    }


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def target_lines(all_figures: Sequence[Figures]) -> list[str]:
    """One line per target of the issue: met or not, with the figures.

    :param all_figures: the figures.
    """
    lines = []
    for waits, ratio in cpu_ratios(all_figures).items():
        lines.append(
            f"- CPU per poll at most a third of the peer's, {waits:,} waits: ours/peer = {ratio:.2f} "
            f"-> {_verdict(ratio <= MAX_CPU_RATIO)}"
        )
    for figures in all_figures:
        scenario = figures.scenario
        if scenario.side is Side.PEER:
            continue
        label = f"{scenario.side.label}, {scenario.waits:,} waits"
        if scenario.waits >= TARGET_WAITS:
            fits = figures.lag_p99_ms <= MAX_LAG_P99_SECONDS * MS_PER_SECOND
            small = figures.rss_per_wait_kb <= MAX_RSS_PER_WAIT_KB
            lines.append(
                f"- {label}: loop lag p99 {figures.lag_p99_ms:,.0f} ms (< 200) -> {_verdict(fits)}; "
                f"RSS per wait {figures.rss_per_wait_kb:.1f} KB (<= 20) -> {_verdict(small)}"
            )
        one_per_lifetime = (figures.token_requests or 0) <= figures.token_lifetimes
        lines.append(
            f"- {label}: {figures.token_requests} token requests for {figures.token_lifetimes} token "
            f"lifetimes -> {_verdict(one_per_lifetime)}"
        )
        if scenario.side is Side.OURS:
            bounded = figures.peak_open_connections <= DEFAULT_POOL_SIZE
            lines.append(
                f"- {label}: at most {figures.peak_open_connections} connections open, "
                f"{figures.connections_opened} opened (pool {DEFAULT_POOL_SIZE}) -> {_verdict(bounded)}"
            )
        else:
            lines.append(
                f"- {label}: at most {figures.peak_open_connections} connections open, "
                f"{figures.connections_opened} opened (no target: a held request occupies its connection, "
                f"so {scenario.waits:,} held requests need {scenario.waits:,} connections or queue for one)"
            )
        if scenario.side is Side.OURS_LONG_POLLING:
            quick = figures.notice_p50_s <= MAX_LONG_POLL_NOTICE_P50_SECONDS
            lines.append(
                f"- {label}: finished job noticed after {figures.notice_p50_s * MS_PER_SECOND:,.0f} ms "
                f"(p50, <= 100) -> {_verdict(quick)}"
            )
    return lines


def ratio_line(all_figures: Sequence[Figures]) -> str:
    """The last line printed: ours/peer CPU per poll.

    :param all_figures: the figures.
    """
    ratios = cpu_ratios(all_figures)
    if not ratios:
        return "CPU per poll, ours/peer: the peer did not run."
    parts = ", ".join(f"{ratio:.2f} at {waits:,} waits" for waits, ratio in ratios.items())
    return f"CPU per poll, ours/peer: {parts}"


def markdown_report(all_figures: Sequence[Figures], machine: dict[str, object], plot_name: str) -> str:
    """The results file the README includes: machine, table, targets, plot.

    :param all_figures: the figures.
    :param machine: what :func:`benchmarks.machine.describe_machine` returned.
    :param plot_name: the plot's file name, next to the markdown file.
    """
    background = sum(figures.background_cpu_percent for figures in all_figures) / max(len(all_figures), 1)
    return "\n".join(
        [
            "# Triggerer benchmark",
            "",
            f"Measured by `make bench` on {machine_line(machine)}. Other processes of the machine used "
            f"{background:.0f} % of a core on average during the runs.",
            "",
            "Each row: that many `trigger.run()` waits in one asyncio event loop of a fresh process, "
            "against the emulator in its own process over 127.0.0.1. CPU and memory are the waits' "
            "process only; the emulator's CPU is the last column, in percent of one core.",
            "",
            results_table(all_figures),
            "",
            "A poll is one status request (ours) or one bench-route request (the peer); for LongPolling, one "
            "held status request. Our CPU also pays for one output request per wait and the token requests. "
            "Polls due: what the waits would send on an idle loop. The emulator's tokens live 30 s, so a "
            "run spans several lifetimes. 5,000 waits poll every 10 s, the provider's default: once a second "
            "they would need 5,000 polls/s, more than this machine has (see `benchmarks/README.md`).",
            "",
            "## Targets",
            "",
            *target_lines(all_figures),
            "",
            f"![CPU per poll and memory against the number of waits]({plot_name})",
            "",
            ratio_line(all_figures),
            "",
        ]
    )
