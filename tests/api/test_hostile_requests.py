"""Hostile requests get a clear 4xx, never a 500, and cost at most about their own size
(issue 18: alias bombs, huge taxonomies, malformed JSON, lone surrogates, deep nesting, ...)."""

import asyncio
import concurrent.futures
import json
import time

import pytest
from support.fakes import ScriptedJudge

from verifier_service.config import Settings
from verifier_service.taxonomy import Taxonomy, TaxonomyError, parse_taxonomy_text

OK_ITEM = '{"ground_truth": "dog", "prediction": "dog"}'


@pytest.fixture
def server(app_server, tmp_path):
    settings = Settings(data_dir=tmp_path / "data", max_taxonomy_nodes=1000, max_uploaded_taxonomies=3)
    with app_server(settings, {"j": ScriptedJudge()}) as running:
        yield running


@pytest.mark.parametrize(
    "body",
    [
        '{"items": [' + OK_ITEM + '], "run": NaN}',
        '{"items": [{"ground_truth": "dog", "prediction": "dog", "id": Infinity}]}',
        '{"items": [{"ground_truth": "dog", "prediction": "dog", "id": 1e400}]}',
        '{"items": [{"ground_truth": "dog", "prediction": "dog", "id": ' + "9" * 5000 + "}]}",
        '{"items": [{"ground_truth": "dog", "prediction": "\\ud800"}]}',
        '{"items": [{"ground_truth": "\\udfff dog", "prediction": "dog"}]}',
        '{"items": [' + OK_ITEM + '], "run": "\\ud83d"}',
        '{"items": [{"ground_truth": "dog", "prediction": "dog", "id": "\\ud800"}]}',
        "[" * 100_000 + "]" * 100_000,
        '{"items": [' + OK_ITEM + '], "run": "' + "r" * 201 + '"}',
        '{"items": [{"ground_truth": "dog", "prediction": "dog", "id": "' + "i" * 201 + '"}]}',
    ],
)
def test_malformed_json_and_values_are_422_and_nothing_is_audited(server, body):
    with server.client() as http:
        response = http.post("/grade", content=body.encode(), headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text[:300]
    assert "message" in response.json() or "detail" in response.json()


def test_compatibility_routes_bound_their_free_text(server):
    with server.client() as http:
        huge_extra = http.post(
            "/api/v1/classify/standard",
            json={"ground_truths": ["a"], "predictions": ["a"], "extra_info": {"x": "y" * 5000}},
        )
        long_run = http.post(
            "/api/v1/classify/standard", json={"ground_truths": ["a"], "predictions": ["a"], "run_name": "r" * 10_000}
        )
    assert huge_extra.status_code == 422 and "extra_info has" in huge_extra.text
    assert long_run.status_code == 422


def test_a_big_invalid_body_is_not_echoed_back(server):
    items = [{"ground_truth": 5, "prediction": "x" * 1000}] * 3000  # 3 MB, every item invalid
    with server.client() as http:
        response = http.post("/grade", json={"items": items})
    assert response.status_code == 422
    assert len(response.content) < 20_000 and response.json()["more_errors"] > 0


BOMB = """
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
name: bomb
description: *g
nodes: [{name: x}]
"""


def test_yaml_alias_bombs_are_refused(server):
    assert len(BOMB) < 500
    started = time.monotonic()
    with server.client() as http:
        response = http.put("/taxonomies/bomb", content=BOMB, headers={"content-type": "application/yaml"})
    assert response.status_code == 422 and "aliases are not accepted" in response.text
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("content_type", "body", "fragment"),
    [
        ("application/json", "[" * 100_000 + "]" * 100_000, "not valid JSON"),
        ("application/yaml", "nodes:\n" + "- " * 100 + "x\n", "nested at most"),
        ("application/yaml", "nodes:\n  - {name: a, 1: b}\n", "key must be str"),
        ("application/yaml", "{1: x, nodes: [{name: a}]}\n", "key must be str"),
        ("application/yaml", 'nodes: [{name: "\\ud800"}]\n', "not valid YAML"),
        ("application/json", '{"nodes": [{"name": "a", "rank": ' + "9" * 5000 + "}]}", "not valid JSON"),
        ("application/json", json.dumps({"nodes": [{"name": f"n{i}"} for i in range(1001)]}), "the limit is 1000"),
    ],
)
def test_hostile_taxonomies_are_422(server, content_type, body, fragment):
    with server.client() as http:
        response = http.put("/taxonomies/hostile", content=body, headers={"content-type": content_type})
    assert response.status_code == 422, response.text[:300]
    assert fragment in response.json()["detail"]


@pytest.mark.parametrize("name", [".", "..", ".hidden", "-x"])
def test_taxonomy_names_that_are_not_names(server, name):
    with server.client() as http:
        response = http.put(
            f"/taxonomies/{name}", content='{"nodes": [{"name": "a"}]}', headers={"content-type": "application/json"}
        )
    assert response.status_code in (404, 405, 422)  # "." and ".." never reach the route as names


def test_uploads_are_capped(server):
    body = '{"nodes": [{"name": "a"}]}'
    with server.client() as http:
        codes = [
            http.put(f"/taxonomies/t{n}", content=body, headers={"content-type": "application/json"}).status_code
            for n in range(4)
        ]
        other = '{"nodes": [{"name": "b"}]}'
        replaced = http.put("/taxonomies/t0", content=other, headers={"content-type": "application/json"})
    assert codes == [201, 201, 201, 409] and replaced.status_code == 200  # replacing one is fine


def test_concurrent_uploads_of_one_name_all_succeed_and_leave_one_whole_file(server):
    bodies = [
        json.dumps({"nodes": [{"name": f"root {n}"}, {"name": f"leaf {n}", "parent": f"root {n}"}]}) for n in range(12)
    ]
    with server.client() as http, concurrent.futures.ThreadPoolExecutor(6) as pool:
        codes = list(
            pool.map(
                lambda b: (
                    http.put("/taxonomies/same", content=b, headers={"content-type": "application/json"}).status_code
                ),
                bodies,
            )
        )
        stored = http.get("/taxonomies/same").json()
    assert set(codes) <= {200, 201} and len(stored["nodes"]) == 2
    documents = asyncio.run(server.app.state.services.state.documents("taxonomy"))
    assert list(documents) == ["same"]  # one whole document, the last upload's


def test_overlaps_survive_a_restart_and_change_the_version(app_server, tmp_path):
    nodes = [
        {"name": "plant"},
        {"name": "Geranium", "parent": "plant", "rank": "genus"},
        {"name": "Pelargonium", "parent": "plant", "rank": "genus"},
        {"name": "zonal geranium", "parent": "Pelargonium", "overlaps": ["Geranium"]},
    ]
    plain = Taxonomy.from_dict({"name": "g", "nodes": [{k: v for k, v in n.items() if k != "overlaps"} for n in nodes]})
    with_overlaps = Taxonomy.from_dict({"name": "g", "nodes": nodes})
    assert plain.version != with_overlaps.version  # the content changed: so must the version
    settings = Settings(data_dir=tmp_path)
    items = [{"ground_truth": "zonal geranium", "prediction": "Geranium", "taxonomy": "flowers"}]
    for _ in range(2):  # upload, then a restart that reads the saved file
        with app_server(settings, {"j": ScriptedJudge()}) as running, running.client() as http:
            if _ == 0:
                http.put("/taxonomies/flowers", json={"nodes": nodes})
            version = http.get("/taxonomies/flowers").json()["version"]
            grade = http.post("/grade", json={"items": items}).json()["grades"][0]
        assert grade["source"] in ("judge", "cache")  # the overlap leaves it to the judge, before and after
        assert version == Taxonomy.from_dict({"name": "flowers", "nodes": nodes}).version


def test_checks_are_linear_in_the_number_of_nodes():
    chain = [{"name": "n0"}] + [{"name": f"n{i}", "parent": f"n{i - 1}"} for i in range(1, 60_000)]
    started = time.monotonic()
    Taxonomy.from_dict({"name": "chain", "nodes": list(reversed(chain))})  # listed leaf first
    assert time.monotonic() - started < 10  # quadratic took 19.5 s; linear takes about one
    with pytest.raises(TaxonomyError, match="cycle"):
        parse_taxonomy_text(
            json.dumps({"nodes": [{"name": "a", "parent": "b"}, {"name": "b", "parent": "a"}]}), fmt="json", name="c"
        )
