"""What to do when the call that starts a job fails after it may have reached Orchestrator.

A 502 from UiPath's proxy, a 5xx, or a connection dropped after the request was sent leave the job's
existence unknown: Orchestrator may have created it. Re-sending the call could start a second robot,
so the provider looks for the job through the Jobs API instead, and adopts it when exactly one
matches.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from airflow_provider_uipath.exceptions import (
    UiPathConfigError,
    UiPathError,
    UiPathInvokeError,
    UiPathUncertainStartError,
    UiPathUnreachableError,
)
from airflow_provider_uipath.sending import was_never_sent

#: Seconds to keep looking for a job that Orchestrator may still be creating.
DEFAULT_RECONCILE_GRACE_SECONDS = 30.0
#: Seconds between two lookups while reconciling.
RECONCILE_LOOKUP_INTERVAL = 5.0


class UncertainStartPolicy(str, Enum):
    """What the operator does when the call that starts a job may or may not have started it."""

    ADOPT = "adopt"
    """Look for the job: adopt it when exactly one matches; fail when none appears in the grace
    period, or when several match. The default: it never starts a second job."""
    ADOPT_OR_REINVOKE = "adopt_or_reinvoke"
    """As ADOPT, but call the trigger once more when no job appeared within the grace period."""
    FAIL = "fail"
    """Fail at once, without looking (for connections without the Jobs API scopes)."""

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, value: UncertainStartPolicy | str) -> UncertainStartPolicy:
        """Read a policy from its value.

        :param value: ``"adopt"``, ``"adopt_or_reinvoke"`` or ``"fail"``.
        :raises UiPathConfigError: for any other value.
        """
        try:
            return cls(str(value).lower())
        except ValueError:
            choices = ", ".join(policy.value for policy in cls)
            message = f"Unknown uncertain_start policy {value!r}: use one of {choices}."
            raise UiPathConfigError(message) from None


def is_uncertain_start(error: UiPathError) -> bool:
    """Whether a failed call to a trigger may have started a job anyway.

    :param error: the error the call raised.
    """
    if isinstance(error, UiPathUnreachableError):
        return not was_never_sent(error)
    return isinstance(error, UiPathInvokeError) and error.http_status >= 500


def adoptable_job(jobs: list[dict[str, Any]], trigger_url: str) -> dict[str, Any] | None:
    """The job to adopt among the lookup's matches, ``None`` when there is none yet.

    :param jobs: the jobs matching the call.
    :param trigger_url: the trigger, for the message.
    :raises UiPathUncertainStartError: when several jobs match, listing them.
    """
    if len(jobs) > 1:
        listed = ", ".join(f"Id {job.get('Id')} (Key {job.get('Key')}, {job.get('State')})" for job in jobs)
        raise UiPathUncertainStartError(
            f"The call to {trigger_url} failed, and {len(jobs)} jobs of that trigger with the same arguments "
            f"started since: {listed}. The provider cannot tell which one this task started, so it adopts "
            "none; check them in Orchestrator."
        )
    return jobs[0] if jobs else None
