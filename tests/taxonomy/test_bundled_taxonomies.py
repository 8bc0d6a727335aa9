"""The taxonomies shipped for the method's six benchmarks: complete, valid, conservative."""

import pytest
from conftest import DATA

from verifier_service.grading import Category
from verifier_service.taxonomy.files import bundled_taxonomy_paths, load_taxonomies

CLASSES = DATA / "dataset_classes"
TAXONOMIES = load_taxonomies(bundled_taxonomy_paths())
NAMES = ["cub-200", "fgvc-aircraft", "stanford-cars", "oxford-pets", "flowers-102", "food-101"]
SIZES = {
    "cub-200": 200,
    "fgvc-aircraft": 100,
    "stanford-cars": 196,
    "oxford-pets": 37,
    "flowers-102": 102,
    "food-101": 101,
}


def test_all_six_are_bundled_with_their_sources():
    assert sorted(TAXONOMIES) == sorted(NAMES)
    for taxonomy in TAXONOMIES.values():
        assert taxonomy.sources and taxonomy.description and taxonomy.version


@pytest.mark.parametrize("name", NAMES)
def test_every_dataset_class_is_a_distinct_node(name):
    taxonomy = TAXONOMIES[name]
    labels = (CLASSES / f"{name}.txt").read_text().splitlines()
    assert len(labels) == SIZES[name]
    nodes = [taxonomy.lookup(label) for label in labels]
    assert [label for label, node in zip(labels, nodes, strict=True) if node is None] == []
    assert len({node.name for node in nodes}) == len(labels)  # no two classes collapse into one node


@pytest.mark.parametrize(
    ("name", "truth", "answer", "expected"),
    [
        ("cub-200", "Golden_winged_Warbler", "Golden-winged Warbler", Category.SPECIFIC),
        ("cub-200", "001.Black_footed_Albatross", "Phoebastria nigripes", Category.SPECIFIC),
        ("cub-200", "Golden_winged_Warbler", "warbler", Category.LESS_SPECIFIC),
        ("cub-200", "Golden_winged_Warbler", "bird", Category.GENERIC),
        ("cub-200", "Golden_winged_Warbler", "Blue-winged Warbler", Category.WRONG),
        ("cub-200", "Herring_Gull", "seagull", Category.LESS_SPECIFIC),
        ("cub-200", "Caspian_Tern", "Sterna", None),  # its former genus: for the judge
        ("cub-200", "House_Sparrow", "sparrow", Category.LESS_SPECIFIC),  # the group word of its name
        ("cub-200", "Dark_eyed_Junco", "sparrow", None),  # an American sparrow not called one: the judge
        ("cub-200", "Chuck_will_Widow", "widow", None),  # a last word that is no group
        ("cub-200", "Horned_Puffin", "Atlantic Puffin", Category.WRONG),  # another species of its genus
        ("cub-200", "Sayornis", "Eastern Phoebe", Category.MORE_SPECIFIC),  # a species of the genus class
        ("cub-200", "Baltimore_Oriole", "Northern Oriole", Category.LESS_SPECIFIC),  # the older lumped species
        ("cub-200", "Dark_eyed_Junco", "Oregon Junco", Category.MORE_SPECIFIC),  # a subspecies group
        ("fgvc-aircraft", "737-800", "737 Next Generation", Category.LESS_SPECIFIC),  # its series
        ("fgvc-aircraft", "777-300", "777-300ER", Category.MORE_SPECIFIC),
        ("fgvc-aircraft", "Cessna 172", "Cessna 182", Category.WRONG),  # a family outside the dataset
        ("fgvc-aircraft", "Hawk T1", "BAE Hawk", Category.LESS_SPECIFIC),  # the family, not the variant
        ("stanford-cars", "Audi S5 Coupe 2012", "Audi A5 Coupe 2012", Category.WRONG),  # two classes
        ("stanford-cars", "Audi S5 Coupe 2012", "Audi A5", None),  # a model line and its sports version
        ("stanford-cars", "Lamborghini Aventador Coupe 2012", "supercar", Category.GENERIC),
        ("stanford-cars", "Honda Odyssey Minivan 2012", "sports car", Category.WRONG),
        ("oxford-pets", "saint bernard", "Bernese Mountain Dog", Category.WRONG),  # a breed outside the dataset
        ("oxford-pets", "Persian", "Himalayan", Category.MORE_SPECIFIC),
        ("food-101", "chicken curry", "curry", Category.LESS_SPECIFIC),
        ("food-101", "pizza", "Neapolitan pizza", Category.MORE_SPECIFIC),
        ("food-101", "dumplings", "gyoza", None),  # an overlap declared between two classes: the judge
        ("cub-200", "bird", "Cedar Waxwing", Category.MORE_SPECIFIC),
        ("fgvc-aircraft", "737-800", "Boeing 737", Category.LESS_SPECIFIC),
        ("fgvc-aircraft", "737-800", "airplane", Category.GENERIC),
        ("fgvc-aircraft", "737-800", "A320", Category.WRONG),
        ("fgvc-aircraft", "A321", "A320", None),  # the A320 family shares its name with a variant
        ("fgvc-aircraft", "DC-9-30", "McDonnell Douglas", None),  # makers that changed hands: judge
        ("stanford-cars", "Chevrolet Corvette ZR1 2012", "Corvette", Category.LESS_SPECIFIC),
        ("stanford-cars", "Chevrolet Corvette ZR1 2012", "Chevy", Category.LESS_SPECIFIC),
        ("stanford-cars", "Chevrolet Corvette ZR1 2012", "car", Category.GENERIC),
        ("stanford-cars", "Audi S4 Sedan 2012", "Audi S4 Sedan 2007", Category.WRONG),
        ("stanford-cars", "BMW M3 Coupe 2012", "BMW M3 Coupe", Category.SPECIFIC),
        ("stanford-cars", "Ram C/V Cargo Van Minivan 2012", "Dodge", None),  # a rebadge
        ("oxford-pets", "samoyed", "dog", Category.GENERIC),
        ("oxford-pets", "american_pit_bull_terrier", "terrier", Category.LESS_SPECIFIC),
        ("oxford-pets", "Egyptian_Mau", "Abyssinian", Category.WRONG),
        ("oxford-pets", "dog", "samoyed", Category.MORE_SPECIFIC),
        ("flowers-102", "sunflower", "Helianthus annuus", Category.SPECIFIC),
        ("flowers-102", "corn poppy", "poppy", Category.LESS_SPECIFIC),
        ("flowers-102", "moon orchid", "orchid", Category.LESS_SPECIFIC),
        ("flowers-102", "rose", "flower", Category.GENERIC),
        ("flowers-102", "pelargonium", "geranium", Category.WRONG),  # an overlap, but two classes of the dataset
        ("flowers-102", "tiger lily", "lily", Category.LESS_SPECIFIC),  # a true lily (Lilium)
        ("flowers-102", "sword lily", "lily", None),  # a misnomer: the judge
        ("flowers-102", "rose", "lily", Category.WRONG),  # a lily is never a rose
        ("flowers-102", "columbine", "Aquilegia", Category.SPECIFIC),  # the class is the genus
        ("flowers-102", "cyclamen", "Cyclamen persicum", Category.MORE_SPECIFIC),
        ("flowers-102", "watercress", "nasturtium", None),  # the genus's name is another plant's common name
        ("flowers-102", "carnation", "sweet william", Category.WRONG),
        ("food-101", "carrot_cake", "cake", Category.LESS_SPECIFIC),
        ("food-101", "pho", "soup", Category.LESS_SPECIFIC),
        ("food-101", "pizza", "food", Category.GENERIC),
        ("food-101", "hot_dog", "sandwich", None),
        ("food-101", "sushi", "sashimi", Category.WRONG),
    ],
)
def test_relations(name, truth, answer, expected):
    assert TAXONOMIES[name].categorise(truth, answer) is expected


@pytest.mark.parametrize("name", NAMES)
def test_unknown_terms_never_settle(name):
    taxonomy = TAXONOMIES[name]
    label = (CLASSES / f"{name}.txt").read_text().splitlines()[0]
    for unknown in ("quokka", "a thing", "space shuttle", "xyzzy"):
        assert taxonomy.categorise(label, unknown) is None
