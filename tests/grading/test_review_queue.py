"""The review queue's order (doubt x impact), its filters, and corrected pairs left out."""

from verifier_service.grading.corrections import Change, replay
from verifier_service.review_queue import build_queue


def request(items, run="r1", taxonomy=None, at=1.0):
    return {"created_at": at, "run": run, "taxonomy": taxonomy, "items": items}


def item(prediction, category="wrong", source="judge", probabilities=None, status="ok", taxonomy=None):
    return {"ground_truth": "sushi", "prediction": prediction, "category": category, "source": source,
            "probabilities": probabilities, "status": status, "error": None, "taxonomy": taxonomy}  # fmt: skip


SURE = {"wrong": 0.95, "generic": 0.05}
SPLIT = {"generic": 0.5, "wrong": 0.45, "abstain": 0.05}


def test_doubt_times_impact_first_and_errors_most_doubtful():
    requests = [
        request([item("fish", probabilities=SURE)] * 10),  # sure, ten rollouts: 10 x 0.1 = 1.0
        request([item("rice dish", "generic", probabilities=SPLIT)] * 3),  # split, three: 3 x 0.95
        request([item("roll", None, "judge", None, "judge_error")]),  # failed: doubt 1
        request([item("sushi", "specific", "rule"), item("food", "generic", "taxonomy")]),  # not the judge's
    ]
    queue = build_queue(requests, replay([]))
    assert [q.prediction for q in queue] == ["rice dish", "fish", "roll"]
    assert [q.view()["priority"] for q in queue] == [2.85, 1.0, 1.0]
    assert build_queue(requests, replay([]), category="generic")[0].prediction == "rice dish"
    assert [q.prediction for q in build_queue(requests, replay([]), sources=frozenset({"rule"}))] == ["sushi"]
    corrected = replay([Change(1, "set", "Sushi", "rice  dish", None, "generic", "generic", "alice", 0.0)])
    assert "rice dish" not in [q.prediction for q in build_queue(requests, corrected)]
    overruled = [request([{**item("nigiri", "generic", probabilities=SURE), "overruled": "wrong"}])]
    assert build_queue(overruled, replay([]))[0].doubt == 1.0  # an escalation's two judges disagreed
    with_taxonomy = [request([item("maki", taxonomy="food-101")], taxonomy=None)]
    assert build_queue(with_taxonomy, replay([]), taxonomy="food-101")[0].taxonomy == "food-101"
    assert build_queue(with_taxonomy, replay([]), taxonomy="cub-200") == []
