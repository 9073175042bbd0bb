"""The README's plot: CPU per poll and memory against the number of waits, for each side."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from benchmarks.machine import machine_line
from benchmarks.plan import SIDE_ORDER, Side
from benchmarks.report import Figures

FIGURE_SIZE_INCHES = (14.0, 4.8)
DOTS_PER_INCH = 120
MARKERS = {"ours": "o", "peer": "s", "ours-longpolling": "^"}
POLLING_SIDES = (Side.OURS, Side.PEER)
#: (measure, title, sides drawn): a held LongPolling request is not a poll, so it has no CPU point.
PANELS = (
    ("cpu_ms_per_poll", "CPU ms per poll (= CPU s per 1,000 polls)", POLLING_SIDES),
    ("peak_rss_mb", "peak RSS of the process, MB", SIDE_ORDER),
    ("rss_per_wait_kb", "RSS per wait, KB", SIDE_ORDER),
)


def write_plot(all_figures: Sequence[Figures], machine: dict[str, object], path: Path) -> Path:
    """Draw one panel per measure, one line per side, and save the PNG.

    :param all_figures: the figures.
    :param machine: what :func:`benchmarks.machine.describe_machine` returned.
    :param path: the PNG to write.
    """
    figure = Figure(figsize=FIGURE_SIZE_INCHES)
    axes = figure.subplots(1, len(PANELS))
    intervals = {
        figures.scenario.waits: figures.scenario.poll_interval
        for figures in sorted(all_figures, key=lambda figures: figures.scenario.waits)
    }
    for axis, (measure, title, sides) in zip(axes, PANELS, strict=True):
        for side in sides:
            points = sorted(
                (figures.scenario.waits, getattr(figures, measure))
                for figures in all_figures
                if figures.scenario.side is side
            )
            if points:
                waits, values = zip(*points, strict=True)
                axis.plot(waits, values, marker=MARKERS[side.value], label=side.label)
        axis.set_title(title, fontsize=10)
        axis.set_xticks(list(intervals))
        axis.set_xticklabels([f"{waits:,}\n(poll every {intervals[waits]:g} s)" for waits in intervals])
        axis.set_xlabel("concurrent waits in one event loop")
        axis.set_ylim(bottom=0)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle(f"Triggerer benchmark - {machine_line(machine)}", fontsize=9)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DOTS_PER_INCH)
    return path
