"""One settings object for the retrieval side, read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from retrieval.errors import ConfigError

DEFAULT_INDEX_DIR = Path("index")


@dataclass(frozen=True)
class RetrievalSettings:
    """Where the index lives, which embedding model to use and where models are cached."""

    index_dir: Path
    embedding_model: str | None
    model_cache: Path
    batch_size: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RetrievalSettings:
        """Read ``NEWSBOT_*`` variables; unset or empty values take their defaults."""
        env = os.environ if env is None else env
        return cls(
            index_dir=Path(env.get("NEWSBOT_INDEX_DIR") or DEFAULT_INDEX_DIR),
            embedding_model=(env.get("NEWSBOT_EMBEDDING_MODEL") or "").strip() or None,
            model_cache=Path(env.get("NEWSBOT_MODEL_CACHE") or _default_cache(env)),
            batch_size=_positive_int(env, "NEWSBOT_BATCH_SIZE", 32),
        )


def _default_cache(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsbot" / "models"


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(f"{name}={raw!r} is not a positive whole number; set it like {name}={default}")
    return value
