"""Which store holds the index: the local folder (default) or Milvus, read once from the environment."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from retrieval.errors import ConfigError
from retrieval.settings import env_choice

STORES = ("local", "milvus")
DEFAULT_MILVUS_URI = "newsbot-milvus.db"
DEFAULT_COLLECTION = "newsbot"
_COLLECTION = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,200}")


@dataclass(frozen=True)
class StoreSettings:
    """NEWSBOT_STORE and, for Milvus, where it is and which collection holds the passages."""

    store: str = "local"
    milvus_uri: str = DEFAULT_MILVUS_URI
    milvus_token: str | None = None
    milvus_collection: str = DEFAULT_COLLECTION

    def __repr__(self) -> str:  # never show the token
        return f"StoreSettings(store={self.store!r}, milvus_uri={self.milvus_uri!r}, ...)"

    def secrets(self) -> tuple[str, ...]:
        """What must never reach a log: the token, and its password when it is ``user:password``."""
        token = self.milvus_token or ""
        return tuple(part for part in (token, token.partition(":")[2]) if part)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StoreSettings:
        env = os.environ if env is None else env
        uri = (env.get("NEWSBOT_MILVUS_URI") or "").strip() or DEFAULT_MILVUS_URI
        if not uri.startswith(("http://", "https://", "tcp://", "grpc://")) and not uri.endswith(".db"):
            raise ConfigError(f"NEWSBOT_MILVUS_URI={uri!r} must be a Milvus server such as http://localhost:19530, "
                              "or a file ending in .db for embedded Milvus, e.g. NEWSBOT_MILVUS_URI=newsbot-milvus.db")
        collection = (env.get("NEWSBOT_MILVUS_COLLECTION") or "").strip() or DEFAULT_COLLECTION
        if not _COLLECTION.fullmatch(collection):
            raise ConfigError(f"NEWSBOT_MILVUS_COLLECTION={collection!r} must start with a letter or _ and hold "
                              "only letters, digits and _ (at most 201), e.g. NEWSBOT_MILVUS_COLLECTION=newsbot")
        return cls(store=env_choice(env, "NEWSBOT_STORE", STORES), milvus_uri=uri,
                   milvus_token=(env.get("NEWSBOT_MILVUS_TOKEN") or "").strip() or None,
                   milvus_collection=collection)
