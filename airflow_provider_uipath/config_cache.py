"""Connections read by the triggerer, kept for a short while.

Every deferred task has its own trigger, and every trigger would otherwise read the same connection
through Airflow's supervisor and API server when it starts: thousands of identical reads when a
triggerer takes over thousands of waits. A connection is reused for ``CONNECTION_CACHE_SECONDS``;
a connection changed in Airflow reaches waits that start after that.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from airflow_provider_uipath.connection import UiPathConnectionConfig

#: Seconds a connection read by one trigger serves the others.
CONNECTION_CACHE_SECONDS = 60.0


class ConnectionConfigCache:
    """Parsed ``uipath`` connections by connection id, each kept for a short while.

    :param clock: the monotonic clock (replaceable in tests).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._configs: dict[str, tuple[UiPathConnectionConfig, float]] = {}

    def get(self, conn_id: str) -> UiPathConnectionConfig | None:
        """The connection, when it was read less than ``CONNECTION_CACHE_SECONDS`` ago.

        :param conn_id: the connection id.
        """
        entry = self._configs.get(conn_id)
        if entry is None or self._clock() - entry[1] >= CONNECTION_CACHE_SECONDS:
            return None
        return entry[0]

    def store(self, config: UiPathConnectionConfig) -> None:
        """Keep a connection just read.

        :param config: the connection.
        """
        self._configs[config.conn_id] = (config, self._clock())

    def clear(self) -> None:
        """Forget every connection."""
        self._configs.clear()


#: The cache the async hooks of this process use.
CONNECTION_CACHE = ConnectionConfigCache()
