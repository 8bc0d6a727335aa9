"""Fixed names stay fixed on every replica of a store (issue 33, finding 7): an upload may never take
a bundled name or WordNet's, whatever the uploading replica's own settings load."""

from support.fakes import ScriptedJudge

from verifier_service.config import Settings
from verifier_service.grading import Category
from verifier_service.taxonomy.files import bundled_taxonomy_paths, load_taxonomies
from verifier_service.taxonomy.registry import RESERVED

FAKE_CUB = {"name": "cub-200", "nodes": [{"name": "Golden-winged Warbler", "synonyms": ["crow"]}]}
PAIR = {"ground_truth": "Golden-winged Warbler", "prediction": "crow", "taxonomy": "cub-200"}


def test_the_reserved_names_are_the_bundled_taxonomies_and_wordnet():
    assert RESERVED == set(load_taxonomies(bundled_taxonomy_paths())) | {"wordnet"}


async def test_a_replica_without_bundled_taxonomies_cannot_shadow_them_for_the_others(asgi_server, tmp_path):
    bare = Settings(data_dir=tmp_path, bundled_taxonomies=False, state_sync_s=0.1)
    full = Settings(data_dir=tmp_path, state_sync_s=0.1)
    judge = ScriptedJudge(default=Category.WRONG)
    async with (
        asgi_server(bare, {"j": judge}) as one,
        asgi_server(full, {"j": judge}) as other,
        one.client() as without,
        other.client() as bundled,
    ):
        for name in ("cub-200", "wordnet"):
            refused = await without.put(f"/taxonomies/{name}", json={**FAKE_CUB, "name": name})
            assert refused.status_code == 409 and "bundled" in refused.json()["detail"], refused.text
        graded = await bundled.post("/grade", json={"items": [PAIR]})
        assert graded.json()["grades"][0]["category"] == "wrong"


async def test_an_upload_of_a_fixed_name_already_in_the_store_is_ignored_and_can_be_deleted(asgi_server, tmp_path):
    """What an earlier version let in: never used, and removable (it answered 409 before)."""
    import orjson

    from verifier_service.store.shared_state import SQLiteState

    state = SQLiteState(tmp_path / "state.db")
    await state.put_document("taxonomy", "cub-200", orjson.dumps({"uploaded_at": 0.0, "taxonomy": FAKE_CUB}))
    await state.aclose()
    async with asgi_server(Settings(data_dir=tmp_path), {"j": ScriptedJudge()}) as server, server.client() as http:
        graded = await http.post("/grade", json={"items": [PAIR]})
        assert graded.json()["grades"][0]["category"] == "wrong"  # the bundled cub-200, not the upload
        listed = {t["name"]: t["origin"] for t in (await http.get("/taxonomies")).json()["taxonomies"]}
        assert listed["cub-200"] == "bundled"
        assert (await http.delete("/taxonomies/cub-200")).status_code == 200
        assert (await http.delete("/taxonomies/cub-200")).status_code == 409  # now only the bundled one
