from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from airflow_provider_uipath.connection import DEFAULT_SCOPE, UiPathConnectionConfig
from airflow_provider_uipath.exceptions import UiPathConfigError


@dataclass
class FakeConnection:
    host: str | None = "https://cloud.uipath.com/acme/DefaultTenant"
    login: str | None = None
    password: str | None = "pat-value"
    port: int | None = None
    schema: str | None = None
    conn_id: str = "uipath_test"


def read(extra: dict[str, Any] | None = None, **fields: Any) -> UiPathConnectionConfig:
    return UiPathConnectionConfig.from_connection(FakeConnection(**fields), extra or {})


def test_password_alone_is_a_personal_access_token() -> None:
    config = read()
    assert config.personal_access_token == "pat-value"
    assert config.client_credentials is None
    assert config.tenant_url == "https://cloud.uipath.com/acme/DefaultTenant"
    assert config.verify is True


def test_login_and_password_are_client_credentials_with_default_token_url_and_scope() -> None:
    config = read(login="app-id", password="app-secret")
    credentials = config.client_credentials
    assert credentials is not None
    assert credentials.client_id == "app-id"
    assert credentials.token_url == "https://cloud.uipath.com/identity_/connect/token"
    assert credentials.scope == DEFAULT_SCOPE
    assert config.personal_access_token is None
    assert config.secrets == ["app-secret"]


def test_extras_are_read_once_into_the_config() -> None:
    config = read(
        {
            "token_url": "https://orch.example/identity/connect/token",
            "scope": "OR.Jobs   OR.Execution",
            "timeout": "12.5",
            "verify": "false",
            "max_attempts": 2,
            "retry_backoff": 0.01,
        },
        login="id",
        password="secret",
    )
    assert config.client_credentials is not None
    assert config.client_credentials.token_url == "https://orch.example/identity/connect/token"
    assert config.client_credentials.scope == "OR.Jobs OR.Execution"
    assert config.timeout.read == 12.5
    assert config.verify is False
    assert config.retry.attempts == 2
    assert config.retry.backoff == 0.01


def test_host_without_scheme_defaults_to_https() -> None:
    assert read(host="cloud.uipath.com/acme/t1").tenant_url == "https://cloud.uipath.com/acme/t1"


def test_plain_http_is_accepted_on_loopback() -> None:
    assert read(host="http://127.0.0.1:8765/acme/t1/").tenant_url == "http://127.0.0.1:8765/acme/t1"


def test_secrets_never_appear_in_repr() -> None:
    config = read(login="id", password="very-secret-value")
    assert "very-secret-value" not in repr(config)
    assert "pat-value" not in repr(read())


@pytest.mark.parametrize(
    ("fields", "extra", "message"),
    [
        pytest.param({"host": None}, {}, r"has no host: set it to the tenant's URL", id="no-host"),
        pytest.param({"host": "  "}, {}, r"has no host", id="blank-host"),
        pytest.param(
            {"host": "http://cloud.uipath.com/acme/t"},
            {},
            r"uses plain http:// for cloud.uipath.com",
            id="remote-http",
        ),
        pytest.param({"host": "ftp://h.example/x"}, {}, r"unusable host", id="other-scheme"),
        pytest.param(
            {"login": "id", "password": None},
            {},
            r"has a login \(client id\) but no password",
            id="no-secret",
        ),
        pytest.param({"password": None}, {}, r"has no password", id="no-credentials"),
        pytest.param(
            {}, {"timeout": 0}, r"extra 'timeout' must be a positive number of seconds", id="zero-timeout"
        ),
        pytest.param({}, {"timeout": "soon"}, r"extra 'timeout' must be a positive", id="text-timeout"),
        pytest.param({}, {"verify": "maybe"}, r"extra 'verify' must be true or false", id="bad-verify"),
        pytest.param({}, {"max_attempts": 0}, r"'max_attempts' must be at least 1", id="no-attempts"),
    ],
)
def test_malformed_connections_fail_with_a_clear_message(
    fields: dict[str, Any], extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(UiPathConfigError, match=message):
        read(extra, **fields)
