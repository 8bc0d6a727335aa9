import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import write_taxonomy  # noqa: E402

# family: synonyms
FAM = {
    "Asteraceae": ["Compositae", "aster family", "daisy family", "sunflower family", "composite family"],
    "Ranunculaceae": ["buttercup family", "crowfoot family"],
    "Orchidaceae": ["orchid", "orchids", "orchid family"],
    "Iridaceae": ["iris family"],
    "Papaveraceae": ["poppy", "poppies", "poppy family"],
    "Liliaceae": ["lily family"],
    "Campanulaceae": ["bellflower family"],
    "Fabaceae": ["Leguminosae", "legume family", "pea family"],
    "Strelitziaceae": [],
    "Plantaginaceae": ["plantain family"],
    "Proteaceae": ["protea family"],
    "Alstroemeriaceae": [],
    "Araceae": ["arum family", "aroid family"],
    "Colchicaceae": [],
    "Zingiberaceae": ["ginger family"],
    "Asparagaceae": [],
    "Gentianaceae": ["gentian family"],
    "Caryophyllaceae": ["pink family", "carnation family"],
    "Polemoniaceae": ["phlox family"],
    "Apiaceae": ["Umbelliferae", "carrot family"],
    "Amaryllidaceae": ["amaryllis family"],
    "Euphorbiaceae": ["spurge family"],
    "Brassicaceae": ["Cruciferae", "mustard family", "cabbage family"],
    "Solanaceae": ["nightshade family"],
    "Violaceae": ["violet family"],
    "Primulaceae": ["primrose family"],
    "Geraniaceae": ["geranium family"],
    "Onagraceae": ["evening primrose family", "willowherb family"],
    "Convolvulaceae": ["bindweed family", "morning glory family"],
    "Ericaceae": ["heath family", "heather family"],
    "Nymphaeaceae": ["water lily family"],
    "Rosaceae": ["rose family"],
    "Passifloraceae": ["passion flower family"],
    "Nelumbonaceae": ["lotus family"],
    "Apocynaceae": ["dogbane family"],
    "Malvaceae": ["mallow family"],
    "Magnoliaceae": ["magnolia family"],
    "Cannaceae": [],
    "Lamiaceae": ["Labiatae", "mint family"],
    "Bromeliaceae": ["bromeliad", "bromeliads", "bromeliad family"],
    "Nyctaginaceae": ["four o'clock family"],
    "Theaceae": ["tea family"],
    "Acanthaceae": ["acanthus family"],
    "Bignoniaceae": ["trumpet creeper family"],
}
# genus: (family, synonyms) -- genera that hold several classes or whose name is a common answer
GEN = {
    "Iris": ("Iridaceae", ["iris", "irises"]),
    "Dianthus": ("Caryophyllaceae", ["pinks"]),
    "Dahlia": ("Asteraceae", ["dahlia", "dahlias"]),
    "Anemone": ("Ranunculaceae", ["anemone", "anemones"]),
    "Lilium": ("Liliaceae", ["true lily"]),
    "Oenothera": ("Onagraceae", ["evening primrose"]),
    "Paphiopedilum": ("Orchidaceae", ["slipper orchid", "lady's slipper orchid"]),
    "Phalaenopsis": ("Orchidaceae", ["moth orchid"]),
    "Cattleya": ("Orchidaceae", []),
    "Campanula": ("Campanulaceae", ["bellflower"]),
    "Papaver": ("Papaveraceae", []),
    "Echinops": ("Asteraceae", []),
    "Cirsium": ("Asteraceae", []),
    "Narcissus": ("Amaryllidaceae", []),
    "Gladiolus": ("Iridaceae", ["gladiola", "gladioli"]),
    "Crocus": ("Iridaceae", ["crocus"]),
    "Rhododendron": ("Ericaceae", ["rhododendron"]),
    "Nymphaea": ("Nymphaeaceae", []),
    "Rosa": ("Rosaceae", []),
    "Datura": ("Solanaceae", []),
    "Ipomoea": ("Convolvulaceae", []),
    "Passiflora": ("Passifloraceae", []),
    "Nelumbo": ("Nelumbonaceae", []),
    "Tricyrtis": ("Liliaceae", []),
    "Plumeria": ("Apocynaceae", []),
    "Aquilegia": ("Ranunculaceae", []),
    "Adenium": ("Apocynaceae", []),
    "Malva": ("Malvaceae", []),
    "Canna": ("Cannaceae", []),
    "Monarda": ("Lamiaceae", []),
    "Digitalis": ("Plantaginaceae", []),
    "Helianthus": ("Asteraceae", []),
    "Tagetes": ("Asteraceae", []),
    "Calendula": ("Asteraceae", []),
    "Ranunculus": ("Ranunculaceae", []),
    "Taraxacum": ("Asteraceae", []),
    "Leucanthemum": ("Asteraceae", []),
    "Gerbera": ("Asteraceae", []),
    "Helleborus": ("Ranunculaceae", ["hellebore"]),
    "Echinacea": ("Asteraceae", []),
    "Rudbeckia": ("Asteraceae", []),
    "Gaillardia": ("Asteraceae", []),
    "Cosmos": ("Asteraceae", []),
    "Zantedeschia": ("Araceae", ["calla lily", "calla", "arum lily"]),
    "Aconitum": ("Ranunculaceae", ["aconite", "wolfsbane"]),
    "Trollius": ("Ranunculaceae", []),
    "Nigella": ("Ranunculaceae", []),
    "Strelitzia": ("Strelitziaceae", []),
    "Antirrhinum": ("Plantaginaceae", []),
    "Protea": ("Proteaceae", ["protea"]),
    "Alstroemeria": ("Alstroemeriaceae", ["alstroemeria"]),
    "Gloriosa": ("Colchicaceae", []),
    "Fritillaria": ("Liliaceae", []),
    "Alpinia": ("Zingiberaceae", []),
    "Muscari": ("Asparagaceae", []),
    "Gentiana": ("Gentianaceae", ["gentian"]),
    "Phlox": ("Polemoniaceae", ["phlox"]),
    "Eryngium": ("Apiaceae", ["sea holly", "eryngo"]),
    "Astrantia": ("Apiaceae", ["masterwort"]),
    "Curcuma": ("Zingiberaceae", []),
    "Euphorbia": ("Euphorbiaceae", []),
    "Erysimum": ("Brassicaceae", []),
    "Viola": ("Violaceae", []),
    "Cautleya": ("Zingiberaceae", []),
    "Eschscholzia": ("Papaveraceae", []),
    "Lathyrus": ("Fabaceae", []),
    "Tussilago": ("Asteraceae", []),
    "Platycodon": ("Campanulaceae", []),
    "Cynara": ("Asteraceae", []),
    "Convolvulus": ("Convolvulaceae", ["bindweed"]),
    "Tillandsia": ("Bromeliaceae", ["air plant"]),
    "Nasturtium": ("Brassicaceae", []),
    "Campsis": ("Bignoniaceae", []),
    "Ruellia": ("Acanthaceae", []),
}
# class: (parent genus or family, synonyms, overlaps)
C = {
    "pink primrose": ("Oenothera", ["pink evening primrose", "Oenothera speciosa", "showy evening primrose"], []),
    "hard-leaved pocket orchid": ("Paphiopedilum", ["Paphiopedilum micranthum"], []),
    "canterbury bells": ("Campanula", ["Campanula medium", "canterbury bell"], []),
    "sweet pea": ("Lathyrus", ["Lathyrus odoratus"], []),
    "english marigold": ("Calendula", ["pot marigold", "Calendula officinalis", "calendula"], ["marigold"]),
    "tiger lily": ("Lilium", ["Lilium lancifolium", "Lilium tigrinum"], []),
    "moon orchid": ("Phalaenopsis", ["Phalaenopsis amabilis"], []),
    "bird of paradise": ("Strelitzia", ["Strelitzia reginae", "bird-of-paradise flower", "crane flower"], []),
    "monkshood": ("Aconitum", ["monk's hood", "Aconitum napellus"], []),
    "globe thistle": ("Echinops", [], []),
    "snapdragon": ("Antirrhinum", ["Antirrhinum majus", "antirrhinum"], []),
    "colt's foot": ("Tussilago", ["coltsfoot", "Tussilago farfara"], []),
    "king protea": ("Protea", ["Protea cynaroides"], []),
    "spear thistle": ("Cirsium", ["Cirsium vulgare", "bull thistle"], []),
    "yellow iris": ("Iris", ["Iris pseudacorus", "yellow flag", "yellow flag iris"], []),
    "globe-flower": ("Trollius", ["globeflower", "Trollius europaeus"], []),
    "purple coneflower": ("Echinacea", ["Echinacea purpurea", "echinacea", "coneflower"], []),
    "peruvian lily": ("Alstroemeria", ["lily of the Incas"], []),
    "balloon flower": ("Platycodon", ["Platycodon grandiflorus"], []),
    "giant white arum lily": ("Zantedeschia", ["Zantedeschia aethiopica", "white arum lily"], []),
    "fire lily": ("Gloriosa", ["Gloriosa superba", "flame lily", "gloriosa lily"], []),
    "pincushion flower": (None, ["scabiosa", "scabious"], []),
    "fritillary": ("Fritillaria", ["fritillaria"], []),
    "red ginger": ("Alpinia", ["Alpinia purpurata"], []),
    "grape hyacinth": ("Muscari", ["muscari"], []),
    "corn poppy": ("Papaver", ["Papaver rhoeas", "common poppy", "field poppy", "Flanders poppy", "red poppy"], []),
    "prince of wales feathers": (None, ["prince of wales feather"], []),
    "stemless gentian": ("Gentiana", ["Gentiana acaulis"], []),
    "artichoke": ("Cynara", ["globe artichoke", "artichoke flower"], []),
    "sweet william": ("Dianthus", ["Dianthus barbatus"], []),
    "carnation": ("Dianthus", ["Dianthus caryophyllus", "clove pink"], []),
    "garden phlox": ("Phlox", ["Phlox paniculata"], []),
    "love in the mist": ("Nigella", ["love-in-a-mist", "Nigella damascena"], []),
    "mexican aster": ("Cosmos", ["Cosmos bipinnatus", "garden cosmos", "cosmos"], []),
    "alpine sea holly": ("Eryngium", ["Eryngium alpinum"], []),
    "ruby-lipped cattleya": ("Cattleya", [], []),
    "cape flower": (None, [], []),
    "great masterwort": ("Astrantia", ["Astrantia major"], []),
    "siam tulip": ("Curcuma", ["Curcuma alismatifolia"], []),
    "lenten rose": ("Helleborus", ["Helleborus orientalis"], ["rose"]),
    "barbeton daisy": ("Gerbera", ["barberton daisy", "Gerbera jamesonii", "gerbera", "gerbera daisy"], []),
    "daffodil": ("Narcissus", ["daffodils"], []),
    "sword lily": ("Gladiolus", [], []),
    "poinsettia": ("Euphorbia", ["Euphorbia pulcherrima"], []),
    "bolero deep blue": (None, [], []),
    "wallflower": ("Erysimum", ["wallflowers"], []),
    "marigold": ("Tagetes", ["tagetes", "marigolds"], []),
    "buttercup": ("Ranunculus", ["buttercups", "ranunculus"], []),
    "oxeye daisy": ("Leucanthemum", ["ox-eye daisy", "Leucanthemum vulgare", "marguerite"], []),
    "common dandelion": ("Taraxacum", ["dandelion", "Taraxacum officinale"], []),
    "petunia": ("Solanaceae", ["petunias"], ["mexican petunia"]),
    "wild pansy": ("Viola", ["Viola tricolor", "heartsease", "johnny jump up"], []),
    "primula": ("Primulaceae", ["primulas"], []),
    "sunflower": ("Helianthus", ["Helianthus annuus", "common sunflower", "sunflowers"], []),
    "pelargonium": ("Geraniaceae", ["pelargoniums"], ["geranium"]),
    "bishop of llandaff": ("Dahlia", ["Dahlia Bishop of Llandaff"], []),
    "gaura": ("Onagraceae", ["Gaura lindheimeri", "Oenothera lindheimeri"], ["Oenothera", "pink primrose"]),
    "geranium": ("Geraniaceae", ["cranesbill", "geraniums"], []),
    "orange dahlia": ("Dahlia", [], []),
    "pink-yellow dahlia": ("Dahlia", [], []),
    "cautleya spicata": ("Cautleya", [], []),
    "japanese anemone": ("Anemone", ["Anemone hupehensis", "Eriocapitella hupehensis"], []),
    "black-eyed susan": ("Rudbeckia", ["Rudbeckia hirta"], []),
    "silverbush": ("Convolvulus", ["Convolvulus cneorum", "silver bush"], []),
    "californian poppy": ("Eschscholzia", ["california poppy", "Eschscholzia californica"], []),
    "osteospermum": ("Asteraceae", ["African daisy", "osteospermums"], []),
    "spring crocus": ("Crocus", ["Crocus vernus"], []),
    "bearded iris": ("Iris", ["Iris germanica"], []),
    "windflower": ("Anemone", [], []),
    "tree poppy": ("Papaveraceae", [], []),
    "gazania": ("Asteraceae", ["treasure flower", "gazanias"], []),
    "azalea": ("Rhododendron", ["azaleas"], []),
    "water lily": ("Nymphaea", ["waterlily", "nymphaea"], ["lotus"]),
    "rose": ("Rosa", ["roses"], []),
    "thorn apple": ("Datura", ["datura", "jimsonweed", "Datura stramonium"], []),
    "morning glory": ("Ipomoea", [], []),
    "passion flower": ("Passiflora", ["passionflower", "passiflora"], []),
    "lotus": ("Nelumbo", ["sacred lotus", "Nelumbo nucifera"], []),
    "toad lily": ("Tricyrtis", ["tricyrtis"], []),
    "anthurium": ("Araceae", ["flamingo flower", "anthuriums"], []),
    "frangipani": ("Plumeria", ["plumeria"], []),
    "clematis": ("Ranunculaceae", [], []),
    "hibiscus": ("Malvaceae", [], []),
    "columbine": ("Aquilegia", ["aquilegia", "granny's bonnet"], []),
    "desert-rose": ("Adenium", ["desert rose", "Adenium obesum"], ["rose"]),
    "tree mallow": ("Malva", ["Lavatera arborea", "Malva arborea", "lavatera"], []),
    "magnolia": ("Magnoliaceae", ["magnolias"], []),
    "cyclamen": ("Primulaceae", [], []),
    "watercress": ("Nasturtium", ["Nasturtium officinale"], []),
    "canna lily": ("Canna", ["canna"], []),
    "hippeastrum": ("Amaryllidaceae", ["amaryllis"], []),
    "bee balm": ("Monarda", ["monarda", "bergamot"], []),
    "ball moss": ("Tillandsia", ["Tillandsia recurvata"], []),
    "foxglove": ("Digitalis", ["digitalis", "foxgloves"], []),
    "bougainvillea": ("Nyctaginaceae", [], []),
    "camellia": ("Theaceae", [], []),
    "mallow": ("Malva", ["Malva sylvestris", "common mallow"], []),
    "mexican petunia": ("Ruellia", ["Ruellia simplex", "Ruellia brittoniana"], []),
    "bromelia": ("Bromeliaceae", [], []),
    "blanket flower": ("Gaillardia", ["gaillardia"], []),
    "trumpet creeper": ("Campsis", ["trumpet vine", "Campsis radicans"], []),
    "blackberry lily": ("Iridaceae", ["Iris domestica", "Belamcanda chinensis", "leopard lily"], ["Iris"]),
}
assert len(C) == 102, len(C)
# genera that are also a class: the class node stands for the genus
genus_is_class = {"mallow": "Malva"}
used_genera = {p for p, _, _ in C.values() if p in GEN}
nodes = [
    {
        "name": "flower",
        "rank": "class",
        "synonyms": ["flowers", "flowering plant", "bloom", "blossom", "plant"],
        "wordnet": "flower.n.01",
    }
]
for f, syn in FAM.items():
    nodes.append({"name": f, "parent": "flower", "rank": "family", **({"synonyms": syn} if syn else {})})
for g in sorted(used_genera):
    fam, syn = GEN[g]
    if g in genus_is_class.values():
        continue
    nodes.append({"name": g, "parent": fam, "rank": "genus", **({"synonyms": syn} if syn else {})})
for c, (parent, syn, ov) in C.items():
    if c in genus_is_class:
        g = genus_is_class[c]
        node = {"name": c, "parent": GEN[g][0], "rank": "genus", "synonyms": [g, *syn]}
    else:
        node = {"name": c, "parent": parent or "flower", "rank": "species"}
        syn = [x for x in syn if x.lower() not in {g.lower() for g in used_genera}]
        if syn:
            node["synonyms"] = syn
    if ov:
        node["overlaps"] = ov
    nodes.append(node)
# tree mallow's genus is the class "mallow"
for n in nodes:
    if n["name"] == "tree mallow":
        n["parent"] = "mallow"
used_families = {n["parent"] for n in nodes if n.get("rank") in ("genus", "species")} | {GEN[g][0] for g in used_genera}
nodes = [n for n in nodes if n.get("rank") != "family" or n["name"] in used_families]
doc = {
    "name": "flowers-102",
    "description": (
        "Oxford Flowers-102: the 102 flower categories (rank species, even where a category is a genus or a "
        "cultivar) -> genus -> family -> flower. Common names that span unrelated plants (lily, daisy, thistle, "
        "tulip) are deliberately not nodes, so they go to the judge; categories whose identity is uncertain "
        "(pincushion flower's family, prince of wales feathers, cape flower, bolero deep blue) hang from "
        "flower directly. Names a dataset class shares with another plant (geranium / pelargonium, "
        "marigold / english marigold, rose / desert-rose) are overlaps: for the judge."
    ),
    "sources": [
        "Nilsson and Zisserman, Automated Flower Classification over a Large Number of Classes, ICVGIP 2008 (class names)",
        "APG IV family placements; Plants of the World Online (Kew) for genera",
    ],
    "close_ranks": ["genus", "family"],
    "nodes": nodes,
}


write_taxonomy(doc, "flowers-102.yaml", "gen_flowers.py")
print(len(nodes))
