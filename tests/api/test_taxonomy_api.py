"""Taxonomy endpoints over HTTP: list, show, look up, upload (and use in /grade)."""

import json

import pytest
import yaml
from support.fakes import ScriptedJudge

from verifier_service.config import Settings

MY_BIRDS = {
    "name": "my-birds",
    "close_ranks": ["genus"],
    "nodes": [
        {"name": "bird"},
        {"name": "Vermivora", "parent": "bird", "rank": "genus"},
        {"name": "Golden-winged Warbler", "parent": "Vermivora", "rank": "species"},
        {"name": "Blue-winged Warbler", "parent": "Vermivora", "rank": "species"},
    ],
}


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "data")


def test_list_show_and_lookup(app_server, settings):
    settings = settings.model_copy(update={"wordnet": True})
    with app_server(settings, {"j": ScriptedJudge()}) as server, server.client() as http:
        listed = {t["name"]: t for t in http.get("/taxonomies").json()["taxonomies"]}
        shown = http.get("/taxonomies/oxford-pets").json()
        found = http.get("/taxonomies/cub-200/lookup", params={"term": "a photo of a golden-winged warbler"}).json()
        missing = http.get("/taxonomies/cub-200/lookup", params={"term": "dodo"}).json()
        wordnet = http.get("/taxonomies/wordnet/lookup", params={"term": "samoyed"}).json()
        unknown = http.get("/taxonomies/nope")
    assert {"cub-200", "fgvc-aircraft", "stanford-cars", "oxford-pets", "flowers-102", "food-101", "wordnet"} <= set(
        listed
    )
    assert shown["nodes"][0] == {
        "name": "pet animal",
        "rank": "class",
        "synonyms": ["pet", "animal", "domestic animal"],
    }
    assert found["found"] is True and found["node"] == "Golden winged Warbler"
    assert [step["name"] for step in found["lineage"]] == [
        "Golden winged Warbler",
        "Vermivora",
        "Parulidae",
        "Passeriformes",
        "bird",
    ]
    assert missing == {"taxonomy": "cub-200", "term": "dodo", "found": False}
    assert wordnet["node"] == "samoyed.n.03"
    assert unknown.status_code == 404 and "available" in unknown.json()["detail"]


def test_upload_use_replace_and_persist(app_server, settings):
    items = [
        {"ground_truth": "Golden-winged Warbler", "prediction": "Vermivora"},
        {"ground_truth": "Golden-winged Warbler", "prediction": "Blue-winged Warbler"},
    ]
    with app_server(settings, {"j": ScriptedJudge()}) as server, server.client() as http:
        created = http.put(
            "/taxonomies/my-birds", content=json.dumps(MY_BIRDS), headers={"content-type": "application/json"}
        )
        graded = http.post("/grade", json={"items": items, "taxonomy": "my-birds"}).json()
        replaced = http.put(
            "/taxonomies/my-birds",
            content=yaml.safe_dump({**MY_BIRDS, "close_ranks": []}),
            headers={"content-type": "application/yaml"},
        )
        regraded = http.post("/grade", json={"items": items[:1], "taxonomy": "my-birds"}).json()
    assert created.status_code == 201 and created.json()["name"] == "my-birds" and created.json()["nodes"] == 4
    assert [(g["category"], g["source"]) for g in graded["grades"]] == [
        ("less specific", "taxonomy"),
        ("wrong", "taxonomy"),
    ]
    assert replaced.status_code == 200 and replaced.json()["outcome"] == "replaced"
    assert replaced.json()["version"] != created.json()["version"]
    assert regraded["grades"][0]["category"] == "less specific"  # distance 1 without ranks: still close
    with app_server(settings, {"j": ScriptedJudge()}) as server, server.client() as http:  # a restart
        again = http.get("/taxonomies/my-birds").json()
    assert again["version"] == replaced.json()["version"]


@pytest.mark.parametrize(
    ("name", "body", "content_type", "status", "fragment"),
    [
        ("cub-200", json.dumps({**MY_BIRDS, "name": "cub-200"}), "application/json", 409, "a bundled taxonomy"),
        ("other-name", json.dumps(MY_BIRDS), "application/json", 422, "make them agree"),
        ("my-birds", json.dumps(MY_BIRDS), "text/plain", 415, "application/json or application/yaml"),
        ("my-birds", "{not json", "application/json", 422, "not valid JSON"),
        ("my-birds", json.dumps({"nodes": [{"name": "a", "parent": "b"}]}), "application/json", 422, "unknown parent"),
        ("bad name!", json.dumps(MY_BIRDS), "application/json", 422, "a taxonomy name is"),
    ],
)
def test_upload_errors(app_server, settings, name, body, content_type, status, fragment):
    with app_server(settings) as server, server.client() as http:
        response = http.put(f"/taxonomies/{name}", content=body, headers={"content-type": content_type})
    assert response.status_code == status and fragment in response.text
