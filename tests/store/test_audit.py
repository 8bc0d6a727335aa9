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
        trail = http.get(f"/audit/{body['request_id']}").json()["items"]
        compat_trail = http.get(f"/audit/{compat['request_id']}").json()["items"]
        missing = http.get("/audit/nope")
    assert len(trail) == len(items) == len(body["grades"])
    for row, item, grade in zip(trail, items, body["grades"], strict=True):
        assert (row["ground_truth"], row["prediction"]) == (item["ground_truth"], item["prediction"])
        assert (row["status"], row["category"], row["source"], row["error"]) == (
            grade["status"],
            grade["category"],
            grade["source"],
            grade["error"],
        )
        assert row["item_id"] == (json.dumps(item["id"]) if "id" in item else None)
        assert row["run"] == "grpo-7" and row["judge"] == "j"
    assert trail[1]["status"] == "judge_error" and trail[3]["taxonomy"] == "oxford-pets"
    assert compat_trail[0]["run"] == "old-run" and compat_trail[0]["category"] == "specific"
    assert missing.status_code == 404


def test_audit_can_be_turned_off(app_server, tmp_path):
    with app_server(Settings(data_dir=tmp_path, audit=False)) as server, server.client() as http:
        body = http.post("/grade", json={"items": [{"ground_truth": "dog", "prediction": "dog"}]}).json()
        assert http.get(f"/audit/{body['request_id']}").status_code == 404
    assert not (tmp_path / "audit.sqlite3").exists()
