import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import name_key, write_taxonomy  # noqa: E402

classes = open("tests/data/dataset_classes/stanford-cars.txt").read().splitlines()
MAKES = [
    "AM General",
    "Aston Martin",
    "Land Rover",
    "Rolls-Royce",
    "Mercedes-Benz",
    "Acura",
    "Audi",
    "BMW",
    "Bentley",
    "Bugatti",
    "Buick",
    "Cadillac",
    "Chevrolet",
    "Chrysler",
    "Daewoo",
    "Dodge",
    "Eagle",
    "FIAT",
    "Ferrari",
    "Fisker",
    "Ford",
    "GMC",
    "Geo",
    "HUMMER",
    "Honda",
    "Hyundai",
    "Infiniti",
    "Isuzu",
    "Jaguar",
    "Jeep",
    "Lamborghini",
    "Lincoln",
    "MINI",
    "Maybach",
    "Mazda",
    "McLaren",
    "Mitsubishi",
    "Nissan",
    "Plymouth",
    "Porsche",
    "Ram",
    "Scion",
    "Spyker",
    "Suzuki",
    "Tesla",
    "Toyota",
    "Volkswagen",
    "Volvo",
    "smart",
]
MAKE_SYNONYMS = {
    "Mercedes-Benz": ["Mercedes", "Benz"],
    "Volkswagen": ["VW"],
    "Chevrolet": ["Chevy"],
    "FIAT": [],
    "Rolls-Royce": ["Rolls Royce", "Rolls"],
    "HUMMER": ["Hummer"],
    "Lamborghini": ["Lambo"],
    "MINI": ["Mini Cooper brand"],
    "Land Rover": ["Range Rover brand"],
    "smart": ["smart car"],
}
# model (without make) of each class, where the rule "drop the body style and year" is not enough
MODEL = {
    "Acura TL Type-S 2008": "TL",
    "Acura Integra Type R 2001": "Integra",
    "Aston Martin V8 Vantage Convertible 2012": "V8 Vantage",
    "Aston Martin V8 Vantage Coupe 2012": "V8 Vantage",
    "Audi RS 4 Convertible 2008": "RS 4",
    "Audi TTS Coupe 2012": "TT",
    "Audi TT RS Coupe 2012": "TT",
    "Audi TT Hatchback 2011": "TT",
    "BMW ActiveHybrid 5 Sedan 2012": "ActiveHybrid 5",
    "Bentley Continental Supersports Conv. Convertible 2012": "Continental",
    "Bentley Continental GT Coupe 2012": "Continental",
    "Bentley Continental GT Coupe 2007": "Continental",
    "Bentley Continental Flying Spur Sedan 2007": "Continental",
    "Bugatti Veyron 16.4 Convertible 2009": "Veyron",
    "Bugatti Veyron 16.4 Coupe 2009": "Veyron",
    "Buick Regal GS 2012": "Regal",
    "Cadillac Escalade EXT Crew Cab 2007": "Escalade",
    "Chevrolet Silverado 1500 Hybrid Crew Cab 2012": "Silverado",
    "Chevrolet Corvette ZR1 2012": "Corvette",
    "Chevrolet Corvette Ron Fellows Edition Z06 2007": "Corvette",
    "Chevrolet HHR SS 2010": "HHR",
    "Chevrolet Tahoe Hybrid SUV 2012": "Tahoe",
    "Chevrolet Express Cargo Van 2007": "Express",
    "Chevrolet Express Van 2007": "Express",
    "Chevrolet Cobalt SS 2010": "Cobalt",
    "Chevrolet Malibu Hybrid Sedan 2010": "Malibu",
    "Chevrolet TrailBlazer SS 2009": "TrailBlazer",
    "Chevrolet Silverado 2500HD Regular Cab 2012": "Silverado",
    "Chevrolet Silverado 1500 Classic Extended Cab 2007": "Silverado",
    "Chevrolet Silverado 1500 Extended Cab 2012": "Silverado",
    "Chevrolet Silverado 1500 Regular Cab 2012": "Silverado",
    "Chrysler 300 SRT-8 2010": "300",
    "Chrysler Town and Country Minivan 2012": "Town and Country",
    "Chrysler PT Cruiser Convertible 2008": "PT Cruiser",
    "Dodge Ram Pickup 3500 Crew Cab 2010": "Ram Pickup",
    "Dodge Ram Pickup 3500 Quad Cab 2009": "Ram Pickup",
    "Dodge Sprinter Cargo Van 2009": "Sprinter",
    "Dodge Challenger SRT8 2011": "Challenger",
    "Dodge Charger SRT-8 2009": "Charger",
    "FIAT 500 Abarth 2012": "500",
    "FIAT 500 Convertible 2012": "500",
    "Ferrari 458 Italia Convertible 2012": "458 Italia",
    "Ferrari 458 Italia Coupe 2012": "458 Italia",
    "Ford F-450 Super Duty Crew Cab 2012": "F-450 Super Duty",
    "Ford Expedition EL SUV 2009": "Expedition",
    "Ford Ranger SuperCab 2011": "Ranger",
    "Ford E-Series Wagon Van 2012": "E-Series",
    "GMC Yukon Hybrid SUV 2012": "Yukon",
    "GMC Canyon Extended Cab 2012": "Canyon",
    "HUMMER H3T Crew Cab 2010": "H3T",
    "HUMMER H2 SUT Crew Cab 2009": "H2 SUT",
    "Hyundai Sonata Hybrid Sedan 2012": "Sonata",
    "Hyundai Elantra Touring Hatchback 2012": "Elantra",
    "Hyundai Santa Fe SUV 2012": "Santa Fe",
    "Infiniti G Coupe IPL 2012": "G",
    "Jaguar XK XKR 2012": "XK",
    "Jeep Grand Cherokee SUV 2012": "Grand Cherokee",
    "Lamborghini Gallardo LP 570-4 Superleggera 2012": "Gallardo",
    "Land Rover Range Rover SUV 2012": "Range Rover",
    "Lincoln Town Car Sedan 2011": "Town Car",
    "MINI Cooper Roadster Convertible 2012": "Cooper",
    "Mercedes-Benz Sprinter Van 2012": "Sprinter",
    "Nissan NV Passenger Van 2012": "NV",
    "Ram C/V Cargo Van Minivan 2012": "C/V",
    "Rolls-Royce Phantom Drophead Coupe Convertible 2012": "Phantom",
    "Spyker C8 Convertible 2009": "C8",
    "Spyker C8 Coupe 2009": "C8",
    "Tesla Model S Sedan 2012": "Model S",
    "Toyota 4Runner SUV 2012": "4Runner",
    "Chevrolet Monte Carlo Coupe 2007": "Monte Carlo",
    "smart fortwo Convertible 2012": "fortwo",
    "AM General Hummer SUV 2000": "Hummer H1",
}
BODY = [
    "SUV",
    "Sedan",
    "Coupe",
    "Convertible",
    "Hatchback",
    "Wagon",
    "Minivan",
    "Van",
    "Crew Cab",
    "Regular Cab",
    "Extended Cab",
    "Club Cab",
    "Quad Cab",
    "SuperCab",
]


def split(c):
    make = next(m for m in sorted(MAKES, key=len, reverse=True) if c.startswith(m + " "))
    rest = c[len(make) + 1 :]
    words = rest.split()
    year = words[-1]
    assert re.fullmatch(r"(19|20)\d\d", year), c
    if c in MODEL:
        return make, MODEL[c]
    body = " ".join(words[:-1])
    for b in sorted(BODY, key=len, reverse=True):
        if body.endswith(" " + b):
            return make, body[: -len(b) - 1]
    raise ValueError(f"no model rule for {c!r}")


# models that a performance or derived version belongs to in common speech but that are separate
# models here: pairs for the judge, never "wrong"
OVERLAP_MODELS = [
    ("Audi", "S5", "Audi", "A5"),
    ("Dodge", "Ram Pickup", "Ram", "C/V"),
    ("AM General", "Hummer H1", "HUMMER", None),
]
nodes = [
    {"name": "car", "rank": "class", "synonyms": ["automobile", "auto", "motor car", "motorcar", "vehicle", "cars"]}
]
by_make = defaultdict(list)
for c in classes:
    make, model = split(c)
    by_make[make].append((model, c))
bare_model_counts = Counter(model for items in by_make.values() for model in {m for m, _ in items})
no_year = Counter(c.rsplit(" ", 1)[0] for c in classes)
for make in MAKES:
    nodes.append(
        {
            "name": make,
            "parent": "car",
            "rank": "make",
            **({"synonyms": MAKE_SYNONYMS[make]} if MAKE_SYNONYMS.get(make) else {}),
        }
    )
    models = sorted({m for m, _ in by_make[make]})
    for model in models:
        name = f"{make} {model}"
        syn = []
        if bare_model_counts[model] == 1 and model not in MAKES and not model.isdigit() and len(model) > 2:
            syn.append(model)
        syn += [f"{alias} {model}" for alias in MAKE_SYNONYMS.get(make, []) if " " not in alias]
        node = {"name": name, "parent": make, "rank": "model"}
        if syn:
            node["synonyms"] = syn
        nodes.append(node)
        members = [c for m, c in by_make[make] if m == model]
        # a class name without its year, shared by several years: an intermediate node
        groups = defaultdict(list)
        for c in members:
            groups[c.rsplit(" ", 1)[0]].append(c)
        for stem, cs in groups.items():
            parent = name
            if len(cs) > 1:
                if stem != name:
                    nodes.append({"name": stem, "parent": name, "rank": "model generation"})
                    parent = stem
            for c in cs:
                cnode = {"name": c, "parent": parent, "rank": "model year"}
                if len(cs) == 1 and stem != name and no_year[stem] == 1:
                    cnode["synonyms"] = [stem]
                nodes.append(cnode)
# overlaps
index = {n["name"]: n for n in nodes}
index["Audi S5"] = index["Audi S5"]
index["Audi S5"].setdefault("overlaps", []).append("Audi A5")
index["Ram C/V"].setdefault("overlaps", []).append("Dodge")
index["AM General Hummer H1"].setdefault("overlaps", []).append("HUMMER")
index["AM General Hummer H1"]["synonyms"] = ["Humvee", "HMMWV", "Hummer H1"]
index["Scion"].setdefault("overlaps", []).append("Toyota")
index["Geo Metro"].setdefault("overlaps", []).append("Chevrolet")
index["Plymouth Neon"].setdefault("overlaps", []).append("Dodge")
index["Eagle Talon"].setdefault("overlaps", []).append("Mitsubishi")
for performance, base in [
    ("BMW M3", "BMW 3 Series"),
    ("BMW M5", "BMW ActiveHybrid 5"),
    ("BMW M6", "BMW 6 Series"),
    ("Audi S4", "Audi RS 4"),
]:
    index[performance].setdefault("overlaps", []).append(base)


# Each class also answers to its name with the year first ("2012 Chevrolet Silverado 1500
# Extended Cab") and with its make's short names ("Chevy Silverado 1500 Extended Cab 2012").
taken = {name_key(term) for node in nodes for term in (node["name"], *node.get("synonyms", []))}
for node in nodes:
    if node["rank"] != "model year":
        continue
    c = node["name"]
    make = next(m for m in sorted(MAKES, key=len, reverse=True) if c.startswith(m + " "))
    stem, year = c.rsplit(" ", 1)
    forms = [f"{year} {stem}", *node.get("synonyms", [])]
    for alias in MAKE_SYNONYMS.get(make, []):
        if alias.endswith(" brand") or alias == "smart car":
            continue
        for form in (c, f"{year} {stem}", *node.get("synonyms", [])):
            forms.append(form.replace(make, alias, 1))
    added = [f for f in dict.fromkeys(forms) if name_key(f) not in taken]
    taken.update(name_key(f) for f in added)
    extra = [f for f in added if f not in node.get("synonyms", [])]
    if extra:
        node["synonyms"] = [*node.get("synonyms", []), *extra]


# Descriptive groups (taxonomy/groups.py): body styles from the class names, and what is certain
# about power and off-road use. A class whose name gives no body style is left to the judge.
def body_of(c):
    stem = c.rsplit(" ", 1)[0]
    return next((b for b in sorted(BODY, key=len, reverse=True) if stem.endswith(" " + b)), None)


CABS = {"Crew Cab", "Regular Cab", "Extended Cab", "Club Cab", "Quad Cab", "SuperCab"}
PICKUPS_OF_SUVS = {
    "Cadillac Escalade EXT Crew Cab 2007",
    "Chevrolet Avalanche Crew Cab 2012",
    "HUMMER H2 SUT Crew Cab 2009",
    "HUMMER H3T Crew Cab 2010",
}
BODY_GROUPS = [
    # name, synonyms, member bodies, unsure bodies (None: no body style in the name)
    ("sedan", ["sedans", "saloon", "saloon car"], {"Sedan"}, {"Hatchback", "Wagon", None}),
    ("coupe", ["coupé", "coupes"], {"Coupe"}, {"Hatchback", None}),
    ("convertible", ["cabriolet", "cabrio", "convertibles", "roadster"], {"Convertible"}, {None}),
    ("hatchback", ["hatchbacks", "hatch"], {"Hatchback"}, {"Wagon", "Sedan", "Coupe", "SUV", None}),
    ("station wagon", ["wagon", "estate car", "estate", "station wagons"], {"Wagon"}, {"Hatchback", "SUV", None}),
    ("SUV", ["sport utility vehicle", "SUVs", "sports utility vehicle"], {"SUV"}, {"Hatchback", "Wagon", None}),
    ("pickup truck", ["pickup", "pick-up truck", "pickups", "pickup trucks"], CABS, {None}),
    ("van", ["vans"], {"Van"}, {"Minivan", None}),
    ("minivan", ["minivans", "people carrier", "MPV"], {"Minivan"}, {"Van", None}),
]  # fmt: skip
groups = []
for name, synonyms, member_bodies, unsure_bodies in BODY_GROUPS:
    members = [c for c in classes if body_of(c) in member_bodies]
    unsure = [c for c in classes if body_of(c) in unsure_bodies]
    if name == "SUV":
        unsure += sorted(PICKUPS_OF_SUVS)
    if name == "coupe":
        unsure.append("Rolls-Royce Phantom Drophead Coupe Convertible 2012")
    if name == "station wagon":
        unsure.append("Ford E-Series Wagon Van 2012")
    members = [c for c in members if c not in unsure]
    groups.append({"name": name, "synonyms": synonyms, "members": members, "unsure": unsure, "exhaustive": True})
electric = ["Tesla Model S Sedan 2012", "Nissan Leaf Hatchback 2012"]
groups.append(
    {
        "name": "electric car",
        "synonyms": ["electric vehicle", "EV", "electric cars", "battery electric vehicle"],
        "members": electric,
        "unsure": [c for c in classes if "Hybrid" in c] + ["Fisker Karma Sedan 2012"],  # hybrids, a plug-in hybrid
        "exhaustive": True,
    }
)
groups.append(
    {
        "name": "off-road vehicle",
        "synonyms": ["off-roader", "off road vehicle", "4x4", "off-road vehicles"],
        "members": ["Jeep Wrangler SUV 2012", "AM General Hummer SUV 2000", "HUMMER H2 SUT Crew Cab 2009",
                    "HUMMER H3T Crew Cab 2010"],
        "unsure": [c for c in classes if body_of(c) in {"SUV", *CABS, None} and not c.startswith(("Jeep Wrangler",
                   "AM General", "HUMMER"))],
        "exhaustive": True,
    }
)  # fmt: skip
# Performance and luxury words, by the classes they certainly fit: supercars (mid- or front-engined
# exotics), sports cars (two-door cars built for performance), pony cars (the Mustang and its
# rivals), luxury cars (the ultra-luxury makes). Borderline classes go to the judge.
SUPERCARS = [
    c for c in classes if c.startswith(("Lamborghini", "Bugatti", "McLaren", "Ford GT", "Spyker", "Ferrari 458"))
]
SPORTS_CARS = SUPERCARS + [
    c
    for c in classes
    if c.startswith(
        (
            "Aston Martin",
            "Audi R8",
            "Audi TT",
            "BMW Z4",
            "Chevrolet Corvette",
            "Dodge Viper",
            "Ferrari",
            "Jaguar XK",
            "Mercedes-Benz SL-Class",
            "Acura Integra Type R",
            "Nissan 240SX",
        )
    )
    and c not in SUPERCARS
]
PONY_CARS = [c for c in classes if c.startswith(("Ford Mustang", "Chevrolet Camaro", "Dodge Challenger"))]
LUXURY_CARS = [c for c in classes if c.startswith(("Rolls-Royce", "Bentley", "Maybach"))]
groups += [
    {
        "name": "supercar",
        "synonyms": ["supercars", "super car", "exotic car", "hypercar"],
        "members": SUPERCARS,
        "unsure": [c for c in SPORTS_CARS if c not in SUPERCARS] + ["Ferrari FF Coupe 2012", "Ferrari California Convertible 2012",
                   "Bentley Continental Supersports Conv. Convertible 2012", "Fisker Karma Sedan 2012", "Porsche Panamera Sedan 2012"],
        "exhaustive": True,
    },
    {
        "name": "sports car",
        "synonyms": ["sports cars", "sportscar", "sport car", "sporty car"],
        "members": SPORTS_CARS,
        "unsure": [c for c in classes if body_of(c) in {"Coupe", "Convertible", "Hatchback", None} and c not in SPORTS_CARS]
                  + [c for c in classes if any(w in c.split() for w in ("SRT8", "SRT-8", "CTS-V", "M5", "M3", "M6", "RS", "S4",
                                                                          "S5", "S6", "SS", "ZR1", "Z06", "XKR"))],
        "exhaustive": True,
    },
    {"name": "pony car", "synonyms": ["pony cars"], "members": PONY_CARS, "exhaustive": False},
    {"name": "luxury car", "synonyms": ["luxury cars", "luxury vehicle", "ultra-luxury car"], "members": LUXURY_CARS,
     "exhaustive": False},
]  # fmt: skip
nodes[0]["wordnet"] = "car.n.01"

doc = {
    "name": "stanford-cars",
    "description": (
        "Stanford Cars: the 196 classes (rank model year) -> model generation where a class name is shared by "
        "several years -> model -> make -> car. Each class also answers to its name without the year when that "
        "is unambiguous; a model answers to its bare name when no other make uses it. Body styles (sedan, SUV, "
        "pickup), electric and off-road vehicles, supercars, sports cars, pony cars and luxury cars are groups "
        "of the classes they certainly fit; corporate groups (GM, Stellantis) go to the judge. Rebadges and "
        "performance versions (Ram C/V and Dodge, Scion and Toyota, BMW M3 and the 3 Series) are overlaps."
    ),
    "sources": ["Krause et al., 3D Object Representations for Fine-Grained Categorization, 3dRR 2013 (class names)"],
    "close_ranks": ["model generation", "model", "make"],
    "nodes": nodes,
    "groups": groups,
    "classes": list(classes),
}


write_taxonomy(doc, "stanford-cars.yaml", "gen_cars.py")
print(len(nodes))
