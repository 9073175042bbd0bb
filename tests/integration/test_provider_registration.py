"""Airflow discovers the provider: its entry point, hooks, connection type, triggers and link."""

from __future__ import annotations

import importlib
import subprocess
import sys

from airflow_provider_uipath.get_provider_info import get_provider_info
from airflow_provider_uipath.hooks.uipath import UiPathHook


def test_every_module_and_class_in_the_provider_info_imports() -> None:
    info = get_provider_info()
    modules = [
        module
        for kind in ("hooks", "operators", "sensors", "triggers")
        for entry in info[kind]
        for module in entry["python-modules"]
    ]
    for module in modules:
        importlib.import_module(module)
    for dotted in [info["connection-types"][0]["hook-class-name"], *info["extra-links"]]:
        module, _, name = dotted.rpartition(".")
        assert hasattr(importlib.import_module(module), name)


def test_airflow_cli_lists_the_provider_and_its_connection_type() -> None:
    providers = subprocess.run(
        [sys.executable, "-m", "airflow", "providers", "list"], capture_output=True, text=True, check=True
    )
    assert "airflow-provider-uipath" in providers.stdout
    hooks = subprocess.run(
        [sys.executable, "-m", "airflow", "providers", "hooks"], capture_output=True, text=True, check=True
    )
    assert "airflow_provider_uipath.hooks.uipath.UiPathHook" in hooks.stdout


def test_connection_form_is_relabelled() -> None:
    behaviour = UiPathHook.get_ui_field_behaviour()
    assert behaviour["relabeling"]["host"] == "Tenant URL"
    assert "schema" in behaviour["hidden_fields"]
    fields = get_provider_info()["connection-types"][0]["conn-fields"]
    assert {"token_url", "scope", "timeout", "verify"} <= set(fields)
