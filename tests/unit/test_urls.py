from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_uipath.exceptions import UiPathConfigError, UiPathProtocolError
from airflow_provider_uipath.urls import (
    is_loopback_host,
    resolve_invoke_url,
    resolve_location,
    same_origin,
)

TENANT = "https://cloud.uipath.com/acme/DefaultTenant"
segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=20)


@pytest.mark.parametrize(
    ("invoke_url", "expected"),
    [
        pytest.param("fk/slug", f"{TENANT}/orchestrator_/t/fk/slug", id="folder-and-slug"),
        pytest.param("/fk/slug", f"{TENANT}/orchestrator_/t/fk/slug", id="leading-slash"),
        pytest.param("orchestrator_/t/fk/slug", f"{TENANT}/orchestrator_/t/fk/slug", id="with-prefix"),
        pytest.param(f"{TENANT}/orchestrator_/t/fk/slug", f"{TENANT}/orchestrator_/t/fk/slug", id="full-url"),
    ],
)
def test_invoke_url_is_resolved_against_the_tenant(invoke_url: str, expected: str) -> None:
    assert resolve_invoke_url(TENANT, invoke_url) == expected


def test_invoke_url_on_another_origin_is_refused() -> None:
    with pytest.raises(UiPathConfigError, match=r"is not on the connection's origin"):
        resolve_invoke_url(TENANT, "https://attacker.invalid/acme/DefaultTenant/orchestrator_/t/fk/slug")


def test_empty_invoke_url_is_refused() -> None:
    with pytest.raises(UiPathConfigError, match="invoke_url is empty"):
        resolve_invoke_url(TENANT, "  ")


@given(folder=segment, slug=segment)
def test_any_folder_and_slug_land_under_the_trigger_path(folder: str, slug: str) -> None:
    url = resolve_invoke_url(TENANT + "/", f"{folder}/{slug}")
    assert url == f"{TENANT}/orchestrator_/t/{folder}/{slug}"
    assert same_origin(url, TENANT)


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        pytest.param("https://h.example/a/b/status/1", "https://h.example/a/b/status/1", id="absolute"),
        pytest.param("/x/status/1", "https://h.example/x/status/1", id="absolute-path"),
        pytest.param("slug/status/1", "https://h.example/t/fk/slug/status/1", id="relative"),
        pytest.param("  /x/y  ", "https://h.example/x/y", id="whitespace"),
    ],
)
def test_locations_resolve_like_a_browser(location: str, expected: str) -> None:
    assert resolve_location("https://h.example/t/fk/slug", location) == expected


@pytest.mark.parametrize("location", [None, "", "   "])
def test_missing_location_is_a_protocol_error(location: str | None) -> None:
    with pytest.raises(UiPathProtocolError, match="no Location header"):
        resolve_location("https://h.example/t/fk/slug", location)


@given(path=st.lists(segment, min_size=1, max_size=5))
def test_absolute_path_locations_stay_on_the_request_origin(path: list[str]) -> None:
    resolved = resolve_location("https://h.example:8443/t/fk/slug", "/" + "/".join(path))
    assert same_origin(resolved, "https://h.example:8443/")
    assert httpx.URL(resolved).path == "/" + "/".join(path)


@given(host=st.sampled_from(["127.0.0.1", "127.5.6.7", "::1", "[::1]", "localhost", "LOCALHOST"]))
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize(
    "host", ["10.0.0.1", "cloud.uipath.com", "192.168.1.1", "example.invalid", "0.0.0.0"]
)
def test_non_loopback_hosts(host: str) -> None:
    assert not is_loopback_host(host)


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        pytest.param("https://a.example/x", "https://a.example:443/y", True, id="default-port"),
        pytest.param("https://a.example/x", "http://a.example/x", False, id="scheme"),
        pytest.param("http://127.0.0.1:80/x", "http://localhost:80/x", False, id="host-name"),
        pytest.param("http://127.0.0.1:8000/", "http://127.0.0.1:8001/", False, id="port"),
        pytest.param("https://A.example/x", "https://a.example/", True, id="case"),
    ],
)
def test_same_origin(first: str, second: str, same: bool) -> None:
    assert same_origin(first, second) is same
