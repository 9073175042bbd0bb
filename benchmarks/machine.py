"""The machine and the versions a benchmark ran with, printed next to its figures."""

from __future__ import annotations

import datetime
import os
import platform
from importlib import metadata
from pathlib import Path

import psutil

CPU_INFO = Path("/proc/cpuinfo")
MEASURED_PACKAGES = ("apache-airflow", "apache-airflow-providers-http", "httpx", "httpx-aiohttp", "aiohttp")
BYTES_PER_GIB = 1024**3


def _cpu_model() -> str:
    if CPU_INFO.exists():
        for line in CPU_INFO.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _version_of(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe_machine() -> dict[str, object]:
    """Return the date, CPU, memory, OS and package versions of this run."""
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / BYTES_PER_GIB, 1),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": {package: _version_of(package) for package in MEASURED_PACKAGES},
    }


def machine_line(machine: dict[str, object]) -> str:
    """One line naming the machine, for tables and plots.

    :param machine: what :func:`describe_machine` returned.
    """
    packages = machine["packages"]
    assert isinstance(packages, dict)
    return (
        f"{machine['date']}, {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
        f"{machine['system']}, Python {machine['python']}, Airflow {packages['apache-airflow']}"
    )
