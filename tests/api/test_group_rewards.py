"""Groups assembled by the service from rollouts arriving alone, in any order, on several replicas:
the rewards are exactly ``trainer_client.rewards``'s for the same groups."""

import asyncio
import random

import httpx
import pytest
from support.fakes import ScriptedJudge

from trainer_client.rewards import best_of_rollout_rewards, static_rewards
from verifier_service.config import Settings
from verifier_service.grading import Category

TRUTH = "zorblax"
# answer -> the category it gets (from the judge's table, a rule, or no tag at all)
ANSWERS = {
    "alpha": "specific",
    "omega": "more specific",
    "beta": "less specific",
    "gamma": "generic",
    "delta": "wrong",
    "I don't know": "abstain",  # a rule
    None: "unparseable",  # no <answer> tag
    "broken": "error",  # the judge fails on it
}
TABLE = {
    (TRUTH, "alpha"): Category.SPECIFIC,
    (TRUTH, "omega"): Category.MORE_SPECIFIC,
    (TRUTH, "beta"): Category.LESS_SPECIFIC,
    (TRUTH, "gamma"): Category.GENERIC,
    (TRUTH, "delta"): Category.WRONG,
}


def judge() -> ScriptedJudge:
    return ScriptedJudge(TABLE, fail_pairs=frozenset({(TRUTH, "broken")}))


def completion(answer):
    return "<think>hmm</think>" + (f"<answer>{answer}</answer>" if answer is not None else "no tag")


def seeded_groups(seed: int, groups: int, size: int):
    rng = random.Random(seed)
    answers = list(ANSWERS)
    rollouts = []
    for g in range(groups):
        for i in range(size):
            answer = rng.choice(answers)
            rollouts.append({"group": f"uid-{seed}-{g}", "group_size": size, "rollout": i, "ground_truth": TRUTH,
                             "completion": completion(answer), "_category": ANSWERS[answer]})  # fmt: skip
    return rollouts


async def post_one_by_one(clients, rollouts, seed, **options):
    """Every rollout in a call of its own, all at once, in shuffled order, spread over the clients."""
    order = list(range(len(rollouts)))
    random.Random(seed).shuffle(order)

    async def send(n, index):
        item = {k: v for k, v in rollouts[index].items() if not k.startswith("_")}
        answer = await clients[n % len(clients)].post("/groups/rollouts", json={"rollouts": [item], **options})
        assert answer.status_code == 200, answer.text
        return index, answer.json()["rewards"][0]

    found = dict(await asyncio.gather(*(send(n, i) for n, i in enumerate(order))))
    return [found[i] for i in range(len(rollouts))]


def expected(rollouts, mode="all"):
    return best_of_rollout_rewards([r["_category"] for r in rollouts], [r["group"] for r in rollouts], mode)


@pytest.mark.parametrize("mode", ["all", "single"])
async def test_rollouts_one_at_a_time_get_exactly_the_methods_rewards(asgi_server, tmp_path, mode):
    rollouts = seeded_groups(seed=7, groups=12, size=5)
    async with asgi_server(Settings(data_dir=tmp_path), {"j": judge()}) as server, server.client() as http:
        answers = await post_one_by_one([http], rollouts, seed=1, mode=mode, wait_s=30)
    assert [a["reward"] for a in answers] == expected(rollouts, mode)
    assert [a["category"] for a in answers] == [r["_category"] for r in rollouts]
    for answer, rollout in zip(answers, rollouts, strict=True):
        assert answer["arrived"] == 5
        if answer["reward"] is None:  # not graded itself, or an ungraded sibling might have been the best
            assert answer["status"] == "unscorable"
            why = "judge_error: scripted failure" if rollout["_category"] == "error" else "was not graded"
            assert why in answer["error"]
        else:
            assert answer["status"] == "ok"


async def test_each_rollout_is_graded_when_it_arrives_and_a_late_group_is_incomplete(asgi_server, tmp_path):
    scripted = judge()
    first = {"group": "g", "group_size": 3, "rollout": 0, "ground_truth": TRUTH, "completion": completion("beta")}
    async with asgi_server(Settings(data_dir=tmp_path), {"j": scripted}) as server, server.client() as http:
        alone = (await http.post("/groups/rollouts", json={"rollouts": [first], "wait_s": 0.3})).json()["rewards"][0]
        assert len(scripted.judged) == 1  # graded before its siblings exist
        assert alone == {"group": "g", "rollout": "0", "status": "incomplete", "category": "less specific",
                         "reward": None, "group_best": "less specific", "arrived": 1,
                         "error": "1 of 3 rollouts arrived before the deadline"}  # fmt: skip
        # sent again: idempotent (the same rollout, not a second one)
        again = (await http.post("/groups/rollouts", json={"rollouts": [first], "wait_s": 0.2})).json()["rewards"][0]
        assert again["arrived"] == 1
        # a size that disagrees with the group's first rollout
        wrong_size = await http.post("/groups/rollouts", json={"rollouts": [{**first, "rollout": 1, "group_size": 4}]})
        assert wrong_size.status_code == 422 and "has size 3" in wrong_size.json()["detail"]
        by_answer = {k: v for k, v in first.items() if k != "completion"} | {"rollout": 2, "answer": "delta"}
        rest = [{**first, "rollout": 1, "completion": completion("alpha")}, by_answer]
        done = (await http.post("/groups/rollouts", json={"rollouts": rest})).json()["rewards"]
        assert [(r["reward"], r["status"]) for r in done] == [(1.0, "ok"), (0.0, "ok")]
        assert done[0]["group_best"] == "specific"
        one_more = await http.post("/groups/rollouts", json={"rollouts": [{**first, "rollout": "extra"}]})
        assert one_more.status_code == 409 and "one too many" in one_more.json()["detail"]
        bad = await http.post("/groups/rollouts", json={"rollouts": [{**first, "answer": "x"}]})  # both
        assert bad.status_code == 422 and "exactly one of answer and completion" in bad.text
        outside = await http.post("/groups/rollouts", json={"rollouts": [{**first, "rollout": 3}]})
        assert outside.status_code == 422 and "outside a group of 3" in outside.text


async def test_an_unparseable_answer_is_minus_one_without_a_judge_call_and_static_schemes(asgi_server, tmp_path):
    scripted = judge()
    rollouts = [
        {"group": "s", "group_size": 4, "rollout": i, "ground_truth": TRUTH, "completion": completion(a)}
        for i, a in enumerate([None, "gamma", "delta", "I don't know"])
    ]
    async with asgi_server(Settings(data_dir=tmp_path), {"j": scripted}) as server, server.client() as http:
        answer = (await http.post("/groups/rollouts", json={"rollouts": rollouts, "scheme": "scala1"})).json()
    assert [r["reward"] for r in answer["rewards"]] == static_rewards(
        ["unparseable", "generic", "wrong", "abstain"], "scala1"
    )
    assert {(r.ground_truth, r.prediction) for r in scripted.judged} == {(TRUTH, "gamma"), (TRUTH, "delta")}


async def test_groups_split_over_two_replicas_sharing_a_real_redis(asgi_server, redis_server, tmp_path):
    settings = [
        Settings(data_dir=tmp_path / name, cache="redis", redis_url=redis_server.url, group_poll_s=0.02)
        for name in ("a", "b")
    ]
    rollouts = seeded_groups(seed=11, groups=10, size=4)
    async with (
        asgi_server(settings[0], {"j": judge()}) as one,
        asgi_server(settings[1], {"j": judge()}) as other,
        one.client() as first,
        other.client() as second,
    ):
        answers = await post_one_by_one([first, second], rollouts, seed=3, wait_s=30)
    assert [a["reward"] for a in answers] == expected(rollouts)
    assert all(a["arrived"] == 4 for a in answers)


OPENRLHF_PROMPT = (
    "<|im_start|>user\nWhat bird is this? Answer in <answer></answer> tags.<|im_end|>\n<|im_start|>assistant\n"
)


def test_the_openapi_schema_documents_the_group_endpoints(app_server, tmp_path):
    with app_server(Settings(data_dir=tmp_path), {"j": judge()}) as server, server.client() as http:
        paths = http.get("/openapi.json").json()["paths"]
    assert {"/groups/rollouts", "/openrlhf/reward"} <= set(paths)
    assert isinstance(httpx.Response(200).status_code, int)


async def test_rollout_ids_are_canonical_and_never_negative(asgi_server, tmp_path):
    """Issue 32: 0, "00" and "٠" were three members of one group; -1 was accepted."""
    async with asgi_server(Settings(data_dir=tmp_path), {"j": judge()}) as server, server.client() as http:

        def rollout(rid, answer="alpha"):
            return {
                "group": "g",
                "group_size": 2,
                "rollout": rid,
                "ground_truth": TRUTH,
                "completion": completion(answer),
            }

        spellings = [0, "00", "\u0660", " 0 "]
        answers = await asyncio.gather(
            *(http.post("/groups/rollouts", json={"rollouts": [rollout(r)], "wait_s": 0.5}) for r in spellings)
        )
        assert {a.json()["rewards"][0]["rollout"] for a in answers} == {"0"}
        assert {a.json()["rewards"][0]["arrived"] for a in answers} == {1}  # one member, not four
        for bad in (-1, "-1", "- 3"):
            refused = await http.post("/groups/rollouts", json={"rollouts": [rollout(bad)], "wait_s": 0.5})
            assert refused.status_code == 422 and "negative" in refused.text, refused.text
        outside = await http.post("/groups/rollouts", json={"rollouts": [rollout("\u0662")], "wait_s": 0.5})
        assert outside.status_code == 422 and "outside a group of 2" in outside.text  # Arabic-Indic 2


async def test_groups_belong_to_their_caller_and_a_resent_rollout_must_be_the_same(asgi_server, tmp_path):
    """Issue 32: any key holder could pre-send rollouts into a trainer's group and decide its rewards
    (its correct answer rewarded 0); the same ids sent again with other content silently got the
    first content's grade."""
    keys = tmp_path / "keys.txt"
    keys.write_text("trainer-key-0123456789ab\nother-key-0123456789abcd\n")
    trainer = {"authorization": "Bearer trainer-key-0123456789ab"}
    intruder = {"authorization": "Bearer other-key-0123456789abcd"}

    def rollout(rid, answer, truth=TRUTH, size=2):
        return {
            "group": "g1",
            "group_size": size,
            "rollout": rid,
            "ground_truth": truth,
            "completion": completion(answer),
        }

    async with (
        asgi_server(Settings(data_dir=tmp_path, api_keys_file=keys), {"j": judge()}) as server,
        server.client() as http,
    ):
        # the intruder fills "g1" first, with answers that would make the trainer's look bad or good
        steer = await http.post("/groups/rollouts", headers=intruder,
                                json={"rollouts": [rollout(0, "gamma"), rollout(1, TRUTH)], "wait_s": 1})  # fmt: skip
        assert steer.status_code == 200
        own = await http.post("/groups/rollouts", headers=trainer,
                              json={"rollouts": [rollout(0, "alpha"), rollout(1, "beta")], "wait_s": 5})  # fmt: skip
        assert own.status_code == 200, own.text
        rewards = own.json()["rewards"]
        assert [r["arrived"] for r in rewards] == [2, 2]  # its own two rollouts, not the intruder's
        assert [r["reward"] for r in rewards] == best_of_rollout_rewards(
            [ANSWERS["alpha"], ANSWERS["beta"]], ["g1", "g1"]
        )
        same = await http.post(
            "/groups/rollouts", headers=trainer, json={"rollouts": [rollout(0, "alpha")], "wait_s": 1}
        )
        assert same.status_code == 200 and same.json()["rewards"] == rewards[:1]  # a retry: the same member
        other = await http.post(
            "/groups/rollouts", headers=trainer, json={"rollouts": [rollout(0, "delta")], "wait_s": 1}
        )
        assert other.status_code == 409, other.text
        detail = other.json()["detail"]
        assert "'alpha'" in detail and "'delta'" in detail and "g1" in detail and "\x00" not in detail
        elsewhere = {"rollouts": [rollout(0, "delta", size=1)], "run": "run-2", "wait_s": 1}
        run = await http.post("/groups/rollouts", headers=trainer, json=elsewhere)
        assert run.status_code == 200 and run.json()["rewards"][0]["arrived"] == 1  # another run: another group


async def test_waiting_for_a_group_holds_no_grading_slot_and_has_a_bound_of_its_own(asgi_server, tmp_path):
    """Issue 32: a call waiting on its group held admission slots, so /grade answered 503 while
    nothing was being graded; waiting calls are bounded per caller instead (429, with the bound)."""
    settings = Settings(data_dir=tmp_path, max_items_in_flight=4, group_waiting_max=5)
    async with asgi_server(settings, {"j": judge()}) as server, server.client() as http:

        def rollouts(group, n):
            return [{"group": group, "group_size": 8, "rollout": i, "ground_truth": TRUTH,
                     "completion": completion("alpha")} for i in range(n)]  # fmt: skip

        waiting = asyncio.create_task(http.post("/groups/rollouts", json={"rollouts": rollouts("a", 4), "wait_s": 3}))
        await asyncio.sleep(0.5)  # graded, now waiting for 4 more rollouts that do not come
        graded = await http.post("/grade", json={"items": [{"ground_truth": "dog", "prediction": "none"}] * 4})
        assert graded.status_code == 200, graded.text
        refused = await http.post("/groups/rollouts", json={"rollouts": rollouts("b", 2), "wait_s": 1})
        assert refused.status_code == 429 and "limit 5" in refused.text and refused.headers["retry-after"]
        assert (await waiting).json()["rewards"][0]["status"] == "incomplete"
        after = await http.post("/groups/rollouts", json={"rollouts": rollouts("b", 2), "wait_s": 0.2})
        assert after.status_code == 200  # the bound is free again once the waiting call answered


async def test_group_grades_are_audited_and_reach_the_review_queue(asgi_server, tmp_path):
    """Issue 32: the group endpoints' judge grades never reached /audit or the review queue."""
    async with asgi_server(Settings(data_dir=tmp_path), {"j": judge()}) as server, server.client() as http:
        rollouts = [
            {"group": "g", "group_size": 1, "rollout": 0, "ground_truth": TRUTH, "completion": completion("beta")}
        ]
        assert (await http.post("/groups/rollouts", json={"rollouts": rollouts, "run": "run-7"})).status_code == 200
        payload = {"query": [OPENRLHF_PROMPT + completion("gamma")], "prompts": [OPENRLHF_PROMPT], "labels": [TRUTH]}
        assert (await http.post("/openrlhf/reward", params={"group_size": 1}, json=payload)).status_code == 200
        queue = (await http.get("/review-queue")).json()
    assert {(i["prediction"], i["category"]) for i in queue["items"]} == {
        ("beta", "less specific"),
        ("gamma", "generic"),
    }


async def test_waiting_costs_one_read_per_poll_however_many_groups_a_call_opens(tmp_path):
    """Issue 32: one call opening 16,000 groups kept a core polling SQLite (one read per group per
    poll). Every group a process waits for is read in one batched read per poll now."""
    from verifier_service.grading import Grader
    from verifier_service.group_rewards import GroupRewards, Rollout
    from verifier_service.store.shared_state import SQLiteState

    class Counting(SQLiteState):
        reads: list[int] = []

        async def group(self, group):
            self.reads.append(1)
            return await super().group(group)

        async def groups(self, groups):
            self.reads.append(len(groups))
            return await super().groups(groups)

    state = Counting(tmp_path / "state.db")
    rewards = GroupRewards(state, Grader(judges={"j": judge()}), poll_s=0.05)
    rollouts = [Rollout(f"g{i}", 2, "0", TRUTH, "alpha") for i in range(500)]
    answered = await rewards.submit(rollouts, wait_s=0.5)
    assert {a.status for a in answered} == {"incomplete"} and {a.arrived for a in answered} == {1}
    assert 1 <= len(state.reads) <= 20, len(state.reads)  # about wait_s / poll_s reads, not 500 per poll
    assert max(state.reads) == 500  # each one read all the groups
    await state.aclose()


async def test_static_schemes_keep_no_group_so_repeats_never_clash(asgi_server, tmp_path):
    """Issue 32: a static scheme needs no group, yet a prompt and label sent more than group_size
    times (OpenRLHF: every sample of one question) answered 409."""
    async with asgi_server(Settings(data_dir=tmp_path), {"j": judge()}) as server, server.client() as http:
        payload = {"query": [OPENRLHF_PROMPT + completion("beta")], "prompts": [OPENRLHF_PROMPT], "labels": [TRUTH]}
        params = {"group_size": 1, "scheme": "scala1", "linger_s": 0}
        answers = [await http.post("/openrlhf/reward", params=params, json=payload) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200], answers[-1].text
    assert {a.json()["rewards"] for a in answers} == {0.75}


@pytest.mark.parametrize("store", ["sqlite", "redis"])
async def test_open_groups_are_bounded_per_caller_across_replicas(asgi_server, request, tmp_path, store):
    """Issue 32 ("open groups and waiting calls per key are bounded, with the bound in the error"):
    one caller's open groups, counted in the shared state (both replicas together), past
    ``group_open_max`` refuse a new group (429 naming the bound); its existing groups still take
    rollouts, another caller is unaffected, and groups that expired free the bound."""
    keys = ["a-key-for-trainer-one-0123456789", "a-key-for-trainer-two-0123456789"]
    shared = {"cache": "redis", "redis_url": request.getfixturevalue("redis_server").url} if store == "redis" else {}
    settings = [Settings(data_dir=tmp_path / ("a" if store == "redis" else "same"), api_keys=keys, group_open_max=3,
                         group_ttl_s=1.5, **shared)]  # fmt: skip
    settings.append(settings[0].model_copy(update={"data_dir": tmp_path / "b"}) if store == "redis" else settings[0])

    def call(group, rollout=0):
        one = {
            "group": group,
            "group_size": 2,
            "rollout": rollout,
            "ground_truth": TRUTH,
            "completion": completion("alpha"),
        }
        return {"rollouts": [one], "wait_s": 0.05}

    async with asgi_server(settings[0], {"j": judge()}) as one, asgi_server(settings[1], {"j": judge()}) as other:
        trainer = [s.client(headers={"Authorization": f"Bearer {keys[0]}"}) for s in (one, other)]
        stranger = other.client(headers={"Authorization": f"Bearer {keys[1]}"})
        async with trainer[0] as first, trainer[1] as second, stranger:
            for i, http in enumerate([first, second, first]):
                assert (await http.post("/groups/rollouts", json=call(f"g{i}"))).status_code == 200
            refused = await second.post("/groups/rollouts", json=call("g3"))
            assert refused.status_code == 429 and "3 open groups" in refused.text and "group_open_max" in refused.text
            assert refused.headers["retry-after"]
            assert (await first.post("/groups/rollouts", json=call("g0", 1))).status_code == 200  # an open group
            assert (await stranger.post("/groups/rollouts", json=call("g3"))).status_code == 200  # its own bound
            await asyncio.sleep(1.6)  # the three expire
            assert (await second.post("/groups/rollouts", json=call("g3"))).status_code == 200
