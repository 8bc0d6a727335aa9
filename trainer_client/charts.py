"""The evaluation report as a chart: category shares per dataset, one stacked bar per view."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trainer_client.evaluation import REPORT_CATEGORIES

# Correct and specific in greens, correct but broad in blues, then abstain, wrong, failures.
COLOURS = {
    "more specific": "#1b7837",
    "specific": "#5aae61",
    "less specific": "#92c5de",
    "generic": "#4393c3",
    "abstain": "#bababa",
    "wrong": "#d6604d",
    "unparseable": "#8c510a",
    "error": "#000000",
}


def write_category_chart(report: list[dict[str, Any]], path: Path, *, title: str = "Category shares") -> Path:
    """A PNG with one horizontal bar per report row (dataset and view), split by category share."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    labels = [f"{row['dataset']} · {row['view']}" for row in report]
    figure, axes = plt.subplots(figsize=(10, 1.2 + 0.55 * len(report)))
    left = [0.0] * len(report)
    for category in REPORT_CATEGORIES:
        shares = [float(row[category]) for row in report]
        axes.barh(labels, shares, left=left, color=COLOURS[category], label=category, edgecolor="white")
        for y, (start, share) in enumerate(zip(left, shares, strict=True)):
            if share >= 6:
                axes.text(start + share / 2, y, f"{share:.0f}", ha="center", va="center", fontsize=8, color="white")
        left = [a + b for a, b in zip(left, shares, strict=True)]
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of predictions")
    axes.invert_yaxis()  # the report's order, top to bottom
    axes.set_title(title)
    axes.legend(ncol=4, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.25 - 0.1 / max(len(report), 1)))
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
