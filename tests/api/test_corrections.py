"""Human corrections: they override every tier, on every replica sharing the store, within the
sync interval; they are recorded, reverted, exported for ``evaluate-judge``, and guarded."""

import asyncio
import time

import pytest
from support.fakes import ScriptedJudge
from support.waiting import eventually

from verifier_service.config import Settings
from verifier_service.grading import Category
from verifier_service.judge_evaluation import read_pairs

SUSHI = {"ground_truth": "sushi", "prediction": "Japanese food"}
READER = "reader-key-0123456789"
ALICE = "alice-key-0123456789ab"
NDJSON = {"content-type": "application/x-ndjson"}


def settings(data_dir, **extra):
    return Settings(data_dir=data_dir, state_sync_s=0.2, **extra)


async def grade(http, item=SUSHI, **options):
    answer = await http.post("/grade", json={"items": [item], "return_explanations": True, **options})
    assert answer.status_code == 200, answer.text
    return answer.json()["grades"][0]


async def test_a_correction_on_one_replica_is_served_by_another_then_reverted(asgi_server, tmp_path):
    judges = [ScriptedJudge(default=Category.ABSTAIN) for _ in range(2)]
    async with (
        asgi_server(settings(tmp_path), {"j": judges[0]}) as one,
        asgi_server(settings(tmp_path), {"j": judges[1]}) as other,
        one.client() as first,
        other.client() as second,
    ):
        assert (await grade(second))["category"] == "abstain"  # the judge's grade, now memoised there
        made = await first.post("/corrections", json={**SUSHI, "category": "generic", "note": "a broad name"})
        assert made.status_code == 201, made.text
        correction = made.json()
        assert correction["before"] == "abstain" and correction["who"] == "local" and correction["id"] == 1

        async def human():
            graded = await grade(second)
            return graded if graded["source"] == "human" else None

        graded = await eventually(human, 2)
        assert graded and graded["category"] == "generic" and graded["correct"] is True
        assert graded["reason"] == "correction 1 (version 1) by local"
        assert graded["explanation"] == {"tier": "human", "correction": graded["reason"],
                                         "text": "correction 1 (version 1) by local -> generic"}  # fmt: skip
        # the same pair, however it is spelled, and for a second request in one batch
        assert (await grade(first, {"ground_truth": "Sushi", "prediction": " japanese  FOOD "}))["source"] == "human"

        listed = (await second.get("/corrections")).json()
        assert [c["category"] for c in listed["active"]] == ["generic"] and listed["version"] != "none"
        reverted = await second.post(f"/corrections/{correction['id']}/revert", json={"note": "judge was right"})
        assert reverted.status_code == 200 and reverted.json()["reverts"] == 1

        async def judge_again():
            graded = await grade(first)
            return graded if graded["source"] != "human" else None

        assert (await eventually(judge_again, 2))["category"] == "abstain"
        history = (await first.get("/corrections", params={"history": "true"})).json()
        assert [c["action"] for c in history["history"]] == ["set", "revert"] and history["active"] == []
        again = await first.post(f"/corrections/{correction['id']}/revert", json={})
        assert again.status_code == 409


async def test_two_reviewers_at_once_leave_one_winner_and_both_in_the_history(asgi_server, tmp_path):
    async with asgi_server(settings(tmp_path), {"j": ScriptedJudge()}) as server, server.client() as http:
        made = await asyncio.gather(
            http.post("/corrections", json={**SUSHI, "category": "generic"}),
            http.post("/corrections", json={**SUSHI, "category": "less specific"}),
        )
        assert [m.status_code for m in made] == [201, 201]
        history = (await http.get("/corrections", params={"history": "true"})).json()
        winner = max(made, key=lambda m: m.json()["id"]).json()["category"]
        assert [c["category"] for c in history["active"]] == [winner] and history["active"][0]["version"] == 2
        assert len(history["history"]) == 2
        assert (await grade(http))["category"] == winner


async def test_export_reads_as_labelled_pairs_and_imports_back(asgi_server, tmp_path):
    async with asgi_server(settings(tmp_path / "a"), {"j": ScriptedJudge()}) as server, server.client() as http:
        await http.post("/corrections", json={**SUSHI, "category": "generic"})
        pets = {"ground_truth": "samoyed", "prediction": "fluffy white dog", "taxonomy": "oxford-pets"}
        await http.post("/corrections", json={**pets, "category": "generic"})
        exported = await http.get("/corrections/export")
    assert exported.headers["content-type"] == "application/x-ndjson"
    path = tmp_path / "corrections.jsonl"
    path.write_bytes(exported.content)
    pairs = read_pairs(path)
    assert {(p.ground_truth, p.category, p.taxonomy) for p in pairs} == {
        ("sushi", "generic", None), ("samoyed", "generic", "oxford-pets")
    }  # fmt: skip
    async with asgi_server(settings(tmp_path / "b"), {"j": ScriptedJudge()}) as elsewhere, elsewhere.client() as http:
        imported = await http.post("/corrections/import", content=exported.content, headers=NDJSON)
        assert imported.status_code == 200 and imported.json()["imported"] == 2
        graded = await grade(
            http, {"ground_truth": "samoyed", "prediction": "fluffy white dog", "taxonomy": "oxford-pets"}
        )
        assert graded["source"] == "human"
        incomplete = b'{"ground_truth": "a", "prediction": "b"}\n'
        bad = await http.post("/corrections/import", content=incomplete, headers=NDJSON)
        assert bad.status_code == 422 and "line 1" in bad.json()["detail"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({**SUSHI, "category": "close"}, "category"),
        ({**SUSHI, "category": "generic", "taxonomy": "nope"}, "unknown taxonomy 'nope'"),
        ({"ground_truth": "", "prediction": "x", "category": "wrong"}, "ground_truth"),
        ({"ground_truth": "sushi", "prediction": "x" * 600, "category": "wrong"}, "the limit is 512"),
        ({"ground_truth": "sushi", "prediction": "?!", "category": "generic"}, "malformed"),
    ],
)
async def test_bad_corrections_answer_422(asgi_server, tmp_path, body, message):
    async with asgi_server(settings(tmp_path), {"j": ScriptedJudge()}) as server, server.client() as http:
        answer = await http.post("/corrections", json=body)
    assert answer.status_code == 422 and message in answer.text


async def test_reading_needs_a_key_and_writing_a_reviewers_key(asgi_server, tmp_path):
    keyed = settings(tmp_path, api_keys=[READER], review_keys={"alice": ALICE})
    async with asgi_server(keyed, {"j": ScriptedJudge()}) as server, server.client() as http:
        assert (await http.get("/corrections")).status_code == 401
        assert (await http.get("/corrections", headers={"x-api-key": READER})).status_code == 200
        refused = await http.post("/corrections", json={**SUSHI, "category": "generic"}, headers={"x-api-key": READER})
        assert refused.status_code == 403 and "review_keys" in refused.text
        made = await http.post("/corrections", json={**SUSHI, "category": "generic"}, headers={"x-api-key": ALICE})
        assert made.status_code == 201 and made.json()["who"] == "alice"
        metrics = (await http.get("/metrics", headers={"x-api-key": READER})).text
        assert 'verifier_corrections_total{action="set"} 1.0' in metrics
        assert "verifier_corrections_active 1.0" in metrics
        queue = await http.get("/review-queue", headers={"x-api-key": READER})
        assert queue.status_code == 200 and queue.json()["reviewed"] == 1
        metrics = (await http.get("/metrics", headers={"x-api-key": READER})).text
        assert f"verifier_review_queue {float(queue.json()['total'])}" in metrics


async def test_writes_a_page_on_another_origin_could_send_are_refused(asgi_server, tmp_path):
    """Issue 33, finding 6: in open mode a cross-origin page recorded a correction through a
    visitor's browser (a text/plain import needs no preflight). Now: the import wants JSON lines,
    and a write whose Origin is not the service's own is refused."""
    line = b'{"ground_truth": "dog", "prediction": "cat", "category": "specific"}\n'
    async with asgi_server(settings(tmp_path), {"j": ScriptedJudge()}) as server, server.client() as http:
        plain = await http.post("/corrections/import", content=line, headers={"content-type": "text/plain"})
        assert plain.status_code == 415 and "application/x-ndjson" in plain.json()["detail"], plain.text
        foreign = {**NDJSON, "origin": "http://attacker.example"}
        assert (await http.post("/corrections/import", content=line, headers=foreign)).status_code == 403
        made = await http.post("/corrections", json={**SUSHI, "category": "generic"}, headers={"origin": "null"})
        assert made.status_code == 403 and "another origin" in made.json()["detail"]
        assert (await http.get("/corrections")).json()["active"] == []  # nothing was recorded
        host = http.base_url.netloc.decode()
        own = await http.post(
            "/corrections", json={**SUSHI, "category": "generic"}, headers={"origin": f"http://{host}"}
        )
        assert own.status_code == 201, own.text  # the review page: same origin
        graded = await http.post("/grade", json={"items": [SUSHI]}, headers={"origin": "http://attacker.example"})
        assert graded.status_code == 403  # a grade is a write too: it fills caches and the audit log


def test_same_origin_compares_the_authority_the_request_was_sent_to():
    from verifier_service.api.origin_guard import same_origin

    assert same_origin("http://verifier:8000", "verifier:8000")
    assert same_origin("https://verifier.example", "verifier.example:443")
    assert same_origin("http://verifier.example:8080", "verifier.example")  # nginx's $host has no port
    assert not same_origin("http://localhost:3000", "localhost:8000")  # another port is another origin
    assert not same_origin("http://attacker.example", "verifier.example")
    assert not same_origin("null", "verifier.example")
    assert not same_origin("file://", "localhost:8000")


async def test_control_characters_are_refused_and_import_errors_name_their_line(asgi_server, tmp_path):
    """Issue 33, finding 11: ANSI escapes were stored and exported as sent; an import naming an
    unknown taxonomy answered 422 without the line."""
    escape = {"ground_truth": "sushi", "prediction": "\x1b[31mJapanese food", "category": "generic"}
    async with asgi_server(settings(tmp_path), {"j": ScriptedJudge()}) as server, server.client() as http:
        refused = await http.post("/corrections", json=escape)
        assert refused.status_code == 422 and "U+001B" in refused.text, refused.text
        bell = await http.post("/corrections", json={**SUSHI, "category": "generic", "note": "ok\x07"})
        assert bell.status_code == 422 and "U+0007" in bell.text
        noted = await http.post("/corrections", json={**SUSHI, "category": "generic", "note": "line one\n\tline two"})
        assert noted.status_code == 201, noted.text  # newlines and tabs in a note are fine
        lines = b'{"ground_truth": "dog", "prediction": "cat", "category": "wrong"}\n' + (
            b'{"ground_truth": "dog", "prediction": "wolf", "category": "wrong", "taxonomy": "no-such-taxonomy"}\n'
        )
        unknown = await http.post("/corrections/import", content=lines, headers=NDJSON)
        assert unknown.status_code == 422 and unknown.json()["detail"].startswith("line 2: "), unknown.text
        assert "no-such-taxonomy" in unknown.json()["detail"]
        assert len((await http.get("/corrections")).json()["active"]) == 1  # nothing of the import was recorded


async def test_a_correction_records_at_once_while_the_judge_is_slow(asgi_server, tmp_path):
    """Issue 33, finding 10: POST /corrections graded the pair (waiting on the judge) before
    recording it. Now "before" comes from the memo, rules, taxonomy or grade cache, never a judging."""
    slow = ScriptedJudge(default=Category.ABSTAIN, delay=5.0)
    async with asgi_server(settings(tmp_path), {"j": slow}) as server, server.client() as http:
        started = time.monotonic()
        made = await http.post("/corrections", json={**SUSHI, "category": "generic"})
        assert made.status_code == 201 and made.json()["before"] is None  # only a judge could have told
        ruled = await http.post("/corrections", json={"ground_truth": "dog", "prediction": "none", "category": "wrong"})
        assert ruled.json()["before"] == "abstain"  # the rules' grade
        assert time.monotonic() - started < 2.0 and slow.calls == []
        slow.delay = 0.0
        assert (await grade(http, {"ground_truth": "cat", "prediction": "lynx"}))["source"] == "judge"
        judged = await http.post(
            "/corrections", json={"ground_truth": "cat", "prediction": "lynx", "category": "wrong"}
        )
        assert judged.json()["before"] == "abstain" and len(slow.calls) == 1  # from the memo / cache, no new call


async def test_a_correction_is_bound_to_the_taxonomy_content_it_was_made_under(asgi_server, tmp_path):
    """Issue 33, finding 8: a correction keyed by a taxonomy's name applied to different content
    uploaded later under that name. It applies to the content it was made under only."""
    fish = {"name": "fish", "nodes": [{"name": "fish"}, {"name": "salmon", "parent": "fish"}]}
    other = {"name": "fish", "nodes": [{"name": "fish"}, {"name": "salmon", "parent": "fish"}, {"name": "trout"}]}
    pair = {"ground_truth": "salmon", "prediction": "fish", "taxonomy": "fish"}
    async with asgi_server(settings(tmp_path), {"j": ScriptedJudge()}) as server, server.client() as http:
        assert (await http.put("/taxonomies/fish", json=fish)).status_code == 201
        made = await http.post("/corrections", json={**pair, "category": "less specific"})
        assert made.status_code == 201 and made.json()["taxonomy_version"], made.text
        assert (await grade(http, pair))["source"] == "human"
        assert (await http.put("/taxonomies/fish", json=other)).status_code == 200  # new content, same name
        assert (await grade(http, pair))["source"] == "taxonomy"
        assert (await http.put("/taxonomies/fish", json=fish)).status_code == 200  # the content it was made under
        assert (await grade(http, pair))["source"] == "human"


async def test_the_review_queue_is_built_off_the_event_loop(asgi_server, tmp_path, monkeypatch):
    """Issue 33, finding 4: building the queue scanned the audit log on the event loop (600k judged
    items stalled /healthz 4.6 s). The page query (the judge's queue) and the scan and build (one
    source) run in a worker thread now."""
    import threading

    from verifier_service.api import review_routes
    from verifier_service.store.audit import AuditLog

    built_in = []

    def recording(real):
        def record(*args, **kwargs):
            built_in.append(threading.current_thread() is threading.main_thread())
            return real(*args, **kwargs)

        return record

    monkeypatch.setattr(review_routes, "build_queue", recording(review_routes.build_queue))
    monkeypatch.setattr(AuditLog, "review_page", recording(AuditLog.review_page))
    async with asgi_server(settings(tmp_path), {"j": ScriptedJudge()}) as server, server.client() as http:
        await grade(http)
        queue = await http.get("/review-queue")
        assert queue.status_code == 200 and queue.json()["total"] == 1, queue.text
        one_source = await http.get("/review-queue", params={"source": "judge"})
        assert one_source.status_code == 200 and one_source.json()["total"] == 1, one_source.text
    assert built_in == [False, False]


async def test_a_revert_needs_no_body(asgi_server, tmp_path):
    """Issue 34: POST /corrections/{id}/revert required a JSON body the README did not mention."""
    async with asgi_server(settings(tmp_path), {"j": ScriptedJudge()}) as server, server.client() as http:
        made = (await http.post("/corrections", json={**SUSHI, "category": "generic"})).json()
        reverted = await http.post(f"/corrections/{made['id']}/revert")
        assert reverted.status_code == 200 and reverted.json()["note"] == "", reverted.text
        again = await http.post("/corrections", json={**SUSHI, "category": "generic"})
        noted = await http.post(f"/corrections/{again.json()['id']}/revert", json={"note": "judge was right"})
        assert noted.status_code == 200 and noted.json()["note"] == "judge was right"
