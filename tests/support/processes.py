"""Real servers started as child processes, and how to tell what happened to one that died.

A test that talks to a real server (llama.cpp, redis-server, the SGLang router, the verifier
itself) sees only ``ConnectError`` when that server has crashed. ``ServerProcess`` keeps the
server's output in a file, and ``describe()`` says whether it is still running, its exit
status or the signal that killed it, and the last lines of its log. The ``conftest.py`` hook
adds that description to the failure message of any test that fails while a server it
started has died.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

LOG_TAIL_LINES = 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def exit_description(returncode: int | None) -> str:
    """'running', 'exited with code 1' or 'killed by signal SIGSEGV (11)'."""
    if returncode is None:
        return "running"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = "unknown signal"
        return f"killed by signal {name} ({-returncode})"
    return f"exited with code {returncode}"


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"(log unreadable: {exc})"
    tail = text.splitlines()[-lines:]
    return "\n".join(tail) if tail else "(log is empty)"


class ServerDied(RuntimeError):
    """A server this process started is no longer running."""


class ServerProcess:
    """A server run as a child process, its stdout and stderr in ``log_path``.

    ``stop()`` marks an intended end: only a server that ended on its own counts as died.
    """

    running: set[ServerProcess] = set()  # started and not stopped: what the failure hook looks at

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready_url: str | None = None, *, timeout: float = 120) -> ServerProcess:
        """Start it; with ``ready_url``, wait until that URL answers 200."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:  # a file, not a pipe: a full pipe would block the server
            self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=self.cwd)
        ServerProcess.running.add(self)
        if ready_url is not None:
            try:
                wait_for_http(ready_url, self, timeout=timeout)
            except BaseException:
                self.stop()
                raise
        return self

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def died(self) -> bool:
        return self in ServerProcess.running and self.returncode is not None

    def describe(self, lines: int = LOG_TAIL_LINES) -> str:
        return (
            f"{self.name} (pid {self.pid}, {' '.join(self.argv[:4])} ...) {exit_description(self.returncode)}; "
            f"last lines of {self.log_path}:\n{log_tail(self.log_path, lines)}"
        )

    def check_alive(self) -> None:
        if self.returncode is not None:
            raise ServerDied(self.describe())

    def stop(self, *, timeout: float = 10) -> None:
        """Terminate it (then kill it if it lingers); an intended end, never reported as a death."""
        ServerProcess.running.discard(self)
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL now (a test's deliberate crash): an intended end too."""
        ServerProcess.running.discard(self)
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_for_http(url: str, server: ServerProcess | subprocess.Popen | None = None, timeout: float = 120) -> None:
    """Poll ``url`` until it answers 200; fail with the server's exit status and log if it dies first."""
    deadline = time.monotonic() + timeout
    while True:
        if isinstance(server, ServerProcess):
            server.check_alive()
        elif server is not None and server.poll() is not None:
            raise ServerDied(f"server {server.args!r} {exit_description(server.returncode)} before {url} answered")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            detail = f"\n{server.describe()}" if isinstance(server, ServerProcess) else ""
            raise TimeoutError(f"{url} did not answer 200 within {timeout:.0f}s{detail}")
        time.sleep(0.1)


class RedisServer:
    """A real redis-server (Debian package) on a local port, which tests can stop and restart."""

    def __init__(self, workdir: Path) -> None:
        import shutil

        binary = shutil.which("redis-server")
        assert binary, "install Debian's redis-server"
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        argv = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.server = ServerProcess("redis-server", [*argv, "--dir", str(workdir)], workdir / "redis.log")

    def start(self) -> RedisServer:
        import redis

        self.server.start()
        deadline = time.monotonic() + 20
        while True:
            self.server.check_alive()
            try:
                redis.Redis.from_url(self.url).ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        """Kill it (a test's deliberate outage, or the end of the test)."""
        self.server.kill()
