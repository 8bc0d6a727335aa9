"""Issues 31 and 32: OpenRLHF's remote-URL calls carry no rollout id, and OpenRLHF sends a failed call
again (5 tries); each try used to be a new rollout of its group, so the group held one too many and
was rewarded over a duplicate while the real last rollout was refused. A call sent again is now the
same member: after its client went away (the member released at once) and after its replica was
killed (taken over when the lease ends), on real servers sharing a real redis-server."""

import os
import signal
import sys
import threading

import httpx
import pytest
from conftest import REPO
from support.processes import ServerProcess, free_port

from trainer_client.rewards import best_of_rollout_rewards

pytestmark = pytest.mark.slow

PROMPT = "<|im_start|>user\nWhat bird is this?<|im_end|>\n<|im_start|>assistant\n"
LABEL = {"ground_truth": "Laysan Albatross", "sample_id": "img-1"}  # cub-200 settles these answers: no judge
URL = "/openrlhf/reward?group_size=2&taxonomy=cub-200&linger_s=0&wait_s=60"


def call(answer: str) -> dict:
    query = f"{PROMPT}<think>hm</think><answer>{answer}</answer><|im_end|>"
    return {"query": [query], "prompts": [PROMPT], "labels": [LABEL]}


EXPECTED = best_of_rollout_rewards(["less specific", "specific"], [0, 0])  # albatross, Laysan Albatross


def replica(tmp_path, name, redis_url=None) -> tuple[ServerProcess, str]:
    port = free_port()
    env = {**os.environ, "VERIFIER_PORT": str(port), "VERIFIER_DATA_DIR": str(tmp_path / name),
           "VERIFIER_GROUP_LEASE_S": "2"}  # fmt: skip
    if redis_url:
        env |= {"VERIFIER_CACHE": "redis", "VERIFIER_REDIS_URL": redis_url}
    server = ServerProcess(name, [sys.executable, "-m", "verifier_service", "serve"], tmp_path / f"{name}.log",
                           env=env, cwd=REPO)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    server.start(url + "/healthz", timeout=60)
    return server, url


def post_in_background(url: str, body: dict) -> tuple[threading.Thread, list]:
    answers: list = []

    def post() -> None:
        try:
            answers.append(httpx.post(url, json=body, timeout=60))
        except httpx.HTTPError as exc:
            answers.append(exc)

    thread = threading.Thread(target=post)
    thread.start()
    return thread, answers


def test_a_call_sent_again_after_its_client_went_away_is_the_same_rollout(tmp_path):
    server, base = replica(tmp_path, "one")
    try:
        # the first try: its connection drops while it waits for its sibling (a proxy's timeout, a reset)
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(base + URL, json=call("albatross"), timeout=1.5)
        retry, retried = post_in_background(base + URL, call("albatross"))  # OpenRLHF's next try
        threading.Event().wait(1.5)
        sibling = httpx.post(base + URL, json=call("Laysan Albatross"), timeout=60)
        retry.join(timeout=60)
    finally:
        server.stop()
    assert sibling.status_code == 200 and retried[0].status_code == 200, (sibling.text, retried)
    assert [retried[0].json()["rewards"], sibling.json()["rewards"]] == EXPECTED == [0.0, 1.0]
    assert retried[0].json()["extra_logs"]["speciarl_unscored"] == 0.0


def test_a_call_sent_again_after_its_replica_died_takes_its_place(tmp_path, redis_server):
    dying, dying_url = replica(tmp_path, "dying", redis_server.url)
    living, living_url = replica(tmp_path, "living", redis_server.url)
    try:
        first, lost = post_in_background(dying_url + URL, call("albatross"))
        threading.Event().wait(2.0)  # kept, and waiting for its sibling
        ServerProcess.running.discard(dying)  # its end is this test's doing
        dying.process.send_signal(signal.SIGKILL)
        first.join(timeout=30)
        assert isinstance(lost[0], httpx.HTTPError)  # what OpenRLHF sees, and sends again (a balancer: elsewhere)
        retry, retried = post_in_background(living_url + URL, call("albatross"))
        sibling = httpx.post(living_url + URL, json=call("Laysan Albatross"), timeout=60)
        retry.join(timeout=60)
    finally:
        dying.kill()
        living.stop()
    assert sibling.status_code == 200 and retried[0].status_code == 200, (sibling.text, retried)
    assert [retried[0].json()["rewards"], sibling.json()["rewards"]] == EXPECTED
