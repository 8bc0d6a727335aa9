"""WordNet read from many threads at once (issue 27): nltk's reader is not thread-safe, so every
read holds the taxonomy's lock. Hammered from eight threads, through the object and over HTTP,
every answer equals a single-threaded run's, and nothing is left corrupted afterwards."""

import concurrent.futures
import warnings

import httpx
import pytest
from support.fakes import ScriptedJudge

from verifier_service.config import Settings
from verifier_service.taxonomy.wordnet import WordNetTaxonomy

TERMS = [
    "dog", "samoyed", "fig tree", "east indian fig tree", "banyan", "car", "sedan", "robin", "warbler", "oak",
    "rose", "crane", "mouse", "bird", "animal", "sushi", "pizza", "airliner", "jet", "truck", "cat", "tabby",
    "lion", "tiger", "golden retriever", "spaniel", "tulip", "orchid", "bagel", "taco",
]  # fmt: skip


def answers(taxonomy) -> list[str]:
    out = []
    for term in TERMS:
        out += [repr(taxonomy.explain(term)), repr(taxonomy.describe_lineage(term))]
    out += [repr(taxonomy.categorise(truth, guess)) for truth in TERMS for guess in TERMS[::3]]
    return out


@pytest.fixture
def fresh_wordnet(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return WordNetTaxonomy(tmp_path / "wn")


def test_reads_from_eight_threads_match_a_single_threaded_run(fresh_wordnet, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = answers(WordNetTaxonomy(tmp_path / "reference"))
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        runs = [pool.submit(answers, fresh_wordnet) for _ in range(24)]
        results = [run.result(timeout=300) for run in runs]  # an exception here is a failed read
    mismatches = sum(a != b for result in results for a, b in zip(result, reference, strict=True))
    assert mismatches == 0
    assert answers(fresh_wordnet) == reference  # nothing corrupted in nltk's caches


def test_lookups_and_grading_over_http_at_once(live_server, tmp_path):
    pair = {"ground_truth": "east indian fig tree", "prediction": "fig tree", "taxonomy": "wordnet"}
    items = [{"ground_truth": t, "prediction": g, "taxonomy": "wordnet"} for t in TERMS[:10] for g in TERMS[:3]]

    def serve(name):
        return live_server(Settings(data_dir=tmp_path / name, wordnet=True), {"j": ScriptedJudge()})

    with serve("hammered") as server, httpx.Client(base_url=server.url, timeout=120) as http:  # WordNet cold

        def lookup(term):
            return term, http.get("/taxonomies/wordnet/lookup", params={"term": term})

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            grades = [pool.submit(http.post, "/grade", json={"items": items}) for _ in range(16)]
            lookups = [pool.submit(lookup, term) for _ in range(8) for term in TERMS]
            looked_up = [f.result(timeout=300) for f in lookups]
            graded = [f.result(timeout=300) for f in grades]
        after = http.post("/grade", json={"items": [pair]}).json()["grades"][0]

    with serve("reference") as server, httpx.Client(base_url=server.url, timeout=120) as http:  # one at a time
        reference = {term: http.get("/taxonomies/wordnet/lookup", params={"term": term}).json() for term in TERMS}
        expected = http.post("/grade", json={"items": items}).json()["grades"]
        expected_pair = http.post("/grade", json={"items": [pair]}).json()["grades"][0]

    assert [r.status_code for _, r in looked_up].count(200) == len(looked_up)
    assert sum(r.json() != reference[term] for term, r in looked_up) == 0
    assert [r.status_code for r in graded].count(200) == len(graded)

    def verdicts(grades):  # a judged pair comes back from the cache the next time: same category
        return [(g["status"], g["category"]) for g in grades]

    assert sum(verdicts(r.json()["grades"]) != verdicts(expected) for r in graded) == 0
    assert expected_pair["category"] == "less specific" and expected_pair["source"] == "taxonomy"
    assert after == expected_pair
