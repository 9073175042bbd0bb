"""How the ``uipath`` connection form looks in Airflow's UI."""

from __future__ import annotations

from typing import Any

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden_fields": ["schema", "port"],
    "relabeling": {
        "host": "Tenant URL",
        "login": "Client ID (OAuth only)",
        "password": "Personal Access Token or Client Secret",
    },
    "placeholders": {
        "host": "https://cloud.uipath.com/{organization}/{tenant}",
        "login": "leave empty to use a Personal Access Token",
        "password": "a PAT, or the external application's secret",
        "token_url": "https://cloud.uipath.com/identity_/connect/token",
        "scope": "OR.Jobs OR.Execution OR.Folders.Read",
    },
}


def provider_info_field_behaviour() -> dict[str, Any]:
    """The same behaviour, spelled as the provider info spells it (``hidden-fields``)."""
    return {key.replace("_", "-"): value for key, value in UI_FIELD_BEHAVIOUR.items()}


#: The extra fields, as Airflow 3's UI reads them from the provider info (``conn-fields``).
CONNECTION_FIELDS: dict[str, Any] = {
    "token_url": {
        "label": "Token URL (OAuth)",
        "description": "Defaults to {scheme}://{host}/identity_/connect/token; standalone Orchestrator "
        "uses /identity/connect/token.",
        "schema": {"type": ["string", "null"]},
    },
    "scope": {
        "label": "Scopes (OAuth, space-separated)",
        "schema": {"type": ["string", "null"], "default": "OR.Jobs OR.Execution OR.Folders.Read"},
    },
    "timeout": {
        "label": "Request timeout (seconds)",
        "schema": {"type": ["number", "null"], "default": 60},
    },
    "verify": {
        "label": "Verify TLS certificates",
        "schema": {"type": ["boolean", "null"], "default": True},
    },
}


def connection_form_widgets() -> dict[str, Any]:
    """The extra fields for UIs built on Flask-AppBuilder; Airflow 3 reads ``CONNECTION_FIELDS``."""
    try:
        from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
        from wtforms import BooleanField, StringField
    except ImportError:
        return {}
    return {
        "token_url": StringField("Token URL (OAuth)", widget=BS3TextFieldWidget()),
        "scope": StringField("Scopes (OAuth, space-separated)", widget=BS3TextFieldWidget()),
        "timeout": StringField("Request timeout (seconds)", widget=BS3TextFieldWidget()),
        "verify": BooleanField("Verify TLS certificates", default=True),
    }
