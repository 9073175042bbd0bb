"""What Airflow's providers manager learns about this package (entry point ``apache_airflow_provider``)."""

from __future__ import annotations

from typing import Any

from airflow_provider_uipath import __version__
from airflow_provider_uipath.hooks.connection_form import CONNECTION_FIELDS, provider_info_field_behaviour

INTEGRATION = "UiPath Orchestrator"


def get_provider_info() -> dict[str, Any]:
    """Describe the provider's hooks, operators, sensors, triggers, connection type and links."""
    return {
        "package-name": "airflow-provider-uipath",
        "name": "UiPath",
        "description": "Start UiPath robots through Orchestrator API triggers and use their results.",
        "versions": [__version__],
        "integrations": [{"integration-name": INTEGRATION, "tags": ["service"]}],
        "hooks": [
            {
                "integration-name": INTEGRATION,
                "python-modules": [
                    "airflow_provider_uipath.hooks.uipath",
                    "airflow_provider_uipath.hooks.uipath_async",
                ],
            }
        ],
        "operators": [
            {
                "integration-name": INTEGRATION,
                "python-modules": ["airflow_provider_uipath.operators.api_trigger"],
            }
        ],
        "sensors": [
            {"integration-name": INTEGRATION, "python-modules": ["airflow_provider_uipath.sensors.job"]}
        ],
        "triggers": [
            {"integration-name": INTEGRATION, "python-modules": ["airflow_provider_uipath.triggers.job"]}
        ],
        "connection-types": [
            {
                "hook-class-name": "airflow_provider_uipath.hooks.uipath.UiPathHook",
                "hook-name": "UiPath Orchestrator",
                "connection-type": "uipath",
                "conn-fields": CONNECTION_FIELDS,
                "ui-field-behaviour": provider_info_field_behaviour(),
            }
        ],
        "extra-links": ["airflow_provider_uipath.links.UiPathJobLink"],
    }
