import asyncio

import pytest
from conftest import DATA
from support.fakes import ScriptedJudge

from verifier_service.grading import (
    Category,
    GradeInput,
    Grader,
    InvalidItemError,
    JudgeRequest,
    Source,
    Status,
    UnknownNameError,
    cache_key,
)
from verifier_service.store.sqlite_cache import SQLiteGradeCache
from verifier_service.taxonomy import load_taxonomy_file

BIRDS = load_taxonomy_file(DATA / "birds.yaml")


def items(*pairs: tuple[str, str]) -> list[GradeInput]:
    return [GradeInput(t, p) for t, p in pairs]


@pytest.fixture
def cache(tmp_path):
    return SQLiteGradeCache(tmp_path / "grades.sqlite3")


async def test_mixed_batch_each_tier_and_order(cache):
    judge = ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC})
    grader = Grader(judges={"j": judge}, default_judge="j", taxonomies={BIRDS.name: BIRDS}, cache=cache)
    grades = (
        await grader.grade(
            items(
                ("robin", "I don't know"),
                ("robin", "robin or cardinal"),
                ("Golden-winged Warbler", "golden winged warbler"),
                ("Golden-winged Warbler", "warbler"),
                ("dog", "samoyed"),
            ),
            taxonomy="test-birds",
        )
    ).grades
    assert [(g.category, g.source) for g in grades] == [
        (Category.ABSTAIN, Source.RULE),
        (Category.WRONG, Source.RULE),
        (Category.SPECIFIC, Source.RULE),
        (Category.LESS_SPECIFIC, Source.TAXONOMY),
        (Category.MORE_SPECIFIC, Source.JUDGE),
    ]
    assert all(g.status is Status.OK for g in grades)
    assert grades[4].probabilities["more specific"] == 0.9
    assert grades[3].correct is True and grades[0].correct is False


async def test_duplicates_in_a_request_are_judged_once():
    judge = ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC})
    grader = Grader(judges={"j": judge}, default_judge="j")
    grades = (
        await grader.grade(items(("dog", "samoyed"), ("Dog", "Samoyed!"), ("dog", "samoyed"), ("cat", "lynx")))
    ).grades
    assert [g.category for g in grades] == [Category.MORE_SPECIFIC] * 3 + [Category.WRONG]
    assert sorted((r.ground_truth, r.prediction) for r in judge.judged) == [("cat", "lynx"), ("dog", "samoyed")]


async def test_cache_serves_second_request_and_survives_restart(tmp_path):
    path = tmp_path / "grades.sqlite3"
    judge = ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC})
    grader = Grader(judges={"j": judge}, default_judge="j", cache=SQLiteGradeCache(path))
    first = (await grader.grade(items(("dog", "samoyed")))).grades
    second = (await grader.grade(items(("dog", "samoyed")))).grades
    await grader.aclose()
    assert first[0].source is Source.JUDGE and second[0].source is Source.CACHE
    assert second[0].category is Category.MORE_SPECIFIC and second[0].probabilities == first[0].probabilities

    restarted_judge = ScriptedJudge()
    restarted = Grader(judges={"j": restarted_judge}, default_judge="j", cache=SQLiteGradeCache(path))
    again = (await restarted.grade(items(("dog", "samoyed")))).grades
    assert again[0].source is Source.CACHE and again[0].category is Category.MORE_SPECIFIC
    assert restarted_judge.calls == []


def test_cache_key_covers_pair_judge_prompt_and_context():
    base = cache_key(JudgeRequest("dog", "samoyed"), "model-a|prompt=v1")
    assert base == cache_key(JudgeRequest("dog", "samoyed"), "model-a|prompt=v1")
    assert base != cache_key(JudgeRequest("dog", "samoyed"), "model-b|prompt=v1")
    assert base != cache_key(JudgeRequest("dog", "samoyed"), "model-a|prompt=v2")
    assert base != cache_key(JudgeRequest("dog", "samoyed", "dog < mammal"), "model-a|prompt=v1")
    assert base != cache_key(JudgeRequest("dog", "husky"), "model-a|prompt=v1")
    with_context = JudgeRequest("dog", "samoyed", "dog < mammal", "pets@v1")
    assert cache_key(with_context, "m") != cache_key(JudgeRequest("dog", "samoyed", "dog < mammal", "pets@v2"), "m")


async def test_a_changed_judge_identity_does_not_reuse_grades(cache):
    old = ScriptedJudge({("dog", "samoyed"): Category.GENERIC}, identity="m|prompt=v1")
    await Grader(judges={"j": old}, default_judge="j", cache=cache).grade(items(("dog", "samoyed")))
    new = ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC}, identity="m|prompt=v2")
    grades = (await Grader(judges={"j": new}, default_judge="j", cache=cache).grade(items(("dog", "samoyed")))).grades
    assert (grades[0].category, grades[0].source) == (Category.MORE_SPECIFIC, Source.JUDGE)


async def test_single_flight_across_concurrent_requests():
    judge = ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC}, delay=0.2)
    grader = Grader(judges={"j": judge}, default_judge="j")
    results = await asyncio.gather(*(grader.grade(items(("dog", "samoyed"), ("dog", "husky"))) for _ in range(10)))
    assert len(judge.judged) == 2  # ten requests, each pair judged once
    assert all(r.grades[0].category is Category.MORE_SPECIFIC for r in results)


async def test_a_cancelled_request_does_not_strand_the_others():
    judge = ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC}, delay=0.2)
    grader = Grader(judges={"j": judge}, default_judge="j")
    first = asyncio.create_task(grader.grade(items(("dog", "samoyed"))))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(grader.grade(items(("dog", "samoyed"))))
    await asyncio.sleep(0.01)
    first.cancel()
    grades = (await asyncio.wait_for(second, timeout=5)).grades
    assert grades[0].category is Category.MORE_SPECIFIC and len(judge.judged) == 1


async def test_no_judge_configured_is_an_explicit_status():
    grades = (await Grader(judges={}).grade(items(("dog", "samoyed"), ("dog", "none")))).grades
    assert grades[0].status is Status.NO_JUDGE and grades[0].category is None and grades[0].correct is None
    assert "no judge" in grades[0].error or "none is configured" in grades[0].error
    assert grades[1].category is Category.ABSTAIN  # the rules still work


async def test_judge_failures_are_per_item_errors_and_not_cached(cache):
    judge = ScriptedJudge(fail_pairs=frozenset({("dog", "husky")}), default=Category.WRONG)
    grader = Grader(judges={"j": judge}, default_judge="j", cache=cache)
    grades = (await grader.grade(items(("dog", "husky"), ("dog", "cat")))).grades
    assert (
        grades[0].status is Status.JUDGE_ERROR and grades[0].category is None and "scripted failure" in grades[0].error
    )
    assert grades[1].status is Status.OK and grades[1].category is Category.WRONG
    assert cache.count() == 1  # only the success is cached

    judge.fail_calls = True
    down = (await grader.grade(items(("dog", "husky"), ("dog", "wolf"), ("dog", "cat")))).grades
    assert [g.status for g in down] == [Status.JUDGE_ERROR, Status.JUDGE_ERROR, Status.OK]
    assert "judge is down" in down[0].error and down[2].source is Source.CACHE


class BrokenCache:
    async def get_many(self, keys):
        raise OSError("disk on fire")

    async def put_many(self, entries):
        raise OSError("disk on fire")

    async def check_ready(self):
        raise OSError("disk on fire")

    async def aclose(self):
        pass


async def test_a_broken_cache_costs_judge_work_not_grades():
    judge = ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC})
    grader = Grader(judges={"j": judge}, default_judge="j", cache=BrokenCache())
    grades = (await grader.grade(items(("dog", "samoyed")))).grades
    assert grades[0].category is Category.MORE_SPECIFIC and grades[0].source is Source.JUDGE
    assert (await grader.check_ready())["cache"].startswith("OSError")


async def test_judge_gets_the_taxonomy_lineage_as_context():
    judge = ScriptedJudge()
    grader = Grader(judges={"j": judge}, default_judge="j", taxonomies={BIRDS.name: BIRDS})
    await grader.grade(items(("Golden-winged Warbler", "hummingbird")), taxonomy="test-birds")
    assert judge.judged[0].context.startswith("golden-winged warbler (species) < vermivora (genus)")


async def test_unknown_names_and_invalid_items_raise():
    grader = Grader(judges={"j": ScriptedJudge()}, default_judge="j")
    with pytest.raises(UnknownNameError, match="unknown judge 'other'"):
        await grader.grade(items(("a", "b")), judge="other")
    with pytest.raises(UnknownNameError, match="unknown taxonomy 'birds'"):
        await grader.grade(items(("a", "b")), taxonomy="birds")
    with pytest.raises(InvalidItemError, match="item 1: ground_truth"):
        await grader.grade(items(("a", "b"), ("?!", "b")))


async def test_judge_batches_are_split():
    judge = ScriptedJudge()
    grader = Grader(judges={"j": judge}, default_judge="j", judge_batch_size=3)
    await grader.grade(items(*[("dog", f"breed {i}") for i in range(7)]))
    assert sorted(len(c) for c in judge.calls) == [1, 3, 3]


async def test_a_big_batch_lets_other_requests_in_while_it_is_graded():
    """The event loop is served between slices of a batch: health checks and small requests are
    not stalled behind the largest batch (measured in bench/stall.py)."""
    grader = Grader(judges={})
    ticks = 0
    done = asyncio.Event()

    async def other_requests():
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0)

    other = asyncio.create_task(other_requests())
    await asyncio.sleep(0)
    ticks = 0
    batch = items(*[("Golden-winged Warbler", f"w{n}" + "x" * 500) for n in range(4096)])
    result = await grader.grade(batch)
    seen_during = ticks
    done.set()
    await other
    assert len(result.grades) == 4096
    assert seen_during >= 4096 // 64  # at least once per slice
