"""The shared state (uploads, corrections, groups) while a real redis-server is down: a replica
serves reads from its last snapshot and says so (``/readyz``, a metric), refuses writes with 503
and the reason, never answers 500, and picks up again once Redis is back (issue 33, finding 2)."""

import asyncio
import time

from support.fakes import ScriptedJudge
from support.waiting import eventually

from verifier_service.config import Settings
from verifier_service.grading import Category

SUSHI = {"ground_truth": "sushi", "prediction": "Japanese food"}
BIRDS = {"name": "birds", "nodes": [{"name": "bird"}, {"name": "warbler", "parent": "bird"}]}


async def test_a_replica_serves_its_last_snapshot_refuses_writes_and_recovers(asgi_server, redis_server, tmp_path):
    settings = Settings(data_dir=tmp_path, cache="redis", redis_url=redis_server.url, state_sync_s=0.2)
    async with asgi_server(settings, {"j": ScriptedJudge(default=Category.ABSTAIN)}) as server, server.client() as http:
        assert (await http.post("/corrections", json={**SUSHI, "category": "generic"})).status_code == 201
        assert (await http.put("/taxonomies/birds", json=BIRDS)).status_code in (200, 201)
        redis_server.stop()
        await asyncio.sleep(0.3)  # past the sync interval: the next request tries the store

        items = [SUSHI, {"ground_truth": "warbler", "prediction": "bird", "taxonomy": "birds"},
                 {"ground_truth": "dog", "prediction": "I don't know"}]  # fmt: skip
        graded = await http.post("/grade", json={"items": items})
        assert graded.status_code == 200, graded.text
        assert [(g["category"], g["source"]) for g in graded.json()["grades"]] == [
            ("generic", "human"),  # the correction, from the snapshot
            ("less specific", "taxonomy"),  # the uploaded taxonomy, from the snapshot
            ("abstain", "rule"),
        ]
        refused = await http.post(
            "/corrections", json={"ground_truth": "dog", "prediction": "cat", "category": "wrong"}
        )
        assert refused.status_code == 503, refused.text
        assert "shared state" in refused.json()["detail"] and refused.headers.get("retry-after")
        upload = await http.put("/taxonomies/fish", json={"name": "fish", "nodes": [{"name": "fish"}]})
        assert upload.status_code == 503, upload.text
        rollout = {
            "group": "g",
            "group_size": 1,
            "rollout": 0,
            "ground_truth": "dog",
            "completion": "<answer>dog</answer>",
        }
        group = await http.post("/groups/rollouts", json={"rollouts": [rollout], "wait_s": 1})
        assert group.status_code == 503, group.text

        ready = await http.get("/readyz")
        assert ready.status_code == 200, ready.text  # reads are served: the replica stays in rotation
        checks = ready.json()["checks"]
        assert ready.json()["status"] == "degraded"
        assert checks["shared_state"].startswith("degraded: serving the last snapshot"), checks
        metrics = (await http.get("/metrics")).text
        assert 'verifier_shared_state_stale{feature="corrections"} 1.0' in metrics
        assert 'verifier_shared_state_stale{feature="taxonomies"} 1.0' in metrics

        redis_server.start()  # back (empty: no persistence in the test's server)

        async def recovered():
            answer = await http.post(
                "/corrections", json={"ground_truth": "dog", "prediction": "cat", "category": "wrong"}
            )
            return answer if answer.status_code == 201 else None

        assert await eventually(recovered, 5)

        async def ready_again():
            answer = await http.get("/readyz")
            return answer if answer.json()["checks"].get("shared_state") == "ok" else None

        assert await eventually(ready_again, seconds=10), (await http.get("/readyz")).json()
        metrics = (await http.get("/metrics")).text
        assert 'verifier_shared_state_stale{feature="corrections"} 0.0' in metrics


async def test_a_paused_store_costs_deadlines_not_hangs(asgi_server, redis_server, tmp_path):
    """Redis stopped with SIGSTOP (no answer, no refusal): grading goes on from the snapshot, and a
    write is refused once the store's timeout passes, instead of hanging."""
    import signal

    settings = Settings(data_dir=tmp_path, cache="redis", redis_url=redis_server.url, state_sync_s=0.2)
    async with asgi_server(settings, {"j": ScriptedJudge(default=Category.ABSTAIN)}) as server, server.client() as http:
        assert (await http.post("/corrections", json={**SUSHI, "category": "generic"})).status_code == 201
        redis_server.server.process.send_signal(signal.SIGSTOP)
        try:
            await asyncio.sleep(0.3)
            started = time.monotonic()
            graded = [await http.post("/grade", json={"items": [SUSHI]}) for _ in range(5)]
            grading_s = time.monotonic() - started
            started = time.monotonic()
            refused = await http.post(
                "/corrections", json={"ground_truth": "dog", "prediction": "cat", "category": "wrong"}
            )
            refused_s = time.monotonic() - started
        finally:
            redis_server.server.process.send_signal(signal.SIGCONT)
        assert [g.json()["grades"][0]["source"] for g in graded] == ["human"] * 5
        # The store's socket timeout is 2 s: at most a couple of refreshes wait for it, never a hang.
        assert grading_s < 10, grading_s
        assert refused.status_code == 503 and "unreachable" in refused.json()["detail"], refused.text
        assert refused_s < 10, refused_s
