"""Every grade that reached the judge says why the exact tiers stopped (issue 34, item 1): in its
``reason`` and explanation, in ``verifier_judge_reasons_total``, once in the log for a ground truth
the taxonomy lacks (with its closest names), and in ``evaluate-judge``'s report."""

import logging

from support.fakes import ScriptedJudge

from verifier_service.config import Settings
from verifier_service.grading import Category
from verifier_service.judge_evaluation import LabelledPair, format_report, grade_labelled, summarise
from verifier_service.services import build_services

DISEASES = {
    "name": "plant-disease",
    "nodes": [
        {"name": "plant disease"},
        {"name": "blight", "parent": "plant disease"},
        {"name": "early blight", "parent": "blight"},
        {"name": "Tomato Early blight", "parent": "early blight"},
        {"name": "Potato Early blight", "parent": "early blight"},
        {"name": "leaf spot", "parent": "plant disease", "overlaps": ["early blight"]},
        {"name": "Tomato leaf spot", "parent": "leaf spot"},
    ],
}
ITEMS = [  # (ground truth, prediction, taxonomy) -> why a judge was asked
    ("Tomato Erly blight", "early blight", "plant-disease", "unknown ground truth"),  # a typo in the label
    ("Tomato Early blight", "brown rings on the lower leaves", "plant-disease", "unknown prediction"),
    ("Tomato Early blight", "leaf spot", "plant-disease", "declared overlap"),
    ("Black Tern", "seabird", "cub-200", "unsure group member"),
    ("zorblax", "quux", None, "no taxonomy"),
]


async def test_each_judged_grade_names_why_the_exact_tiers_stopped(asgi_server, tmp_path, caplog):
    items = [{"ground_truth": t, "prediction": p, "taxonomy": x} for t, p, x, _ in ITEMS]
    async with asgi_server(Settings(data_dir=tmp_path), {"j": ScriptedJudge({}, default=Category.ABSTAIN)}) as server:
        async with server.client() as http:
            assert (await http.put("/taxonomies/plant-disease", json=DISEASES)).status_code in (200, 201)
            with caplog.at_level(logging.WARNING):
                for _ in range(2):
                    answer = await http.post("/grade", json={"items": items, "return_explanations": True})
                    grades = answer.json()["grades"]
                    await http.post("/grade", json={"items": items[:1], "taxonomy": None})  # memoised: no new count
            metrics = (await http.get("/metrics")).text
    assert [g["reason"] for g in grades] == [why for *_, why in ITEMS]
    assert all(g["source"] in ("judge", "cache") and g["explanation"]["tier"] == "judge" for g in grades)
    typo = grades[0]["explanation"]
    assert typo["unsettled"]["closest"][0] == "Tomato Early blight"
    assert 'does not know the ground truth "tomato erly blight"' in typo["text"] and "a typo" in typo["text"]
    assert "knows both, and an overlap" in grades[2]["explanation"]["text"]
    assert '"seabird" is the group' in grades[3]["explanation"]["unsettled"]["text"]
    for _, _, _, why in ITEMS:  # distinct pairs, counted once each (the second request came from the memo)
        assert f'verifier_judge_reasons_total{{reason="{why}"}} 1.0' in metrics
    logged = [r.getMessage() for r in caplog.records if "does not know the ground truth" in r.getMessage()]
    assert len(logged) == 1 and "Tomato Early blight" in logged[0]  # once per taxonomy and label


async def test_evaluate_judge_reports_what_was_left_to_the_judge_by_reason(tmp_path):
    settings = Settings(data_dir=tmp_path, cache="none", audit=False, grade_memo_size=0)
    services = await build_services(settings, extra_judges={"j": ScriptedJudge({}, default=Category.WRONG)})
    pairs = [
        LabelledPair("Golden winged Warbler", "warbler", "less specific", "cub-200", "cub-200"),  # the taxonomy
        LabelledPair("Golden wnged Warbler", "warbler", "less specific", "cub-200", "cub-200"),  # a typo
        LabelledPair("Golden wnged Warbler", "bird", "generic", "cub-200", "cub-200"),
        LabelledPair("Black Tern", "seabird", "generic", "cub-200", "cub-200"),
    ]
    try:
        graded, escalated = await grade_labelled(services, pairs, judge="j", no_rules=False)
    finally:
        await services.aclose()
    report = summarise(graded, escalated=escalated)
    assert report["unsettled_by_reason"] == {"unknown ground truth": 2, "unsure group member": 1}
    assert report["unknown_ground_truths"] == [("Golden wnged Warbler", 2)]
    text = format_report(report, "t")
    assert "left to the judge by the exact tiers, by reason: unknown ground truth 2, unsure group member 1" in text
    assert "ground truths the taxonomy lacks: 'Golden wnged Warbler' (2)" in text
