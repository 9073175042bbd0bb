"""How long a deferrable task held a worker: the sum of its phases outside the triggerer.

Airflow 3.3 records an audit event each time a worker starts running a task instance
(``running``) and when it hands it over or ends it (``deferred``, ``success``, ``failed``...), so
each worker phase is the interval from a ``running`` event to the next event. Airflow 3.1 records
none of these, so there the task's own log is read instead: its lines span both worker phases, and
the longest silence between two lines is the deferral.
"""

from __future__ import annotations

import datetime
import itertools
import json
from pathlib import Path
from typing import Any

RUNNING_EVENT = "running"
#: How the figures were obtained, for the report.
FROM_AUDIT_EVENTS = "audit events: from each 'running' event to the next event"
FROM_TASK_LOG = "task log: its time span less its longest silence (the deferral)"


def worker_seconds_from_events(events: list[dict[str, Any]]) -> float | None:
    """Sum the intervals from each ``running`` event to the event after it.

    :param events: a task instance's audit events, each with ``event`` and ``when``.
    :returns: the seconds, or ``None`` when no ``running`` event was recorded.
    """
    ordered = sorted(events, key=lambda event: _instant(event["when"]))
    if not any(event["event"] == RUNNING_EVENT for event in ordered):
        return None
    total = 0.0
    for current, following in itertools.pairwise(ordered):
        if current["event"] == RUNNING_EVENT:
            total += seconds_between(current["when"], following["when"])
    return total


def worker_seconds_from_task_log(log_file: Path) -> float | None:
    """The span of a task log's lines less the longest gap between two lines.

    Meant for a task deferred once: its worker phases write the lines, its deferral writes none.

    :param log_file: the attempt's log file (JSON lines with a ``timestamp``).
    :returns: the seconds, or ``None`` when the file is missing or has fewer than two lines.
    """
    try:
        lines = log_file.read_text(errors="replace").splitlines()
    except OSError:
        return None
    instants = sorted(instant for instant in map(_instant_of_line, lines) if instant is not None)
    if len(instants) < 2:
        return None
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(instants)]
    return (instants[-1] - instants[0]).total_seconds() - max(gaps)


def seconds_between(start: str, end: str) -> float:
    """Seconds from one ISO-8601 time to another.

    :param start: the earlier time, e.g. ``2026-12-03T17:05:03.297094Z``.
    :param end: the later time.
    """
    return (_instant(end) - _instant(start)).total_seconds()


def _instant_of_line(line: str) -> datetime.datetime | None:
    try:
        return _instant(json.loads(line)["timestamp"])
    except (ValueError, KeyError, TypeError):
        return None


def _instant(timestamp: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
