"""A ground truth the named taxonomy does not know is read against WordNet where WordNet knows both
names (issue 34, item 2), and the explanation says so; without WordNet, or where it knows only one,
the pair goes to the judge with its reason."""

from support.fakes import ScriptedJudge

from verifier_service.config import Settings
from verifier_service.grading import Category

BIRDS = {"name": "tiny-birds", "nodes": [{"name": "bird"}, {"name": "warbler", "parent": "bird"}]}


async def test_a_label_the_taxonomy_lacks_is_read_against_wordnet(asgi_server, tmp_path):
    items = [
        {"ground_truth": "dog", "prediction": "canine"},  # WordNet knows both: settled
        {"ground_truth": "dog", "prediction": "zorblax"},  # WordNet knows one: the judge's
        {"ground_truth": "Tomato Erly blight", "prediction": "blight"},  # nobody knows the label
    ]
    body = {"items": items, "taxonomy": "tiny-birds", "return_explanations": True}
    judge = {"j": ScriptedJudge({}, default=Category.ABSTAIN)}
    found = {}
    for wordnet in (True, False):
        settings = Settings(data_dir=tmp_path / str(wordnet), wordnet=wordnet)
        async with asgi_server(settings, judge) as server, server.client() as http:
            assert (await http.put("/taxonomies/tiny-birds", json=BIRDS)).status_code == 201
            found[wordnet] = (await http.post("/grade", json=body)).json()["grades"]
    on, off = found[True], found[False]
    assert (on[0]["category"], on[0]["source"]) == ("less specific", "taxonomy")  # WordNet: canine is its parent
    assert on[0]["explanation"]["relation"] == "wordnet, for a label the taxonomy lacks"
    text = on[0]["explanation"]["text"]
    assert text.startswith('tiny-birds does not know the ground truth "dog"; WordNet knows both')
    assert [g["reason"] for g in on[1:]] == ["unknown prediction", "unknown ground truth"]  # "dog": WordNet has it
    assert [g["reason"] for g in off] == ["unknown ground truth"] * 3  # WordNet off: the judge, with the reason
