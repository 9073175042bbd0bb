"""The configuration: the shipped default, JSON round trips, and refusal of unusable values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_uipath.emulator import (
    CallMode,
    EmulatorConfig,
    EmulatorConfigError,
    JobOutcome,
    Knobs,
    TriggerSpec,
)

MINIMAL_CONFIG: dict[str, Any] = {
    "org": "org1",
    "tenant": "tenant1",
    "folders": [{"id": 7, "key": "00000000-0000-4000-8000-000000000007", "fully_qualified_name": "Finance"}],
}


def test_default_config_describes_the_demo_tenant() -> None:
    config = EmulatorConfig.default()

    assert (config.org, config.tenant) == ("acme", "DefaultTenant")
    assert [(folder.id, folder.key, folder.fully_qualified_name) for folder in config.folders] == [
        (1, "2b3c4d5e-0000-4000-8000-000000000001", "Shared")
    ]
    assert [(pat.token, pat.scopes) for pat in config.personal_access_tokens] == [("emulator-pat", None)]
    assert [(app.client_id, app.client_secret, app.scopes) for app in config.oauth_apps] == [
        ("emulator-client", "emulator-secret", ("OR.Jobs", "OR.Execution", "OR.Folders.Read"))
    ]
    assert config.knobs == Knobs()


@pytest.mark.parametrize(
    ("slug", "method", "calling_mode", "outcome", "output"),
    [
        pytest.param(
            "invoice-sync",
            "POST",
            CallMode.ASYNC_REQUEST_REPLY,
            JobOutcome.SUCCESSFUL,
            {"invoices_processed": 42},
            id="invoice-sync",
        ),
        pytest.param(
            "monthly-report",
            "POST",
            CallMode.LONG_POLLING,
            JobOutcome.SUCCESSFUL,
            {"report_url": "https://example.invalid/report.pdf"},
            id="monthly-report",
        ),
        pytest.param(
            "notify-team", "POST", CallMode.FIRE_AND_FORGET, JobOutcome.SUCCESSFUL, {}, id="notify-team"
        ),
        pytest.param(
            "lookup-customer",
            "GET",
            CallMode.ASYNC_REQUEST_REPLY,
            JobOutcome.SUCCESSFUL,
            {},
            id="lookup-customer",
        ),
        pytest.param(
            "broken-process",
            "POST",
            CallMode.ASYNC_REQUEST_REPLY,
            JobOutcome.FAULTED,
            {},
            id="broken-process",
        ),
        pytest.param(
            "endless-process", "POST", CallMode.ASYNC_REQUEST_REPLY, JobOutcome.HANG, {}, id="endless"
        ),
    ],
)
def test_default_config_ships_the_demo_triggers(
    slug: str, method: str, calling_mode: CallMode, outcome: JobOutcome, output: dict[str, Any]
) -> None:
    trigger = next(trigger for trigger in EmulatorConfig.default().triggers if trigger.slug == slug)

    assert (trigger.method, trigger.calling_mode, trigger.job.outcome, trigger.job.output) == (
        method,
        calling_mode,
        outcome,
        output,
    )


def test_default_broken_process_carries_the_documented_job_error() -> None:
    trigger = next(
        trigger for trigger in EmulatorConfig.default().triggers if trigger.slug == "broken-process"
    )

    assert trigger.job.error == {
        "Code": "Robot.Exception",
        "Title": "Invoice file missing",
        "Detail": "System.IO.FileNotFoundException: C:\\in\\invoices.xlsx",
        "Category": "User",
        "Status": 0,
    }


def test_lookup_customer_echoes_its_inputs() -> None:
    trigger = next(
        trigger for trigger in EmulatorConfig.default().triggers if trigger.slug == "lookup-customer"
    )

    assert trigger.job.echo_inputs is True


def test_config_survives_a_json_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(EmulatorConfig.default().to_dict()), encoding="utf-8")

    assert EmulatorConfig.from_file(path) == EmulatorConfig.default()


def test_minimal_config_fills_defaults() -> None:
    config = EmulatorConfig.from_dict({**MINIMAL_CONFIG, "knobs": {"redirect_status": 302}})

    assert config.triggers == ()
    assert config.knobs == Knobs(redirect_status=302)


def test_trigger_ids_are_stable_and_filled_from_the_slug() -> None:
    first = TriggerSpec(slug="nightly-load")
    second = TriggerSpec(slug="nightly-load")

    assert first.id == second.id
    assert first.release_key == second.release_key
    assert (first.name, first.release_name, first.method) == ("nightly-load", "nightly-load", "POST")


def test_with_knobs_changes_only_the_named_knobs() -> None:
    config = EmulatorConfig.default().with_knobs(redirect_status=302, location_style="relative")

    assert (config.knobs.redirect_status, config.knobs.location_style) == (302, "relative")
    assert config.knobs.long_poll_wait_seconds == Knobs().long_poll_wait_seconds


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            {"knobs": {"redirect_status": 200}}, r"redirect_status must be one of 301, 302, 303", id="status"
        ),
        pytest.param({"knobs": {"location_style": "sideways"}}, r"location_style must be one of", id="style"),
        pytest.param({"knobs": {"token_ttl_seconds": "long"}}, r"token_ttl_seconds must be float", id="type"),
        pytest.param(
            {"knobs": {"redirects_require_auth": 1}}, r"redirects_require_auth must be bool", id="bool"
        ),
        pytest.param(
            {"knobs": {"soft_stop_seconds": -1}}, r"soft_stop_seconds must not be negative", id="negative"
        ),
        pytest.param({"knobs": {"disabled_trigger_status": 500}}, r"from 400 to 499", id="disabled-range"),
        pytest.param({"knobs": {"speed": 1}}, r"Unknown keys \['speed'\] in the knobs", id="unknown-knob"),
        pytest.param({"colour": "red"}, r"Unknown keys \['colour'\] in the configuration", id="unknown-key"),
        pytest.param({"folders": []}, r"at least one folder", id="no-folder"),
        pytest.param(
            {"folders": [{"id": 1, "key": "nope", "fully_qualified_name": "X"}]}, r"must be a GUID", id="key"
        ),
        pytest.param(
            {"folders": [{"id": 1}]}, r"Missing keys \['key', 'fully_qualified_name'\]", id="missing"
        ),
        pytest.param({"triggers": [{"slug": "a/b"}]}, r"Trigger slug 'a/b' must be non-empty", id="slash"),
        pytest.param(
            {"triggers": [{"slug": "a", "method": "HEAD"}]}, r"method must be one of GET", id="verb"
        ),
        pytest.param(
            {"triggers": [{"slug": "a", "calling_mode": "Sync"}]}, r"calling_mode must be one of", id="mode"
        ),
        pytest.param(
            {"triggers": [{"slug": "a", "folder_id": 9}]}, r"folder 9, which is not configured", id="folder"
        ),
        pytest.param(
            {"triggers": [{"slug": "a"}, {"slug": "a"}]},
            r"trigger slug must be unique; repeated: a",
            id="dup",
        ),
        pytest.param(
            {"triggers": [{"slug": "a", "job": {"outcome": "Crashed"}}]},
            r"outcome must be one of",
            id="outcome",
        ),
        pytest.param(
            {"triggers": [{"slug": "a", "job": {"duration_seconds": -2}}]},
            r"duration_seconds must not",
            id="duration",
        ),
    ],
)
def test_unusable_config_is_refused_with_a_message(change: dict[str, Any], message: str) -> None:
    with pytest.raises(EmulatorConfigError, match=message):
        EmulatorConfig.from_dict({**MINIMAL_CONFIG, **change})


def test_config_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")

    with pytest.raises(EmulatorConfigError, match=r"broken.json is not valid JSON"):
        EmulatorConfig.from_file(path)
