"""Builds judge adapters from settings."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from verifier_service.config import JudgeSettings, OpenAIJudgeSettings, SGLangJudgeSettings, TransformersJudgeSettings
from verifier_service.grading.ports import Judge

PACKAGE_PREFIX = "package:"


def resolve_model_path(model: str) -> Path:
    """A path from a judge's ``model`` setting, resolving ``package:MODULE/FILE`` without importing MODULE."""
    if not model.startswith(PACKAGE_PREFIX):
        return Path(model)
    module, _, relative = model[len(PACKAGE_PREFIX) :].partition("/")
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"{model}: Python package {module!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / relative


def build_judge(name: str, settings: JudgeSettings) -> Judge:
    """A judge for one entry of ``Settings.judges``. Loading a local model takes a while."""
    if isinstance(settings, TransformersJudgeSettings):
        # Imported here: torch and transformers are an optional extra.
        from verifier_service.judges.transformers_judge import ModelLocation, TransformersJudge

        location = ModelLocation.from_path(resolve_model_path(settings.model))
        return TransformersJudge(location, name=name, threads=settings.threads, calibration=settings.calibration)
    if isinstance(settings, SGLangJudgeSettings):
        from verifier_service.judges.sglang import SGLangJudge

        tokenizer = str(resolve_model_path(settings.tokenizer)) if settings.tokenizer else None
        return SGLangJudge(
            settings.url,
            name=name,
            model=settings.model,
            tokenizer=tokenizer,
            api_key=settings.api_key,
            policy=settings.policy,
            prefill_prompt=settings.prefill_prompt,
            calibration=settings.calibration,
        )
    if isinstance(settings, OpenAIJudgeSettings):
        from verifier_service.judges.openai_compat import OpenAICompatibleJudge

        return OpenAICompatibleJudge(
            settings.url,
            model=settings.model,
            name=name,
            api_key=settings.api_key,
            constraint=settings.constraint,
            top_logprobs=settings.top_logprobs,
            policy=settings.policy,
        )
    raise ValueError(f"judge {name!r}: unsupported kind {settings.kind!r}")
