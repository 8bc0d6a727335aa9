"""``POST /openrlhf/reward``, OpenRLHF 0.11's remote reward protocol (one query per call, as
``openrlhf/utils/agent.py`` posts it): groups by prompt and label or by the label's sample id, and
a group without a reward answered 0.0 on every rollout of it with ``speciarl_unscored``, never an
error OpenRLHF would retry into a new rollout and then crash on (issue 31)."""

import asyncio

import pytest
from test_group_rewards import OPENRLHF_PROMPT, TRUTH, completion, judge

from trainer_client.rewards import best_of_rollout_rewards
from verifier_service.config import Settings

URL = "/openrlhf/reward"


def payload(answer, label=TRUTH, prompt=OPENRLHF_PROMPT):
    return {"query": [prompt + completion(answer) + "<|im_end|>"], "prompts": [prompt], "labels": [label]}


def rewards_and_flags(responses):
    assert [r.status_code for r in responses] == [200] * len(responses), [r.text for r in responses]
    answers = [r.json() for r in responses]
    assert all(a["rewards"] == a["scores"] for a in answers)
    return [a["rewards"] for a in answers], [a["extra_logs"]["speciarl_unscored"] for a in answers]


async def test_a_group_by_prompt_and_label(asgi_server, tmp_path):
    async with asgi_server(Settings(data_dir=tmp_path), {"j": judge()}) as server, server.client() as http:
        url = f"{URL}?group_size=3&linger_s=0.2"
        answers = await asyncio.gather(*(http.post(url, json=payload(a)) for a in ("beta", "beta", None)))
    assert rewards_and_flags(answers) == ([1.0, 1.0, -1.0], [0.0, 0.0, 0.0])  # equal answers: two rollouts
    assert [a.json()["extra_logs"]["graded"] for a in answers] == [1.0, 1.0, 0.0]  # the same keys on every answer


async def test_two_samples_under_one_key_get_no_reward_and_say_so(asgi_server, tmp_path):
    """Two samples with one prompt and label at once were one group: refused with 409, which OpenRLHF
    retried 5 times and then crashed on (a sample without a reward). Now every rollout of the key
    answers 0.0 with ``speciarl_unscored``, and the service counts why."""
    async with asgi_server(Settings(data_dir=tmp_path), {"j": judge()}) as server, server.client() as http:
        url = f"{URL}?group_size=2&linger_s=0.3"
        answers = await asyncio.gather(*(http.post(url, json=payload(a)) for a in ("alpha", "beta", "gamma", "delta")))
        metrics = (await http.get("/metrics")).text
    assert rewards_and_flags(answers) == ([0.0] * 4, [1.0] * 4)
    assert 'verifier_unscored_rollouts_total{why="ambiguous"}' in metrics


async def test_a_sample_id_in_the_label_keeps_samples_apart(asgi_server, tmp_path):
    """The method's dataset asks every image the same question: with the sample's id in its label
    (``--data.label_key`` naming prepare-data's ``openrlhf_label``), two images of one class are two
    groups, each rewarded exactly."""
    async with asgi_server(Settings(data_dir=tmp_path), {"j": judge()}) as server, server.client() as http:
        url = f"{URL}?group_size=2&linger_s=0.3"
        samples = {"img-1": ("alpha", "beta"), "img-2": ("gamma", "delta")}
        calls = [
            http.post(url, json=payload(answer, label={"ground_truth": TRUTH, "sample_id": sample}))
            for sample, answers in samples.items()
            for answer in answers
        ]
        found = rewards_and_flags(await asyncio.gather(*calls))
    categories = ["specific", "less specific", "generic", "wrong"]
    assert found == (best_of_rollout_rewards(categories, ["img-1", "img-1", "img-2", "img-2"]), [0.0] * 4)


async def test_an_evaluation_split_gives_its_own_group_size(asgi_server, tmp_path):
    """``--eval.n_samples_per_prompt`` (4 by default) differs from the URL's group size; an eval row's
    label says its own. Before: every evaluation group waited ``wait_s`` and had no reward."""
    async with asgi_server(Settings(data_dir=tmp_path), {"j": judge()}) as server, server.client() as http:
        label = {"ground_truth": TRUTH, "sample_id": "eval-7", "group_size": 2}
        calls = [http.post(f"{URL}?group_size=8&wait_s=20", json=payload(a, label=label)) for a in ("omega", "beta")]
        found = rewards_and_flags(await asyncio.wait_for(asyncio.gather(*calls), 10))
    assert found == ([1.0, 0.0], [0.0, 0.0])


async def test_a_group_with_an_ungraded_rollout_gives_no_rollout_a_reward(asgi_server, tmp_path):
    """A judge failure: 503 before (retried into a new rollout of a full group, then a crash). Now the
    whole group answers 0.0, the specific sibling too: beside its true 1.0 a 0.0 would be a
    disadvantage the failed rollout never earned."""
    async with asgi_server(Settings(data_dir=tmp_path), {"j": judge()}) as server, server.client() as http:
        url = f"{URL}?group_size=2&linger_s=0"
        answers = await asyncio.gather(*(http.post(url, json=payload(a)) for a in ("alpha", "broken")))
        metrics = (await http.get("/metrics")).text
    assert rewards_and_flags(answers) == ([0.0, 0.0], [1.0, 1.0])
    assert 'verifier_unscored_rollouts_total{why="unscorable"} 2.0' in metrics


async def test_a_query_without_its_prompt_leaves_its_group_without_a_reward(asgi_server, tmp_path):
    """Never a reward read from the whole query; no longer a 422 that OpenRLHF retries and crashes on."""
    async with asgi_server(Settings(data_dir=tmp_path), {"j": judge()}) as server, server.client() as http:
        url = f"{URL}?group_size=2&linger_s=0"
        lost = {"query": ["no prompt here " + completion("alpha")], "prompts": [OPENRLHF_PROMPT], "labels": [TRUTH]}
        answers = await asyncio.gather(http.post(url, json=lost), http.post(url, json=payload("alpha")))
    assert rewards_and_flags(answers) == ([0.0, 0.0], [1.0, 1.0])


@pytest.mark.parametrize("store", ["sqlite", "redis"])
async def test_a_group_closed_at_its_deadline_stays_closed_for_late_rollouts(asgi_server, request, tmp_path, store):
    """A dead sibling: the rollouts that waited get 0.0 at the deadline, and a rollout arriving
    afterwards (on another replica) gets 0.0 too, instead of completing the group and being
    rewarded against siblings that were told nothing."""
    shared = {"cache": "redis", "redis_url": request.getfixturevalue("redis_server").url} if store == "redis" else {}
    first = Settings(data_dir=tmp_path / ("a" if store == "redis" else "same"), **shared)
    second = first.model_copy(update={"data_dir": tmp_path / "b"}) if store == "redis" else first
    async with asgi_server(first, {"j": judge()}) as one, asgi_server(second, {"j": judge()}) as other:
        async with one.client() as a, other.client() as b:
            url = f"{URL}?group_size=3&wait_s=0.6&linger_s=0"
            early = await asyncio.gather(a.post(url, json=payload("alpha")), b.post(url, json=payload("beta")))
            late = await b.post(url, json=payload("gamma"))
            other_key = await a.post(url, json=payload("alpha", label="quux"))  # another group: unaffected
            metrics = (await b.get("/metrics")).text
    assert rewards_and_flags([*early, late]) == ([0.0, 0.0, 0.0], [1.0, 1.0, 1.0])
    assert 'verifier_unscored_rollouts_total{why="late"} 1.0' in metrics
    assert rewards_and_flags([other_key]) == ([0.0], [1.0])  # alone in a group of 3: closed at its deadline too


@pytest.mark.parametrize(
    "label",
    [
        {"ground_truth": TRUTH, "sample": "x"},
        {"ground_truth": TRUTH, "group_size": 0},
        {"ground_truth": ""},
        {"sample_id": "x"},
        "",
    ],
)
async def test_malformed_labels_are_refused_with_the_reason(asgi_server, tmp_path, label):
    async with asgi_server(Settings(data_dir=tmp_path), {"j": judge()}) as server, server.client() as http:
        refused = await http.post(f"{URL}?group_size=2", json=payload("alpha", label=label))
    assert refused.status_code == 422 and "labels" in refused.text


async def test_a_store_restarted_empty_never_gives_half_a_group_a_reward(asgi_server, redis_server, tmp_path):
    """The consistency model's "groups in flight are gone", for the remote URL: a rollout waiting
    while Redis restarts empty, and its sibling arriving after. Each call is sent as OpenRLHF sends
    it (again, a second later, after a failure: 5 tries). Whichever way the timing falls, the two
    agree: both unscored (the first's member lost with the store), or both rewarded exactly (the
    first's try sent again rebuilt the group); never one rewarded beside a sibling told nothing."""
    settings = Settings(data_dir=tmp_path, cache="redis", redis_url=redis_server.url)
    async with asgi_server(settings, {"j": judge()}) as server, server.client() as http:
        url = f"{URL}?group_size=2&wait_s=3"
        label = {"ground_truth": TRUTH, "sample_id": "img-9"}

        async def as_openrlhf_sends(answer):
            for _ in range(5):
                answered = await http.post(url, json=payload(answer, label=label))
                if answered.status_code == 200:
                    return answered
                await asyncio.sleep(1)
            return answered

        first = asyncio.ensure_future(as_openrlhf_sends("alpha"))
        await asyncio.sleep(0.5)  # kept, and waiting
        redis_server.stop()
        redis_server.start()  # empty: no snapshot, no append-only file
        sibling = await as_openrlhf_sends("beta")
        rewards, flags = rewards_and_flags([await first, sibling])
    assert (rewards, flags) in (([0.0, 0.0], [1.0, 1.0]), ([1.0, 0.0], [0.0, 0.0])), (rewards, flags)
