"""Newer articles win ties, and questions asking for the latest news weigh dates more."""

from __future__ import annotations

import json

import numpy as np
import pytest

from retrieval.search.filters import Filters
from retrieval.search.recency import (RECENT_MARGIN, TIE_WEIGHT, asks_for_recent, prefer_recent, recency,
                                      wants_recent)


@pytest.mark.parametrize("question", [
    "berita terbaru soal banjir Jakarta", "Apa kabar hari ini?", "latest on the Jakarta floods",
    "LATEST news on Putin", "perkembangan terkini kasus e-KTP", "siapa juara liga tahun ini",
    "gimana kondisinya sekarang", "harga cabai kemarin berapa", "update terbarunya gimana",
    "What happened today?", "today's headlines", "todays headlines", "most recent statement by the KPK",
    "berita  hari\nini", "Who won yesterday?", "kabar baru-baru ini soal Persija", "any breaking news?",
])
def test_questions_asking_for_the_latest(question):
    assert wants_recent(question)


@pytest.mark.parametrize("question", [
    "Berapa kapasitas pembangkit energi terbarukan?", "Kapan Putin mengunjungi Vietnam?",
    "kapan terakhir kali Venus Williams peringkat lima", "When was Venus last ranked fifth?",
    "Who is Putin's foreign policy adviser?", "sehari ini", "terbarukan", "todayx", "",
    "How long will Hayward miss after breaking his ankle?",
])
def test_questions_not_asking_for_the_latest(question):
    assert not wants_recent(question)


def test_since_filter_asks_for_recent_news():
    assert asks_for_recent("Kapan Putin ke Vietnam?", Filters(since="2024-06-01"))
    assert not asks_for_recent("Kapan Putin ke Vietnam?", Filters(until="2024-06-30"))
    assert asks_for_recent("berita terbaru Putin", Filters())


def test_recency_ranks_days_among_the_candidates():
    days = ["2017-01-01", None, "2024-06-18", "2017-01-01", "2020-05-05", "juni"]
    assert recency(days).tolist() == [0.0, 0.0, 1.0, 0.0, 0.5, 0.0]
    assert recency([None, "2017-01-01"]).tolist() == [0.0, 1.0]
    assert recency([]).shape == (0,)


def test_a_time_counts_as_its_day():
    days = ["2017-01-01", None, "2024-06-18", "2017-01-01", "2020-05-05", "juni", "2024-06-18"]
    timed = ["2017-01-01T09:00:00+07:00", None, "2024-06-18T23:59:00+07:00", "2017-01-01", "2020-05-05T08:00:00+07:00",
             "juni", "2024-06-18T00:30:00+07:00"]
    assert recency(timed).tolist() == recency(days).tolist() == [0.0, 0.0, 1.0, 0.0, 0.5, 0.0, 1.0]
    scores = np.array([2.4, 2.2, 2.1, 0.8, 2.0, 2.3, 2.2], dtype=np.float32)
    for recent in (False, True):
        assert prefer_recent(scores, timed, recent=recent).tolist() == \
            prefer_recent(scores, days, recent=recent).tolist()


def order(scores, days, **kw) -> list[int]:
    return np.argsort(-prefer_recent(np.array(scores, dtype=np.float32), days, **kw), kind="stable").tolist()


def test_equal_scores_put_the_newer_first():
    assert order([2.0, 2.0, 2.0], ["2016-01-01", "2018-03-01", "2017-06-01"]) == [1, 2, 0]
    assert order([2.0, 2.0 - TIE_WEIGHT / 2], ["2016-01-01", "2018-03-01"]) == [1, 0]


def test_clearly_different_scores_keep_their_order():
    scores = [3.0, 2.5, 2.0, 1.9, 0.5]
    days = ["2016-01-01", "2017-01-01", "2018-01-01", "2024-01-01", "2025-01-01"]
    assert order(scores, days) == [0, 1, 2, 3, 4]


def test_undated_passages_get_no_bonus():
    assert order([1.0, 1.0, 1.0], [None, "2017-01-01", None]) == [1, 0, 2]
    undated = np.array([1.0, 0.5], dtype=np.float32)
    assert prefer_recent(undated, [None, None], recent=True).tolist() == undated.tolist()


def test_a_recent_question_puts_a_newer_relevant_passage_first():
    scores = [2.4, 2.2, 2.1, 0.8]  # the first three about equally relevant, the last not at all
    days = ["2017-11-08", "2018-02-20", "2017-06-22", "2019-01-01"]
    assert order(scores, days) == [0, 1, 2, 3]
    assert order(scores, days, recent=True) == [1, 0, 2, 3]


def test_a_recent_question_keeps_a_much_more_relevant_old_passage_first():
    scores = [3.0, 3.0 - RECENT_MARGIN - 0.01, 1.0]
    days = ["2016-01-01", "2024-01-01", "2025-01-01"]
    assert order(scores, days, recent=True) == [0, 1, 2]


def test_the_prior_is_bounded_and_keeps_the_dtype():
    scores = np.array([1.0, 0.9, -2.0], dtype=np.float32)
    boosted = prefer_recent(scores, ["2018-01-01", "2017-01-01", "2019-01-01"], recent=True)
    assert boosted.dtype == np.float32
    assert np.all(boosted >= scores) and np.all(boosted - scores <= TIE_WEIGHT + RECENT_MARGIN + 1e-6)
    assert prefer_recent(np.zeros(0, dtype=np.float32), []).shape == (0,)
    with pytest.raises(ValueError, match="2 scores but 1 days"):
        prefer_recent(scores[:2], ["2018-01-01"])


FLOODS = [  # three reports of floods in East Jakarta over the years, worded apart, and one unrelated recent article
    ("banjir-2020", "2020-01-02", "Banjir rendam Jakarta Timur",
     "Banjir merendam ratusan rumah di Jakarta Timur setelah hujan deras semalaman. Warga mengungsi ke masjid "
     "dan petugas membuka dapur umum."),
    ("banjir-2023", "2023-02-10", "Jakarta Timur kembali kebanjiran",
     "Air setinggi satu meter menggenangi permukiman di Jakarta Timur sejak sore. Ratusan keluarga dievakuasi "
     "ke sekolah, dan pemerintah kota menyiapkan perahu karet."),
    ("banjir-2021", "2021-02-20", "Hujan deras, banjir di Jakarta Timur",
     "Hujan sejak pagi membuat Kali Sunter meluap sehingga banjir melanda beberapa kelurahan di Jakarta Timur. "
     "Warga bertahan di lantai dua rumah mereka."),
    ("timnas-2024", "2024-06-18", "Timnas menang atas Filipina",
     "Tim nasional sepak bola Indonesia menang 2-0 atas Filipina di Stadion Utama Gelora Bung Karno dan lolos ke "
     "putaran ketiga kualifikasi Piala Dunia."),
]


@pytest.fixture(scope="module")
def flood_searcher(embedder, tmp_path_factory):
    from retrieval.search.search import Searcher
    from retrieval.store.index import load_index
    from retrieval.store.indexing import update_index

    folder = tmp_path_factory.mktemp("floods")
    source = folder / "articles.jsonl"
    source.write_text("\n".join(json.dumps({"id": i, "outlet": "Kontan", "url": None, "published": day,
                                            "title": title, "text": text}) for i, day, title, text in FLOODS),
                      encoding="utf-8")
    update_index([source], folder / "index", embedder, sync=True)
    return Searcher(embedder, load_index(folder / "index", model=embedder.model_name))


@pytest.mark.slow
def test_searcher_puts_the_latest_relevant_report_first(flood_searcher):
    def ids(question, filters=None):
        return [h.passage.article_id for h in flood_searcher.search(question, 4, filters).hits]

    assert ids("banjir Jakarta Timur")[0] == "banjir-2020"  # the closest match, when dates do not matter
    # 2021 is about as relevant and newer; 2023 (which never says "banjir") and the football news are not close
    assert ids("berita terbaru banjir Jakarta Timur") == ["banjir-2021", "banjir-2020", "banjir-2023", "timnas-2024"]
    assert ids("banjir Jakarta Timur", Filters(since="2020-01-01"))[0] == "banjir-2021"
