"""Typed configuration of the emulator: tenant, folders, API triggers, clients, job scripts and knobs.

Every behaviour the UiPath documentation leaves open is a field of :class:`~.knobs.Knobs`, so a
test can pick either plausible answer. A configuration is read from JSON with
:meth:`EmulatorConfig.from_file` or :meth:`EmulatorConfig.from_dict`; the JSON keys are the field
names below.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from airflow_provider_uipath.emulator.config_fields import EmulatorConfigError, known_fields
from airflow_provider_uipath.emulator.knobs import Knobs
from airflow_provider_uipath.emulator.vocabulary import CallMode, EnumT, JobOutcome, parse_enum

DEFAULT_CONFIG_RESOURCE = "default_config.json"

DEFAULT_PENDING_SECONDS = 0.1
DEFAULT_DURATION_SECONDS = 1.0
DEFAULT_FOLDER_ID = 1
DEFAULT_TRIGGER_METHOD = "POST"
TRIGGER_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
SLUG_PATTERN = re.compile(r"^[A-Za-z0-9._~-]+$")

_TRIGGER_ID_NAMESPACE = uuid.UUID("6f0c2a4e-8d1b-4c5a-9e7f-3b2d1c0a9f8e")

__all__ = [
    "EmulatorConfig",
    "EmulatorConfigError",
    "FolderSpec",
    "JobScript",
    "Knobs",
    "OAuthApp",
    "PersonalAccessToken",
    "TriggerSpec",
]


@dataclass(frozen=True)
class FolderSpec:
    """An Orchestrator folder; its ``key`` is the GUID in trigger URLs.

    :param id: the numeric folder id (``X-UIPATH-OrganizationUnitId``).
    :param key: the folder's GUID (``X-UIPATH-FolderKey`` and the ``/t/{folderKey}/`` segment).
    :param fully_qualified_name: the folder path (``X-UIPATH-FolderPath``), e.g. ``Shared``.
    """

    id: int
    key: str
    fully_qualified_name: str

    def __post_init__(self) -> None:
        if not isinstance(self.id, int) or isinstance(self.id, bool):
            raise EmulatorConfigError(f"A folder id must be a whole number; got {self.id!r}.")
        _check_guid(self.key, f"Folder {self.id} key")

    @classmethod
    def from_dict(cls, data: object) -> FolderSpec:
        """Build a folder from its JSON object.

        :param data: a mapping with the keys ``id``, ``key`` and ``fully_qualified_name``.
        """
        return cls(**known_fields(cls, data, "a folder"))


@dataclass(frozen=True)
class JobScript:
    """What a job started by a trigger does, timed on the emulator's clock.

    :param pending_seconds: time spent Pending before Running.
    :param duration_seconds: time spent Running before the outcome (ignored for ``Hang``).
    :param outcome: Successful, Faulted, Stopped, or Hang (runs until stopped).
    :param output: the output arguments of a Successful job.
    :param error: the job error of a Faulted job (``Code``, ``Title``, ``Detail``, ``Category``, ``Status``).
    :param echo_inputs: add ``"echo": <input arguments>`` to the output.
    """

    pending_seconds: float = DEFAULT_PENDING_SECONDS
    duration_seconds: float = DEFAULT_DURATION_SECONDS
    outcome: JobOutcome = JobOutcome.SUCCESSFUL
    output: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    echo_inputs: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcome", _enum_value(JobOutcome, self.outcome, "A job script's outcome"))
        _check_not_negative(self.pending_seconds, "pending_seconds")
        _check_not_negative(self.duration_seconds, "duration_seconds")

    @classmethod
    def from_dict(cls, data: object) -> JobScript:
        """Build a job script from its JSON object.

        :param data: a mapping whose keys are the field names of this class.
        """
        return cls(**known_fields(cls, data, "a job script"))

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object of this job script."""
        return {**dataclasses.asdict(self), "outcome": self.outcome.value}


@dataclass(frozen=True)
class TriggerSpec:
    """An API trigger: the endpoint ``{VERB} /{org}/{tenant}/orchestrator_/t/{folderKey}/{slug}``.

    Empty ``name``, ``id``, ``release_key`` and ``release_name`` are filled from the slug, with ids that
    stay the same from one run to the next.

    :param slug: the last URL segment; unique in the tenant, URL-safe characters only.
    :param name: the trigger name, also the ``Source`` of its jobs.
    :param method: the HTTP verb the trigger answers to.
    :param calling_mode: the call mode used when a call has no ``$callMode``.
    :param enabled: a disabled trigger answers like an unknown one (knob ``disabled_trigger_status``).
    :param folder_id: the id of the folder that holds the trigger.
    :param input_arguments: default input arguments, overlaid key by key by each call's inputs.
    :param job: what the jobs started by this trigger do.
    :param id: the trigger's GUID (the jobs' ``StartingTriggerId``).
    :param release_key: the GUID of the process (release) the trigger starts.
    :param release_name: the name of that process.
    """

    slug: str
    name: str = ""
    method: str = DEFAULT_TRIGGER_METHOD
    calling_mode: CallMode = CallMode.ASYNC_REQUEST_REPLY
    enabled: bool = True
    folder_id: int = DEFAULT_FOLDER_ID
    input_arguments: dict[str, Any] = field(default_factory=dict)
    job: JobScript = field(default_factory=JobScript)
    id: str = ""
    release_key: str = ""
    release_name: str = ""

    def __post_init__(self) -> None:
        self._check_slug_and_method()
        calling_mode = _enum_value(CallMode, self.calling_mode, f"Trigger {self.slug} calling_mode")
        self._fill("calling_mode", calling_mode)
        self._fill("method", self.method.upper())
        self._fill("name", self.name or self.slug)
        self._fill("id", self.id or str(uuid.uuid5(_TRIGGER_ID_NAMESPACE, f"trigger/{self.slug}")))
        self._fill(
            "release_key", self.release_key or str(uuid.uuid5(_TRIGGER_ID_NAMESPACE, f"release/{self.slug}"))
        )
        self._fill("release_name", self.release_name or self.name)

    @classmethod
    def from_dict(cls, data: object) -> TriggerSpec:
        """Build a trigger from its JSON object; ``job`` is a nested job script object.

        :param data: a mapping whose keys are the field names of this class.
        """
        fields = known_fields(cls, data, "a trigger")
        if "job" in fields:
            fields["job"] = JobScript.from_dict(fields["job"])
        return cls(**fields)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object of this trigger."""
        plain = dataclasses.asdict(self)
        return {**plain, "calling_mode": self.calling_mode.value, "job": self.job.to_dict()}

    def _check_slug_and_method(self) -> None:
        if not SLUG_PATTERN.match(self.slug):
            raise EmulatorConfigError(
                f"Trigger slug {self.slug!r} must be non-empty and use only letters, digits and . _ ~ -."
            )
        if self.method.upper() not in TRIGGER_METHODS:
            raise EmulatorConfigError(
                f"Trigger {self.slug} method must be one of {', '.join(TRIGGER_METHODS)}; "
                f"got {self.method!r}."
            )

    def _fill(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)


@dataclass(frozen=True)
class PersonalAccessToken:
    """A static bearer token, as a user's Personal Access Token.

    :param token: the bearer value.
    :param scopes: the scopes it grants; ``None`` grants every scope.
    :param expires_at: ISO-8601 UTC expiry time; ``None`` never expires.
    """

    token: str
    scopes: tuple[str, ...] | None = None
    expires_at: str | None = None

    @classmethod
    def from_dict(cls, data: object) -> PersonalAccessToken:
        """Build a PAT from its JSON object.

        :param data: a mapping with ``token`` and optional ``scopes`` (list) and ``expires_at``.
        """
        fields = known_fields(cls, data, "a personal access token")
        if fields.get("scopes") is not None:
            fields["scopes"] = tuple(fields["scopes"])
        return cls(**fields)


@dataclass(frozen=True)
class OAuthApp:
    """A confidential external application that gets tokens with client credentials.

    :param client_id: the application id.
    :param client_secret: the application secret.
    :param scopes: the application scopes it may request.
    """

    client_id: str
    client_secret: str
    scopes: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: object) -> OAuthApp:
        """Build an OAuth application from its JSON object.

        :param data: a mapping with ``client_id``, ``client_secret`` and ``scopes`` (list).
        """
        fields = known_fields(cls, data, "an OAuth app")
        fields["scopes"] = tuple(fields.get("scopes", ()))
        return cls(**fields)


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything the emulator serves: one tenant, its folders, triggers, clients and knobs.

    :param org: the organization name, first URL segment.
    :param tenant: the tenant name, second URL segment.
    :param folders: at least one folder.
    :param triggers: the API triggers; slugs are unique in the tenant.
    :param personal_access_tokens: static bearer tokens.
    :param oauth_apps: applications that may use the token endpoint.
    :param knobs: the behaviours left open by the documentation.
    """

    org: str
    tenant: str
    folders: tuple[FolderSpec, ...]
    triggers: tuple[TriggerSpec, ...] = ()
    personal_access_tokens: tuple[PersonalAccessToken, ...] = ()
    oauth_apps: tuple[OAuthApp, ...] = ()
    knobs: Knobs = field(default_factory=Knobs)

    def __post_init__(self) -> None:
        if not self.folders:
            raise EmulatorConfigError("The configuration needs at least one folder.")
        _check_unique([folder.id for folder in self.folders], "folder id")
        _check_unique([trigger.slug for trigger in self.triggers], "trigger slug")
        folder_ids = {folder.id for folder in self.folders}
        for trigger in self.triggers:
            if trigger.folder_id not in folder_ids:
                raise EmulatorConfigError(
                    f"Trigger {trigger.slug} is in folder {trigger.folder_id}, which is not configured."
                )

    @classmethod
    def from_dict(cls, data: object) -> EmulatorConfig:
        """Build a configuration from its JSON object.

        :param data: a mapping with ``org``, ``tenant``, ``folders`` and optional ``triggers``,
            ``personal_access_tokens``, ``oauth_apps`` and ``knobs``.
        :raises EmulatorConfigError: when a key is unknown or a value is not usable.
        """
        fields = known_fields(cls, data, "the configuration")
        return cls(
            org=str(fields["org"]),
            tenant=str(fields["tenant"]),
            folders=tuple(FolderSpec.from_dict(item) for item in fields["folders"]),
            triggers=tuple(TriggerSpec.from_dict(item) for item in fields.get("triggers", [])),
            personal_access_tokens=tuple(
                PersonalAccessToken.from_dict(item) for item in fields.get("personal_access_tokens", [])
            ),
            oauth_apps=tuple(OAuthApp.from_dict(item) for item in fields.get("oauth_apps", [])),
            knobs=Knobs.from_dict(fields.get("knobs", {})),
        )

    @classmethod
    def from_file(cls, path: str | Path) -> EmulatorConfig:
        """Read a configuration from a JSON file.

        :param path: the file to read.
        """
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise EmulatorConfigError(f"The configuration file {path} is not valid JSON: {error}.") from None
        return cls.from_dict(data)

    @classmethod
    def default(cls) -> EmulatorConfig:
        """Return the shipped configuration (``default_config.json``) that the demo uses."""
        text = resources.files(__package__).joinpath(DEFAULT_CONFIG_RESOURCE).read_text(encoding="utf-8")
        return cls.from_dict(json.loads(text))

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object of this configuration, knobs included."""
        return {
            "org": self.org,
            "tenant": self.tenant,
            "folders": [dataclasses.asdict(folder) for folder in self.folders],
            "triggers": [trigger.to_dict() for trigger in self.triggers],
            "personal_access_tokens": [dataclasses.asdict(pat) for pat in self.personal_access_tokens],
            "oauth_apps": [dataclasses.asdict(app) for app in self.oauth_apps],
            "knobs": self.knobs.to_dict(),
        }

    def with_knobs(self, **changes: object) -> EmulatorConfig:
        """Return a copy with some knobs changed.

        :param changes: knob names and their new values.
        """
        return dataclasses.replace(self, knobs=self.knobs.updated(changes))


def _enum_value(enum_type: type[EnumT], value: object, what: str) -> EnumT:
    try:
        return parse_enum(enum_type, value, what)
    except ValueError as error:
        raise EmulatorConfigError(str(error)) from None


def _check_not_negative(value: float, name: str) -> None:
    if value < 0:
        raise EmulatorConfigError(f"A job script's {name} must not be negative; got {value!r}.")


def _check_guid(value: str, what: str) -> None:
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise EmulatorConfigError(f"{what} must be a GUID; got {value!r}.") from None


def _check_unique(values: list[Any], what: str) -> None:
    duplicates = sorted({str(value) for value in values if values.count(value) > 1})
    if duplicates:
        raise EmulatorConfigError(f"Each {what} must be unique; repeated: {', '.join(duplicates)}.")
