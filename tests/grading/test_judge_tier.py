"""The judge tier alone: cache, single-flight, batching and failures, with no pipeline around it."""

import asyncio

from support.fakes import ScriptedJudge

from verifier_service.grading import Category, JudgeRequest, JudgeTier, NamedJudge, Source, Status
from verifier_service.grading.ports import NullObserver
from verifier_service.store.sqlite_cache import SQLiteGradeCache


def tier(cache=None, **kwargs) -> JudgeTier:
    return JudgeTier(cache=cache, observer=NullObserver(), **kwargs)


DOG = JudgeRequest("dog", "samoyed")
CAT = JudgeRequest("cat", "lynx")


async def test_keys_with_one_request_share_one_judgement(tmp_path):
    judge = ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC})
    grades = await tier().grade({"a": DOG, "b": DOG, "c": CAT}, NamedJudge("j", judge))
    assert grades["a"] == grades["b"] and grades["a"].category is Category.MORE_SPECIFIC
    assert grades["c"].category is Category.WRONG and len(judge.judged) == 2


async def test_cached_grades_are_not_judged_again(tmp_path):
    cache = SQLiteGradeCache(tmp_path / "grades.sqlite3")
    judge = ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC})
    first = await tier(cache).grade({1: DOG}, NamedJudge("j", judge))
    second = await tier(cache).grade({1: DOG}, NamedJudge("j", judge))  # another process, same cache
    assert (first[1].source, second[1].source) == (Source.JUDGE, Source.CACHE)
    assert second[1].probabilities == first[1].probabilities and len(judge.calls) == 1


async def test_concurrent_calls_judge_a_pair_once():
    judge = ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC}, delay=0.2)
    shared = tier()
    results = await asyncio.gather(*(shared.grade({i: DOG}, NamedJudge("j", judge)) for i in range(8)))
    assert len(judge.judged) == 1 and all(r[i].category is Category.MORE_SPECIFIC for i, r in enumerate(results))


async def test_a_cancelled_caller_does_not_cancel_the_judging_others_wait_for():
    judge = ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC}, delay=0.2)
    shared = tier()
    first = asyncio.create_task(shared.grade({1: DOG}, NamedJudge("j", judge)))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(shared.grade({1: DOG}, NamedJudge("j", judge)))
    await asyncio.sleep(0.01)
    first.cancel()
    assert (await asyncio.wait_for(second, 5))[1].category is Category.MORE_SPECIFIC
    assert len(judge.judged) == 1


async def test_batches_are_split_and_failures_stay_per_item_and_uncached(tmp_path):
    cache = SQLiteGradeCache(tmp_path / "grades.sqlite3")
    judge = ScriptedJudge(fail_pairs=frozenset({("dog", "breed 3")}))
    requests = {i: JudgeRequest("dog", f"breed {i}") for i in range(7)}
    grades = await tier(cache, batch_size=3).grade(requests, NamedJudge("j", judge))
    assert sorted(len(call) for call in judge.calls) == [1, 3, 3]
    assert grades[3].status is Status.JUDGE_ERROR and grades[3].category is None
    assert all(grades[i].status is Status.OK for i in requests if i != 3)
    assert cache.count() == 6


async def test_a_judge_that_cannot_name_itself_fails_every_pair():
    class Nameless(ScriptedJudge):
        async def identity(self):
            raise ConnectionError("server down")

    grades = await tier().grade({1: DOG, 2: CAT}, NamedJudge("remote", Nameless()))
    assert all(g.status is Status.JUDGE_ERROR and "server down" in g.error for g in grades.values())


async def test_a_failed_call_is_an_error_for_each_of_its_pairs():
    judge = ScriptedJudge(fail_calls=True)
    grades = await tier().grade({1: DOG, 2: CAT}, NamedJudge("j", judge))
    assert [g.status for g in grades.values()] == [Status.JUDGE_ERROR] * 2
    assert "judge 'j' failed: ConnectionError: judge is down" in grades[1].error


async def test_a_finished_judging_never_settles_a_later_one_for_the_same_pair():
    """A failed judging's clean-up runs after its waiters resumed; a new request for the same pair
    started in between must get its own judge's answer, not "judging was interrupted"."""
    judge = ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC}, fail_calls=True)
    shared = tier()
    failed = await shared.grade({1: DOG}, NamedJudge("j", judge))
    judge.fail_calls = False
    recovered = await shared.grade({1: DOG}, NamedJudge("j", judge))
    assert failed[1].status is Status.JUDGE_ERROR
    assert recovered[1].status is Status.OK and recovered[1].category is Category.MORE_SPECIFIC
