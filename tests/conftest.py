"""Fixtures shared by the whole suite.

Airflow reads its configuration when first imported, so its home is set before anything imports it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import settings

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="uipath-tests-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

# Property tests check behaviour, not speed: the first example may pay for imports.
settings.register_profile("uipath", deadline=None)
settings.load_profile("uipath")

from airflow_provider_uipath.auth import TOKEN_CACHE

SetConnection = Callable[..., str]


@pytest.fixture(autouse=True)
def _forget_tokens() -> Iterator[None]:
    """Every test starts with an empty process-wide token cache."""
    TOKEN_CACHE.clear()
    yield
    TOKEN_CACHE.clear()


@pytest.fixture
def set_connection(monkeypatch: pytest.MonkeyPatch) -> SetConnection:
    """Define an Airflow connection through the environment, as a user would in a container.

    Returns a function taking the connection id and the connection's fields.
    """

    def define(conn_id: str = "uipath_default", **fields: Any) -> str:
        fields.setdefault("conn_type", "uipath")
        if isinstance(fields.get("extra"), dict):
            fields["extra"] = json.dumps(fields["extra"])
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(fields))
        return conn_id

    return define
