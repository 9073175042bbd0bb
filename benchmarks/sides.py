"""The sides compared, behind one interface; the peer is imported only when it runs.

The peer needs the ``bench`` extra (apache-airflow-providers-http); our side needs only the provider.
"""

from __future__ import annotations

from typing import Any, Protocol

from airflow.triggers.base import BaseTrigger

from benchmarks.plan import Scenario, Side


class WaitSide(Protocol):
    """One way of waiting for a job in the triggerer."""

    conn_id: str

    def connection_env(self, tenant_url: str, base_url: str) -> dict[str, str]:
        """The environment variables defining the side's Airflow connection."""
        ...

    def build_wait(self, status_url: str, scenario: Scenario) -> BaseTrigger:
        """Build the trigger that waits for one job."""
        ...

    def succeeded(self, payload: Any) -> bool:
        """Whether an event's payload says the job ended well."""
        ...

    def forget_shared_state(self) -> None:
        """Drop what the warm-up left in process-wide caches."""
        ...


def side_of(side: Side) -> WaitSide:
    """Return the implementation of a side.

    :param side: the side.
    """
    if side is Side.PEER:
        from benchmarks.peer import PeerSide

        return PeerSide()
    from benchmarks.ours import OurSide

    return OurSide()
