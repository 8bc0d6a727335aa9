"""Nothing grows without bound (issue 27): the memo is bounded in bytes as well as entries and
never keeps an over-long answer, and replacing a taxonomy (one anchored in WordNet too) leaves
no trace. Bytes are counted with ``tracemalloc``, never timed."""

import gc
import tracemalloc
import warnings

from verifier_service.grading import Category, GradeInput, Grader, GradingLimits
from verifier_service.grading.memo import GradeMemo
from verifier_service.grading.types import Grade, Source, Status
from verifier_service.store.shared_state import SQLiteState
from verifier_service.taxonomy import Taxonomy, TaxonomyRegistry

OK = Grade(Status.OK, Category.WRONG, Source.RULE, reason="x")


def test_the_memo_is_bounded_in_bytes():
    memo = GradeMemo(size=1_000_000, max_bytes=100_000)
    for i in range(1000):
        memo.put(("dog", f"{i:04d}" + "x" * 500, (None, None, None)), OK, "none")
    assert memo.bytes <= 100_000
    assert 0 < len(memo) < 1000
    assert memo.get(("dog", "0999" + "x" * 500, (None, None, None)), "none") is OK  # the newest stay


async def test_over_long_answers_are_never_remembered():
    grader = Grader(judges={}, limits=GradingLimits(max_label_chars=512), memo_bytes=10_000_000)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(10):
            answer = f"{i} " + "a" * 2_500_000
            grades = (await grader.grade([GradeInput("dog", answer)])).grades
            assert grades[0].category is Category.WRONG and grades[0].reason.startswith("too long")
            del answer, grades
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 1_000_000, grown  # ten answers of 2.5 MB: none kept


def anchored(version: int) -> Taxonomy:
    nodes = [{"name": "bird", "wordnet": "bird.n.01"}, {"name": "warbler", "parent": "bird"}]
    nodes += [{"name": f"species {version} {i}", "parent": "warbler"} for i in range(200)]
    return Taxonomy.from_dict({"name": "mine", "nodes": nodes})


async def test_replacing_a_wordnet_anchored_taxonomy_does_not_grow(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        state = SQLiteState(tmp_path / "state.db")
        registry = TaxonomyRegistry.load(data_dir=tmp_path, bundled=False, wordnet=True, state=state)

    async def replace(times: int, start: int) -> None:
        for version in range(start, start + times):
            await registry.upload(anchored(version))
            view = registry["mine"]
            assert view.categorise(f"species {version} 1", "animal") is Category.GENERIC  # through WordNet

    await replace(5, 0)  # warm: WordNet's caches, the first view
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        await replace(100, 5)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        await state.aclose()
    assert grown < 3_000_000, grown  # a leak keeps every replaced taxonomy: about 12 MB here
