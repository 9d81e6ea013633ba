"""Live reload: a rebuilt index is picked up without a restart, and a question in flight is not dropped."""

from __future__ import annotations

import json
import logging
import shutil
import threading

import numpy as np
import pytest

from retrieval.model.embedding import Embedder
from retrieval.store.index import CURRENT, PASSAGES, current_generation
from retrieval.store.indexing import update_index
from retrieval.store.live import LiveIndex

from bot.answers import AnswerService

from conftest import SEEDS

NEW_FACT = ("Menteri Perikanan mengumumkan bahwa ekspor rumput laut dari Kepulauan Aru naik tiga kali lipat "
            "sepanjang musim kemarau tahun ini, didorong permintaan pabrik karagenan di Surabaya.")
QUESTION = "Berapa kenaikan ekspor rumput laut dari Kepulauan Aru?"


class HeldEmbedder(Embedder):
    """The real embedder, except that a question can be held mid-search until the test lets it go."""

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.hold = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def embed_query(self, text: str) -> np.ndarray:
        vector = super().embed_query(text)
        if not self.release.is_set():
            self.hold.set()
            self.release.wait(60)
        return vector


@pytest.fixture
def folder(tmp_path, embedder):
    folder = tmp_path / "index"
    update_index([SEEDS], folder, embedder, sync=True)
    return folder


def add_new_fact(tmp_path, folder, embedder, sync=False):
    article = {"id": "aru-1", "outlet": "Antara", "title": "Ekspor rumput laut Aru naik", "published": "2024-07-01",
               "text": NEW_FACT}
    (tmp_path / "new.jsonl").write_text(json.dumps(article) + "\n", encoding="utf-8")
    update_index([SEEDS, tmp_path / "new.jsonl"] if sync else [tmp_path / "new.jsonl"], folder, embedder, sync=sync)


def test_question_in_flight_finishes_on_the_old_index_and_the_next_uses_the_new(tmp_path, folder, settings):
    embedder = HeldEmbedder(settings)
    service = AnswerService(LiveIndex(folder, embedder))
    outcome = {}
    embedder.release.clear()
    in_flight = threading.Thread(target=lambda: outcome.update(answer=service.answer(QUESTION)))
    in_flight.start()
    assert embedder.hold.wait(60), "the question never reached the search"

    add_new_fact(tmp_path, folder, embedder)
    assert service.refresh() is True
    assert service.refresh() is False  # nothing newer since
    embedder.release.set()
    in_flight.join(60)

    old = outcome["answer"]
    assert old.hits and all(h.passage.article_id != "aru-1" for h in old.hits)
    new = service.answer(QUESTION)
    assert new.hits[0].passage.article_id == "aru-1"
    assert {row.outlet for row in service.sources()} >= {"Antara", "Kontan"}


def test_a_damaged_new_index_is_skipped_and_the_old_one_keeps_answering(tmp_path, folder, embedder, caplog):
    live = LiveIndex(folder, embedder)
    broken = folder / "gen-broken"
    shutil.copytree(current_generation(folder), broken)
    (broken / PASSAGES).write_text("{half", encoding="utf-8")
    (folder / CURRENT).write_text("gen-broken\n")
    with caplog.at_level(logging.WARNING, logger="retrieval.store.live"):
        assert live.refresh() is False
        assert live.refresh() is False  # not retried, not logged again
    assert len([r for r in caplog.records if "could not be loaded" in r.message]) == 1
    assert live.searcher.search("Kapan Putin akan mengunjungi Vietnam?", 3).hits
    add_new_fact(tmp_path, folder, embedder, sync=True)  # the operator rebuilds from the sources
    assert live.refresh() is True and len(live.searcher.index.articles) == 6
