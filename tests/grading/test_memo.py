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
        memo.put(("t", str(n), (None, None, None)), grade)
    assert len(memo) == 3 and memo.get(("t", "0", (None, None, None))) is None
    assert memo.get(("t", "4", (None, None, None))) is grade
    memo.put(("t", "x", (None, None, None)), Grade.failed(Status.JUDGE_ERROR, "down"))
    assert memo.get(("t", "x", (None, None, None))) is None
    assert len(GradeMemo(size=0)) == 0
