"""OData query options: ``$filter``, ``$orderby``, ``$skip``, ``$top``, ``$count`` and ``$select``.

``$orderby`` takes one field and ``asc`` or ``desc``; ``$select`` keeps the named fields and ignores
names it does not know; other options (``$expand``…) are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from airflow_provider_uipath.emulator.odata_filter import Condition, FieldKind, FilterError, parse_filter

_ORDER_BY = re.compile(r"^\s*(?P<field>[A-Za-z]+)(?:\s+(?P<direction>asc|desc))?\s*$")
_TIE_BREAK_FIELD = "Id"


@dataclass(frozen=True)
class CollectionQuery:
    """The query options of one request on a collection.

    :param conditions: the ``$filter`` conditions, all of which must hold.
    :param order_by: the ``$orderby`` field, or ``None`` for the natural order.
    :param descending: whether ``$orderby`` says ``desc``.
    :param skip: rows to skip.
    :param top: most rows to return; ``None`` for all.
    :param count: whether ``$count=true`` asks for ``@odata.count``.
    :param select: fields to keep; ``None`` for all.
    """

    conditions: tuple[Condition, ...] = ()
    order_by: str | None = None
    descending: bool = False
    skip: int = 0
    top: int | None = None
    count: bool = False
    select: tuple[str, ...] | None = None

    @classmethod
    def from_params(
        cls,
        params: Mapping[str, str],
        filter_fields: Mapping[str, FieldKind],
        order_fields: Sequence[str],
    ) -> CollectionQuery:
        """Read the query options of a request.

        :param params: the query parameters.
        :param filter_fields: the fields ``$filter`` may use, with their kinds.
        :param order_fields: the fields ``$orderby`` may use.
        :raises FilterError: for an option the emulator does not understand.
        """
        order_by, descending = _order_of(params.get("$orderby"), order_fields)
        select = params.get("$select")
        return cls(
            conditions=parse_filter(params["$filter"], filter_fields) if params.get("$filter") else (),
            order_by=order_by,
            descending=descending,
            skip=_whole_number(params.get("$skip"), "$skip") or 0,
            top=_whole_number(params.get("$top"), "$top"),
            count=_flag(params.get("$count")),
            select=None if not select else tuple(name.strip() for name in select.split(",")),
        )

    def apply(self, rows: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], int]:
        """Filter, sort, page and trim rows.

        :param rows: every row of the collection.
        :returns: the rows to answer, and how many rows matched the filter before paging.
        """
        matching = [row for row in rows if all(condition.matches(row) for condition in self.conditions)]
        if self.order_by is not None:
            order_by = self.order_by
            matching.sort(
                key=lambda row: (row.get(order_by), row.get(_TIE_BREAK_FIELD)), reverse=self.descending
            )
        end = None if self.top is None else self.skip + self.top
        return [self._selected(row) for row in matching[self.skip : end]], len(matching)

    def _selected(self, row: Mapping[str, Any]) -> dict[str, Any]:
        if self.select is None:
            return dict(row)
        return {name: row[name] for name in self.select if name in row}


def odata_collection(context: str, rows: list[dict[str, Any]], count: int | None) -> dict[str, Any]:
    """Return an OData collection response body.

    :param context: the ``@odata.context`` URL.
    :param rows: the rows.
    :param count: the ``@odata.count``, or ``None`` to leave it out.
    """
    body: dict[str, Any] = {"@odata.context": context}
    if count is not None:
        body["@odata.count"] = count
    body["value"] = rows
    return body


def metadata_url(request: Request, entity_set: str) -> str:
    """Return the ``@odata.context`` URL of an entity set, e.g. ``.../odata/$metadata#Jobs``.

    :param request: an OData request.
    :param entity_set: the entity set, e.g. ``Jobs`` or ``Jobs/$entity``.
    """
    odata_root = request.url.path.split("/odata/", 1)[0] + "/odata"
    return f"{request.url.scheme}://{request.url.netloc}{odata_root}/$metadata#{entity_set}"


def _order_of(text: str | None, order_fields: Sequence[str]) -> tuple[str | None, bool]:
    if not text:
        return None, False
    match = _ORDER_BY.match(text)
    if match is None or match.group("field") not in order_fields:
        raise FilterError(
            f"The $orderby {text!r} is not supported by the emulator; use one of {', '.join(order_fields)} "
            "followed by asc or desc."
        )
    return match.group("field"), match.group("direction") == "desc"


def _whole_number(text: str | None, option: str) -> int | None:
    if text is None:
        return None
    if not text.strip().isdigit():
        raise FilterError(f"The {option} option must be a whole number; got {text!r}.")
    return int(text)


def _flag(text: str | None) -> bool:
    if text is None:
        return False
    if text.lower() not in ("true", "false"):
        raise FilterError(f"The $count option must be true or false; got {text!r}.")
    return text.lower() == "true"
