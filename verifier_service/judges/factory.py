"""Builds judge adapters from settings."""

from __future__ import annotations

from verifier_service.config import JudgeSettings, TransformersJudgeSettings, resolve_model_path
from verifier_service.grading.ports import Judge


def build_judge(name: str, settings: JudgeSettings) -> Judge:
    """A ready judge for one entry of ``Settings.judges``. Loading a local model takes a while."""
    if isinstance(settings, TransformersJudgeSettings):
        # Imported here: torch and transformers are an optional extra.
        from verifier_service.judges.transformers_judge import ModelLocation, TransformersJudge

        location = ModelLocation.from_path(resolve_model_path(settings.model))
        return TransformersJudge(location, name=name, threads=settings.threads)
    raise ValueError(f"judge {name!r}: unsupported kind {settings.kind!r}")
