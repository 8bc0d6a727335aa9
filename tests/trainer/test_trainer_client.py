"""The async client and the TRL reward adapter against the verifier app (in-process, through httpx)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from support.fakes import ScriptedJudge
from support.processes import free_port

from trainer_client.client import VerifierClient, VerifierRequestError, VerifierUnavailable
from trainer_client.rewards import best_of_rollout_rewards
from trainer_client.trl_reward import GroupSplitError, SpecificityReward, check_grpo_config
from verifier_service.config import Settings
from verifier_service.grading import Category


@pytest.fixture
async def server(asgi_server, tmp_path):
    judge = ScriptedJudge(
        {("golden-winged warbler", "warbler"): Category.LESS_SPECIFIC, ("dog", "samoyed"): Category.MORE_SPECIFIC},
        fail_pairs=frozenset({("dog", "broken"), ("golden-winged warbler", "broken")}),
    )
    async with asgi_server(Settings(data_dir=tmp_path / "data", max_items_per_request=5), {"j": judge}) as running:
        running.judge = judge
        yield running


def client_of(server, **kwargs) -> VerifierClient:
    """The real client, its requests carried to the in-process app instead of a socket."""
    return VerifierClient(server.url, transport=server.transport, **kwargs)


async def test_client_grades_and_splits_large_batches(server):
    pairs = [("dog", "samoyed"), ("dog", "none"), ("dog", "dog"), ("dog", "broken")] * 3
    async with client_of(server, max_batch=5) as client:
        grades = await client.grade(pairs, return_probabilities=True)
    assert len(grades) == 12  # three requests of at most 5 items, the service's limit
    assert [g.category for g in grades[:3]] == ["more specific", "abstain", "specific"]
    assert grades[3].status == "judge_error" and grades[3].category is None and not grades[3].ok
    assert grades[0].probabilities["more specific"] == 0.9


async def test_client_raises_clear_errors(server):
    async with client_of(server) as client:
        with pytest.raises(VerifierRequestError, match="413") as info:
            await client.grade([("dog", "x")] * 6)  # the service's limit is 5
        assert info.value.status_code == 413
        with pytest.raises(VerifierRequestError, match="unknown judge"):
            await client.grade([("dog", "x")], judge="nope")
    async with VerifierClient(f"http://127.0.0.1:{free_port()}", retry_for=0.5) as client:
        with pytest.raises(VerifierUnavailable, match="cannot reach the verifier"):
            await client.grade([("dog", "x")])


class FlakyHandler(BaseHTTPRequestHandler):
    """Answers 503 (with Retry-After) to the first two requests, then a valid grade."""

    calls = 0

    def do_POST(self):  # noqa: N802 (http.server's naming)
        type(self).calls += 1
        self.rfile.read(int(self.headers["content-length"]))
        if type(self).calls <= 2:
            self.send_response(503)
            self.send_header("retry-after", "0")
            self.end_headers()
            return
        body = b'{"grades": [{"status": "ok", "category": "specific", "source": "rule", "correct": true}]}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


async def test_client_retries_transient_failures():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FlakyHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        async with VerifierClient(f"http://127.0.0.1:{httpd.server_port}", retry_for=30) as client:
            grades = await client.grade([("dog", "dog")])
        assert grades[0].category == "specific" and FlakyHandler.calls == 3
    finally:
        httpd.shutdown()


def completion(answer: str | None) -> list[dict]:
    text = "<think>looking</think>" + (f"<answer>{answer}</answer>" if answer is not None else "no answer")
    return [{"role": "assistant", "content": text}]


async def test_reward_adapter_gives_best_of_rollout_rewards(server):
    metrics = {}
    reward = SpecificityReward(client_of(server), num_generations=3)
    prompts = [[{"role": "user", "content": "what bird?"}]] * 3 + [[{"role": "user", "content": "what dog?"}]] * 3
    rewards = await reward(
        prompts=prompts,
        completions=[
            completion(a) for a in ["warbler", "Golden-winged Warbler", None, "samoyed", "broken", "cat or dog"]
        ],
        completion_ids=[[1]] * 6,
        ground_truth=["Golden-winged Warbler"] * 3 + ["dog"] * 3,
        sample_id=[7, 7, 7, 8, 8, 8],
        trainer_state=None,
        log_metric=lambda name, value: metrics.__setitem__(name, value),
    )
    assert reward.last_categories == ["less specific", "specific", "unparseable", "more specific", "error", "wrong"]
    assert rewards == [0.0, 1.0, -1.0, 1.0, None, 0.0]
    assert rewards == best_of_rollout_rewards(reward.last_categories, [0, 0, 0, 1, 1, 1])
    assert metrics["verifier/category/unparseable"] == pytest.approx(1 / 6)
    assert metrics["verifier/source/rule"] == pytest.approx(2 / 5)
    await reward.client.aclose()


async def test_reward_adapter_refuses_split_groups(server):
    reward = SpecificityReward(client_of(server), num_generations=4)
    with pytest.raises(GroupSplitError, match="split a group"):
        await reward(
            prompts=["p"] * 6,
            completions=[completion("dog")] * 6,
            ground_truth=["dog"] * 6,
            sample_id=[1, 1, 1, 1, 2, 2],
        )
    with pytest.raises(KeyError, match="sample_id"):
        await reward(prompts=["p"] * 4, completions=[completion("dog")] * 4, ground_truth=["dog"] * 4)
    await reward.client.aclose()
    with pytest.raises(GroupSplitError, match="not a multiple of num_generations 10"):
        check_grpo_config(
            per_device_train_batch_size=4, steps_per_generation=None, gradient_accumulation_steps=2, num_generations=10
        )
    check_grpo_config(
        per_device_train_batch_size=5, steps_per_generation=2, gradient_accumulation_steps=1, num_generations=10
    )


async def test_static_scheme_and_noise(server):
    reward = SpecificityReward(client_of(server), num_generations=2, scheme="scala1", noise=(0.0, 3))
    rewards = await reward(
        prompts=["p", "p"],
        completions=[completion("warbler"), completion("none")],
        ground_truth=["Golden-winged Warbler"] * 2,
        sample_id=[1, 1],
    )
    assert rewards == [0.75, 0.25]
    await reward.client.aclose()


async def test_reward_adapter_with_a_taxonomy_column(server):
    reward = SpecificityReward(client_of(server), num_generations=2, taxonomy_column="domain")
    rewards = await reward(
        prompts=["p"] * 4,
        completions=[completion("dog"), completion("samoyed"), completion("Boeing"), completion("bird")],
        ground_truth=["samoyed", "samoyed", "737-800", "737-800"],
        sample_id=[1, 1, 2, 2],
        domain=["oxford-pets", "oxford-pets", "fgvc-aircraft", "fgvc-aircraft"],
    )
    assert reward.last_categories == ["generic", "specific", "less specific", "wrong"]
    assert rewards == [0.0, 1.0, 1.0, 0.0]
    await reward.client.aclose()


async def test_unreachable_service_raises_by_default_or_skips_when_asked():
    down = f"http://127.0.0.1:{free_port()}"
    batch = {
        "prompts": ["p"] * 3,
        "completions": [completion("dog"), completion(None), completion("cat")],
        "ground_truth": ["dog"] * 3,
        "sample_id": [1, 1, 1],
    }
    strict = SpecificityReward(VerifierClient(down, retry_for=0.3), num_generations=3)
    with pytest.raises(VerifierUnavailable):
        await strict(**batch)
    metrics = {}
    lenient = SpecificityReward(VerifierClient(down, retry_for=0.3), num_generations=3, on_unavailable="skip")
    rewards = await lenient(**batch, log_metric=lambda name, value: metrics.__setitem__(name, value))
    assert rewards == [None, -1.0, None]  # parsed rollouts unscorable, the unparseable one still -1
    assert lenient.unavailable_batches == 1 and metrics["verifier/unavailable"] == 1.0
    with pytest.raises(ValueError, match="on_unavailable"):
        SpecificityReward(down, num_generations=3, on_unavailable="ignore")
    await strict.client.aclose()
    await lenient.client.aclose()


async def test_a_group_with_an_ungraded_rollout_and_no_top_answer_gets_no_rewards(server):
    metrics = {}
    reward = SpecificityReward(client_of(server, max_batch=5), num_generations=3)
    rewards = await reward(
        prompts=["p"] * 6,
        completions=[completion(a) for a in ["broken", "dog", "cat", "broken", "samoyed", "cat"]],
        ground_truth=["dog"] * 6,
        sample_id=[1, 1, 1, 2, 2, 2],
        log_metric=lambda name, value: metrics.__setitem__(name, value),
    )
    # the graded rollouts reached the top rank: the ungraded one cannot have done better
    assert reward.last_categories == ["error", "specific", "wrong", "error", "more specific", "wrong"]
    assert rewards == [None, 1.0, 0.0, None, 1.0, 0.0]
    rewards = await reward(
        prompts=["p"] * 3,
        completions=[completion(a) for a in ["broken", "warbler", "cat"]],
        ground_truth=["Golden-winged Warbler"] * 3,
        sample_id=[1, 1, 1],
        log_metric=lambda name, value: metrics.__setitem__(name, value),
    )
    assert reward.last_categories == ["error", "less specific", "wrong"] and rewards == [None, None, None]
    assert reward.unknown_groups == 1 and metrics["verifier/unknown_groups"] == 1.0
    await reward.client.aclose()


def image(colour: str):
    from PIL import Image

    return Image.new("RGB", (8, 8), colour)


async def test_without_a_group_column_samples_are_told_apart_by_their_images(server):
    reward = SpecificityReward(client_of(server), num_generations=2, group_column=None)
    prompt = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is it?"}]}]
    # the same prompt text for every sample, as in the method; only the images differ
    rewards = await reward(
        prompts=[prompt] * 4,
        completions=[completion(a) for a in ["dog", "cat", "cat", "samoyed"]],
        ground_truth=["dog", "dog", "dog", "dog"],
        image=[image("red"), image("red"), image("blue"), image("blue")],
    )
    assert rewards == [1.0, 0.0, 0.0, 1.0]  # two groups of two
    # PIL images inside the prompt itself, fresh objects each time (their repr holds an address)
    inline = [
        [{"role": "user", "content": [{"type": "image", "image": image(c)}]}] for c in ["red", "red", "blue", "blue"]
    ]
    assert await reward(prompts=inline, completions=[completion("dog")] * 4, ground_truth=["dog"] * 4) == [1.0] * 4
    with pytest.raises(GroupSplitError):  # three samples' worth of runs: 1 + 2 + 1
        await reward(
            prompts=[prompt] * 4,
            completions=[completion("dog")] * 4,
            ground_truth=["dog"] * 4,
            image=[image("red"), image("blue"), image("blue"), image("green")],
        )
    await reward.client.aclose()


class FakeTrainer:
    class Model:
        training = True

    model = Model()


async def test_group_size_follows_the_trainers_mode(server):
    reward = SpecificityReward(client_of(server, max_batch=5), num_generations=4, num_generations_eval=8)
    batch = {
        "prompts": ["p"] * 8,
        "completions": [completion("dog")] + [completion("cat")] * 7,
        "ground_truth": ["dog"] * 8,
        "sample_id": [1] * 8,
    }
    with pytest.raises(RuntimeError, match="bind_trainer"):
        await reward(**batch)
    trainer = FakeTrainer()
    reward.bind_trainer(trainer)
    # training: two groups of 4 (a run of 8 equal keys is two samples)
    assert await reward(**batch) == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    trainer.model.training = False  # evaluation: one group of 8
    assert await reward(**batch) == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    batch["completions"] = [completion("cat")] * 4 + [completion("dog")] + [completion("cat")] * 3
    assert await reward(**batch) == [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]  # one group: only "dog" best
    trainer.model.training = True
    assert await reward(**batch) == [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]  # group 1 all wrong: 0
    await reward.client.aclose()


async def test_lenient_extraction_is_opt_in(server):
    batch = {"prompts": ["p"] * 2, "completions": ["<Answer>dog</Answer>", "<answer>cat</answer>"]}
    strict = SpecificityReward(client_of(server), num_generations=2)
    assert await strict(**batch, ground_truth=["dog"] * 2, sample_id=[1, 1]) == [-1.0, 0.0]
    lenient = SpecificityReward(client_of(server), num_generations=2, lenient_extraction=True)
    assert await lenient(**batch, ground_truth=["dog"] * 2, sample_id=[1, 1]) == [1.0, 0.0]
    await strict.client.aclose()
    await lenient.client.aclose()


async def test_the_rollout_log_shows_which_rewards_came_from_a_persons_correction(server, tmp_path):
    async with server.client() as http:
        made = await http.post(
            "/corrections", json={"ground_truth": "dog", "prediction": "broken", "category": "generic"}
        )
        assert made.status_code == 201
    log = tmp_path / "rollouts.jsonl"
    reward = SpecificityReward(client_of(server), num_generations=2, rollouts_path=log)
    rewards = await reward(
        prompts=[[{"role": "user", "content": "what dog?"}]] * 2,
        completions=[completion("broken"), completion(None)],
        completion_ids=[[1]] * 2,
        ground_truth=["dog"] * 2,
        sample_id=[1, 1],
        trainer_state=None,
    )
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    # the judge fails on this pair; the correction grades it, and the log says who did
    assert [(r["category"], r["source"], r["reward"]) for r in rows] == [
        ("generic", "human", 1.0),
        ("unparseable", None, -1.0),
    ]
    assert rewards == [1.0, -1.0]
    await reward.client.aclose()
