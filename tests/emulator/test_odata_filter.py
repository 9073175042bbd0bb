"""The ``$filter`` subset, on plain rows (a unit, isolated on purpose)."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_uipath.emulator.odata_filter import FieldKind, FilterError, parse_filter

FIELDS = {
    "Id": FieldKind.NUMBER,
    "Key": FieldKind.GUID,
    "State": FieldKind.TEXT,
    "Release/Key": FieldKind.GUID,
    "CreationTime": FieldKind.TIME,
}
ROWS: list[dict[str, Any]] = [
    {
        "Id": 1,
        "Key": "AAAAAAAA-0000-4000-8000-000000000001",
        "State": "Running",
        "Release": {"Key": "r1"},
        "CreationTime": "2026-01-01T00:00:00.000Z",
    },
    {
        "Id": 2,
        "Key": "aaaaaaaa-0000-4000-8000-000000000002",
        "State": "O'Neil",
        "Release": {"Key": "r2"},
        "CreationTime": "2026-01-02T00:00:00.000Z",
    },
    {
        "Id": 3,
        "Key": "aaaaaaaa-0000-4000-8000-000000000003",
        "State": "Faulted",
        "Release": {"Key": "r2"},
        "CreationTime": "2026-01-03T00:00:00.000Z",
    },
]


@pytest.mark.parametrize(
    ("text", "expected_ids"),
    [
        pytest.param("Id eq 2", [2], id="id-eq"),
        pytest.param("Id in (1, 3)", [1, 3], id="id-in"),
        pytest.param("Key eq 'aaaaaaaa-0000-4000-8000-000000000001'", [1], id="key-any-case"),
        pytest.param(
            "Key in ('aaaaaaaa-0000-4000-8000-000000000002','AAAAAAAA-0000-4000-8000-000000000003')",
            [2, 3],
            id="key-in",
        ),
        pytest.param("State eq 'O''Neil'", [2], id="escaped-quote"),
        pytest.param("Release/Key eq 'r2'", [2, 3], id="nested-field"),
        pytest.param("CreationTime ge 2026-01-02T00:00:00Z", [2, 3], id="time-ge"),
        pytest.param("CreationTime gt 2026-01-02T00:00:00Z", [3], id="time-gt"),
        pytest.param("CreationTime lt '2026-01-02T00:00:00Z'", [1], id="time-quoted"),
        pytest.param("Release/Key eq 'r2' and State eq 'Faulted'", [3], id="and"),
        pytest.param("  Id in (1,2,3)  and  CreationTime le 2026-01-02T00:00:00+00:00 ", [1, 2], id="spaces"),
    ],
)
def test_supported_filters_select_the_matching_rows(text: str, expected_ids: list[int]) -> None:
    conditions = parse_filter(text, FIELDS)

    assert [
        row["Id"] for row in ROWS if all(condition.matches(row) for condition in conditions)
    ] == expected_ids


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "Robot eq 'x'", r"field 'Robot' is not supported by the emulator; use", id="unknown-field"
        ),
        pytest.param("Id gt 3", r"operator 'gt' is not supported on Id; use eq, in", id="operator"),
        pytest.param("State eq Running", r"must be written as a quoted string", id="unquoted-text"),
        pytest.param("Id eq '3'", r"must be written as a whole number", id="quoted-number"),
        pytest.param(
            "CreationTime ge yesterday", r"value 'yesterday' for CreationTime is not an ISO", id="time"
        ),
        pytest.param("CreationTime ge 2026-13-45", r"is not an ISO-8601 time", id="bad-date"),
        pytest.param("Id eq 1 or Id eq 2", r"part 'Id eq 1 or Id eq 2' is not supported", id="or"),
        pytest.param("Id eq 1 and", r"part 'Id eq 1 and' is not supported", id="dangling-and"),
        pytest.param("contains(State, 'Run')", r"is not supported by the emulator", id="function"),
        pytest.param("Id in 1", r"'in' operator needs a list in parentheses", id="in-without-list"),
        pytest.param("   ", r"The \$filter is empty", id="blank"),
    ],
)
def test_unsupported_filters_are_refused_with_a_message(text: str, message: str) -> None:
    with pytest.raises(FilterError, match=message):
        parse_filter(text, FIELDS)
