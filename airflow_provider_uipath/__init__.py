"""Apache Airflow provider for UiPath Orchestrator API triggers."""

from __future__ import annotations

__version__ = "0.1.0"
