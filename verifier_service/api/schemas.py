"""Request and response bodies of the HTTP API (protocol types only, no serving logic)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from verifier_service.grading.categories import Category
from verifier_service.grading.types import Grade, GradeInput, Source, Status

ItemId = str | int


class GradeItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ground_truth: str = Field(description="The correct label, e.g. 'Golden-winged Warbler'.")
    prediction: str = Field(description="The classifier's answer (already extracted from its output).")
    id: ItemId | None = Field(default=None, description="Echoed back in the grade, for the caller's bookkeeping.")
    taxonomy: str | None = Field(default=None, description="Taxonomy for this item (mixed-domain batches).")


class GradeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[GradeItem] = Field(min_length=1)
    taxonomy: str | None = Field(default=None, description="Name of a loaded taxonomy to settle known pairs.")
    judge: str | None = Field(default=None, description="Name of a configured judge; default: the default judge.")
    run: str | None = Field(default=None, max_length=200, description="Free label of the calling run (logs).")
    return_probabilities: bool = Field(default=False, description="Include the judge's category distribution.")

    def inputs(self) -> list[GradeInput]:
        return [GradeInput(item.ground_truth, item.prediction, item.taxonomy) for item in self.items]


class GradeOut(BaseModel):
    id: ItemId | None = None
    status: Status
    category: Category | None
    correct: bool | None
    source: Source | None
    probabilities: dict[str, float] | None = None
    error: str | None = None
    reason: str | None = Field(default=None, description="For a rule's grade: which rule settled it.")

    @classmethod
    def from_grade(cls, grade: Grade, item_id: ItemId | None, with_probabilities: bool) -> GradeOut:
        return cls(
            id=item_id,
            status=grade.status,
            category=grade.category,
            correct=grade.correct,
            source=grade.source,
            probabilities=dict(grade.probabilities) if with_probabilities and grade.probabilities else None,
            error=grade.error,
            reason=grade.reason,
        )


class GradeResponse(BaseModel):
    grades: list[GradeOut]
    judge: str | None = Field(description="The judge that pairs needing one were sent to (None: no judge).")
    request_id: str = Field(description="Key of this request's items in the audit log.")


# ---- compatibility with the method's original service ------------------------------------
class ClassifyRequest(BaseModel):
    """``POST /api/v1/classify/{standard,binary}`` of the original service."""

    model_config = ConfigDict(extra="ignore")

    ground_truths: list[str] = Field(min_length=1)
    predictions: list[str] = Field(min_length=1)
    model: str | None = None
    verifier_prompt: str | None = None
    run_name: str | None = None
    extra_info: dict[str, Any] | list[Any] | None = None

    @model_validator(mode="after")
    def _same_length(self) -> ClassifyRequest:
        if len(self.ground_truths) != len(self.predictions):
            raise ValueError(
                f"ground_truths has {len(self.ground_truths)} entries but predictions has {len(self.predictions)}"
            )
        return self

    def inputs(self) -> list[GradeInput]:
        return [GradeInput(t, p) for t, p in zip(self.ground_truths, self.predictions, strict=True)]

    @property
    def taxonomy(self) -> str | None:
        """``extra_info.taxonomy``, the compatibility routes' way of naming a taxonomy."""
        if isinstance(self.extra_info, dict) and isinstance(self.extra_info.get("taxonomy"), str):
            return self.extra_info["taxonomy"]
        return None


class ClassifyResponse(BaseModel):
    classifications: list[str] = Field(description="One per pair: a category (standard) or correct/wrong (binary).")
    judge: str | None = None
    warnings: list[str] = Field(default_factory=list)
    request_id: str | None = None


class ProblemDetail(BaseModel):
    detail: str | list[Any]


Mode = Literal["standard", "binary"]
