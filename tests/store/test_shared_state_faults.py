"""Faults while two replicas work (issue 33): corrections, uploads, groups and grading go on from
two replicas sharing a real redis-server while it is paused (SIGSTOP), restarted empty, and cut
back to a copy missing the tail of the corrections log. Asserted: no answer but 2xx, 4xx or 503
(never another 5xx, never an exception), every acknowledged correction on both replicas at the
end with its own id, and the replicas agreeing on the corrections and on what they grade."""

import asyncio
import signal
import time

import redis
from support.fakes import ScriptedJudge

from verifier_service.config import Settings
from verifier_service.grading import Category

LOG_KEY = "verifier:state:log:corrections"


async def test_two_replicas_through_pause_restart_and_a_lagging_copy(asgi_server, redis_server, tmp_path):
    made = [
        Settings(data_dir=tmp_path / n, cache="redis", redis_url=redis_server.url, state_sync_s=0.2, group_poll_s=0.02)
        for n in ("a", "b")
    ]
    statuses: list[int] = []
    acknowledged: dict[int, str] = {}  # correction id -> its prediction
    stop = asyncio.Event()

    async def traffic(http, name):
        n = 0
        while not stop.is_set():
            n += 1
            prediction = f"{name} answer {n}"
            item = {"ground_truth": "dog", "prediction": prediction}
            answer = await http.post("/corrections", json={**item, "category": "generic"})
            statuses.append(answer.status_code)
            if answer.status_code == 201:
                assert acknowledged.setdefault(answer.json()["id"], prediction) == prediction, "an id given twice"
            graded = await http.post("/grade", json={"items": [item, {"ground_truth": "dog", "prediction": "none"}]})
            statuses.append(graded.status_code)
            upload = await http.put(f"/taxonomies/{name}-{n % 3}", json={"name": f"{name}-{n % 3}",
                                                                         "nodes": [{"name": f"x{n}"}]})  # fmt: skip
            statuses.append(upload.status_code)
            rollout = {"group": f"{name}-{n}", "group_size": 1, "rollout": 0, "ground_truth": "dog",
                       "completion": "<answer>dog</answer>"}  # fmt: skip
            group = await http.post("/groups/rollouts", json={"rollouts": [rollout], "wait_s": 2})
            statuses.append(group.status_code)
            await asyncio.sleep(0.02)

    async with (
        asgi_server(made[0], {"j": ScriptedJudge(default=Category.ABSTAIN)}) as one,
        asgi_server(made[1], {"j": ScriptedJudge(default=Category.ABSTAIN)}) as other,
        one.client() as first,
        other.client() as second,
    ):
        workers = [asyncio.create_task(traffic(first, "a")), asyncio.create_task(traffic(second, "b"))]
        await asyncio.sleep(1.0)
        redis_server.server.process.send_signal(signal.SIGSTOP)  # paused
        await asyncio.sleep(3.0)
        redis_server.server.process.send_signal(signal.SIGCONT)
        await asyncio.sleep(1.0)
        redis_server.stop()  # down, then back empty (no persistence)
        await asyncio.sleep(1.0)
        redis_server.start()
        await asyncio.sleep(1.5)
        held = redis.Redis.from_url(redis_server.url).llen(LOG_KEY)
        redis.Redis.from_url(redis_server.url).ltrim(LOG_KEY, 0, max(0, held // 2 - 1))  # a lagging copy
        await asyncio.sleep(1.5)
        stop.set()
        await asyncio.gather(*workers)

        async def listing(http):
            return sorted((c["id"], c["prediction"]) for c in (await http.get("/corrections")).json()["active"])

        deadline = time.monotonic() + 10
        while True:
            await first.post("/grade", json={"items": [{"ground_truth": "dog", "prediction": "cat"}]})
            await second.post("/grade", json={"items": [{"ground_truth": "dog", "prediction": "cat"}]})
            a, b = await listing(first), await listing(second)
            if (a == b and set(a) >= set(acknowledged.items())) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        graded = [
            (await http.post("/grade", json={"items": [{"ground_truth": "dog", "prediction": p}
                                                       for p in acknowledged.values()]})).json()["grades"]
            for http in (first, second)
        ]  # fmt: skip

    assert not [s for s in statuses if s >= 500 and s != 503], sorted(set(statuses))
    assert 503 in statuses and statuses.count(201) > 10  # the faults were felt, and work went on
    assert a == b and set(acknowledged.items()) <= set(a), (len(acknowledged), len(a), len(b))
    assert graded[0] == graded[1] and {g["source"] for g in graded[0]} == {"human"}
