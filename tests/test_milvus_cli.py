"""``newsbot`` with NEWSBOT_STORE=milvus on a real embedded Milvus: index, re-index, ask, remove, and kills."""

from __future__ import annotations

import itertools
import json
import signal
import subprocess
import sys

import pytest

from retrieval.store.index import load_index
from retrieval.store.indexing import update_index
from retrieval.store.milvus_indexing import store_spec
from retrieval.store.milvus_store import MilvusStore

from conftest import ROOT, SEEDS, SHARED

pytestmark = pytest.mark.slow
ARTICLES = 200


@pytest.fixture(scope="module")
def news(tmp_path_factory):
    """The first articles of the news corpus, as a JSON Lines source."""
    path = tmp_path_factory.mktemp("milvus-cli") / "news.jsonl"
    with open(SHARED / "corpora" / "indosum_articles.jsonl", encoding="utf-8") as corpus:
        path.write_text("".join(itertools.islice(corpus, ARTICLES)), encoding="utf-8")
    return path


def newsbot(env, *args, input=None):
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=600, input=input)


def milvus_env(cli_env, tmp_path, name="news.db"):
    return {**cli_env, "NEWSBOT_STORE": "milvus", "NEWSBOT_MILVUS_URI": str(tmp_path / name),
            "NEWSBOT_MILVUS_COLLECTION": "news", "NEWSBOT_INDEX_DIR": str(tmp_path / "unused-folder")}


def test_index_reindex_ask_and_remove(cli_env, tmp_path):
    env = milvus_env(cli_env, tmp_path)
    first = newsbot(env, "index", str(SEEDS))
    assert first.returncode == 0, first.stderr
    assert "Index written to Milvus collection 'news'" in first.stdout and "5 articles" in first.stdout
    again = newsbot(env, "index", str(SEEDS))
    assert again.returncode == 0 and "Nothing changed" in again.stdout
    asked = newsbot(env, "ask", "--json", "--fast", "-k", "3", "Siapa penasihat kebijakan luar negeri Putin?")
    assert asked.returncode == 0, asked.stderr
    result = json.loads(asked.stdout)
    assert "Ushakov" in result["results"][0]["text"]
    filtered = newsbot(env, "ask", "--fast", "--outlet", "Nope", "Putin")
    assert filtered.returncode != 0 and "Nope" in filtered.stderr
    stats = newsbot(env, "stats", "--json")
    assert stats.returncode == 0, stats.stderr
    described = json.loads(stats.stdout)
    assert described["articles"] == 5 and described["passages"] > 5 and described["location"].startswith("Milvus")
    assert sum(described["outlets"].values()) == 5 and described["disk_bytes"] > 0
    article = result["results"][0]["article_id"]
    removed = newsbot(env, "remove", article)
    assert removed.returncode == 0, removed.stderr
    assert "4 articles" in removed.stdout
    assert not (tmp_path / "unused-folder").exists()


def test_a_setting_that_cannot_work_is_refused_before_anything_starts(cli_env, tmp_path):
    env = {**milvus_env(cli_env, tmp_path), "NEWSBOT_MILVUS_URI": str(tmp_path / "newsbot.sqlite")}
    run = newsbot(env, "index", str(SEEDS))
    assert run.returncode == 1 and "NEWSBOT_MILVUS_URI" in run.stderr and ".db" in run.stderr
    assert "Traceback" not in run.stderr
    env = {**milvus_env(cli_env, tmp_path), "NEWSBOT_STORE": "elastic"}
    run = newsbot(env, "index", str(SEEDS))
    assert run.returncode == 1 and "NEWSBOT_STORE='elastic' must be one of local, milvus" in run.stderr


@pytest.fixture(scope="module")
def whole(news, embedder, tmp_path_factory):
    """Every article's passage ids, as a complete local run cuts them (ids are content hashes)."""
    folder = tmp_path_factory.mktemp("milvus-whole") / "index"
    update_index([news], folder, embedder, sync=True)
    index = load_index(folder, model=embedder.model_name)
    by_article: dict[str, set[str]] = {}
    for passage in index.passages:
        by_article.setdefault(passage.article_id, set()).add(passage.id)
    return by_article


def stored(path, embedder) -> tuple[dict[str, set[str]], set[str]]:
    """Passage ids by article, and the article rows, as search would see them."""
    store = MilvusStore.open(str(path), "news", store_spec(embedder))
    by_article: dict[str, set[str]] = {}
    iterator = store.client.query_iterator("news", batch_size=1000, filter="", output_fields=["article_id"])
    while batch := iterator.next():
        for row in batch:
            by_article.setdefault(row["article_id"], set()).add(row["id"])
    iterator.close()
    articles = set(store.articles())
    store.close()
    return by_article, articles


@pytest.mark.parametrize(("function", "nth"), [
    ("_write_passages", 2),   # the first batch whole, the second's passages about to be written
    ("_delete_stale", 1),     # the first batch's passages written, their stale ones not yet deleted
    ("_record_articles", 1),  # passages written, the batch's article rows not yet
])
def test_a_killed_index_run_shows_no_half_article_and_running_again_finishes(
        cli_env, tmp_path, news, whole, embedder, function, nth):
    env = milvus_env(cli_env, tmp_path)
    run = subprocess.run([sys.executable, str(ROOT / "tests" / "kill_at.py"), function, str(nth), "index",
                          str(news)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert run.returncode == -signal.SIGKILL, (run.returncode, run.stderr[-2000:])
    by_article, articles = stored(tmp_path / "news.db", embedder)
    assert by_article, "the kill came before anything was written"
    assert len(by_article) < len(whole)
    for article_id, ids in by_article.items():
        assert ids == whole[article_id], f"article {article_id} is half there"
    assert articles <= set(by_article)
    again = newsbot(env, "index", str(news))
    assert again.returncode == 0, again.stderr
    by_article, articles = stored(tmp_path / "news.db", embedder)
    assert by_article == whole and articles == set(whole)
