"""Reading configuration objects from JSON: the error type and the check of keys."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


class EmulatorConfigError(ValueError):
    """A configuration (file, dict or knob change) that the emulator cannot use."""


def known_fields(cls: type[DataclassInstance], data: object, what: str) -> dict[str, Any]:
    """Check a JSON object against the fields of a dataclass and return it as a dict.

    :param cls: the dataclass the object describes.
    :param data: the JSON object.
    :param what: a name for the object in messages, e.g. ``a trigger``.
    :raises EmulatorConfigError: when ``data`` is not an object, has unknown keys, or lacks required ones.
    """
    if not isinstance(data, Mapping):
        raise EmulatorConfigError(f"Expected a JSON object for {what}; got {type(data).__name__}.")
    declared = dataclasses.fields(cls)
    allowed = {field.name for field in declared}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise EmulatorConfigError(f"Unknown keys {unknown} in {what}; allowed keys are {sorted(allowed)}.")
    missing = [field.name for field in declared if _is_required(field) and field.name not in data]
    if missing:
        raise EmulatorConfigError(f"Missing keys {missing} in {what}.")
    return dict(data)


def _is_required(declared: dataclasses.Field[Any]) -> bool:
    return declared.default is dataclasses.MISSING and declared.default_factory is dataclasses.MISSING
