"""The audit trail matches what clients received, item by item, failures included."""

import json

from support.fakes import ScriptedJudge

from verifier_service.config import Settings
from verifier_service.grading import Category


def test_audit_matches_the_responses(app_server, tmp_path):
    judge = ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC}, fail_pairs=frozenset({("dog", "broken")}))
    items = [
        {"ground_truth": "dog", "prediction": "samoyed", "id": "a"},
        {"ground_truth": "dog", "prediction": "broken", "id": 7},
        {"ground_truth": "dog", "prediction": "I don't know"},
        {"ground_truth": "samoyed", "prediction": "dog", "taxonomy": "oxford-pets"},
    ]
    with app_server(Settings(data_dir=tmp_path), {"j": judge}) as server, server.client() as http:
        body = http.post("/grade", json={"items": items, "run": "grpo-7"}).json()
        compat = http.post(
            "/api/v1/classify/binary", json={"ground_truths": ["dog"], "predictions": ["dog"], "run_name": "old-run"}
        ).json()
        record = http.get(f"/audit/{body['request_id']}").json()
        compat_record = http.get(f"/audit/{compat['request_id']}").json()
        missing = http.get("/audit/nope")
    trail = record["items"]
    assert (record["run"], record["judge"], record["endpoint"]) == ("grpo-7", "j", "grade")  # once per request
    assert len(trail) == len(items) == len(body["grades"])
    for row, item, grade in zip(trail, items, body["grades"], strict=True):
        assert (row["ground_truth"], row["prediction"]) == (item["ground_truth"], item["prediction"])
        assert (row["status"], row["category"], row["source"], row["error"], row["reason"]) == (
            grade["status"],
            grade["category"],
            grade["source"],
            grade["error"],
            grade["reason"],
        )
        assert row["id"] == item.get("id")
    assert trail[1]["status"] == "judge_error" and trail[3]["taxonomy"] == "oxford-pets"
    assert compat_record["run"] == "old-run" and compat_record["endpoint"] == "classify/binary"
    assert compat_record["items"][0]["category"] == "specific"
    assert missing.status_code == 404


def test_audit_can_be_turned_off(app_server, tmp_path):
    with app_server(Settings(data_dir=tmp_path, audit=False)) as server, server.client() as http:
        body = http.post("/grade", json={"items": [{"ground_truth": "dog", "prediction": "dog"}]}).json()
        assert http.get(f"/audit/{body['request_id']}").status_code == 404
    assert not (tmp_path / "audit.db").exists()


def test_a_request_costs_the_audit_about_its_own_size(app_server, tmp_path):
    """Run names and other per-request fields are stored once per request, not once per item."""
    run = "r" * 200  # the longest run name accepted
    items = [{"ground_truth": "dog", "prediction": f"breed number {i}"} for i in range(1000)]
    with app_server(Settings(data_dir=tmp_path), {"j": ScriptedJudge()}) as server, server.client() as http:
        body = http.post("/grade", json={"items": items, "run": run}).json()
        too_long = http.post(
            "/api/v1/classify/standard", json={"ground_truths": ["a"], "predictions": ["a"], "run_name": "r" * 201}
        )
    import sqlite3

    with sqlite3.connect(tmp_path / "audit.db") as db:
        stored, stored_run = db.execute(
            "SELECT length(items), run FROM requests WHERE request_id = ?", (body["request_id"],)
        ).fetchone()
    request_bytes = len(json.dumps({"items": items}))
    # Was: the run name once per item (200 bytes x 1,000 items more). Each distinct pair's verdict
    # (its category, source, distribution and reason: why it went to the judge) is per item by nature.
    assert stored_run == run and stored < 3.5 * request_bytes
    assert too_long.status_code == 422 and "at most 200 characters" in too_long.text


async def test_retention_by_age_and_by_size(tmp_path):
    import time

    import orjson

    from verifier_service.store.audit import AuditEntry, AuditLog

    def entry(n, created_at):
        verdicts = [("ok", "more specific", "judge", None, None)]
        return AuditEntry(
            f"r{n}",
            "grade",
            None,
            "j",
            None,
            ["dog"] * 10,
            ["samoyed" * 20] * 10,
            verdicts,
            [0] * 10,
            created_at=created_at,
        )

    size = len(orjson.dumps(entry(0, 0).columns()))  # what one request's items take
    log = AuditLog(tmp_path / "audit.db", retention_s=3600, max_bytes=int(2.5 * size))
    now = time.time()
    for n, age in enumerate([7200, 1800, 900, 60, 0]):  # one request per age
        await log.record(entry(n, now - age))
    assert log.prune(now) == 3  # r0 is past the hour; r1 and r2 go to keep the rows under the bound
    assert [log.read(f"r{n}") is not None for n in range(5)] == [False, False, False, True, True]
    log.close()


async def test_concurrent_requests_share_commits(tmp_path):
    import asyncio

    from verifier_service.store.audit import AuditEntry, AuditLog

    log = AuditLog(tmp_path / "audit.db")
    entries = [AuditEntry(f"r{n}", "grade", "run", None, None, ["a"], ["b"], [("ok",) * 5], [0]) for n in range(200)]
    await asyncio.gather(*(log.record(e) for e in entries))
    assert all(log.read(e.request_id) for e in entries)
    assert log.commits < 200  # grouped: the writer took what was waiting in one transaction
    log.close()
