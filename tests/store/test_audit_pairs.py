"""The audit's pair index (issue 33, finding 4): a review-queue page ordered and cut in SQL over it is
the same page of the queue built by scanning the log, for every filter and page, through a real
service's audit log; its rows follow retention; a former index is moved over."""

import random
import time

from support.fakes import ScriptedJudge

from verifier_service.config import Settings
from verifier_service.grading import Category
from verifier_service.review_queue import QueueItem, build_queue

ANSWERS = ["rice dish", "fish", "roll", "japanese food", "nigiri", "I don't know", "sushi", "boom"]


def judge():
    table = {("sushi", "rice dish"): Category.GENERIC, ("sushi", "fish"): Category.WRONG,
             ("sushi", "japanese food"): Category.GENERIC, ("maki", "roll"): Category.LESS_SPECIFIC}  # fmt: skip
    return ScriptedJudge(table, default=Category.WRONG, fail_pairs=frozenset({("sushi", "boom")}))


async def test_the_indexed_queue_is_the_scanned_queue(asgi_server, tmp_path):
    """Every page of the judge's queue, ordered and cut in SQL over the pair index, is the same page
    of the queue built by scanning the log, for every filter, with corrections left out; spellings
    a correction keys as one pair ("Sushi", " sushi") are one pair in both."""
    rng = random.Random(3)
    async with asgi_server(Settings(data_dir=tmp_path), {"j": judge()}) as server, server.client() as http:
        for _ in range(40):
            items = [{"ground_truth": rng.choice(["sushi", "maki", "Sushi "]), "prediction": rng.choice(ANSWERS),
                      "taxonomy": rng.choice([None, "food-101"])} for _ in range(rng.randint(1, 30))]  # fmt: skip
            body = {"items": items, "run": rng.choice([None, "grpo-1", "grpo-2"])}
            assert (await http.post("/grade", json=body)).status_code == 200
        correction = {"ground_truth": "sushi", "prediction": "fish", "category": "wrong", "taxonomy": "food-101"}
        assert (await http.post("/corrections", json=correction)).status_code == 201
        await server.app.state.services.corrections.sync()
        services = server.app.state.services
        audit, book = services.audit_log, services.corrections.book
        default = services.grader.default_taxonomy
        since = time.time() - 3600

        def views(items):
            return [q.view() for q in items]

        checked = 0
        for run in (None, "grpo-1"):
            scanned = audit.scan(since=since, run=run)
            for filters in ({}, {"taxonomy": "food-101"}, {"category": "wrong"}, {"category": "generic"}):
                queue = build_queue(scanned, book, default_taxonomy=default, **filters)
                for offset, limit in ((0, 200), (0, 3), (3, 4), (len(queue), 5)):
                    total, found = audit.review_page(
                        corrected=book.active, corrections_version=book.version, since=since, run=run,
                        default_taxonomy=default, offset=offset, limit=limit, **filters,
                    )  # fmt: skip
                    page = views(QueueItem.from_fields(f) for f in found)
                    assert (total, page) == (len(queue), views(queue[offset : offset + limit])), (run, filters)
                    checked += len(page)
        assert checked > 40
        answered = (await http.get("/review-queue", params={"limit": 200})).json()
        total, found = audit.review_page(corrected=book.active, corrections_version=book.version, since=since,
                                         default_taxonomy=default, limit=200)  # fmt: skip
    assert answered["total"] == total and len(answered["items"]) == len(found)
    assert [{k: v for k, v in item.items() if k != "lineage"} for item in answered["items"]] == views(
        QueueItem.from_fields(f) for f in found
    )
    corrected = [i for i in answered["items"] if i["ground_truth"].strip().lower() == "sushi"
                 and i["prediction"] == "fish" and i["taxonomy"] == "food-101"]  # fmt: skip
    assert not corrected, corrected


def test_an_index_of_the_former_layout_is_moved_over(tmp_path):
    """An audit file whose index is the former ``judged_pairs`` (keyed by the pair as sent) is
    moved to the page's layout when the service opens it, counts kept."""
    import sqlite3

    import orjson

    from verifier_service.store.audit import AuditLog

    conn = sqlite3.connect(tmp_path / "audit.db")
    conn.execute("CREATE TABLE judged_pairs (ground_truth TEXT, prediction TEXT, taxonomy TEXT, run TEXT,"
                 " day INTEGER, verdict BLOB, items INTEGER, last_seen REAL)")  # fmt: skip
    verdict = orjson.dumps(["ok", "generic", "judge", "unknown prediction", None, {"generic": 0.6, "wrong": 0.4}])
    now = time.time()
    conn.executemany("INSERT INTO judged_pairs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
        ("sushi", "rice dish", "", "", int(now // 86400), verdict, 3, now - 5),
        ("Sushi", "rice dish", "", "", int(now // 86400), verdict, 2, now),
    ])  # fmt: skip
    conn.commit()
    conn.close()
    log = AuditLog(tmp_path / "audit.db")
    total, found = log.review_page(corrected=(), corrections_version="none", since=now - 3600)
    log.close()
    assert total == 1 and (found[0]["ground_truth"], found[0]["items"], found[0]["category"]) == ("Sushi", 5, "generic")


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

    def predictions(since):
        return [i["prediction"] for i in log.review_page(corrected=(), corrections_version="v", since=since)[1]]

    assert predictions(0) == ["roll", "fish"]
    assert len(predictions(-1e300)) == 2  # a window before 1970 (since_s huge): everything, no error
    log.prune()
    assert predictions(0) == ["roll"]
    log.close()
