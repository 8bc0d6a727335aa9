"""Explanations from WordNet and from a dataset taxonomy with WordNet under it."""

import tempfile
from pathlib import Path

from verifier_service.taxonomy import TaxonomyRegistry


def test_wordnet_names_the_synsets_and_the_steps(wordnet):
    more = wordnet.explain_pair("dog", "samoyed")
    assert more["relation"] == "descendant" and more["prediction_node"]["name"] == "samoyed.n.03"
    assert more["text"] == "samoyed.n.03 is a hyponym of dog.n.01 -> more specific"
    up = wordnet.explain_pair("samoyed", "dog")
    assert up["relation"] == "ancestor" and up["text"].startswith("dog.n.01 is ")
    assert up["text"].endswith(f"-> {wordnet.categorise('samoyed', 'dog').value}")
    assert wordnet.explain_pair("dog", "teapot") is None  # not settled by WordNet: nothing to explain


def test_a_broad_word_settled_through_the_lexicon_says_so(wordnet):
    registry = TaxonomyRegistry.load(data_dir=Path(tempfile.mkdtemp()), wordnet=True)
    cub = registry["cub-200"]
    assert cub.categorise("golden winged warbler", "vertebrate") is not None
    explained = cub.explain_pair("golden winged warbler", "vertebrate")
    assert explained["relation"] == "lexicon" and "bird.n.01" in explained["text"]
    assert cub.explain_pair("golden winged warbler", "warbler")["relation"] == "ancestor"  # the taxonomy's own
