"""A job's end as a generic HTTP sensor sees it, for the triggerer benchmark (``benchmarks/``).

Airflow's ``HttpSensorTrigger`` fires on the first answer that is not a 404, so the benchmark's peer
polls this route instead of a status URL:

- ``GET /_emulator/bench/jobs/{result_id}``: 404 while the job has not ended, 200 with the job's state
  once it has, 410 for a result id no job has (so a mistake ends the wait instead of hanging it).
  A bearer token is needed, as on the status URL, so both sides cost the server the same checks.
- ``GET /_emulator/bench/stats``: how many requests the route answered since the server started, by
  answer (``/_emulator/reset`` leaves these counters alone).

``result_id`` is the last segment of the job's status URL.
"""

from __future__ import annotations

from collections import Counter

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from airflow_provider_uipath.emulator.auth import authenticate
from airflow_provider_uipath.emulator.state import EmulatorState

BENCH_ROOT = "/_emulator/bench"
RUNNING_ANSWER = "running"
ENDED_ANSWER = "ended"
UNKNOWN_ANSWER = "unknown"
STATUS_OF_ANSWER = {RUNNING_ANSWER: 404, ENDED_ANSWER: 200, UNKNOWN_ANSWER: 410}


class BenchEndpoints:
    """The benchmark's job-end route and its counters.

    :param state: the emulator state.
    """

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.answers: Counter[str] = Counter()

    def routes(self) -> list[Route]:
        """Return the routes, at the root of the host."""
        return [
            Route(f"{BENCH_ROOT}/jobs/{{result_id}}", self.job_end, methods=["GET"]),
            Route(f"{BENCH_ROOT}/stats", self.stats, methods=["GET"]),
        ]

    async def job_end(self, request: Request) -> Response:
        """Answer 404 while the job runs, 200 once it has ended, 410 for an unknown job.

        :param request: the request.
        """
        authenticate(request, self.state)
        job = self.state.job_by_result_id(request.path_params["result_id"])
        if job is None:
            return self._answer(UNKNOWN_ANSWER, {"message": "No job has this result id."})
        state = job.state_at(self.state.now())
        answer = ENDED_ANSWER if state.is_terminal else RUNNING_ANSWER
        return self._answer(answer, {"state": state.value})

    async def stats(self, request: Request) -> Response:
        """Answer the counters: requests answered per kind of answer, and their total.

        :param request: the request.
        """
        counts = {answer: self.answers[answer] for answer in STATUS_OF_ANSWER}
        return JSONResponse({**counts, "total": sum(counts.values())})

    def _answer(self, answer: str, body: dict[str, str]) -> Response:
        self.answers[answer] += 1
        return JSONResponse(body, status_code=STATUS_OF_ANSWER[answer])
