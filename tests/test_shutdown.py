"""Graceful shutdown: SIGTERM lets the requests in flight finish with their grades."""

import os
import signal
import subprocess
import sys
import threading

import httpx
from conftest import REPO, free_port, wait_for_http
from test_sglang_judge import Stub


def test_sigterm_finishes_requests_in_flight(smollm2_tokenizer_dir, tmp_path):
    slow = Stub(smollm2_tokenizer_dir, mode="slow")
    slow.args += ["--delay", "3"]
    slow.start()
    port = free_port()
    env = {
        **os.environ,
        "VERIFIER_PORT": str(port),
        "VERIFIER_DATA_DIR": str(tmp_path / "data"),
        "VERIFIER_JUDGES__S__KIND": "sglang",
        "VERIFIER_JUDGES__S__URL": slow.url,
        "VERIFIER_JUDGES__S__TOKENIZER": str(smollm2_tokenizer_dir),
    }
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "verifier_service", "serve"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_http(url + "/healthz", server, timeout=60)
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
        server.send_signal(signal.SIGTERM)
        request.join(timeout=30)
        # uvicorn re-raises the signal once it has shut down gracefully: -15 is a clean exit here.
        assert server.wait(timeout=30) in (0, -signal.SIGTERM)
    finally:
        if server.poll() is None:
            server.kill()
        log.close()
        slow.kill()
    (answer,) = answers
    assert answer.status_code == 200
    grade = answer.json()["grades"][0]
    assert (grade["status"], grade["category"], grade["source"]) == ("ok", "more specific", "judge")
