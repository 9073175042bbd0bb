"""Bearer credentials the emulator accepts: configured Personal Access Tokens and issued OAuth tokens.

Issued tokens are opaque random strings, not JWTs, so a client cannot read claims from them; that
matches what a client may rely on, since UiPath does not document the token format.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from airflow_provider_uipath.emulator.clock import parse_timestamp
from airflow_provider_uipath.emulator.config import OAuthApp, PersonalAccessToken

ACCESS_TOKEN_BYTES = 32
_NARROWING_SUFFIXES = (".Read", ".Write")


@dataclass(frozen=True)
class Credential:
    """What a bearer token stands for.

    :param owner: who holds it, for messages: ``personal access token`` or the OAuth client id.
    :param scopes: the scopes granted; ``None`` grants every scope.
    :param expires_at: expiry time on the emulator's clock; ``None`` never expires.
    """

    owner: str
    scopes: frozenset[str] | None
    expires_at: float | None

    def is_expired(self, now: float) -> bool:
        """Whether the credential has expired.

        :param now: a time on the emulator's clock.
        """
        return self.expires_at is not None and now >= self.expires_at

    def grants(self, scope: str) -> bool:
        """Whether the credential carries ``scope`` or the broader scope it narrows.

        >>> Credential("app", frozenset({"OR.Jobs"}), None).grants("OR.Jobs.Read")
        True

        :param scope: a scope such as ``OR.Jobs.Read``.
        """
        if self.scopes is None:
            return True
        return scope in self.scopes or broader_scope(scope) in self.scopes


def broader_scope(scope: str) -> str:
    """Return the scope that ``scope`` narrows (``OR.Jobs`` for ``OR.Jobs.Read``), or ``scope`` itself.

    :param scope: a scope name.
    """
    for suffix in _NARROWING_SUFFIXES:
        if scope.endswith(suffix):
            return scope[: -len(suffix)]
    return scope


class CredentialStore:
    """Look up bearer tokens; issue OAuth access tokens.

    :param personal_access_tokens: the configured PATs.
    """

    def __init__(self, personal_access_tokens: Sequence[PersonalAccessToken]) -> None:
        self._static = {pat.token: _credential_of_pat(pat) for pat in personal_access_tokens}
        self._issued: dict[str, Credential] = {}
        self._lock = threading.Lock()

    @property
    def issued_count(self) -> int:
        """How many OAuth access tokens were issued since the last :meth:`forget_issued`."""
        return len(self._issued)

    def issue(self, app: OAuthApp, scopes: frozenset[str], now: float, ttl_seconds: float) -> str:
        """Create an opaque access token for an OAuth application and return it.

        :param app: the application that asked.
        :param scopes: the scopes granted.
        :param now: the time of issue on the emulator's clock.
        :param ttl_seconds: the token's lifetime.
        """
        token = secrets.token_urlsafe(ACCESS_TOKEN_BYTES)
        with self._lock:
            self._issued[token] = Credential(app.client_id, scopes, now + ttl_seconds)
        return token

    def lookup(self, bearer: str, now: float) -> Credential | None:
        """Return the credential of a bearer token, or ``None`` when it is unknown or expired.

        :param bearer: the token from the ``Authorization`` header.
        :param now: a time on the emulator's clock.
        """
        with self._lock:
            credential = self._static.get(bearer) or self._issued.get(bearer)
        if credential is None or credential.is_expired(now):
            return None
        return credential

    def forget_issued(self) -> None:
        """Drop every issued OAuth token; PATs stay valid."""
        with self._lock:
            self._issued.clear()


def _credential_of_pat(pat: PersonalAccessToken) -> Credential:
    scopes = None if pat.scopes is None else frozenset(pat.scopes)
    expires_at = None if pat.expires_at is None else parse_timestamp(pat.expires_at)
    return Credential("personal access token", scopes, expires_at)
