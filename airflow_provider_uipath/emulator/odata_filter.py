"""The small part of OData ``$filter`` the emulator understands.

A filter is one or more conditions joined by ``and``. Each condition compares one field:

- whole numbers: ``Id eq 7000001``, ``Id in (7000001, 7000002)``
- GUIDs (any letter case): ``Key eq '…'``, ``Key in ('…', '…')``, ``StartingTriggerId eq '…'``
- text: ``State eq 'Running'``, ``SourceType eq 'HttpTrigger'``
- times, quoted or not: ``CreationTime ge 2026-01-31T00:00:00Z`` (also ``gt``, ``le``, ``lt``)

Which fields exist, and of which kind, is up to the endpoint. ``or``, ``not``, parentheses and
functions are not understood; a filter that uses them is refused with a message naming the part.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from airflow_provider_uipath.emulator.clock import parse_timestamp

_QUOTED = r"'(?:[^']|'')*'"
_VALUE = rf"(?:{_QUOTED}|\((?:[^()']|{_QUOTED})*\)|[A-Za-z0-9_:.+\-]+)"
_CONDITION = re.compile(
    rf"\s*(?P<field>[A-Za-z]+(?:/[A-Za-z]+)?)\s+(?P<operator>[a-z]+)\s+(?P<value>{_VALUE})\s*(?:and(?=\s)|$)"
)
_LIST_ITEM = re.compile(rf"\s*({_QUOTED}|[^,\s]+)\s*(?:,|$)")


class FieldKind(str, Enum):
    """How the values of a field are written and compared."""

    NUMBER = "number"
    GUID = "guid"
    TEXT = "text"
    TIME = "time"


_OPERATORS = {
    FieldKind.NUMBER: ("eq", "in"),
    FieldKind.GUID: ("eq", "in"),
    FieldKind.TEXT: ("eq", "in"),
    FieldKind.TIME: ("eq", "ge", "gt", "le", "lt"),
}

_ORDER_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "ge": operator.ge,
    "gt": operator.gt,
    "le": operator.le,
    "lt": operator.lt,
}


class FilterError(ValueError):
    """A ``$filter`` the emulator does not understand."""


@dataclass(frozen=True)
class Condition:
    """One condition of a filter.

    :param field: the field path, e.g. ``Key`` or ``Release/Key``.
    :param kind: how the field's values compare.
    :param operator: ``eq``, ``in``, ``ge``, ``gt``, ``le`` or ``lt``.
    :param values: the value (or, for ``in``, values) to compare with.
    """

    field: str
    kind: FieldKind
    operator: str
    values: tuple[Any, ...]

    def matches(self, row: Mapping[str, Any]) -> bool:
        """Whether a row (a JSON object such as a JobDto) meets the condition.

        :param row: the row.
        """
        actual = _comparable(_field_value(row, self.field), self.kind)
        if actual is None:
            return False
        if self.operator in ("eq", "in"):
            return bool(actual in self.values)
        return bool(_ORDER_COMPARISONS[self.operator](actual, self.values[0]))


def parse_filter(text: str, fields: Mapping[str, FieldKind]) -> tuple[Condition, ...]:
    """Read a ``$filter`` into conditions.

    :param text: the filter, e.g. ``SourceType eq 'HttpTrigger' and CreationTime ge 2026-01-31T00:00:00Z``.
    :param fields: the fields that may be filtered on, with their kinds.
    :raises FilterError: for any part outside the supported subset.
    """
    if not text.strip():
        raise FilterError("The $filter is empty.")
    conditions: list[Condition] = []
    position = 0
    while position < len(text):
        match = _CONDITION.match(text, position)
        if match is None or match.end() == position:
            raise FilterError(
                f"The $filter part {text[position:].strip()!r} is not supported by the emulator."
            )
        conditions.append(_condition_of(match, fields))
        position = match.end()
    return tuple(conditions)


def _condition_of(match: re.Match[str], fields: Mapping[str, FieldKind]) -> Condition:
    field, operator_name, raw_value = match.group("field", "operator", "value")
    if field not in fields:
        raise FilterError(
            f"The $filter field {field!r} is not supported by the emulator; use {', '.join(sorted(fields))}."
        )
    kind = fields[field]
    if operator_name not in _OPERATORS[kind]:
        raise FilterError(
            f"The $filter operator {operator_name!r} is not supported on {field}; "
            f"use {', '.join(_OPERATORS[kind])}."
        )
    raw_values = _list_items(raw_value) if operator_name == "in" else [raw_value]
    return Condition(field, kind, operator_name, tuple(_literal(item, kind, field) for item in raw_values))


def _list_items(raw_value: str) -> list[str]:
    if not (raw_value.startswith("(") and raw_value.endswith(")")):
        raise FilterError(f"The 'in' operator needs a list in parentheses; got {raw_value!r}.")
    inner = raw_value[1:-1]
    items: list[str] = []
    position = 0
    while position < len(inner):
        match = _LIST_ITEM.match(inner, position)
        if match is None or match.end() == position:
            raise FilterError(f"The list {raw_value!r} in the $filter cannot be read.")
        items.append(match.group(1))
        position = match.end()
    return items


def _literal(raw: str, kind: FieldKind, field: str) -> Any:
    quoted = raw.startswith("'") and raw.endswith("'") and len(raw) >= 2
    text = raw[1:-1].replace("''", "'") if quoted else raw
    if kind is FieldKind.NUMBER and not quoted and text.lstrip("-").isdigit():
        return int(text)
    if kind in (FieldKind.GUID, FieldKind.TEXT) and quoted:
        return _comparable(text, kind)
    if kind is FieldKind.TIME:
        return _time_literal(text, field)
    written_as = "a whole number" if kind is FieldKind.NUMBER else "a quoted string"
    raise FilterError(f"The $filter value {raw!r} for {field} must be written as {written_as}.")


def _time_literal(text: str, field: str) -> float:
    try:
        return parse_timestamp(text)
    except ValueError:
        raise FilterError(f"The $filter value {text!r} for {field} is not an ISO-8601 time.") from None


def _field_value(row: Mapping[str, Any], field: str) -> Any:
    value: Any = row
    for part in field.split("/"):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _comparable(value: Any, kind: FieldKind) -> Any:
    if value is None:
        return None
    if kind is FieldKind.GUID:
        return str(value).lower()
    if kind is FieldKind.TIME and isinstance(value, str):
        return parse_timestamp(value)
    return value
