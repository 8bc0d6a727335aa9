"""The HTTP API through the whole ASGI stack (middleware, lifespan), in-process."""

import pytest
from conftest import DATA
from support.fakes import ScriptedJudge

from verifier_service.config import Settings
from verifier_service.grading import Category

MIXED = [
    {"ground_truth": "American Robin", "prediction": "I don't know", "id": "refusal"},
    {"ground_truth": "American Robin", "prediction": "robin or cardinal", "id": "options"},
    {"ground_truth": "Golden-winged Warbler", "prediction": "golden-winged warbler", "id": 3},
    {"ground_truth": "dog", "prediction": "samoyed"},
]


@pytest.fixture
def server(app_server, tmp_path):
    judge = ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC})
    settings = Settings(
        data_dir=tmp_path / "data", taxonomy_paths=[DATA], max_items_per_request=50, max_label_chars=100
    )
    with app_server(settings, {"scripted": judge}) as running:
        running.judge = judge
        yield running


def test_grade_mixed_batch(server):
    with server.client() as http:
        response = http.post("/grade", json={"items": MIXED, "return_probabilities": True, "run": "test"})
    assert response.status_code == 200
    body = response.json()
    assert body["judge"] == "scripted"
    grades = body["grades"]
    assert [g["id"] for g in grades] == ["refusal", "options", 3, None]
    assert [(g["category"], g["source"], g["status"]) for g in grades] == [
        ("abstain", "rule", "ok"),
        ("wrong", "rule", "ok"),
        ("specific", "rule", "ok"),
        ("more specific", "judge", "ok"),
    ]
    assert [g["correct"] for g in grades] == [False, False, True, True]
    assert grades[3]["probabilities"]["more specific"] == 0.9 and grades[0]["probabilities"] is None


def test_probabilities_only_on_request_and_cache_on_repeat(server):
    with server.client() as http:
        first = http.post("/grade", json={"items": [{"ground_truth": "dog", "prediction": "husky"}]}).json()
        second = http.post("/grade", json={"items": [{"ground_truth": "dog", "prediction": "husky"}]}).json()
    assert first["grades"][0]["probabilities"] is None
    assert (first["grades"][0]["source"], second["grades"][0]["source"]) == ("judge", "cache")


def test_grade_with_a_taxonomy(server):
    items = [
        {"ground_truth": "Golden-winged Warbler", "prediction": "Vermivora chrysoptera"},
        {"ground_truth": "Golden-winged Warbler", "prediction": "bird"},
        {"ground_truth": "Golden-winged Warbler", "prediction": "Blue-winged Warbler"},
        {"ground_truth": "Golden-winged Warbler", "prediction": "hummingbird"},
    ]
    with server.client() as http:
        body = http.post("/grade", json={"items": items, "taxonomy": "test-birds"}).json()
        listed = http.get("/taxonomies").json()
    assert [(g["category"], g["source"]) for g in body["grades"]] == [
        ("specific", "taxonomy"),
        ("generic", "taxonomy"),
        ("wrong", "taxonomy"),
        ("wrong", "judge"),
    ]
    mine = {t["name"]: t for t in listed["taxonomies"]}["test-birds"]
    assert mine["nodes"] == 8 and mine["sources"] == ["hand-written for the tests"]
    assert server.judge.judged[-1].context.startswith("golden-winged warbler (species)")


def test_judge_failure_is_a_per_item_status(server):
    server.judge.fail_calls = True
    with server.client() as http:
        response = http.post("/grade", json={"items": MIXED[:1] + [{"ground_truth": "cat", "prediction": "lynx"}]})
        ready = http.get("/readyz")
    assert response.status_code == 200
    grades = response.json()["grades"]
    assert grades[0]["status"] == "ok"
    assert grades[1]["status"] == "judge_error" and grades[1]["category"] is None and grades[1]["correct"] is None
    assert "judge is down" in grades[1]["error"]
    assert ready.status_code == 503 and "judge is down" in ready.json()["checks"]["judge:scripted"]


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"items": []}, 422, "at least 1 item"),
        ({}, 422, "items"),
        ({"items": [{"ground_truth": 5, "prediction": "x"}]}, 422, "valid string"),
        ({"items": [{"ground_truth": "dog"}]}, 422, "prediction"),
        ({"items": [{"ground_truth": "dog", "prediction": "x", "colour": 1}]}, 422, "colour"),
        ({"items": "dog"}, 422, "valid list"),
        ({"items": [{"ground_truth": "d" * 101, "prediction": "x"}]}, 422, "ground_truth has 101 characters"),
        ({"items": [{"ground_truth": "?!", "prediction": "x"}]}, 422, "no letters or digits"),
        ({"items": [{"ground_truth": "dog", "prediction": "x"}] * 51}, 413, "limit is 50"),
        ({"items": [{"ground_truth": "dog", "prediction": "x"}], "judge": "gpt"}, 422, "unknown judge 'gpt'"),
        ({"items": [{"ground_truth": "dog", "prediction": "x"}], "taxonomy": "cars"}, 422, "unknown taxonomy"),
        ({"items": [{"ground_truth": "dog", "prediction": "x"}], "return_probabilities": "maybe"}, 422, "bool"),
    ],
)
def test_bad_input_is_a_clear_4xx(server, body, status, fragment):
    with server.client() as http:
        response = http.post("/grade", json=body)
    assert response.status_code == status
    assert fragment in response.text


def test_malformed_json_is_422(server):
    with server.client() as http:
        response = http.post("/grade", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422 and "json" in response.text.lower()


COMPAT = {
    "ground_truths": ["American Robin", "American Robin", "dog", "dog"],
    "predictions": ["none", "robin or cardinal", "samoyed", "American Robin"],
    "run_name": "run-1",
    "extra_info": {"step": 3},
}


def test_compat_standard_and_binary(server):
    with server.client() as http:
        standard = http.post("/api/v1/classify/standard", json={**COMPAT, "model": "scripted"})
        binary = http.post("/api/v1/classify/binary", json=COMPAT)  # no model: the default judge
    assert standard.status_code == 200 and binary.status_code == 200
    assert standard.json()["classifications"] == ["abstain", "wrong", "more specific", "wrong"]
    assert binary.json()["classifications"] == ["wrong", "wrong", "correct", "wrong"]
    assert standard.json()["judge"] == "scripted" and standard.json()["warnings"] == []


def test_compat_unknown_model_is_refused_unless_configured_to_fall_back(server, app_server, tmp_path):
    body = {**COMPAT, "model": "Qwen/Qwen3-30B-A3B-Instruct-2507-FP8"}
    with server.client() as http:
        refused = http.post("/api/v1/classify/standard", json=body)
    assert refused.status_code == 422 and "configured judges: ['scripted']" in refused.json()["detail"]
    settings = Settings(data_dir=tmp_path / "fallback", compat_unknown_model="default_judge")
    judge = ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC})
    with app_server(settings, {"scripted": judge}) as fallback, fallback.client() as http:
        answered = http.post("/api/v1/classify/standard", json=body)
    assert answered.status_code == 200 and "not a configured judge" in answered.json()["warnings"][0]


def test_compat_model_may_name_the_model_a_judge_serves(app_server, tmp_path):
    # a judge configured by settings, whose model is what the method's training scripts send
    model = "Qwen/Qwen3-30B-A3B-Instruct-2507-FP8"
    settings = Settings(
        data_dir=tmp_path, judges={"qwen": {"kind": "openai", "url": "http://127.0.0.1:9/v1", "model": model}}
    )
    with app_server(settings) as running, running.client() as http:
        answered = http.post("/api/v1/classify/standard", json={**COMPAT, "predictions": ["none"] * 4, "model": model})
    assert answered.status_code == 200 and answered.json()["judge"] == "qwen"


def test_compat_errors(server):
    with server.client() as http:
        mismatched = http.post("/api/v1/classify/standard", json={"ground_truths": ["a", "b"], "predictions": ["a"]})
        unknown_mode = http.post("/api/v1/classify/fancy", json={"ground_truths": ["a"], "predictions": ["a"]})
        server.judge.fail_calls = True
        failed = http.post(
            "/api/v1/classify/standard", json={"ground_truths": ["dog", "dog"], "predictions": ["none", "wolf"]}
        )
        graded = http.post("/grade", json={"items": [{"ground_truth": "dog", "prediction": "wolf"}]})
    assert mismatched.status_code == 422 and "ground_truths has 2 entries but predictions has 1" in mismatched.text
    assert unknown_mode.status_code == 422
    # the method's reward code retries a 5xx; an "error" entry would have scored the batch 0
    assert failed.status_code == 503 and failed.headers["retry-after"] == "5"
    assert "1 of 2 items could not be graded (item 1: judge_error" in failed.json()["detail"]
    assert graded.status_code == 200 and graded.json()["grades"][0]["status"] == "judge_error"  # /grade: per item


def test_an_over_long_prediction_is_wrong_not_a_failed_batch(server):
    rambling = "a very long description of a bird " * 10  # over max_label_chars (100)
    items = [{"ground_truth": "dog", "prediction": rambling}, {"ground_truth": "dog", "prediction": "dog"}]
    with server.client() as http:
        graded = http.post("/grade", json={"items": items}).json()["grades"]
        compat = http.post(
            "/api/v1/classify/standard", json={"ground_truths": ["dog"] * 2, "predictions": [rambling, "dog"]}
        )
    assert [(g["category"], g["source"]) for g in graded] == [("wrong", "rule"), ("specific", "rule")]
    assert graded[0]["reason"] == "too long: over 100 characters" and graded[1]["reason"] == "same name"
    assert compat.status_code == 200 and compat.json()["classifications"] == ["wrong", "specific"]


def test_health_ready_metrics(server):
    with server.client() as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        ready = http.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"cache": "ok", "judge:scripted": "ok", "shared_state": "ok"}
        http.post("/grade", json={"items": MIXED})
        http.post("/grade", json={"items": MIXED})
        text = http.get("/metrics").text
    assert 'verifier_items_total{category="abstain",source="rule",status="ok"} 2.0' in text
    assert 'verifier_items_total{category="more specific",source="judge",status="ok"} 1.0' in text
    assert 'verifier_items_total{category="more specific",source="cache",status="ok"} 1.0' in text
    assert "verifier_cache_hits_total 1.0" in text and "verifier_cache_misses_total 1.0" in text
    assert 'verifier_judge_latency_seconds_count{judge="scripted"} 1.0' in text
    assert "verifier_items_in_flight 0.0" in text
    assert 'verifier_requests_total{code="200",endpoint="/grade"} 2.0' in text


def test_judges_and_openapi(server):
    with server.client() as http:
        assert http.get("/judges").json() == {"default": "scripted", "judges": {"scripted": "scripted|prompt=test"}}
        spec = http.get("/openapi.json").json()
    assert {"/grade", "/api/v1/classify/{mode}", "/healthz", "/readyz"} <= set(spec["paths"])


def test_items_can_name_their_own_taxonomy(server):
    items = [
        {"ground_truth": "samoyed", "prediction": "dog", "taxonomy": "oxford-pets"},
        {"ground_truth": "737-800", "prediction": "Boeing 737", "taxonomy": "fgvc-aircraft"},
        {"ground_truth": "Golden-winged Warbler", "prediction": "bird"},  # the request's taxonomy
    ]
    with server.client() as http:
        body = http.post("/grade", json={"items": items, "taxonomy": "test-birds"}).json()
        bad = http.post("/grade", json={"items": [{**items[0], "taxonomy": "nope"}]})
    assert [(g["category"], g["source"]) for g in body["grades"]] == [
        ("generic", "taxonomy"),
        ("less specific", "taxonomy"),
        ("generic", "taxonomy"),
    ]
    assert bad.status_code == 422 and "unknown taxonomy 'nope'" in bad.text
