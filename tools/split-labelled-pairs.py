"""Assign each labelled pair to the development or the test part, once, by a seeded hash.

    python tools/split-labelled-pairs.py tests/data/labelled_pairs.jsonl

The part depends only on the seed and the pair itself (domain, ground truth, prediction), so
adding pairs never moves an old one; the result is written into the file (``"split"``) and
committed. Rules are written looking at the development part only: ``verifier
evaluate-judge --split dev`` lists what it leaves unsettled; the test part is reported as
figures, never listed, while rules are being written.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

SEED = "speciarl-labelled-pairs-2026-12"
TEST_SHARE = 0.35  # at least 30% of the set, with room for the rounding of small domains


def part(pair: dict) -> str:
    key = "\x1f".join((SEED, pair["domain"], pair["ground_truth"], pair["prediction"]))
    draw = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64
    return "test" if draw < TEST_SHARE else "dev"


def main(path: Path) -> None:
    pairs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for pair in pairs:
        pair["split"] = part(pair)
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
    tests = sum(p["split"] == "test" for p in pairs)
    print(f"{len(pairs)} pairs: {len(pairs) - tests} dev, {tests} test ({tests / len(pairs):.1%})")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
