"""Names end where they end, and ids come back exactly as sent (issue 27)."""

import pytest
from support.fakes import ScriptedJudge

from verifier_service.config import Settings

TINY = {"name": "nl", "nodes": [{"name": "root"}]}


@pytest.fixture
def server(app_server, tmp_path):
    with app_server(Settings(data_dir=tmp_path / "data"), {"j": ScriptedJudge()}) as running:
        yield running


@pytest.mark.parametrize("name", ["nl%0A", "nl%0D", "nl%20", "nl%00"])
def test_a_name_with_a_trailing_control_character_is_refused(server, name):
    with server.client() as http:
        answer = http.put(f"/taxonomies/{name}", json=TINY)
        listed = [t["name"] for t in http.get("/taxonomies").json()["taxonomies"]]
    assert answer.status_code == 422, answer.text
    assert "nl" not in listed


@pytest.mark.parametrize("bad", ["true", "false", "1e3", "1.0", "[1]", '{"a": 1}'])
def test_an_id_that_is_not_a_string_or_an_integer_is_refused(server, bad):
    body = '{"items": [{"ground_truth": "dog", "prediction": "dog", "id": ' + bad + "}]}"
    with server.client() as http:
        answer = http.post("/grade", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 422, answer.text


def test_ids_are_echoed_exactly(server):
    ids = ["007", 7, "7", -3, "", 2**62]
    items = [{"ground_truth": "dog", "prediction": "dog", "id": i} for i in ids]
    with server.client() as http:
        answer = http.post("/grade", json={"items": items}).json()
    assert [g["id"] for g in answer["grades"]] == ids
