"""One settings object for the retrieval side, read once from the environment."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from retrieval.errors import ConfigError
from retrieval.store.index import VECTOR_INDEX_KINDS

DEFAULT_INDEX_DIR = Path("index")
# How the built-in model runs: int8 on OpenVINO (the default, 2.5-3x faster) or float32 on torch.
ENCODERS = ("int8", "float32")
# Whether questions are read by the reader after retrieval (on) or answered by retrieval alone.
READER_MODES = ("on", "off")


@dataclass(frozen=True)
class RetrievalSettings:
    """Where the index lives, which embedding model to use, how to run it and where models are cached."""

    index_dir: Path
    embedding_model: str | None
    model_cache: Path
    batch_size: int
    min_score: float = 0.81
    vector_index: str = "auto"
    encoder: str = "int8"
    reader: str = "on"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RetrievalSettings:
        """Read ``NEWSBOT_*`` variables; unset or empty values take their defaults."""
        env = os.environ if env is None else env
        return cls(
            index_dir=Path(env.get("NEWSBOT_INDEX_DIR") or DEFAULT_INDEX_DIR),
            embedding_model=(env.get("NEWSBOT_EMBEDDING_MODEL") or "").strip() or None,
            model_cache=Path(env.get("NEWSBOT_MODEL_CACHE") or _default_cache(env)),
            batch_size=env_int(env, "NEWSBOT_BATCH_SIZE", 32, 1, 4096),
            min_score=env_float(env, "NEWSBOT_MIN_SCORE", 0.81, -1.0, 1.0),
            vector_index=env_choice(env, "NEWSBOT_VECTOR_INDEX", VECTOR_INDEX_KINDS),
            encoder=env_choice(env, "NEWSBOT_ENCODER", ENCODERS),
            reader=env_choice(env, "NEWSBOT_READER", READER_MODES),
        )


def _default_cache(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsbot" / "models"


def env_int(env: Mapping[str, str], name: str, default: int, low: int = 1, high: int = 1_000_000) -> int:
    """Whole-number setting ``name`` within [low, high]; unset or empty gives ``default``."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"\d+", raw) or not low <= int(raw) <= high:
        raise ConfigError(f"{name}={raw!r} must be a whole number from {low} to {high}, e.g. {name}={default}")
    return int(raw)


def env_choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (case-insensitive); unset or empty gives the first."""
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return choices[0]
    if raw not in choices:
        raise ConfigError(f"{name}={raw!r} must be one of {', '.join(choices)}, e.g. {name}={choices[0]}")
    return raw


def env_float(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    """Number setting ``name`` within [low, high]; unset or empty gives ``default``."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        raise ConfigError(f"{name}={raw!r} must be a number from {low} to {high}, e.g. {name}={default}")
    return value
