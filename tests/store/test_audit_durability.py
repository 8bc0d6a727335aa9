"""Every request answered 200 is in the audit log, even when the process is killed with SIGKILL
right after, under load (group commit must not answer before its transaction is committed)."""

import os
import signal
import sqlite3
import sys
import threading

import httpx
from conftest import REPO
from support.processes import ServerProcess, free_port


def test_answered_requests_survive_sigkill(tmp_path):
    port = free_port()
    env = {**os.environ, "VERIFIER_PORT": str(port), "VERIFIER_DATA_DIR": str(tmp_path / "data")}
    server = ServerProcess(
        "verifier serve", [sys.executable, "-m", "verifier_service", "serve"], tmp_path / "v.log", env=env, cwd=REPO
    )
    url = f"http://127.0.0.1:{port}"
    server.start(url + "/healthz", timeout=60)
    answered: list[str] = []
    stop = threading.Event()

    def client(n: int) -> None:
        items = [{"ground_truth": "dog", "prediction": p} for p in ("dog", "none", "cat or dog", f"breed {n}")] * 50
        with httpx.Client(base_url=url, timeout=10) as http:
            while not stop.is_set():
                try:
                    response = http.post("/grade", json={"items": items, "run": f"client-{n}"})
                except httpx.TransportError:
                    return  # the server was killed
                if response.status_code == 200:
                    answered.append(response.json()["request_id"])

    clients = [threading.Thread(target=client, args=(n,)) for n in range(6)]
    for thread in clients:
        thread.start()
    while len(answered) < 60:
        threading.Event().wait(0.01)
    ServerProcess.running.discard(server)  # the kill is this test's doing
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(timeout=10)
    stop.set()
    for thread in clients:
        thread.join(timeout=10)
    with sqlite3.connect(tmp_path / "data" / "audit.db") as db:
        stored = {row[0] for row in db.execute("SELECT request_id FROM requests")}
    missing = [request_id for request_id in answered if request_id not in stored]
    assert len(answered) >= 60 and missing == []


def test_acknowledged_corrections_and_uploads_survive_sigkill(tmp_path):
    """A correction or an upload answered 201 is in the shared state when the process is killed
    right after: the next process serves it."""
    port = free_port()
    env = {**os.environ, "VERIFIER_PORT": str(port), "VERIFIER_DATA_DIR": str(tmp_path / "data")}
    argv = [sys.executable, "-m", "verifier_service", "serve"]
    url = f"http://127.0.0.1:{port}"
    server = ServerProcess("verifier serve", argv, tmp_path / "v.log", env=env, cwd=REPO).start(url + "/healthz")
    taxonomy = {"name": "mine", "nodes": [{"name": "fungus"}, {"name": "Amanita", "parent": "fungus"}]}
    with httpx.Client(base_url=url, timeout=10) as http:
        made = [
            http.post("/corrections", json={"ground_truth": "sushi", "prediction": f"dish {n}", "category": "generic"})
            for n in range(20)
        ]
        uploaded = http.put("/taxonomies/mine", json=taxonomy)
    assert [m.status_code for m in made] == [201] * 20 and uploaded.status_code == 201
    ServerProcess.running.discard(server)
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(timeout=10)
    again = ServerProcess("verifier serve", argv, tmp_path / "v2.log", env=env, cwd=REPO).start(url + "/healthz")
    try:
        with httpx.Client(base_url=url, timeout=10) as http:
            assert len(http.get("/corrections").json()["active"]) == 20
            grade = http.post("/grade", json={"items": [{"ground_truth": "sushi", "prediction": "dish 19"}]}).json()
            assert grade["grades"][0]["source"] == "human"
            assert http.get("/taxonomies/mine").status_code == 200
    finally:
        again.stop()
