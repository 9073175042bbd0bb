"""A local imitation of UiPath Orchestrator's API triggers, token endpoint and Jobs API, with faults.

It serves tests, the demo, and users who test their DAGs offline. It does not import Airflow.
Start it with :class:`EmulatorServer` (in-process, background thread) or
``python -m airflow_provider_uipath.emulator`` (command line).
"""

from __future__ import annotations

from airflow_provider_uipath.emulator.app import create_app
from airflow_provider_uipath.emulator.config import (
    EmulatorConfig,
    FolderSpec,
    JobScript,
    OAuthApp,
    PersonalAccessToken,
    TriggerSpec,
)
from airflow_provider_uipath.emulator.config_fields import EmulatorConfigError
from airflow_provider_uipath.emulator.faults import Fault, FaultError, FaultKind
from airflow_provider_uipath.emulator.job_views import JobSnapshot
from airflow_provider_uipath.emulator.knobs import Knobs
from airflow_provider_uipath.emulator.request_log import RequestRecord
from airflow_provider_uipath.emulator.route_classes import RouteClass
from airflow_provider_uipath.emulator.server import EmulatorServer
from airflow_provider_uipath.emulator.state import EmulatorState, EmulatorStats
from airflow_provider_uipath.emulator.vocabulary import CallMode, JobOutcome, JobState, StopStrategy

__all__ = [
    "CallMode",
    "EmulatorConfig",
    "EmulatorConfigError",
    "EmulatorServer",
    "EmulatorState",
    "EmulatorStats",
    "Fault",
    "FaultError",
    "FaultKind",
    "FolderSpec",
    "JobOutcome",
    "JobScript",
    "JobSnapshot",
    "JobState",
    "Knobs",
    "OAuthApp",
    "PersonalAccessToken",
    "RequestRecord",
    "RouteClass",
    "StopStrategy",
    "TriggerSpec",
    "create_app",
]
