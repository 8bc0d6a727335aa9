"""The audit log's verdict of a grade is built once per grade object (issue 33, finding 12: each
request rounded and stored every judged pair's distribution again)."""

from verifier_service.audit_verdicts import VerdictCache, verdict_of
from verifier_service.grading.categories import Category
from verifier_service.grading.types import Grade, Source, Status

JUDGED = Grade(Status.OK, Category.GENERIC, Source.CACHE, probabilities={"generic": 0.61234, "specific": 0.38766})


def test_a_grade_object_is_turned_into_its_verdict_once():
    cache = VerdictCache()
    first = cache.verdict(JUDGED)
    assert first == ("ok", "generic", "cache", None, None, {"generic": 0.612, "specific": 0.388}, None)
    assert cache.verdict(JUDGED) is first  # the same tuple, not built again
    assert verdict_of(JUDGED) == first


def test_an_id_reused_by_another_object_is_never_given_the_old_verdict():
    cache = VerdictCache()
    other = Grade(Status.OK, Category.WRONG, Source.RULE, reason="several options")
    cache._by_id[id(other)] = (JUDGED, verdict_of(JUDGED))  # as if JUDGED's id had been reused
    assert cache.verdict(other) == verdict_of(other)


def test_the_cache_is_bounded():
    cache = VerdictCache(size=3)
    grades = [Grade(Status.OK, Category.WRONG, Source.RULE, reason=str(n)) for n in range(10)]
    for grade in grades:
        assert cache.verdict(grade) == verdict_of(grade)
    assert len(cache._by_id) <= 3
