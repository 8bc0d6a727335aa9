"""What the taxonomies settle without a judge, and where each new name, group and fallback stops:
every addition is tested at its boundary (a wrong "wrong" is the worst outcome)."""

import pytest

from verifier_service.grading import Category
from verifier_service.taxonomy import Taxonomy, TaxonomyError
from verifier_service.taxonomy.files import bundled_taxonomy_paths, load_taxonomies
from verifier_service.taxonomy.lexicon_fallback import WithLexiconFallback

S, M, L, G, W = (
    Category.SPECIFIC,
    Category.MORE_SPECIFIC,
    Category.LESS_SPECIFIC,
    Category.GENERIC,
    Category.WRONG,
)
BUNDLED = load_taxonomies(bundled_taxonomy_paths())
SILVERADO = "Chevrolet Silverado 1500 Extended Cab 2012"


def grade(taxonomy: str, truth: str, answer: str) -> Category | None:
    return BUNDLED[taxonomy].categorise(truth, answer)


@pytest.mark.parametrize(
    ("taxonomy", "truth", "answer", "expected"),
    [
        # compounds written with or without their spaces
        ("cub-200", "Ruby throated Hummingbird", "humming bird", L),
        ("flowers-102", "snapdragon", "snap dragon", S),
        ("flowers-102", "water lily", "waterlily", S),
        ("oxford-pets", "Ragdoll", "rag doll", S),
        ("stanford-cars", "Ford F-150 Regular Cab 2012", "Ford F150", L),
        ("food-101", "cheesecake", "cheese cake", S),
        # ...but never across words that name something else
        ("flowers-102", "sweet pea", "pea", None),
        ("flowers-102", "bird of paradise", "bird of paradise bird", None),
        # a class named with one of its own ancestors is that class
        ("oxford-pets", "samoyed", "Samoyed dog", S),
        ("food-101", "pad thai", "pad thai noodles", S),
        ("flowers-102", "rose", "rose flower", S),
        ("cub-200", "Mallard", "mallard duck", S),
        # ...not with anything else
        ("oxford-pets", "samoyed", "samoyed cat", W),  # two classes on different branches: options
        ("oxford-pets", "Bengal", "Bengal tiger", None),  # "tiger" is no ancestor: the judge decides
        ("oxford-pets", "Bengal", "tiger", None),
        ("oxford-pets", "Maine Coon", "raccoon", None),
        # aircraft: the maker before the name, never another maker's aircraft
        ("fgvc-aircraft", "A320", "Airbus A320", S),
        ("fgvc-aircraft", "737-800", "Airbus A320", W),
        ("fgvc-aircraft", "C-130", "Lockheed C-130", S),
        ("fgvc-aircraft", "MD-87", "McDonnell Douglas MD-87", S),
        ("fgvc-aircraft", "DHC-8-300", "Bombardier Q300", S),
        ("fgvc-aircraft", "ERJ 145", "Embraer ERJ-145", S),  # the variant; its family is "ERJ 145 family"
        ("fgvc-aircraft", "ERJ 135", "Embraer ERJ-145", W),
        ("fgvc-aircraft", "ERJ 135", "ERJ 145 family", L),
        ("fgvc-aircraft", "E-190", "Embraer E190", S),
        # cars: the year first, the make's short names
        (
            "stanford-cars",
            "Chevrolet Silverado 1500 Extended Cab 2012",
            "2012 Chevrolet Silverado 1500 Extended Cab",
            S,
        ),
        ("stanford-cars", SILVERADO, "Chevy Silverado 1500 Extended Cab 2012", S),
        ("stanford-cars", "Volkswagen Golf Hatchback 2012", "VW Golf Hatchback 2012", S),
        (
            "stanford-cars",
            "Chevrolet Silverado 1500 Extended Cab 2012",
            "2007 Chevrolet Silverado 1500 Extended Cab",
            None,
        ),
        ("stanford-cars", "Ford F-150 Regular Cab 2012", "2007 Ford F-150 Regular Cab", W),  # the other year's class
        # birds: the Myrtle Warbler is a subspecies group of the Yellow-rumped Warbler
        ("cub-200", "Myrtle Warbler", "Yellow-rumped Warbler", L),
        ("cub-200", "House Sparrow", "English Sparrow", S),
        # food: varieties below their dish
        ("food-101", "hamburger", "cheeseburger", M),
        ("food-101", "hamburger", "burger", S),
        ("food-101", "chicken wings", "buffalo wings", M),
        ("food-101", "pizza", "margherita pizza", M),
    ],
)
def test_names(taxonomy, truth, answer, expected):
    assert grade(taxonomy, truth, answer) is expected


@pytest.mark.parametrize(
    ("taxonomy", "truth", "answer", "expected"),
    [
        # members: correct but broad
        ("fgvc-aircraft", "737-800", "airliner", G),
        ("fgvc-aircraft", "ATR-72", "airliner", G),
        ("fgvc-aircraft", "CRJ-700", "regional jet", G),
        ("fgvc-aircraft", "F-16A/B", "fighter jet", G),
        ("fgvc-aircraft", "Spitfire", "fighter", G),
        ("fgvc-aircraft", "Global Express", "business jet", G),
        ("cub-200", "Black footed Albatross", "seabird", G),
        ("cub-200", "Golden winged Warbler", "songbird", G),
        ("stanford-cars", SILVERADO, "pickup truck", G),
        ("stanford-cars", "Tesla Model S Sedan 2012", "electric car", G),
        ("stanford-cars", "Jeep Wrangler SUV 2012", "off-road vehicle", G),
        ("oxford-pets", "beagle", "hunting dog", G),
        ("oxford-pets", "english cocker spaniel", "gun dog", G),
        ("food-101", "poutine", "potato dish", G),
        # outside an exhaustive group: wrong
        ("fgvc-aircraft", "Spitfire", "fighter jet", W),  # a propeller fighter
        ("fgvc-aircraft", "Cessna 172", "airliner", W),
        ("fgvc-aircraft", "C-130", "airliner", W),
        ("fgvc-aircraft", "ATR-72", "jetliner", W),  # a turboprop airliner
        ("fgvc-aircraft", "737-800", "regional jet", W),
        ("cub-200", "Laysan Albatross", "bird of prey", W),
        ("cub-200", "Ruby throated Hummingbird", "songbird", W),
        ("cub-200", "Golden winged Warbler", "seabird", W),
        ("stanford-cars", "BMW X5 SUV 2007", "pickup truck", W),
        ("stanford-cars", "Toyota Camry Sedan 2012", "electric car", W),
        ("stanford-cars", "Toyota Camry Sedan 2012", "off-road vehicle", W),
        ("oxford-pets", "pug", "hunting dog", W),
        ("oxford-pets", "Bengal", "hunting dog", W),  # a cat
        ("food-101", "hamburger", "potato dish", W),
        # unsure members: the judge decides
        ("fgvc-aircraft", "Hawk T1", "fighter jet", None),
        ("fgvc-aircraft", "Il-76", "airliner", None),
        ("fgvc-aircraft", "Dornier 328", "jetliner", None),
        ("cub-200", "Black Tern", "seabird", None),  # a marsh tern
        ("cub-200", "White Pelican", "seabird", None),
        ("cub-200", "Olive sided Flycatcher", "songbird", None),  # a suboscine
        ("stanford-cars", "Chevrolet Corvette ZR1 2012", "coupe", None),  # no body style in the class name
        ("stanford-cars", "Chevrolet Tahoe Hybrid SUV 2012", "electric car", None),
        ("stanford-cars", "Tesla Model S Sedan 2012", "hatchback", None),  # a liftback
        ("oxford-pets", "yorkshire terrier", "hunting dog", None),
        ("food-101", "gnocchi", "potato dish", None),
    ],
)
def test_descriptive_groups(taxonomy, truth, answer, expected):
    assert grade(taxonomy, truth, answer) is expected


def test_groups_are_validated():
    nodes = [{"name": "bird"}, {"name": "gull", "parent": "bird"}, {"name": "wren", "parent": "bird"}]
    Taxonomy.from_dict({"name": "t", "nodes": nodes, "groups": [{"name": "seabird", "members": ["gull"]}]})
    for groups, problem in [
        ([{"name": "seabird", "members": ["albatross"]}], "unknown node 'albatross'"),
        ([{"name": "gull", "members": ["gull"]}], "already a name of node 'gull'"),
        ([{"name": "a", "members": []}, {"name": "b", "synonyms": ["a"], "members": []}], "already a name of group"),
        ([{"name": "seabird", "members": ["gull"], "exhaustive": "yes"}], "'exhaustive' must be true or false"),
        ([{"name": "seabird", "members": ["gull"], "category": "wrong"}], "'category' must be one of"),
        ([{"name": "seabird", "members": ["gull"], "colour": "white"}], "unknown fields"),
    ]:
        with pytest.raises(TaxonomyError, match=problem):
            Taxonomy.from_dict({"name": "t", "nodes": nodes, "groups": groups})


def test_a_group_that_is_not_exhaustive_never_says_wrong():
    nodes = [{"name": "bird"}, {"name": "gull", "parent": "bird"}, {"name": "wren", "parent": "bird"}]
    taxonomy = Taxonomy.from_dict({"name": "t", "nodes": nodes, "groups": [{"name": "seabird", "members": ["gull"]}]})
    assert taxonomy.categorise("gull", "seabird") is G
    assert taxonomy.categorise("wren", "seabird") is None
    assert taxonomy.to_dict()["groups"] == [{"name": "seabird", "members": ["gull"], "exhaustive": False}]


def test_compact_names_that_two_nodes_share_are_not_guessed():
    nodes = [{"name": "thing"}, {"name": "sea horse", "parent": "thing"}, {"name": "seahorse", "parent": "thing"}]
    taxonomy = Taxonomy.from_dict({"name": "t", "nodes": nodes})
    assert taxonomy.lookup("sea horse").name == "sea horse" and taxonomy.lookup("seahorse").name == "seahorse"
    assert taxonomy.lookup("sea-horse").name == "sea horse"  # a dash reads as a space
    assert taxonomy.lookup("se ahorse") is None  # written neither way, and two nodes share the compact form


# ---- WordNet under a dataset taxonomy ---------------------------------------------------------
@pytest.mark.parametrize(
    ("taxonomy", "truth", "answer", "expected"),
    [
        ("cub-200", "Golden winged Warbler", "animal", G),  # above bird.n.01
        ("cub-200", "Golden winged Warbler", "vertebrate", G),
        ("cub-200", "Golden winged Warbler", "organism", G),
        ("stanford-cars", "Toyota Camry Sedan 2012", "motor vehicle", G),
        ("fgvc-aircraft", "737-800", "heavier-than-air craft", G),
        ("oxford-pets", "Bengal", "feline", G),
        ("oxford-pets", "Bengal", "Felis domesticus", G),  # WordNet's name of the anchored node itself
        ("oxford-pets", "samoyed", "carnivore", G),
        ("flowers-102", "sunflower", "angiosperm", G),
        # WordNet never says wrong, and never reads another sense
        ("flowers-102", "bird of paradise", "bird", None),  # the bird sense is not above the flower
        ("oxford-pets", "Bengal", "tiger", None),
        ("oxford-pets", "Bengal", "Bengal tiger", None),
        ("cub-200", "Golden winged Warbler", "insect", None),
        ("stanford-cars", "Toyota Camry Sedan 2012", "bicycle", None),
        # what the tree settles or leaves to the judge on purpose stays so
        ("flowers-102", "rose", "desert rose", Category.WRONG),  # an overlap, but two classes of the dataset
        ("cub-200", "Golden winged Warbler", "bird", G),
        ("cub-200", "Black Tern", "seabird", None),  # an unsure group member
    ],
)
def test_wordnet_settles_only_broad_words_above_anchored_nodes(wordnet, taxonomy, truth, answer, expected):
    view = WithLexiconFallback(BUNDLED[taxonomy], wordnet)
    assert view.categorise(truth, answer) is expected


def test_every_bundled_taxonomy_anchors_its_roots(wordnet):
    anchors = {name: [n.wordnet for n in t.nodes.values() if n.wordnet] for name, t in BUNDLED.items()}
    assert all(anchors.values()), anchors
    assert all(wordnet.synset(a) is not None for names in anchors.values() for a in names)
