"""Hiding tokens and secrets from Airflow's logs."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def mask(value: str) -> None:
    """Register a secret with Airflow's secrets masker, so logs show ``***`` in its place.

    :param value: the token or secret.
    """
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # pragma: no cover - every supported Airflow has it
        log.debug("Airflow's secrets masker is not available.")
        return
    mask_secret(value)


async def amask(value: str) -> None:
    """Register a secret with Airflow's secrets masker from inside an event loop.

    The synchronous :func:`mask` may block on the supervisor, which deadlocks inside the
    triggerer on Airflow versions before 3.3.2; this one never blocks the loop.

    :param value: the token or secret.
    """
    try:
        from airflow.sdk.log import amask_secret
    except ImportError:
        _mask_in_this_process(value)
        return
    await amask_secret(value)


def _mask_in_this_process(value: str) -> None:
    """Mask a secret in this process's logs only: the fallback where no async masker exists."""
    try:
        from airflow.sdk._shared.secrets_masker.secrets_masker import _secrets_masker
    except ImportError:  # pragma: no cover
        log.debug("Airflow's secrets masker is not available.")
        return
    _secrets_masker().add_mask(value)
