"""The review queue: the judge's grades a person should look at first, from the audit log.

A pair's doubt is 1 when the judge failed on it or when an escalating judge's two judges
disagreed on it, else one minus the lead of the judge's top category over the second (a
0.51 / 0.49 split is a doubt of 0.98; a grade without a distribution counts 0.5). Its impact is
how many items (rollouts) it graded in the window.
The queue is ordered by doubt x impact, and leaves out pairs a person already corrected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from verifier_service.grading.corrections import CorrectionBook, correction_key
from verifier_service.review_doubt import doubt

JUDGED = frozenset({"judge", "cache"})


@dataclass
class QueueItem:
    ground_truth: str
    prediction: str
    taxonomy: str | None
    category: str | None  # the judge's grade (None: it failed)
    source: str | None
    probabilities: Mapping[str, float] | None
    error: str | None
    overruled: str | None = None  # the first judge's opinion, where an escalation disagreed
    items: int = 0
    runs: set[str] = field(default_factory=set)
    last_seen: float = 0.0

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> QueueItem:
        """From a page of the audit's pair index (``audit_pairs.page``)."""
        return cls(
            fields["ground_truth"], fields["prediction"], fields["taxonomy"], fields["category"], fields["source"],
            fields["probabilities"], fields["error"], fields["overruled"], fields["items"], set(fields["runs"]),
            fields["last_seen"],
        )  # fmt: skip

    @property
    def doubt(self) -> float:
        return doubt(self.category, self.probabilities, self.overruled)

    def view(self) -> dict[str, Any]:
        return {
            "ground_truth": self.ground_truth,
            "prediction": self.prediction,
            "taxonomy": self.taxonomy,
            "category": self.category,
            "source": self.source,
            "probabilities": dict(self.probabilities) if self.probabilities else None,
            "error": self.error,
            "overruled": self.overruled,
            "doubt": self.doubt,
            "items": self.items,
            "priority": round(self.doubt * self.items, 4),
            "runs": sorted(self.runs),
            "last_seen": self.last_seen,
        }


def build_queue(
    requests: Iterable[Mapping[str, Any]],
    corrections: CorrectionBook,
    *,
    taxonomy: str | None = None,
    category: str | None = None,
    sources: frozenset[str] = JUDGED,
    default_taxonomy: str | None = None,
) -> list[QueueItem]:
    """The queue over audit-log requests (``AuditLog.scan``), most urgent first; the judge's queue
    over the audit's pair index is the same, ordered in SQL (``AuditLog.review_page``)."""
    pairs: dict[tuple[str, str, str | None], QueueItem] = {}
    for request in requests:
        for item in request["items"]:
            failed = item["status"] == "judge_error"  # the judge's failure: reviewed with the judge's grades
            if (failed and not sources & JUDGED) or (not failed and item["source"] not in sources):
                continue
            tree = item["taxonomy"] or request["taxonomy"] or default_taxonomy
            if taxonomy is not None and tree != taxonomy:
                continue
            if category is not None and item["category"] != category:
                continue
            key = correction_key(item["ground_truth"], item["prediction"], tree)
            if corrections.get(key) is not None:
                continue  # a person has said
            found = pairs.get(key)
            if found is None:
                found = pairs[key] = QueueItem(
                    item["ground_truth"], item["prediction"], tree, item["category"], item["source"],
                    item.get("probabilities"), item.get("error"),
                )  # fmt: skip
            found.overruled = found.overruled or item.get("overruled")  # recorded when it was judged
            found.items += item.get("count", 1)  # the audit's pair index counts; a scanned request's items are one each
            found.last_seen = max(found.last_seen, request["created_at"])
            if request["run"]:
                found.runs.add(request["run"])
    # Ties broken by the pair itself and its taxonomy: the same queue whichever way the log was read
    # (the pair index's page orders so in SQL: audit_pairs.page).
    return sorted(
        pairs.values(), key=lambda q: (-q.doubt * q.items, -q.last_seen, q.ground_truth, q.prediction, q.taxonomy or "")
    )
