import pytest
from conftest import DATA

from verifier_service.grading import Category
from verifier_service.taxonomy.files import load_taxonomies, load_taxonomy_file, parse_taxonomy_text
from verifier_service.taxonomy.model import Taxonomy, TaxonomyError


@pytest.fixture(scope="module")
def birds() -> Taxonomy:
    return load_taxonomy_file(DATA / "birds.yaml")


@pytest.mark.parametrize(
    ("truth", "answer", "expected"),
    [
        ("Golden-winged Warbler", "golden-winged warbler", Category.SPECIFIC),
        ("Golden-winged Warbler", "Vermivora chrysoptera", Category.SPECIFIC),  # scientific name
        ("Golden-winged Warbler", "Vermivora", Category.LESS_SPECIFIC),  # genus
        ("Golden-winged Warbler", "warbler", Category.LESS_SPECIFIC),  # family, by rank
        ("Golden-winged Warbler", "passerine", Category.GENERIC),  # order
        ("Golden-winged Warbler", "bird", Category.GENERIC),
        ("Golden-winged Warbler", "Blue-winged Warbler", Category.WRONG),  # sibling
        ("Golden-winged Warbler", "American Robin", Category.WRONG),  # other branch
        ("bird", "Golden-winged Warbler", Category.MORE_SPECIFIC),
        ("warbler", "Vermivora cyanoptera", Category.MORE_SPECIFIC),
        ("Golden-winged Warbler", "hummingbird", None),  # unknown: the judge decides
        ("hummingbird", "bird", None),
    ],
)
def test_relations(birds, truth, answer, expected):
    assert birds.categorise(truth, answer) is expected


@pytest.mark.parametrize(
    "answer",
    [
        "GOLDEN WINGED WARBLER",
        "Golden‐winged warbler.",
        "a photo of a golden-winged warbler",
        "Golden-winged Warblers",
        "the golden winged warbler",
    ],
)
def test_matching_variants(birds, answer):
    assert birds.lookup(answer) is birds.nodes["Golden-winged Warbler"]


def test_plural_and_diacritics():
    t = Taxonomy.from_dict(
        {
            "name": "food",
            "nodes": [
                {"name": "dessert"},
                {"name": "crème brûlée", "parent": "dessert"},
                {"name": "puppy"},
                {"name": "box"},
            ],
        }
    )
    assert t.lookup("Crème Brûlée").name == "crème brûlée"
    assert t.lookup("cre\u0300me bru\u0302le\u0301e").name == "crème brûlée"  # marks written apart
    assert t.lookup("Creme Brulee") is None  # marks make words: without them, a synonym must say so
    assert t.lookup("desserts").name == "dessert"
    assert t.lookup("puppies").name == "puppy"
    assert t.lookup("boxes").name == "box"
    assert t.lookup("dessertz") is None  # no fuzzy matching


def test_distance_decides_without_ranks():
    t = Taxonomy.from_dict(
        {
            "name": "cars",
            "nodes": [
                {"name": "car"},
                {"name": "Chevrolet", "parent": "car", "synonyms": ["Chevy"]},
                {"name": "Chevrolet Corvette", "parent": "Chevrolet"},
                {"name": "Chevrolet Corvette ZR1 2012", "parent": "Chevrolet Corvette"},
            ],
        }
    )
    assert t.categorise("Chevrolet Corvette ZR1 2012", "Chevrolet Corvette") is Category.LESS_SPECIFIC
    assert t.categorise("Chevrolet Corvette ZR1 2012", "chevy") is Category.GENERIC
    assert t.categorise("Chevrolet Corvette", "Chevrolet Corvette ZR1 2012") is Category.MORE_SPECIFIC


def test_lineage_for_the_judge(birds):
    assert birds.describe_lineage("Golden-winged Warbler") == (
        "golden-winged warbler (species) < vermivora (genus) < parulidae (family)"
        " < passeriformes (order) < bird (class)"
    )
    assert birds.describe_lineage("hummingbird") is None


def test_version_is_a_content_hash(birds):
    text = (DATA / "birds.yaml").read_text()
    assert parse_taxonomy_text(text, fmt="yaml").version == birds.version
    changed = parse_taxonomy_text(text.replace("wood-warbler", "wood warbler"), fmt="yaml")
    assert changed.version != birds.version


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "t", "nodes": [{"name": "a", "parent": "nowhere"}]}, "unknown parent 'nowhere'"),
        ({"name": "t", "nodes": [{"name": "a", "parent": "b"}, {"name": "b", "parent": "a"}]}, "cycle"),
        ({"name": "t", "nodes": [{"name": "a"}, {"name": "a"}]}, "defined twice"),
        (
            {"name": "t", "nodes": [{"name": "a", "synonyms": ["x"]}, {"name": "b", "synonyms": ["X"]}]},
            "already a name of node 'a'",
        ),
        ({"name": "t", "nodes": [{"name": "a"}, {"name": "b", "synonyms": ["A"]}]}, "already a name of node 'a'"),
        ({"name": "t", "nodes": []}, "non-empty 'nodes'"),
        ({"nodes": [{"name": "a"}]}, "needs a 'name'"),
        ({"name": "t", "nodes": [{"name": "a", "colour": "red"}]}, "unknown fields"),
        ({"name": "t", "nodes": [{"name": "a", "synonyms": "x"}]}, "list of strings"),
        ([1, 2], "must be a mapping"),
    ],
)
def test_validation_errors(data, message):
    with pytest.raises(TaxonomyError, match=message):
        Taxonomy.from_dict(data)


def test_bad_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(TaxonomyError, match="bad.json: not valid JSON"):
        load_taxonomy_file(bad)
    with pytest.raises(TaxonomyError, match="must end in"):
        load_taxonomy_file(tmp_path / "t.txt")


def test_directory_loading_rejects_duplicate_names(tmp_path):
    for i in range(2):
        (tmp_path / f"t{i}.json").write_text('{"name": "same", "nodes": [{"name": "a"}]}')
    with pytest.raises(TaxonomyError, match="already loaded"):
        load_taxonomies([tmp_path])
    (tmp_path / "t1.json").write_text('{"name": "other", "nodes": [{"name": "a"}]}')
    assert sorted(load_taxonomies([tmp_path])) == ["other", "same"]
