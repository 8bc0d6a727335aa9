"""WordNet anchors that mean something (issue 34, item 3): an anchor WordNet lacks is refused by
``upload`` and ``check`` (naming the closest synsets); with WordNet off an upload is told its anchors
do nothing; an anchored node lets WordNet's words above it settle, in the anchor's own lexicographer
file too ("disease" above a root anchored to plant_disease.n.01 is generic)."""

import json
import subprocess
import sys

from support.fakes import ScriptedJudge

from verifier_service.config import Settings
from verifier_service.grading import Category

DISEASES = {
    "name": "plant-disease",
    "nodes": [
        {"name": "plant disease", "wordnet": "plant_disease.n.01"},
        {"name": "early blight", "parent": "plant disease"},
        {"name": "Tomato Early blight", "parent": "early blight"},
        {"name": "Potato Early blight", "parent": "early blight"},
    ],
}
BOGUS = {**DISEASES, "nodes": [{"name": "plant disease", "wordnet": "plant_diseas.n.01"}, *DISEASES["nodes"][1:]]}


async def test_anchors_are_checked_and_settle_what_lies_above_them(asgi_server, tmp_path):
    judge = {"j": ScriptedJudge({}, default=Category.ABSTAIN)}
    async with asgi_server(Settings(data_dir=tmp_path / "on", wordnet=True), judge) as server, server.client() as http:
        refused = await http.put("/taxonomies/plant-disease", json=BOGUS)
        assert refused.status_code == 422
        assert "'plant_diseas.n.01' is not a WordNet 3.0 noun synset; closest: plant_disease.n.01" in refused.text
        assert (await http.put("/taxonomies/plant-disease", json=DISEASES)).status_code == 201
        answers = ("disease", "plant disease", "illness")
        items = [{"ground_truth": "Tomato Early blight", "prediction": p} for p in answers]
        body = {"items": items, "taxonomy": "plant-disease", "return_explanations": True}
        grades = (await http.post("/grade", json=body)).json()["grades"]
    assert [(g["category"], g["source"]) for g in grades[:2]] == [("generic", "taxonomy")] * 2
    assert "in WordNet it names or lies above the synset anchored" in grades[0]["explanation"]["text"]
    assert grades[2]["source"] in ("taxonomy", "judge")  # illness.n.01 is above disease.n.01, not a sense of it

    async with asgi_server(Settings(data_dir=tmp_path / "off"), judge) as server, server.client() as http:
        answer = await http.put("/taxonomies/plant-disease", json=BOGUS)  # WordNet off: nothing to check against
    assert answer.status_code == 201
    assert answer.json()["warnings"] == [
        "1 wordnet anchor(s) do nothing here: WordNet is off on this service (wordnet: true turns it on; anchors "
        "are then checked, and WordNet's words above an anchor settle as generic)"
    ]


def test_check_refuses_an_anchor_wordnet_lacks(tmp_path):
    path = tmp_path / "bogus.json"
    path.write_text(json.dumps(BOGUS))
    run = subprocess.run([sys.executable, "-m", "verifier_service", "taxonomy", "check", str(path)],
                         capture_output=True, text=True)  # fmt: skip
    assert run.returncode == 1 and "closest: plant_disease.n.01" in run.stderr, run.stderr
    path.write_text(json.dumps(DISEASES))
    run = subprocess.run([sys.executable, "-m", "verifier_service", "taxonomy", "check", str(path)],
                         capture_output=True, text=True)  # fmt: skip
    assert run.returncode == 0, run.stderr
