"""The one place that reads configuration (environment variables prefixed ``VOC_``).

Library packages never read the environment: entry points (the CLI, ``create_app``,
jobs) call :func:`get_settings` once and pass plain values down.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.timeofday import parse_daily_at

# The daily re-clustering window: whole days or hours back from now, up to ten years
WINDOW_SPAN = re.compile(r"[1-9]\d{0,3}d|[1-9]\d{0,4}h")
# More threads than any machine has cores: a larger count is a typo that would start that many threads
MAX_THREADS = 1024
# Settings naming a value that an empty variable (an unset template value) would silently change
NOT_BLANK = ("model", "models_dir", "data_dir", "host", "taxonomy", "topic_head", "sentiment_head",
             "priority_policy", "qdrant_url")

# HNSW candidates per vector search: at 100k points the filtered search keeps p50 ≤ 3 ms and finds
# every near-duplicate source; at 1M it finds more of them than the engine's default (docs/store.md)
STORE_SEARCH_EF = 256


class Settings(BaseSettings):
    """Every setting of the product, each overridable by ``VOC_<NAME>``."""

    # allow_inf_nan: an infinite wait or limit is a typo that would overflow the first timer it reaches
    model_config = SettingsConfigDict(env_prefix="VOC_", env_file=".env", extra="ignore", allow_inf_nan=False)

    # --- embeddings -------------------------------------------------------------
    models_dir: Path = Field(Path("var/models"), description="Where built model folders live.")
    model: str = Field(
        "e5-small",
        description="Built-in model name (e5-small, e5-small-fp32, use-multilingual) or a model folder path.",
    )
    providers: list[str] = Field(
        default_factory=lambda: ["cpu"],
        description="ONNX Runtime execution providers in order of preference: cpu, cuda.",
    )
    intra_op_threads: int = Field(
        0, ge=0, le=MAX_THREADS, description="ONNX Runtime threads per call (0 = all cores).")
    intra_op_spinning: bool = Field(
        True,
        description="Inference threads spin briefly between operators instead of sleeping: lower latency per "
        "call, at the cost of CPU time burnt while they wait. They stop spinning when a run returns.",
    )
    blas_threads: int = Field(
        1, ge=0, le=MAX_THREADS,
        description="Threads NumPy's BLAS may use in the service beside the inference threads (0 = one per core). "
        "One keeps the per-message matrix products from competing with the embedder for the cores.",
    )
    embed_batch_size: int | None = Field(
        None, ge=1, le=1024,
        description="Texts per inference run; default 4 for token models (short runs of similar length are "
        "fastest on CPU), 32 for string models.",
    )
    batch_max_texts: int = Field(
        32, ge=1, description="Most messages the service gathers from concurrent ingest calls into one round, and "
        "most texts in one embedding call.")
    max_tokens: int | None = Field(
        256, ge=16, description="Token window cap (long texts are averaged over windows of this size)."
    )
    taxonomy: Path | None = Field(None, description="Taxonomy YAML; the shipped default if unset.")
    topic_head: Path | None = Field(None, description="A trained topic head folder; zero-shot if unset.")
    sentiment_head: Path | None = Field(None, description="A sentiment head folder; the shipped one if unset.")
    rating_weight: float = Field(0.5, ge=0, le=1, description="Weight of the customer's score in sentiment.")

    # --- store ------------------------------------------------------------------
    data_dir: Path = Field(Path("data"), description="Embedded store location (Qdrant Edge).")
    store_backend: Literal["embedded", "server"] = "embedded"
    store_quantization: Literal["int8", "none"] = Field(
        "int8",
        description="int8: search walks int8 copies of the vectors kept in RAM and rescores the best with the "
        "float32 originals read from disk; none: the float32 vectors are held in RAM. Embedded: taken when the "
        "store is opened, the index follows at its next build; server: taken when a collection is created.",
    )
    store_search_ef: int = Field(
        STORE_SEARCH_EF, ge=1,
        description="HNSW candidates each vector search visits (more finds more of the true nearest neighbours "
        "in a large store, at some latency). Taken when the store is opened.",
    )
    qdrant_url: str | None = None
    qdrant_api_key: str | None = None
    qdrant_shards: int = Field(1, ge=1)
    qdrant_replication_factor: int = Field(1, ge=1)
    qdrant_write_consistency: int = Field(1, ge=1)
    shared_state_poll_s: float = Field(
        10.0, ge=0, le=86_400, description="How often the service looks for a clustering run or taxonomy edit made "
                                           "by another process in the data folder (0 = never; at most daily)."
    )
    store_startup_wait_s: float = Field(
        30.0, ge=0, description="How long start-up keeps retrying an unreachable Qdrant server before it gives up."
    )
    recluster_daily_at: str = Field(
        "02:30", description="UTC time of day (HH:MM) the service re-clusters the latest window itself; 'off' "
                             "when a CronJob or `voc recluster` does it instead."
    )
    recluster_window: str = Field("30d", description="The window the daily run reads: a span back from now (30d, 12h).")

    # --- service ----------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    max_text_chars: int = Field(20_000, ge=1)
    max_batch: int = Field(256, ge=1)
    max_body_bytes: int = Field(4 * 1024 * 1024, ge=1024, description="Larger request bodies get 413.")
    max_in_flight: int = Field(64, ge=1, description="Requests in progress before new ones get 429.")
    request_timeout_s: float = Field(30.0, gt=0, description="Work taking longer answers 503.")
    keep_alive_s: float = Field(
        75.0, gt=0, description="How long an idle client connection stays open; longer than a client's own idle "
                                "expiry, so the server never closes a connection the client is about to reuse."
    )
    batch_wait_ms: float = Field(2.0, ge=0, le=1000, description="How long the embed batcher waits to fill a batch.")
    tokens: dict[str, list[Literal["ingest", "analyst", "admin"]]] = Field(
        default_factory=dict,
        description='Bearer tokens and their scopes, e.g. {"s3cret": ["ingest"]}. Empty = demo mode, no auth.',
    )
    cors_origins: list[str] = Field(default_factory=list, description="Allowed CORS origins; none by default.")
    priority_policy: Path | None = Field(None, description="Priority policy YAML; the shipped default if unset.")
    languages: list[str] = Field(
        ["ru", "en", "uk", "kk", "be"], min_length=1,
        description="Languages a message is told apart in (ISO 639-1 codes, as JSON); any other is 'other'.")

    @field_validator(*NOT_BLANK, mode="before")
    @classmethod
    def _not_blank(cls, value: object) -> object:
        """An empty variable would read as the current folder (a path), every interface (the host) or
        the models folder itself (the model): refused, so that unset means the default."""
        if isinstance(value, str) and not value.strip():
            raise ValueError("is empty; leave the variable unset for the default, or give a value")
        return value

    @field_validator("recluster_daily_at")
    @classmethod
    def _daily_time(cls, value: str) -> str:
        parse_daily_at(value)
        return value.strip().lower()

    @field_validator("recluster_window")
    @classmethod
    def _window_span(cls, value: str) -> str:
        if not WINDOW_SPAN.fullmatch(value.strip().lower()):
            raise ValueError(f"expected a span back from now such as 30d or 12h (at most 3650d); got {value!r}")
        return value.strip().lower()

    @field_validator("providers")
    @classmethod
    def _provider_names(cls, providers: list[str]) -> list[str]:
        from embeddings.providers import PROVIDER_NAMES  # short names; ONNX Runtime's own names also pass

        bad = [name for name in providers
               if name.lower() not in PROVIDER_NAMES and not name.endswith("ExecutionProvider")]
        if bad:
            raise ValueError(f"{bad} are not execution providers; use {', '.join(PROVIDER_NAMES)} "
                             "(or an ONNX Runtime name such as CUDAExecutionProvider), as a JSON list")
        return providers

    @field_validator("languages")
    @classmethod
    def _language_codes(cls, languages: list[str]) -> list[str]:
        codes = [code.strip().lower() for code in languages]
        bad = [code for code in codes if not (len(code) == 2 and code.isascii() and code.isalpha())]
        if bad:
            raise ValueError(f"{bad} are not ISO 639-1 codes (two letters, such as ru or en)")
        if len(set(codes)) != len(codes):
            raise ValueError("a language is named twice")
        return codes

    @field_validator("tokens")
    @classmethod
    def _tokens_are_secrets(cls, tokens: dict[str, list[str]]) -> dict[str, list[str]]:
        """A blank token (an unset secret in a template) or one with spaces around it (never sent as
        such in a header) is a mistake: refused, without showing any token."""
        for number, token in enumerate(tokens, start=1):
            if not token.strip():
                raise ValueError(f"token {number} of {len(tokens)} is blank; every token must be a secret string")
            if token != token.strip():
                raise ValueError(f"token {number} of {len(tokens)} has spaces around it")
            if not (token.isascii() and token.isprintable()):
                raise ValueError(f"token {number} of {len(tokens)} is not printable ASCII, which is what an HTTP "
                                 "header carries")
        return tokens


ENV_PREFIX = "VOC_"
SECRET_FIELDS = frozenset({"tokens", "qdrant_api_key"})  # their values (and token keys) are never shown


def settings_error_message(error: BaseException) -> str | None:
    """One line naming each bad VOC_* variable and what is wrong with it, for an error raised
    while reading the settings; None for any other error. Secrets are never echoed."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    if isinstance(error, SettingsError):
        named = re.search(r'field "(\w+)"', str(error))  # a list or mapping: read as JSON
        cause = f" ({error.__cause__})" if error.__cause__ else ""
        if named is None:
            return f"{error}{cause}"
        return f"{ENV_PREFIX}{named.group(1).upper()}: not a valid JSON value{cause}"
    if not isinstance(error, ValidationError) or error.title != Settings.__name__:
        return None
    parts = []
    for problem in error.errors(include_url=False):
        field = str(problem["loc"][0]) if problem["loc"] else ""
        shown = "" if field in SECRET_FIELDS else f"={problem.get('input')!r}"
        message = problem["msg"].removeprefix("Value error, ")  # pydantic's prefix for a validator's own error
        parts.append(f"{ENV_PREFIX}{field.upper()}{shown}: {message}")
    return "; ".join(parts)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once per process; tests override via ``app.dependency_overrides``."""
    return Settings()
