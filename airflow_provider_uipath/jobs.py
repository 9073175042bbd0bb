"""Finding and stopping the job an API trigger call started, through Orchestrator's Jobs API.

Orchestrator's status URL does not reveal the job's id, so the job is looked up among the jobs the
trigger started since the call, and told apart from others by its input arguments. When several jobs
match (the same trigger called at the same moment with the same arguments) none is chosen.
Looking up needs the ``OR.Jobs`` (or ``OR.Jobs.Read``) and ``OR.Execution`` scopes; stopping needs
``OR.Jobs`` (or ``OR.Jobs.Write``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pendulum

from airflow_provider_uipath.call_modes import JobState
from airflow_provider_uipath.exceptions import (
    UiPathConfigError,
    UiPathJobFailedError,
    UiPathOutputTooLargeError,
    UiPathRequestError,
)
from airflow_provider_uipath.protocol import JobOutput, server_message
from airflow_provider_uipath.sending import FOLDER_KEY_HEADER
from airflow_provider_uipath.urls import TRIGGER_PATH

#: Jobs created this long before the call are still considered, for clocks that disagree.
CLOCK_SKEW_MARGIN = dt.timedelta(seconds=30)
#: The most candidate jobs read in one lookup.
MAX_CANDIDATES = 50
#: How a job is stopped: SoftStop lets the robot end cleanly; Kill ends it at once.
DEFAULT_STOP_STRATEGY = "SoftStop"
STOP_JOBS_PATH = "orchestrator_/odata/Jobs/UiPath.Server.Configuration.OData.StopJobs"


@dataclass(frozen=True)
class JobLocator:
    """What identifies the job one API trigger call started.

    :param trigger_url: the full URL of the API trigger.
    :param invoked_after: when the call was made, as an ISO 8601 UTC time.
    :param arguments: the input arguments sent.
    """

    trigger_url: str
    invoked_after: str
    arguments: dict[str, Any]

    @classmethod
    def for_call_starting_now(cls, trigger_url: str, arguments: dict[str, Any]) -> JobLocator:
        """A locator for a call about to be made.

        :param trigger_url: the full URL of the API trigger.
        :param arguments: the input arguments sent.
        """
        return cls(trigger_url, pendulum.now("UTC").to_iso8601_string(), dict(arguments))

    @property
    def folder_key(self) -> str:
        """The folder key, read from the trigger URL ``.../orchestrator_/t/{folderKey}/{slug}``."""
        return self._trigger_path_parts()[0]

    @property
    def slug(self) -> str:
        """The trigger's slug."""
        return self._trigger_path_parts()[1]

    def _trigger_path_parts(self) -> tuple[str, str]:
        path = httpx.URL(self.trigger_url).path
        _, found, rest = path.partition(f"/{TRIGGER_PATH}")
        parts = [part for part in rest.split("/") if part]
        if not found or len(parts) < 2:
            raise UiPathConfigError(
                f"{self.trigger_url} is not an API trigger URL (.../{TRIGGER_PATH}{{folderKey}}/{{slug}})."
            )
        return parts[0], "/".join(parts[1:])

    def to_dict(self) -> dict[str, Any]:
        """The locator as primitives, for trigger arguments."""
        return {
            "trigger_url": self.trigger_url,
            "invoked_after": self.invoked_after,
            "arguments": self.arguments,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobLocator:
        """Rebuild a locator from :meth:`to_dict`.

        :param data: the primitives.
        """
        return cls(str(data["trigger_url"]), str(data["invoked_after"]), dict(data.get("arguments") or {}))


def folder_headers(locator: JobLocator) -> dict[str, str]:
    """The headers that scope a Jobs API request to the trigger's folder.

    :param locator: the job's locator.
    """
    return {FOLDER_KEY_HEADER: locator.folder_key, "Accept": "application/json"}


def build_trigger_lookup(tenant_url: str, locator: JobLocator) -> httpx.Request:
    """The request for the API trigger's id, by slug, in its folder.

    :param tenant_url: the connection's tenant URL.
    :param locator: the job's locator.
    """
    slug = locator.slug.replace("'", "''")
    return httpx.Request(
        "GET",
        f"{tenant_url}/orchestrator_/odata/HttpTriggers",
        params={"$filter": f"Slug eq '{slug}'", "$select": "Id,Slug,Name"},
        headers=folder_headers(locator),
    )


def read_trigger_id(response: httpx.Response, locator: JobLocator) -> str | None:
    """The trigger's id from the lookup's answer, or ``None`` when Orchestrator knows no such slug.

    :param response: the answer to :func:`build_trigger_lookup`.
    :param locator: the job's locator.
    """
    rows = _odata_rows(response)
    matching = [row for row in rows if str(row.get("Slug", locator.slug)) == locator.slug]
    return str(matching[0]["Id"]) if matching else None


def build_job_lookup(tenant_url: str, locator: JobLocator, trigger_id: str) -> httpx.Request:
    """The request for the jobs this trigger started since the call.

    :param tenant_url: the connection's tenant URL.
    :param locator: the job's locator.
    :param trigger_id: the trigger's id.
    """
    invoked = pendulum.parse(locator.invoked_after)
    if not isinstance(invoked, dt.datetime):
        raise UiPathConfigError(f"invoked_after must be a date and time, not {locator.invoked_after!r}.")
    since = invoked.astimezone(dt.timezone.utc) - CLOCK_SKEW_MARGIN
    filters = [
        f"StartingTriggerId eq '{trigger_id}'",
        f"CreationTime ge {since.strftime('%Y-%m-%dT%H:%M:%S')}Z",
    ]
    return httpx.Request(
        "GET",
        f"{tenant_url}/orchestrator_/odata/Jobs",
        params={
            "$filter": " and ".join(filters),
            "$orderby": "CreationTime asc",
            "$top": str(MAX_CANDIDATES),
        },
        headers=folder_headers(locator),
    )


def jobs_matching_arguments(response: httpx.Response, locator: JobLocator) -> list[dict[str, Any]]:
    """The jobs of the lookup's answer whose input arguments include every argument sent.

    :param response: the answer to :func:`build_job_lookup`.
    :param locator: the job's locator.
    """
    return [job for job in _odata_rows(response) if _has_arguments(job, locator.arguments)]


def is_running(job: dict[str, Any]) -> bool:
    """Whether a job from the Jobs API has not ended yet.

    :param job: a job as the Jobs API returns it.
    """
    try:
        return not JobState(job.get("State")).is_terminal
    except ValueError:
        return True


def the_running_job(jobs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The one job still running among the matches, or ``None`` when there is none or several.

    :param jobs: jobs as the Jobs API returns them.
    """
    running = [job for job in jobs if is_running(job)]
    return running[0] if len(running) == 1 else None


def build_stop_request(
    tenant_url: str, locator: JobLocator, job_id: int, strategy: str = DEFAULT_STOP_STRATEGY
) -> httpx.Request:
    """The request that stops a job.

    :param tenant_url: the connection's tenant URL.
    :param locator: the job's locator (for its folder).
    :param job_id: the job's numeric id.
    :param strategy: ``SoftStop`` or ``Kill``.
    """
    return httpx.Request(
        "POST",
        f"{tenant_url}/{STOP_JOBS_PATH}",
        json={"jobIds": [job_id], "strategy": strategy},
        headers=folder_headers(locator),
    )


def build_job_request(tenant_url: str, folder_key: str, job_id: int) -> httpx.Request:
    """The request for one job by id (Orchestrator does not rate-limit it like the Jobs collection).

    :param tenant_url: the connection's tenant URL.
    :param folder_key: the key of the job's folder.
    :param job_id: the job's numeric id.
    """
    return httpx.Request(
        "GET",
        f"{tenant_url}/orchestrator_/odata/Jobs({job_id})",
        headers={FOLDER_KEY_HEADER: folder_key, "Accept": "application/json"},
    )


def read_job_outcome(response: httpx.Response, max_output_bytes: int) -> JobOutput | None:
    """The output of a job read from the Jobs API, or ``None`` while it runs.

    :param response: the answer to :func:`build_job_request`.
    :param max_output_bytes: the largest output accepted.
    :raises UiPathJobFailedError: when the job ended faulted or stopped.
    """
    check_jobs_api_answer(response, "follow the UiPath job")
    job = response.json()
    if is_running(job):
        return None
    if job.get("State") != JobState.SUCCESSFUL.value:
        error = job.get("JobError") or {"Title": f"Job {job.get('State')}", "Detail": job.get("Info") or ""}
        raise UiPathJobFailedError(str(response.request.url), error, response.status_code)
    raw = job.get("OutputArguments") or ""
    if len(raw.encode()) > max_output_bytes:
        raise UiPathOutputTooLargeError(len(raw.encode()), max_output_bytes)
    return JobOutput(json.loads(raw) if raw else None)


def check_jobs_api_answer(response: httpx.Response, action: str) -> None:
    """Fail with the scope to add when the Jobs API refuses, or with the server's message.

    :param response: an answer from the Jobs API.
    :param action: what the request was for.
    :raises UiPathRequestError: for any error status.
    """
    if response.is_success:
        return
    hint = JOBS_SCOPE_HINT if response.status_code == httpx.codes.FORBIDDEN else ""
    raise UiPathRequestError(
        action,
        response.request.method,
        str(response.request.url),
        response.status_code,
        server_message(response),
        hint=hint,
    )


JOBS_SCOPE_HINT = (
    "The token lacks a scope the Jobs API needs: give the external application (or the Personal Access "
    "Token) OR.Jobs and OR.Execution, and list them in the connection's scope extra."
)


def job_page_url(tenant_url: str, job: dict[str, Any]) -> str:
    """A link to the job in Orchestrator's web interface.

    :param tenant_url: the connection's tenant URL.
    :param job: a job as the Jobs API returns it.
    """
    key = quote(str(job.get("Key", "")))
    return f"{tenant_url}/orchestrator_/jobs?jobKey={key}"


def _odata_rows(response: httpx.Response) -> list[dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        return []
    rows = body.get("value") if isinstance(body, dict) else None
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []


def _has_arguments(job: dict[str, Any], arguments: dict[str, Any]) -> bool:
    raw = job.get("InputArguments")
    try:
        sent = json.loads(raw) if isinstance(raw, str) and raw else (raw or {})
    except ValueError:
        return False
    if not isinstance(sent, dict):
        return False
    return all(key in sent and _same_value(sent[key], value) for key, value in arguments.items())


def _same_value(recorded: Any, sent: Any) -> bool:
    """Equal, or equal once JSON-encoded (a GET trigger receives its arguments as query strings)."""
    return bool(recorded == sent or (isinstance(recorded, str) and recorded == json.dumps(sent)))
