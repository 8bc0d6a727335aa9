"""The in-process memo: a repeated pair is answered before any per-pair work, and only while
nothing that decides its grade has changed."""

from support.fakes import ScriptedJudge

from verifier_service.grading import Category, GradeInput, Grader, Source, Status
from verifier_service.grading.memo import GradeMemo
from verifier_service.grading.types import Grade
from verifier_service.metrics import ServiceMetrics
from verifier_service.taxonomy import Taxonomy

BIRDS = {"name": "birds", "nodes": [{"name": "bird"}, {"name": "warbler", "parent": "bird"}]}


async def test_a_repeated_pair_skips_the_rules_and_the_judge(monkeypatch):
    judge = ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC})
    grader = Grader(judges={"j": judge})
    first = await grader.grade([GradeInput("dog", "samoyed"), GradeInput("dog", "I don't know")])

    def no_rules(*args):
        raise AssertionError("the rules ran for a remembered pair")

    monkeypatch.setattr("verifier_service.grading.grader.apply_rules", no_rules)
    again = await grader.grade([GradeInput("dog", "samoyed"), GradeInput("dog", "I don't know")])
    assert [g.source for g in first.grades] == [Source.JUDGE, Source.RULE]
    assert [g.source for g in again.grades] == [Source.CACHE, Source.RULE]  # a remembered judgement is a cached one
    assert [g.category for g in again.grades] == [Category.MORE_SPECIFIC, Category.ABSTAIN]
    assert len(judge.judged) == 1


async def test_a_changed_taxonomy_is_not_served_from_memory():
    taxonomies = {"birds": Taxonomy.from_dict(BIRDS)}
    grader = Grader(judges={}, taxonomies=taxonomies)
    before = await grader.grade([GradeInput("warbler", "bird")], taxonomy="birds")
    changed = {**BIRDS, "nodes": [*BIRDS["nodes"], {"name": "songbird", "parent": "bird"}]}
    changed["nodes"][1] = {"name": "warbler", "parent": "songbird"}
    taxonomies["birds"] = Taxonomy.from_dict(changed)  # an upload replacing it: a new version
    after = await grader.grade([GradeInput("warbler", "bird")], taxonomy="birds")
    assert before.grades[0].category is Category.LESS_SPECIFIC
    assert after.grades[0].category is Category.GENERIC  # two steps up now


async def test_failures_are_never_remembered():
    judge = ScriptedJudge(fail_calls=True)
    grader = Grader(judges={"j": judge})
    failed = await grader.grade([GradeInput("dog", "wolf")])
    judge.fail_calls = False
    recovered = await grader.grade([GradeInput("dog", "wolf")])
    assert failed.grades[0].status is Status.JUDGE_ERROR
    assert recovered.grades[0].status is Status.OK and recovered.grades[0].source is Source.JUDGE


async def test_remembered_judgements_count_as_cache_hits():
    metrics = ServiceMetrics()
    grader = Grader(judges={"j": ScriptedJudge()}, observer=metrics)
    for _ in range(3):
        await grader.grade([GradeInput("dog", "wolf"), GradeInput("dog", "fox")])
    assert metrics.registry.get_sample_value("verifier_cache_hits_total") == 4
    counted = metrics.registry.get_sample_value(
        "verifier_items_total", {"source": "cache", "category": "wrong", "status": "ok"}
    )
    assert counted == 4


def test_the_memo_is_bounded_and_drops_the_oldest():
    memo = GradeMemo(size=3)
    grade = Grade(Status.OK, Category.WRONG, Source.RULE)
    for n in range(5):
        memo.put(("t", str(n), (None, None, None)), grade, "none")
    assert len(memo) == 3 and memo.get(("t", "0", (None, None, None)), "none") is None
    assert memo.get(("t", "4", (None, None, None)), "none") is grade
    memo.put(("t", "x", (None, None, None)), Grade.failed(Status.JUDGE_ERROR, "down"), "none")
    assert memo.get(("t", "x", (None, None, None)), "none") is None
    assert len(GradeMemo(size=0)) == 0


def _book(*changes):
    from verifier_service.grading.corrections import Change, replay

    return replay(
        Change(n, action, "dog", prediction, None, category, None, "reviewer", 0.0, reverts=reverts)
        for n, (action, prediction, category, reverts) in enumerate(changes, 1)
    )


async def test_a_batch_waiting_on_the_judge_never_puts_its_grade_back_after_a_correction():
    """Issue 33, finding 1: a batch planned before a correction finished after another request had
    moved the memo on, and its pre-correction grade was served from then on."""
    import asyncio

    book = {"now": _book()}
    judge = ScriptedJudge({("dog", "wolf"): Category.WRONG}, delay=0.2)
    grader = Grader(judges={"j": judge}, corrections=lambda: book["now"])
    waiting = asyncio.create_task(grader.grade([GradeInput("dog", "wolf")]))
    await asyncio.sleep(0.05)  # planned under "no corrections", now waiting on the judge
    book["now"] = _book(("set", "wolf", "generic", None))
    await grader.grade([GradeInput("dog", "cat")])  # another request: the memo moves to the new version
    assert (await waiting).grades[0].category is Category.WRONG  # answered as planned
    later = await grader.grade([GradeInput("dog", "wolf")])
    assert (later.grades[0].category, later.grades[0].source) == (Category.GENERIC, Source.HUMAN)


async def test_every_answer_follows_the_corrections_in_force_when_its_batch_began():
    """Batches, corrections and reverts interleaved at random (a slow judge keeps batches in flight
    across changes): every grade equals the one the corrections active at its batch's start give."""
    import asyncio

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    predictions = ["wolf", "cat", "samoyed"]
    judged = {("dog", p): Category.WRONG for p in predictions} | {("dog", "samoyed"): Category.MORE_SPECIFIC}
    step = st.one_of(
        st.tuples(st.just("grade"), st.lists(st.sampled_from(predictions), min_size=1, max_size=3)),
        st.tuples(st.just("set"), st.sampled_from(predictions), st.sampled_from(["generic", "specific", "abstain"])),
        st.tuples(st.just("revert"), st.integers(min_value=1, max_value=30)),
        st.tuples(st.just("sleep"), st.sampled_from([0.0, 0.001, 0.005])),
    )

    async def run(steps):
        changes: list[tuple] = []
        book = {"now": _book()}
        grader = Grader(judges={"j": ScriptedJudge(judged, delay=0.002)}, corrections=lambda: book["now"])
        checks = []

        async def batch(items):
            active = book["now"]  # what grade() plans with: it reads the book before its first await
            result = await grader.grade([GradeInput("dog", p) for p in items])
            for prediction, grade in zip(items, result.grades, strict=True):
                correction = active.get(("dog", prediction, None))
                expected = correction.category if correction else judged[("dog", prediction)]
                checks.append((prediction, active.version, grade.category, expected))

        tasks = []
        for kind, *args in steps:
            if kind == "grade":
                tasks.append(asyncio.create_task(batch(args[0])))
                await asyncio.sleep(0)  # it plans now, before the next change
            elif kind == "set":
                changes.append(("set", args[0], args[1], None))
            elif kind == "revert":
                changes.append(("revert", "", None, args[0]))
            else:
                await asyncio.sleep(args[0])
            book["now"] = _book(*changes)
        await asyncio.gather(*tasks)
        await batch(predictions)  # and once everything has settled
        wrong = [c for c in checks if c[2] is not c[3]]
        assert not wrong, wrong

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(step, min_size=1, max_size=20))
    def property_holds(steps):
        asyncio.run(run(steps))

    await asyncio.to_thread(property_holds)  # hypothesis drives its own loops, off this test's
