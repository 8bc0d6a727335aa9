"""Request and response bodies of the HTTP API (protocol types only, no serving logic)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator, model_validator
from typing_extensions import NotRequired, TypedDict  # pydantic needs typing_extensions' TypedDict on 3.10-3.11

from verifier_service.grading.categories import Category
from verifier_service.grading.types import GradeInput, Source, Status

# Every free-text field is bounded: they are logged and audited, and a client must not be able to
# make one request cost the disk a thousand times its size.
MAX_NAME_CHARS = 200  # run, run_name, judge, taxonomy, model names, item ids
MAX_EXTRA_INFO_BYTES = 4096

Name = Annotated[str, Field(max_length=MAX_NAME_CHARS)]
# Strict: an id is echoed exactly as sent, never coerced (true is not 1, 1e3 is not 1000).
ItemId = Annotated[StrictStr, Field(max_length=MAX_NAME_CHARS)] | Annotated[StrictInt, Field(ge=-(2**63), lt=2**63)]


class GradeItem(TypedDict):
    """One pair. A typed dict, not a model: a batch holds thousands, and validating into plain
    dicts is several times faster than building a model per item."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    ground_truth: Annotated[str, Field(description="The correct label, e.g. 'Golden-winged Warbler'.")]
    prediction: Annotated[str, Field(description="The classifier's answer (already extracted from its output).")]
    id: NotRequired[Annotated[ItemId | None, Field(description="Echoed back in the grade, for bookkeeping.")]]
    taxonomy: NotRequired[Annotated[Name | None, Field(description="Taxonomy for this item (mixed-domain batches).")]]


class GradeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[GradeItem] = Field(min_length=1)
    taxonomy: Name | None = Field(default=None, description="Name of a loaded taxonomy to settle known pairs.")
    judge: Name | None = Field(default=None, description="Name of a configured judge; default: the default judge.")
    run: Name | None = Field(default=None, description="Free label of the calling run (logs, audit).")
    return_probabilities: bool = Field(default=False, description="Include the judge's category distribution.")
    return_explanations: bool = Field(
        default=False,
        description="Explain every grade: the rule and what it matched, the taxonomy's nodes and their "
        "relation, or the judge's distribution and prompt version.",
    )

    def inputs(self) -> list[GradeInput]:
        new = tuple.__new__  # builds the NamedTuple in C: its constructor costs more, for thousands of items
        return [
            new(GradeInput, (item["ground_truth"], item["prediction"], item.get("taxonomy"))) for item in self.items
        ]

    def ids(self) -> list[ItemId | None]:
        return [item.get("id") for item in self.items]


class GradeOut(BaseModel):
    id: ItemId | None = None
    status: Status
    category: Category | None
    correct: bool | None
    source: Source | None
    probabilities: dict[str, float] | None = None
    error: str | None = None
    reason: str | None = Field(default=None, description="For a rule's grade: which rule settled it.")
    explanation: dict[str, Any] | None = Field(
        default=None,
        description="With return_explanations: 'tier' (rule, taxonomy, judge, or the status of an ungraded item), "
        "a one-line 'text', and the rule, the nodes and relation, or the judge, prompt_version and probabilities.",
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
    model: Name | None = None
    verifier_prompt: str | None = Field(default=None, max_length=100_000, description="Ignored (with a warning).")
    run_name: Name | None = None
    extra_info: dict[str, Any] | list[Any] | None = Field(
        default=None, description=f"Only `taxonomy` is read; at most {MAX_EXTRA_INFO_BYTES} bytes as JSON."
    )

    @field_validator("extra_info")
    @classmethod
    def _bounded(cls, value: Any) -> Any:
        size = len(orjson.dumps(value))
        if size > MAX_EXTRA_INFO_BYTES:
            raise ValueError(f"extra_info has {size} bytes as JSON; the limit is {MAX_EXTRA_INFO_BYTES}")
        return value

    @model_validator(mode="after")
    def _same_length(self) -> ClassifyRequest:
        if len(self.ground_truths) != len(self.predictions):
            raise ValueError(
                f"ground_truths has {len(self.ground_truths)} entries but predictions has {len(self.predictions)}"
            )
        return self

    def inputs(self) -> list[GradeInput]:
        new = tuple.__new__
        return [new(GradeInput, (t, p, None)) for t, p in zip(self.ground_truths, self.predictions, strict=True)]

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
