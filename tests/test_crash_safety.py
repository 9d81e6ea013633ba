"""SIGKILL at every step of writing an index leaves the previous index loadable and answering."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys

import pytest

from retrieval.store.index import CURRENT, load_index
from retrieval.store.indexing import update_index
from retrieval.search.search import Searcher

from conftest import ROOT, SEEDS, SHARED

# (function entered, which call, what the half-written generation holds when it is killed):
# from embedding to just after CURRENT is replaced. None: no new generation folder yet.
KILL_POINTS = [
    ("embed_passages", 1, None),                                     # before anything is written
    ("save_index", 1, None),                                         # about to create the generation
    ("write_index", 1, set()),                                       # vectors being written
    ("write_table", 1, {"vectors.faiss"}),                           # passages about to be written
    ("executemany", 1, {"vectors.faiss", "passages.sqlite"}),        # passages being written
    ("_write_jsonl", 1, {"vectors.faiss", "passages.sqlite"}),       # articles being written
    ("save", 1, {"vectors.faiss", "passages.sqlite", "articles.jsonl"}),  # the BM25 index being written
    ("_write_durable", 1, {"vectors.faiss", "passages.sqlite", "articles.jsonl", "lexical"}),  # manifest
    ("_write_durable", 2, {"vectors.faiss", "passages.sqlite", "articles.jsonl", "lexical", "manifest.json"}),
    ("_prune", 1, None),                                             # CURRENT replaced, nothing pruned yet
]


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory, embedder):
    folder = tmp_path_factory.mktemp("crash") / "base"
    update_index([SEEDS], folder, embedder, sync=True)
    return folder


@pytest.fixture(scope="module")
def more_articles(tmp_path_factory):
    path = tmp_path_factory.mktemp("more") / "more.jsonl"
    with (SHARED / "corpora" / "indosum_articles.jsonl").open(encoding="utf-8") as lines:
        path.write_text("".join(next(lines) for _ in range(3)), encoding="utf-8")
    return path


@pytest.mark.parametrize(("function", "nth", "written"), KILL_POINTS)
def test_kill_while_indexing_keeps_an_answering_index(function, nth, written, seed_index, more_articles, tmp_path,
                                                      embedder, cli_env):
    folder = tmp_path / "index"
    shutil.copytree(seed_index, folder)
    before = (folder / CURRENT).read_text()
    run = subprocess.run([sys.executable, str(ROOT / "tests" / "kill_at.py"), function, str(nth), "index",
                          str(more_articles), "--index", str(folder)],
                         capture_output=True, text=True, env=cli_env, cwd=ROOT, timeout=300)
    assert run.returncode == -signal.SIGKILL, (run.returncode, run.stderr[-2000:])
    if written is not None:  # killed at that step of the write: the files before it, and no more
        (leftover,) = [p for p in folder.iterdir() if p.name.startswith("gen-") and p.name != before.strip()]
        assert {p.name for p in leftover.iterdir()} == written

    index = load_index(folder, model=embedder.model_name)
    articles = len(index.articles)
    if function == "_prune":
        assert (folder / CURRENT).read_text() != before and articles == 8
    else:
        assert (folder / CURRENT).read_text() == before and articles == 5
    hits = Searcher(embedder, index).search("Kapan Putin akan mengunjungi Vietnam?", 3).hits
    assert any("Vietnam" in h.passage.text for h in hits)

    # the next run finishes the job and clears what the killed one left behind
    report = update_index([more_articles], folder, embedder)
    assert report.articles == 8
    generations = [p for p in folder.iterdir() if p.name.startswith("gen-")]
    assert len(generations) <= 2 and (folder / (folder / CURRENT).read_text().strip()) in generations
