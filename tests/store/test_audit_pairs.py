"""The audit's pair index (issue 33, finding 4): the review queue read from it is the queue built
by scanning the log, for every filter, through a real service's audit log; its rows follow
retention."""

import random
import time

from support.fakes import ScriptedJudge

from verifier_service.config import Settings
from verifier_service.grading import Category
from verifier_service.review_queue import build_queue

ANSWERS = ["rice dish", "fish", "roll", "japanese food", "nigiri", "I don't know", "sushi", "boom"]


def judge():
    table = {("sushi", "rice dish"): Category.GENERIC, ("sushi", "fish"): Category.WRONG,
             ("sushi", "japanese food"): Category.GENERIC, ("maki", "roll"): Category.LESS_SPECIFIC}  # fmt: skip
    return ScriptedJudge(table, default=Category.WRONG, fail_pairs=frozenset({("sushi", "boom")}))


async def test_the_indexed_queue_is_the_scanned_queue(asgi_server, tmp_path):
    rng = random.Random(3)
    async with asgi_server(Settings(data_dir=tmp_path), {"j": judge()}) as server, server.client() as http:
        for _ in range(40):
            items = [{"ground_truth": rng.choice(["sushi", "maki"]), "prediction": rng.choice(ANSWERS),
                      "taxonomy": rng.choice([None, "food-101"])} for _ in range(rng.randint(1, 30))]  # fmt: skip
            body = {"items": items, "run": rng.choice([None, "grpo-1", "grpo-2"])}
            assert (await http.post("/grade", json=body)).status_code == 200
        services = server.app.state.services
        audit, book = services.audit_log, services.corrections.book
        default = services.grader.default_taxonomy
        since = time.time() - 3600

        def views(requests, **filters):
            return [q.view() for q in build_queue(requests, book, default_taxonomy=default, **filters)]

        for run in (None, "grpo-1"):
            indexed, scanned = audit.judged_pairs(since=since, run=run), audit.scan(since=since, run=run)
            for filters in ({}, {"taxonomy": "food-101"}, {"category": "wrong"}):  # the index serves these
                assert views(indexed, **filters) == views(scanned, **filters), (run, filters)
        assert views(indexed) and sum(q["items"] for q in views(indexed)) > 40
        answered = (await http.get("/review-queue", params={"limit": 200})).json()
        expected = views(audit.judged_pairs(since=since, run=None))
    assert [{k: v for k, v in item.items() if k != "lineage"} for item in answered["items"]] == expected


def test_retention_prunes_the_index_with_the_log(tmp_path):
    from verifier_service.store.audit import AuditEntry, AuditLog

    log = AuditLog(tmp_path / "audit.db", retention_s=86400)
    judged = ("ok", "wrong", "judge", "no taxonomy", None, {"wrong": 0.9}, None)
    five_days_ago = time.time() - 5 * 86400
    old = AuditEntry("a", "grade", None, "j", None, ["sushi"], ["fish"], [judged], [0], created_at=five_days_ago)
    new = AuditEntry("b", "grade", None, "j", None, ["sushi"], ["roll"], [judged], [0])
    import asyncio

    async def write():
        await log.record(old)
        await log.record(new)

    asyncio.run(write())
    assert [r["items"][0]["prediction"] for r in log.judged_pairs(since=0)] == ["roll", "fish"]
    assert len(log.judged_pairs(since=-1e300)) == 2  # a window before 1970 (since_s huge): everything, no error
    log.prune()
    assert [r["items"][0]["prediction"] for r in log.judged_pairs(since=0)] == ["roll"]
    log.close()
