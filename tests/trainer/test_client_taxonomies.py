"""The client's taxonomy life cycle, what it keeps of a grade, its retry budget, and the blocking
wrapper for scripts and notebooks (against the real app on a local port)."""

import asyncio
import time

import pytest
from support.fakes import ScriptedJudge
from support.processes import free_port

from trainer_client import SyncVerifierClient, VerifierClient, VerifierRequestError, VerifierUnavailable
from verifier_service.config import Settings

MUSHROOMS = {
    "name": "mushrooms",
    "close_ranks": ["genus"],
    "nodes": [
        {"name": "fungus"},
        {"name": "Amanita", "parent": "fungus", "rank": "genus"},
        {"name": "Amanita muscaria", "parent": "Amanita", "rank": "species", "synonyms": ["fly agaric"]},
    ],
}


@pytest.fixture
def server(live_server, tmp_path):
    with live_server(Settings(data_dir=tmp_path / "data"), {"j": ScriptedJudge()}) as running:
        yield running


def test_the_life_cycle_and_grades_from_a_script(server):
    with SyncVerifierClient(server.url, retry_for=5) as client:
        assert client.check_taxonomy(MUSHROOMS)["outcome"] == "created"  # checked, not saved
        assert "mushrooms" not in {t["name"] for t in client.taxonomies()}
        assert client.upload_taxonomy(MUSHROOMS)["outcome"] == "created"
        assert client.upload_taxonomy(MUSHROOMS)["outcome"] == "unchanged"
        listed = {t["name"]: t for t in client.taxonomies()}
        assert listed["mushrooms"]["origin"] == "uploaded" and listed["cub-200"]["origin"] == "bundled"
        assert client.taxonomy("mushrooms")["nodes"][0]["name"] == "fungus"
        assert client.lookup("mushrooms", "fly agaric")["node"] == "Amanita muscaria"
        with pytest.raises(VerifierRequestError, match="close_ranks") as bad:
            client.check_taxonomy({**MUSHROOMS, "close_ranks": ["genra"]})
        assert bad.value.status_code == 422

        grades = client.grade(
            [("Amanita muscaria", "Amanita"), ("Amanita muscaria", "no idea, sorry")],
            taxonomy="mushrooms",
            ids=["a", 7],
            return_explanations=True,
        )
        assert [g.id for g in grades] == ["a", 7]
        assert grades[0].category == "less specific" and grades[0].explanation["relation"] == "ancestor"
        assert grades[1].reason == "refusal" and grades[1].explanation["tier"] == "rule"

        client.delete_taxonomy("mushrooms")
        with pytest.raises(VerifierRequestError) as gone:
            client.delete_taxonomy("mushrooms")
        assert gone.value.status_code == 404
        with pytest.raises(VerifierRequestError) as fixed:
            client.delete_taxonomy("cub-200")
        assert fixed.value.status_code == 409


async def test_the_blocking_client_works_inside_a_running_loop(server):
    # a notebook cell runs inside an event loop, where asyncio.run is refused
    assert asyncio.get_running_loop() is not None
    with SyncVerifierClient(server.url) as client:
        assert client.grade([("dog", "dog")])[0].category == "specific"


async def test_retry_for_bounds_the_whole_call():
    start = time.monotonic()
    async with VerifierClient(f"http://127.0.0.1:{free_port()}", retry_for=3) as client:
        with pytest.raises(VerifierUnavailable, match="after retrying for 3s"):
            await client.taxonomies()
    # the backoff is cut at the deadline: never a long wait past it (it once took 18 s for 5)
    assert time.monotonic() - start < 3 + 1.5
