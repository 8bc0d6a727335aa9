"""Members claimed by content (``claim_member`` / ``set_leases``): the contract, the same from the
embedded file and from a real redis-server, on two handles as two replicas hold them."""

import asyncio
import uuid

import pytest

from verifier_service.store.shared_state import GroupFull, GroupSizeMismatch, TooManyOpenGroups


async def test_a_call_sent_again_takes_over_its_member_once_the_lease_ends(two_replicas):
    a, b = two_replicas(), two_replicas()
    group = f"g-{uuid.uuid4().hex}"

    async def claim(store, attempt, base="x", **options):
        return await store.claim_member(group, 3, base, attempt, f"v-{attempt}".encode(), 60, 0.5, **options)

    first = await claim(a, "call-1")
    assert (first.member, first.value) == ("x#0", b"v-call-1")
    held = await claim(b, "call-2")  # equal content while call 1 holds its lease: nothing yet
    assert held.member is None and set(held.held) == {"x#0"} and held.held["x#0"] > held.now_ms
    twin = await claim(b, "call-2", take_held=True)  # call 1 renewed meanwhile: another rollout
    assert (twin.member, twin.value) == ("x#1", b"v-call-2")
    await a.set_leases([(group, "x#0", "call-1")], 0)  # call 1 answered an error: released
    retry = await claim(b, "call-1-again")
    assert (retry.member, retry.value) == ("x#0", b"v-call-1")  # the first call's value is kept
    await b.set_leases([(group, "x#0", "call-1-again")], 5)  # renewed by its call while it waits
    await asyncio.sleep(0.6)  # call 2's lease ends unrenewed (its replica died)
    assert (await claim(a, "call-2-again")).member == "x#1"
    await a.set_leases([(group, "x#0", "call-1")], 5)  # not call 1's any more: no change
    assert (await claim(b, "call-3")).member is None  # x#0 held by call-1-again, x#1 by call-2-again


async def test_answered_members_are_kept_and_a_complete_group_answers_as_its_member(two_replicas):
    a, b = two_replicas(), two_replicas()
    group = f"g-{uuid.uuid4().hex}"

    async def claim(store, attempt, base, **options):
        return await store.claim_member(group, 2, base, attempt, attempt.encode(), 60, 30, **options)

    assert (await claim(a, "c1", "x")).member == "x#0"
    await b.set_leases([(group, "x#0", "c1")], None)  # answered: neither held nor free
    assert (await claim(b, "c2", "x")).member == "x#1"  # an answered twin is waited for by nobody
    # complete: a call sent again (its answer lost) answers as the first member of its content
    again = await claim(a, "c3", "x")
    assert (again.member, again.value) == ("x#0", b"c1")
    with pytest.raises(GroupFull):
        await claim(a, "c4", "y")  # other content in a complete group: one too many
    with pytest.raises(GroupSizeMismatch):
        await b.claim_member(group, 3, "x", "c5", b"", 60, 30)


async def test_claims_keep_the_open_groups_bound_and_expire_with_the_group(two_replicas):
    a = two_replicas()
    namespace = f"ns-{uuid.uuid4().hex}"
    first, second = f"{namespace}\x00g1", f"{namespace}\x00g2"
    await a.claim_member(first, 2, "x", "c1", b"v", 0.5, 30, bound=(namespace, 1))
    with pytest.raises(TooManyOpenGroups):
        await a.claim_member(second, 2, "x", "c2", b"v", 0.5, 30, bound=(namespace, 1))
    await asyncio.sleep(0.7)
    assert (await a.claim_member(second, 2, "x", "c2", b"v", 0.5, 30, bound=(namespace, 1))).member == "x#0"
    assert (await a.group(first)) == (0, {})
    fresh = await a.claim_member(first, 2, "x", "c3", b"new", 60, 30)  # the old lease went with its group
    assert (fresh.member, fresh.value) == ("x#0", b"new")


async def test_a_live_twin_gets_its_own_member_and_a_dead_call_is_taken_over(two_replicas):
    """``ContentMembers``: a rollout equal to one whose call is alive (renewing) is a member of its
    own after about one renewal; one equal to a dead call's (a lease nobody renews) takes its place
    when the lease ends."""
    import time

    from verifier_service.content_members import ContentMembers

    a, b = ContentMembers(two_replicas(), lease_s=1.2), ContentMembers(two_replicas(), lease_s=1.2)
    group = f"g-{uuid.uuid4().hex}"
    deadline = time.monotonic() + 30
    (_, first, _), _ = await a.claim(group, 4, "x", b"v", 60, ("ns", 100), deadline)
    started = time.monotonic()
    (_, twin, _), _ = await b.claim(group, 4, "x", b"v", 60, ("ns", 100), deadline)
    assert (first, twin) == ("x#0", "x#1") and time.monotonic() - started < 1.0  # renewed every 0.2 s
    dead = two_replicas()  # a call that claimed and then died: its lease is never renewed
    await dead.claim_member(group, 4, "y", "dead-call", b"w", 60, 1.0)
    started = time.monotonic()
    (_, taken, _), kept = await b.claim(group, 4, "y", b"w", 60, ("ns", 100), deadline)
    assert (taken, kept) == ("y#0", b"w") and 0.5 < time.monotonic() - started < 2.0
    await a.aclose()
    await b.aclose()
