"""Hooks of the end-to-end tests: outcome of each phase for fixtures, figures in the terminal summary."""

from __future__ import annotations

from collections.abc import Generator

import pytest

#: The node ids of the tests whose set-up, call or teardown failed, so fixtures can show logs.
FAILED_TESTS = pytest.StashKey[list[str]]()
#: Lines the end-to-end tests want shown at the end of the run, with or without ``-s``.
SUMMARY_LINES = pytest.StashKey[list[str]]()
SUMMARY_TITLE = "UiPath end-to-end figures (printed, not asserted)"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Note the tests that failed."""
    report = yield
    if report.failed:
        item.config.stash.setdefault(FAILED_TESTS, []).append(item.nodeid)
    return report


def failures_under(config: pytest.Config, node_id: str) -> list[str]:
    """The failed tests of a module (or of any node), so far.

    :param config: pytest's configuration.
    :param node_id: the module's node id.
    """
    return [failed for failed in config.stash.get(FAILED_TESTS, []) if failed.startswith(node_id)]


def add_summary_lines(config: pytest.Config, lines: list[str]) -> None:
    """Queue lines for the terminal summary.

    :param config: pytest's configuration.
    :param lines: the lines.
    """
    config.stash.setdefault(SUMMARY_LINES, []).extend(lines)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Show the queued figures after the tests."""
    lines = config.stash.get(SUMMARY_LINES, [])
    if not lines:
        return
    terminalreporter.write_sep("=", SUMMARY_TITLE)
    for line in lines:
        terminalreporter.write_line(line)
