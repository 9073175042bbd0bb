"""The knobs: behaviours the UiPath documentation leaves open, each changeable while the emulator runs.

The defaults follow the documentation's prose where it speaks (303 redirects, a 100 per minute
limit on the Jobs collection, 15 minutes for LongPolling jobs) and a plausible guess elsewhere.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_provider_uipath.emulator.config_fields import EmulatorConfigError, known_fields

DEFAULT_REDIRECT_STATUS = 303
DEFAULT_LOCATION_STYLE = "absolute"
DEFAULT_FAULTED_OUTPUT_STATUS = 500
DEFAULT_WRONG_VERB_STATUS = 404
DEFAULT_DISABLED_TRIGGER_STATUS = 404
DEFAULT_STOP_JOBS_STATUS = 200
DEFAULT_LONG_POLL_WAIT_SECONDS = 30.0
DEFAULT_LONG_POLL_MAX_JOB_SECONDS = 900.0
DEFAULT_LONG_POLL_TERMINAL_RESPONSE = "result"
DEFAULT_TOKEN_TTL_SECONDS = 3600.0
DEFAULT_JOBS_RATE_LIMIT_PER_MINUTE = 100
DEFAULT_RETRY_AFTER_SECONDS = 60
DEFAULT_SOFT_STOP_SECONDS = 0.2

_KNOB_CHOICES: dict[str, tuple[object, ...]] = {
    "redirect_status": (301, 302, 303, 307, 308),
    "location_style": ("absolute", "path", "relative"),
    "long_poll_terminal_response": ("result", "redirect"),
    "wrong_verb_status": (404, 405),
    "stop_jobs_status": (200, 204),
}
_KNOB_STATUS_RANGES: dict[str, tuple[int, int]] = {
    "faulted_output_status": (200, 599),
    "disabled_trigger_status": (400, 499),
}


@dataclass(frozen=True)
class Knobs:
    """Behaviours the documentation leaves open; each can be changed while the emulator runs.

    :param redirect_status: the status of every redirect: 303 as the prose says, 302 as the C# samples
        expect, or 307.
    :param location_style: ``absolute`` URL, absolute ``path``, or a ``relative`` reference.
    :param status_url_host: host name for absolute status and output URLs (same port), e.g.
        ``localhost`` to send the client to another origin; ``None`` keeps the request's host.
        Only the ``absolute`` location style uses it.
    :param faulted_output_status: status of the output URL (and final LongPolling response) for a
        Faulted or Stopped job.
    :param wrong_verb_status: 404 (like an unknown trigger) or 405 for a call with the wrong verb.
    :param disabled_trigger_status: status for a call to a disabled trigger.
    :param empty_body_strict: reject an empty body with 400 and errorCode 4804 instead of reading ``{}``.
    :param stop_jobs_status: 200 or 204 for StopJobs and StopJob.
    :param long_poll_wait_seconds: how long a LongPolling call or status call is held.
    :param long_poll_max_job_seconds: a LongPolling job running longer is stopped by the emulator.
    :param long_poll_terminal_response: on a LongPolling status call for an ended job, send the
        ``result`` directly or a ``redirect`` to the output URL.
    :param status_url_embeds_job_key: put the job key in status and output URLs instead of a random id.
    :param redirects_require_auth: status and output URLs need a bearer token (the tenant setting).
    :param token_ttl_seconds: lifetime of OAuth access tokens.
    :param jobs_rate_limit_per_minute: requests per minute on ``GET /odata/Jobs``; ``None``: no limit.
    :param retry_after_seconds: the ``Retry-After`` of a rate-limited request.
    :param soft_stop_seconds: how long a SoftStop keeps a running job in Stopping.
    :param invoke_required_scope: scope needed to call a trigger; ``None``: any valid token may.
    """

    redirect_status: int = DEFAULT_REDIRECT_STATUS
    location_style: str = DEFAULT_LOCATION_STYLE
    status_url_host: str | None = None
    faulted_output_status: int = DEFAULT_FAULTED_OUTPUT_STATUS
    wrong_verb_status: int = DEFAULT_WRONG_VERB_STATUS
    disabled_trigger_status: int = DEFAULT_DISABLED_TRIGGER_STATUS
    empty_body_strict: bool = False
    stop_jobs_status: int = DEFAULT_STOP_JOBS_STATUS
    long_poll_wait_seconds: float = DEFAULT_LONG_POLL_WAIT_SECONDS
    long_poll_max_job_seconds: float = DEFAULT_LONG_POLL_MAX_JOB_SECONDS
    long_poll_terminal_response: str = DEFAULT_LONG_POLL_TERMINAL_RESPONSE
    status_url_embeds_job_key: bool = False
    redirects_require_auth: bool = True
    token_ttl_seconds: float = DEFAULT_TOKEN_TTL_SECONDS
    jobs_rate_limit_per_minute: int | None = DEFAULT_JOBS_RATE_LIMIT_PER_MINUTE
    retry_after_seconds: int = DEFAULT_RETRY_AFTER_SECONDS
    soft_stop_seconds: float = DEFAULT_SOFT_STOP_SECONDS
    invoke_required_scope: str | None = None

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(Knobs)
        for knob in dataclasses.fields(self):
            _check_knob(knob.name, getattr(self, knob.name), hints[knob.name])

    @classmethod
    def from_dict(cls, data: object) -> Knobs:
        """Build knobs from a JSON object; missing knobs keep their defaults.

        :param data: a mapping from knob names to values.
        """
        return cls(**known_fields(cls, data, "the knobs"))

    def updated(self, changes: Mapping[str, object]) -> Knobs:
        """Return a copy with some knobs changed.

        :param changes: knob names and their new values.
        :raises EmulatorConfigError: for an unknown knob or a bad value.
        """
        return dataclasses.replace(self, **known_fields(Knobs, changes, "the knobs"))

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object of these knobs."""
        return dataclasses.asdict(self)


def _check_knob(name: str, value: object, hint: object) -> None:
    allowed_types = typing.get_args(hint) or (hint,)
    if not _is_instance_of_any(value, allowed_types):
        names = " or ".join(_type_name(kind) for kind in allowed_types)
        raise EmulatorConfigError(f"Knob {name} must be {names}; got {value!r}.")
    if name in _KNOB_CHOICES and value not in _KNOB_CHOICES[name]:
        choices = ", ".join(repr(choice) for choice in _KNOB_CHOICES[name])
        raise EmulatorConfigError(f"Knob {name} must be one of {choices}; got {value!r}.")
    if name in _KNOB_STATUS_RANGES and not _in_range(value, _KNOB_STATUS_RANGES[name]):
        low, high = _KNOB_STATUS_RANGES[name]
        raise EmulatorConfigError(f"Knob {name} must be an HTTP status from {low} to {high}; got {value!r}.")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        raise EmulatorConfigError(f"Knob {name} must not be negative; got {value!r}.")


def _is_instance_of_any(value: object, allowed_types: tuple[Any, ...]) -> bool:
    if isinstance(value, bool):
        return bool in allowed_types
    if isinstance(value, int) and float in allowed_types:
        return True
    return isinstance(value, tuple(allowed_types))


def _type_name(kind: object) -> str:
    return "null" if kind is type(None) else str(getattr(kind, "__name__", kind))


def _in_range(value: object, bounds: tuple[int, int]) -> bool:
    return isinstance(value, int) and bounds[0] <= value <= bounds[1]
