import pytest

from trainer_client.evaluation import best_of_n, score
from trainer_client.extraction import completion_text, extract_answer


@pytest.mark.parametrize(
    ("completion", "answer"),
    [
        ("<think>hmm</think><answer>Golden-winged Warbler</answer>", "Golden-winged Warbler"),
        ("<answer> robin </answer><answer>cardinal</answer>", "robin"),  # first tag wins
        ("<answer>\n  Golden-winged\n  Warbler\n</answer>", "Golden-winged\n  Warbler"),  # may span lines
        ("<answer>robin</answer> and </answer>", "robin"),  # the shortest match
        ("<answer>None</answer>", "None"),  # abstaining is an answer, graded by the service
        ("<answer>robin/cardinal</answer>", "robin/cardinal"),  # raw: the verifier normalises
        ("<answer>?</answer>", "?"),  # not empty after stripping: judged (the verifier grades it wrong)
        ("<answer>_</answer>", "_"),
        ("<answer><answer>robin</answer></answer>", "<answer>robin"),  # the shortest match, as written
        # the method's tags are exact: anything else is unparseable
        ("<ANSWER>Robin</ANSWER>", None),
        ("<Answer>Robin</Answer>", None),
        ("<answer >robin</answer>", None),
        ("< answer >robin</ answer >", None),
        ("no tags at all", None),
        ("<answer>robin", None),  # never closed
        ("</answer>robin<answer>", None),
        ("<answer>   </answer>", None),
        ("<answer>\n\t</answer>", None),
        ("", None),
    ],
)
def test_extract_answer_is_the_methods(completion, answer):
    assert extract_answer(completion) == answer


@pytest.mark.parametrize(
    ("completion", "answer"),
    [
        ("<ANSWER>Robin</Answer>", "Robin"),
        ("< answer >robin</ answer >", "robin"),
        ("<answer><answer>robin</answer></answer>", "robin"),  # a tag opened again is dropped
        ("<answer>?</answer>", "?"),
        ("<answer>  </answer>", None),
        ("no tags", None),
    ],
)
def test_lenient_extraction_is_an_explicit_option(completion, answer):
    assert extract_answer(completion, lenient=True) == answer


def test_completion_text_formats():
    assert completion_text("plain") == "plain"
    assert completion_text([{"role": "assistant", "content": "<answer>x</answer>"}]) == "<answer>x</answer>"
    parts = [
        {"role": "assistant", "content": [{"type": "text", "text": "<answer>"}, {"type": "text", "text": "y</answer>"}]}
    ]
    assert extract_answer(completion_text(parts)) == "y"
    with pytest.raises(TypeError):
        completion_text(42)


def test_score_and_weighted_score():
    s = score(["more specific", "specific", "less specific", "generic", "abstain", "wrong", "unparseable", "error"])
    assert s.count == 8 and s.errors == 1
    assert s.percentages["error"] == 12.5 and sum(s.percentages.values()) == pytest.approx(100)
    assert s.weighted_score == pytest.approx((1 + 1 + 0.6 + 0.2 + 0 - 1 - 1) / 7)
    assert score([]).weighted_score is None
    with pytest.raises(ValueError):
        score(["correct"])


def test_best_of_n_ranks_more_specific_first():
    categories = ["specific", "more specific", "wrong", "unparseable", "error", "error", "abstain", "wrong"]
    samples = [1, 1, 2, 2, 3, 3, 4, 4]
    assert best_of_n(categories, samples) == ["more specific", "wrong", "error", "abstain"]


def test_best_of_n_never_scores_ungraded_predictions():
    # an ungraded prediction might have been the best: the sample is left out, never -1 ...
    categories = ["unparseable", "error", "generic", "error", "more specific", "error", "unparseable", "unparseable"]
    samples = [1, 1, 2, 2, 3, 3, 4, 4]
    best = best_of_n(categories, samples)
    assert best == ["error", "error", "more specific", "unparseable"]  # ... unless nothing could beat the best
    scored = score(best)
    assert scored.errors == 2 and scored.weighted_score == pytest.approx((1 - 1) / 2)
    assert score(["generic", "wrong", "generic", "wrong", "generic"]).as_row()["weighted_score"] == pytest.approx(-0.28)
    assert score(["specific", "wrong"]).as_row()["weighted_score"] == 0.0  # rounded: never 2e-17
