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
    # genera a class is named by (the class stands for the genus, see genus_is_class)
    "Magnolia": ("Magnoliaceae", []),
    "Cyclamen": ("Primulaceae", []),
    "Bougainvillea": ("Nyctaginaceae", []),
    "Camellia": ("Theaceae", []),
    "Hibiscus": ("Malvaceae", []),
    "Clematis": ("Ranunculaceae", []),
    "Anthurium": ("Araceae", []),
    "Petunia": ("Solanaceae", []),
    "Primula": ("Primulaceae", []),
    "Hippeastrum": ("Amaryllidaceae", []),
    "Gazania": ("Asteraceae", []),
    "Osteospermum": ("Asteraceae", []),
}
# The watercress genus shares its name with the garden nasturtium (Tropaeolum), another plant: the
# genus node is named so that "nasturtium" alone is not read as it (the judge decides).
GENUS_NODE_NAME = {"Nasturtium": "Nasturtium (watercress genus)"}
# class: (parent genus or family, synonyms, overlaps)
C = {
    "pink primrose": ("Oenothera", ["pink evening primrose", "Oenothera speciosa", "showy evening primrose"], []),
    "hard-leaved pocket orchid": ("Paphiopedilum", ["Paphiopedilum micranthum"], []),
    "canterbury bells": ("Campanula", ["Campanula medium", "canterbury bell"], []),
    "sweet pea": ("Lathyrus", ["Lathyrus odoratus"], []),
    "english marigold": ("Calendula", ["pot marigold", "Calendula officinalis", "calendula"], []),
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
    "lenten rose": ("Helleborus", ["Helleborus orientalis"], []),
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
    "petunia": ("Petunia", ["petunias"], []),
    "wild pansy": ("Viola", ["Viola tricolor", "heartsease", "johnny jump up"], []),
    "primula": ("Primula", ["primulas"], []),
    "sunflower": ("Helianthus", ["Helianthus annuus", "common sunflower", "sunflowers"], []),
    "pelargonium": ("Geraniaceae", ["pelargoniums"], []),
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
    "osteospermum": ("Osteospermum", ["African daisy", "osteospermums"], []),
    "spring crocus": ("Crocus", ["Crocus vernus"], []),
    "bearded iris": ("Iris", ["Iris germanica"], []),
    "windflower": ("Anemone", [], []),
    "tree poppy": ("Papaveraceae", [], []),
    "gazania": ("Gazania", ["treasure flower", "gazanias"], []),
    "azalea": ("Rhododendron", ["azaleas"], []),
    "water lily": ("Nymphaea", ["waterlily", "nymphaea"], []),
    "rose": ("Rosa", ["roses"], []),
    "thorn apple": ("Datura", ["datura", "jimsonweed", "Datura stramonium"], []),
    "morning glory": ("Ipomoea", [], []),
    "passion flower": ("Passiflora", ["passionflower", "passiflora"], []),
    "lotus": ("Nelumbo", ["sacred lotus", "Nelumbo nucifera"], []),
    "toad lily": ("Tricyrtis", ["tricyrtis"], []),
    "anthurium": ("Anthurium", ["flamingo flower", "anthuriums"], []),
    "frangipani": ("Plumeria", ["plumeria"], []),
    "clematis": ("Clematis", [], []),
    "hibiscus": ("Hibiscus", [], []),
    "columbine": ("Aquilegia", ["aquilegia", "granny's bonnet"], []),
    "desert-rose": ("Adenium", ["desert rose", "Adenium obesum"], []),
    "tree mallow": ("Malva", ["Lavatera arborea", "Malva arborea", "lavatera"], []),
    "magnolia": ("Magnolia", ["magnolias"], []),
    "cyclamen": ("Cyclamen", [], []),
    "watercress": ("Nasturtium", ["Nasturtium officinale"], []),
    "canna lily": ("Canna", ["canna"], []),
    "hippeastrum": ("Hippeastrum", ["amaryllis"], []),
    "bee balm": ("Monarda", ["monarda", "bergamot"], []),
    "ball moss": ("Tillandsia", ["Tillandsia recurvata"], []),
    "foxglove": ("Digitalis", ["digitalis", "foxgloves"], []),
    "bougainvillea": ("Bougainvillea", [], []),
    "camellia": ("Camellia", [], []),
    "mallow": ("Malva", ["Malva sylvestris", "common mallow"], []),
    "mexican petunia": ("Ruellia", ["Ruellia simplex", "Ruellia brittoniana"], []),
    "bromelia": ("Bromeliaceae", [], []),
    "blanket flower": ("Gaillardia", ["gaillardia"], []),
    "trumpet creeper": ("Campsis", ["trumpet vine", "Campsis radicans"], []),
    "blackberry lily": ("Iridaceae", ["Iris domestica", "Belamcanda chinensis", "leopard lily"], ["Iris"]),
}
assert len(C) == 102, len(C)
# genera that are also a class: the class node stands for the genus
genus_is_class = {
    "mallow": "Malva",
    # a common name of the whole genus: the genus's scientific name is the class's synonym
    "globe thistle": "Echinops",
    "columbine": "Aquilegia",
    "canna lily": "Canna",
    "bee balm": "Monarda",
    "frangipani": "Plumeria",
    "blanket flower": "Gaillardia",
    "grape hyacinth": "Muscari",
    "fritillary": "Fritillaria",
    "magnolia": "Magnolia",
    "cyclamen": "Cyclamen",
    "bougainvillea": "Bougainvillea",
    "camellia": "Camellia",
    "hibiscus": "Hibiscus",
    "clematis": "Clematis",
    "anthurium": "Anthurium",
    "petunia": "Petunia",
    "primula": "Primula",
    "hippeastrum": "Hippeastrum",
    "gazania": "Gazania",
    "osteospermum": "Osteospermum",
}
# Species and cultivars within a class (more specific answers): class -> [(name, synonyms)]
VARIETIES = {
    "cyclamen": [("Cyclamen persicum", ["florist's cyclamen"]), ("Cyclamen hederifolium", ["ivy-leaved cyclamen"])],
    "magnolia": [
        ("Magnolia grandiflora", ["southern magnolia"]),
        ("Magnolia stellata", ["star magnolia"]),
        ("Magnolia × soulangeana", ["saucer magnolia", "Magnolia soulangeana"]),
    ],
    "bougainvillea": [("Bougainvillea glabra", []), ("Bougainvillea spectabilis", [])],
    "camellia": [("Camellia japonica", ["Japanese camellia"]), ("Camellia sasanqua", [])],
    "hibiscus": [("Hibiscus rosa-sinensis", ["Chinese hibiscus"]), ("Hibiscus syriacus", ["rose of Sharon"])],
    "fritillary": [
        ("snake's head fritillary", ["Fritillaria meleagris", "snakeshead fritillary", "chequered lily"]),
        ("crown imperial", ["Fritillaria imperialis"]),
    ],
    "marigold": [("French marigold", ["Tagetes patula"]), ("African marigold", ["Tagetes erecta", "Aztec marigold"])],
    "globe thistle": [("Echinops ritro", ["southern globethistle"]), ("Echinops bannaticus", [])],
    "columbine": [("Aquilegia vulgaris", ["common columbine", "European columbine"])],
    "bee balm": [("Monarda didyma", ["scarlet bee balm", "crimson beebalm"])],
    "frangipani": [("Plumeria rubra", ["red frangipani"]), ("Plumeria alba", ["white frangipani"])],
    "canna lily": [("Canna indica", ["Indian shot"])],
    "petunia": [("Petunia × atkinsiana", ["garden petunia", "Petunia hybrida"])],
}
# Names in other languages (German, French, Spanish, Italian, Chinese, Japanese): class -> names
FOREIGN = {
    "sunflower": ["Sonnenblume", "tournesol", "girasol", "girasole", "向日葵", "ひまわり"],
    "rose": ["Rosen", "rosier"],
    "common dandelion": ["Löwenzahn", "pissenlit", "diente de león", "tarassaco", "蒲公英", "タンポポ"],
    "poinsettia": ["Weihnachtsstern", "étoile de Noël", "flor de Nochebuena", "stella di Natale", "一品红"],
    "lotus": ["Lotosblume", "lotus sacré", "flor de loto", "fior di loto", "莲花", "ハス"],
    "water lily": ["Seerose", "nénuphar", "nenúfar", "ninfea", "睡莲", "スイレン"],
    "daffodil": ["Osterglocke", "jonquille", "narciso trompón", "Gelbe Narzisse"],
    "morning glory": ["Prunkwinde", "ipomée", "dondiego de día", "牵牛花", "アサガオ", "朝顔"],
    "sweet pea": ["Duftwicke", "pois de senteur", "guisante de olor", "pisello odoroso"],
    "snapdragon": ["Löwenmäulchen", "gueule-de-loup", "boca de dragón", "bocca di leone"],
    "foxglove": ["Roter Fingerhut", "digitale pourpre", "dedalera"],
    "carnation": ["Nelke", "œillet", "clavel", "garofano", "康乃馨", "カーネーション"],
    "camellia": ["Kamelie", "camélia", "camelia", "山茶花", "ツバキ"],
    "lenten rose": ["Lenzrose", "rose de carême"],
    "buttercup": ["Hahnenfuß", "bouton d'or", "ranúnculo"],
    "wild pansy": ["Wildes Stiefmütterchen", "pensée sauvage", "pensamiento silvestre"],
    "primula": ["Primel", "primevère", "prímula"],
    "cyclamen": ["Alpenveilchen", "ciclamino", "ciclamen"],
    "corn poppy": ["Klatschmohn", "coquelicot", "amapola", "papavero comune"],
    "passion flower": ["Passionsblume", "fleur de la passion", "pasiflora"],
    "columbine": ["Akelei", "ancolie"],
    "azalea": ["Azalee", "azalée"],
    "watercress": ["Brunnenkresse", "cresson de fontaine", "berro"],
    "thorn apple": ["Gemeiner Stechapfel", "stramoine", "estramonio"],
    "hibiscus": ["Hibiskus", "ketmie", "木槿"],
    "magnolia": ["Magnolie", "magnolier", "木兰"],
    "marigold": ["Studentenblume", "tagète", "cempasúchil"],
    "english marigold": ["Ringelblume", "souci officinal", "caléndula"],
    "oxeye daisy": ["Margerite", "marguerite commune"],
    "bird of paradise": ["Paradiesvogelblume", "oiseau de paradis", "ave del paraíso", "極楽鳥花"],
    "frangipani": ["鸡蛋花"],
    "tiger lily": ["Tigerlilie", "lis tigré", "オニユリ"],
    "bearded iris": ["Deutsche Schwertlilie", "iris d'Allemagne"],
    "sword lily": ["Gladiole", "glaïeul"],
    "bougainvillea": ["Drillingsblume", "bougainvillier", "buganvilla"],
    "geranium": ["Storchschnabel", "géranium vivace"],
    "pelargonium": ["Pelargonie", "géranium des fleuristes"],
}
# Common names that span unrelated plants: a group names the classes that truly are one, leaves the
# misnomers to the judge (a sword lily is no lily to a botanist, a lily to many), and is wrong for
# every other class (a lily is never a rose).
GROUPS = [
    {
        "name": "lily",
        "synonyms": ["lilies"],
        "members": ["tiger lily", "toad lily"],
        "category": "less specific",
        "unsure": [
            "fire lily",
            "peruvian lily",
            "giant white arum lily",
            "canna lily",
            "sword lily",
            "water lily",
            "blackberry lily",
            "fritillary",
        ],
        "exhaustive": True,
    },
    {"name": "tulip", "synonyms": ["tulips"], "members": [], "unsure": ["siam tulip"], "exhaustive": True},
    {"name": "hyacinth", "synonyms": ["hyacinths"], "members": [], "unsure": ["grape hyacinth"], "exhaustive": True},
    {"name": "holly", "members": [], "unsure": ["alpine sea holly"], "exhaustive": True},
    {"name": "pea", "synonyms": ["peas"], "members": [], "unsure": ["sweet pea"], "exhaustive": True},
    {"name": "blackberry", "members": [], "unsure": ["blackberry lily"], "exhaustive": True},
    {
        "name": "thistle",
        "synonyms": ["thistles"],
        "members": ["spear thistle", "globe thistle"],
        "category": "less specific",
        "unsure": ["artichoke", "alpine sea holly"],
        "exhaustive": True,
    },
    {
        "name": "daisy",
        "synonyms": ["daisies"],
        "members": ["oxeye daisy", "barbeton daisy"],
        "category": "less specific",
        "exhaustive": False,
    },
]
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
    if g in GENUS_NODE_NAME:
        syn = [*syn]
    nodes.append(
        {"name": GENUS_NODE_NAME.get(g, g), "parent": fam, "rank": "genus", **({"synonyms": syn} if syn else {})}
    )
for c, (parent, syn, ov) in C.items():
    if c in genus_is_class:
        g = genus_is_class[c]
        node = {"name": c, "parent": GEN[g][0], "rank": "genus", "synonyms": [g, *syn]}
    else:
        node = {"name": c, "parent": GENUS_NODE_NAME.get(parent, parent) or "flower", "rank": "species"}
        syn = [x for x in syn if x.lower() not in {g.lower() for g in used_genera}]
    if FOREIGN.get(c):
        node["synonyms"] = [*node.get("synonyms", syn), *FOREIGN[c]] if c in genus_is_class else [*syn, *FOREIGN[c]]
    elif syn and c not in genus_is_class:
        node["synonyms"] = syn
    if ov:
        node["overlaps"] = ov
    nodes.append(node)
for c, varieties in VARIETIES.items():
    for name, syn in varieties:
        nodes.append({"name": name, "parent": c, "rank": "species", **({"synonyms": syn} if syn else {})})
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
        "cultivar) -> genus -> family -> flower; a category named by a whole genus (columbine, canna lily, "
        "magnolia) stands for the genus, with a few of its species and cultivars under it. Common names that "
        "span unrelated plants (lily, tulip, thistle, daisy, hyacinth, holly, pea) are descriptive groups: "
        "correct for the classes that truly are one, for the judge where the name is a misnomer (sword lily, "
        "water lily), wrong for the others. Names in German, French, Spanish, Italian, Chinese and Japanese "
        "for the common classes. Categories whose identity is uncertain "
        "(pincushion flower's family, prince of wales feathers, cape flower, bolero deep blue) hang from "
        "flower directly. Two classes are different plants even where common names mix them up (geranium / "
        "pelargonium, marigold / english marigold, rose / desert-rose, lotus / water lily): the dataset keeps "
        "them apart."
    ),
    "sources": [
        "Nilsson and Zisserman, Automated Flower Classification over a Large Number of Classes, ICVGIP 2008 (class names)",
        "APG IV family placements; Plants of the World Online (Kew) for genera",
    ],
    "close_ranks": ["genus", "family"],
    "nodes": nodes,
    "groups": GROUPS,
    "classes": list(C),
}


write_taxonomy(doc, "flowers-102.yaml", "gen_flowers.py")
print(len(nodes))
