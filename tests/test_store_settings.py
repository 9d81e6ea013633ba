"""NEWSBOT_STORE and the Milvus settings: defaults, refusals with advice, the token kept out of sight."""

from __future__ import annotations

import pytest

from retrieval.errors import ConfigError
from retrieval.store.store_settings import StoreSettings


def test_defaults_keep_the_local_folder():
    settings = StoreSettings.from_env({})
    assert settings.store == "local" and settings.milvus_uri.endswith(".db")
    assert settings.milvus_collection == "newsbot" and settings.milvus_token is None and settings.secrets() == ()


@pytest.mark.parametrize(("env", "expected"), [
    ({"NEWSBOT_STORE": "faiss"}, "NEWSBOT_STORE='faiss' must be one of local, milvus"),
    ({"NEWSBOT_MILVUS_URI": "milvus.sqlite"}, "file ending in .db"),
    ({"NEWSBOT_MILVUS_URI": "localhost:19530"}, "http://localhost:19530"),
    ({"NEWSBOT_MILVUS_COLLECTION": "news-2024"}, "only letters, digits and _"),
    ({"NEWSBOT_MILVUS_COLLECTION": "1news"}, "must start with a letter"),
])
def test_settings_that_cannot_work_are_refused_with_advice(env, expected):
    with pytest.raises(ConfigError, match=expected):
        StoreSettings.from_env(env)


def test_a_server_and_its_token():
    settings = StoreSettings.from_env({"NEWSBOT_STORE": "Milvus", "NEWSBOT_MILVUS_URI": "https://milvus.internal:19530",
                                       "NEWSBOT_MILVUS_TOKEN": "root:Very-Secret", "NEWSBOT_MILVUS_COLLECTION": "news_id"})
    assert settings.store == "milvus" and settings.milvus_collection == "news_id"
    assert "Very-Secret" in settings.secrets() and "root:Very-Secret" in settings.secrets()
    assert "Very-Secret" not in repr(settings)
