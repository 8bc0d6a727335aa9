"""Graceful shutdown: SIGTERM lets the requests in flight finish with their grades."""

import os
import signal
import sys
import threading

import httpx
from conftest import REPO
from support.processes import ServerProcess, free_port
from support.sglang_process import StubServer


def test_sigterm_finishes_requests_in_flight(smollm2_tokenizer_dir, tmp_path):
    slow = StubServer(smollm2_tokenizer_dir, tmp_path, mode="slow", delay=3).start()
    port = free_port()
    env = {
        **os.environ,
        "VERIFIER_PORT": str(port),
        "VERIFIER_DATA_DIR": str(tmp_path / "data"),
        "VERIFIER_JUDGES__S__KIND": "sglang",
        "VERIFIER_JUDGES__S__URL": slow.url,
        "VERIFIER_JUDGES__S__TOKENIZER": str(smollm2_tokenizer_dir),
    }
    server = ServerProcess(
        "verifier serve", [sys.executable, "-m", "verifier_service", "serve"], tmp_path / "v.log", env=env, cwd=REPO
    )
    url = f"http://127.0.0.1:{port}"
    server.start(url + "/healthz", timeout=60)
    try:
        answers = []
        request = threading.Thread(
            target=lambda: answers.append(
                httpx.post(
                    url + "/grade", json={"items": [{"ground_truth": "dog", "prediction": "samoyed"}]}, timeout=60
                )
            )
        )
        request.start()
        threading.Event().wait(1.0)  # the request is now waiting on the judge
        ServerProcess.running.discard(server)  # its end is this test's doing
        server.process.send_signal(signal.SIGTERM)
        request.join(timeout=30)
        # uvicorn re-raises the signal once it has shut down gracefully: -15 is a clean exit here.
        assert server.process.wait(timeout=30) in (0, -signal.SIGTERM)
    finally:
        server.kill()
        slow.kill()
    (answer,) = answers
    assert answer.status_code == 200
    grade = answer.json()["grades"][0]
    assert (grade["status"], grade["category"], grade["source"]) == ("ok", "more specific", "judge")
