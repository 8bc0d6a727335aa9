"""pytest plugin: a test that fails while a server it started has died says so.

Which server, how it ended (exit code or signal) and the end of its log are appended to the
failure, so a crashed judge server reads as a crash, not only as a connection error.
"""

from __future__ import annotations

import pytest

from support.processes import ServerProcess


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    dead = [server for server in list(ServerProcess.running) if server.died()]
    if dead:
        notes = "\n\n".join(f"SERVER DIED: {server.describe()}" for server in dead)
        report.longrepr = f"{report.longrepr}\n\n{notes}"
