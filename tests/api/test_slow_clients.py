"""Slow and idle clients cannot exhaust the process (issue 27): headers and bodies have
deadlines that trickling bytes do not extend, open connections are bounded (the longest-waiting
idle one makes room), and a request without a key is refused before its body is read. Every
check counts connections and answers; none measures a duration."""

import os
import signal
import socket
import sys
import time

import httpx
import pytest
from conftest import REPO
from support.fakes import ScriptedJudge
from support.processes import ServerProcess, free_port

from verifier_service.config import Settings

SLOW = 300  # slow connections at once


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.setblocking(False)
    return sock


def closed_by_server(sock: socket.socket) -> bool:
    """True once the server has closed the connection (what it sent before, e.g. a 408, is read)."""
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except BlockingIOError:
        return False
    except OSError:  # reset
        return True


def trickle_until_closed(socks: list[socket.socket], rounds: int = 60, pause: float = 0.25) -> int:
    """Send one byte per connection per round; the number the server closed within the rounds."""
    open_ = list(socks)
    for _ in range(rounds):
        still = []
        for sock in open_:
            try:
                sock.send(b"x")
            except OSError:
                continue
            if not closed_by_server(sock):
                still.append(sock)
        open_ = still
        if not open_:
            break
        time.sleep(pause)
    return len(socks) - len(open_)


@pytest.fixture
def guarded(live_server, tmp_path):
    def start(**limits):
        settings = Settings(data_dir=tmp_path / "data", header_timeout_s=1.0, body_timeout_s=1.5, **limits)
        return live_server(settings, {"j": ScriptedJudge()})

    return start


def test_slow_headers_are_cut_while_health_checks_answer(guarded):
    with guarded() as server:
        socks = [connect(server.port) for _ in range(SLOW)]
        for sock in socks:
            sock.send(b"POST /grade HTTP/1.1\r\nHost: v\r\n")
        health = httpx.get(server.url + "/healthz", timeout=10)
        closed = trickle_until_closed(socks)
        for sock in socks:
            sock.close()
    assert health.status_code == 200
    assert closed == SLOW


def test_slow_bodies_are_cut(guarded):
    with guarded() as server:
        socks = [connect(server.port) for _ in range(50)]
        for sock in socks:
            sock.send(
                b"POST /grade HTTP/1.1\r\nHost: v\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n{"
            )
        health = httpx.get(server.url + "/healthz", timeout=10)
        closed = trickle_until_closed(socks)
        fine = httpx.post(server.url + "/grade", json={"items": [{"ground_truth": "dog", "prediction": "dog"}]})
        for sock in socks:
            sock.close()
    assert health.status_code == 200 and fine.status_code == 200
    assert closed == 50


def test_open_connections_are_bounded_and_idle_ones_make_room(guarded):
    with guarded(max_connections=40) as server:
        socks = [connect(server.port) for _ in range(120)]
        time.sleep(0.5)  # let the server accept them all
        health = [httpx.get(server.url + "/healthz", timeout=10).status_code for _ in range(5)]
        still_open = sum(not closed_by_server(sock) for sock in socks)
        for sock in socks:
            sock.close()
    assert health == [200] * 5
    assert still_open <= 40


def test_a_request_without_a_key_is_refused_before_its_body_is_read(live_server, tmp_path):
    settings = Settings(data_dir=tmp_path / "data", api_keys=["k" * 32])
    with live_server(settings, {"j": ScriptedJudge()}) as server:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        sock.sendall(
            b"POST /grade HTTP/1.1\r\nHost: v\r\ncontent-type: application/json\r\n"
            b"content-length: 30000000\r\n\r\n" + b'{"items": [' + b" " * 1000
        )
        try:
            answer = sock.recv(4096)  # the server must answer without the other 29.99 MB
        except TimeoutError:
            answer = b"(no answer)"
        sock.close()
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]


def test_shutdown_ends_with_slow_clients_and_work_in_flight(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "VERIFIER_PORT": str(port),
        "VERIFIER_DATA_DIR": str(tmp_path / "data"),
        "VERIFIER_WORDNET": "true",
        "VERIFIER_BODY_TIMEOUT_S": "600",  # only the shutdown's own bound can end these
        "VERIFIER_HEADER_TIMEOUT_S": "600",
        "VERIFIER_SHUTDOWN_TIMEOUT_S": "5",
    }
    server = ServerProcess(
        "verifier serve", [sys.executable, "-m", "verifier_service", "serve"], tmp_path / "v.log", env=env, cwd=REPO
    )
    server.start(f"http://127.0.0.1:{port}/healthz", timeout=120)
    try:
        socks = [connect(port) for _ in range(20)]
        for sock in socks[:10]:
            sock.send(b"POST /grade HTTP/1.1\r\nHost: v\r\ncontent-length: 5000\r\n\r\n{")
        for sock in socks[10:]:
            sock.send(b"GET /healthz HTTP/1.1\r\n")
        ServerProcess.running.discard(server)  # its end is this test's doing
        server.process.send_signal(signal.SIGTERM)
        try:
            code = server.process.wait(timeout=60)
        except Exception:
            code = "still running 60 s after SIGTERM"
        for sock in socks:
            sock.close()
    finally:
        server.kill()
    assert code in (0, -signal.SIGTERM), f"{code}\n{server.describe()}"
