"""The book of active corrections, extended change by change (issue 33, finding 5: every change
replayed the whole history): the same book, and the same version, however the changes arrive."""

from hypothesis import given
from hypothesis import strategies as st

from verifier_service.grading.corrections import Change, CorrectionBook, replay

PAIRS = [("dog", "cat"), ("dog", "wolf"), ("lion", "big cat")]


def changes_from(steps):
    made = []
    for n, (kind, pair, category, target) in enumerate(steps, 1):
        if kind == "set":
            made.append(Change(n, "set", *PAIRS[pair], None, category, None, "r", 0.0))
        else:
            made.append(Change(n, "revert", "", "", None, None, None, "r", 0.0, reverts=target))
    return made


STEPS = st.lists(
    st.tuples(
        st.sampled_from(["set", "set", "revert"]),
        st.integers(0, len(PAIRS) - 1),
        st.sampled_from(["generic", "specific", "wrong"]),
        st.integers(1, 12),
    ),
    max_size=12,
)


@given(STEPS, st.integers(1, 5))
def test_extending_in_any_chunks_gives_the_book_a_full_replay_gives(steps, chunk):
    changes = changes_from(steps)
    book = CorrectionBook()
    for start in range(0, len(changes), chunk):
        book = book.extended(changes[start : start + chunk])
    whole = replay(changes)
    assert book.active == whole.active and book.version == whole.version and book.changes == len(changes)


def test_the_version_names_the_active_set_not_the_path_to_it():
    a = replay(changes_from([("set", 0, "generic", 0), ("set", 1, "wrong", 0)]))
    b = replay(changes_from([("set", 1, "wrong", 0), ("set", 0, "generic", 0)]))
    assert {k: c.category for k, c in a.active.items()} == {k: c.category for k, c in b.active.items()}
    assert a.version != b.version  # different ids: a revert names an id, so the ids are part of it
    reverted = replay(changes_from([("set", 0, "generic", 0), ("revert", 0, "generic", 1)]))
    assert reverted.version == "none" and CorrectionBook().version == "none"
    undone = replay(changes_from([("set", 0, "generic", 0), ("set", 1, "wrong", 0), ("revert", 0, "", 2)]))
    only_first = replay(changes_from([("set", 0, "generic", 0)]))
    assert undone.version == only_first.version  # back to the same active set: the same version
