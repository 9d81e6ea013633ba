"""Fusion, grouping, diversity and highlighting on small hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.ingest.chunking import Passage
from retrieval.search.fusion import fuse, standardise, top_rows
from retrieval.store.lexical import LexicalIndex, tokenize
from retrieval.search.results import arrange, diversify, group_duplicates, highlight, near_duplicates
from retrieval.search.search import Filters, Hit
from retrieval.errors import QuestionError

QUOTE = ("Kami akan mengembangkan mekanisme perdagangan alternatif dan penyelesaian bersama yang tidak "
         "dikendalikan oleh Barat")


def passage(pid: str, article: str, text: str, outlet: str = "Kontan") -> Passage:
    return Passage(pid, article, outlet, f"title {article}", "2024-06-18", None, 0, len(text), text)


def hit(rank: int, p: Passage) -> Hit:
    return Hit(rank, 10.0 - rank, p)


def test_standardise_and_fuse():
    assert standardise(np.array([1.0, 1.0, 1.0])).tolist() == [0.0, 0.0, 0.0]
    z = standardise(np.array([1.0, 2.0, 3.0]))
    assert z.mean() == pytest.approx(0) and z.std() == pytest.approx(1)
    dense = np.array([0.90, 0.89, 0.80])   # a paraphrase leads by a little
    lexical = np.array([0.0, 12.0, 0.0])   # an exact name match leads by a lot
    assert np.argmax(fuse(dense, lexical, 0.65)) == 1
    assert np.argmax(fuse(dense, lexical, 1.0)) == 0
    with pytest.raises(ValueError):
        fuse(dense, lexical[:2])


def test_top_rows_respects_allowed_and_k():
    scores = np.array([0.1, 0.9, 0.5, 0.7])
    assert top_rows(scores, 2).tolist() == [1, 3]
    assert top_rows(scores, 3, np.array([True, False, True, False])).tolist() == [2, 0]
    assert top_rows(scores, 5, np.zeros(4, dtype=bool)).tolist() == []


def test_same_quote_from_three_outlets_is_shown_once():
    a = passage("a", "kontan", f"Putin menulis surat. {QUOTE}. Selain itu ada parade.", "Kontan")
    b = passage("b", "liputan6", f"\"{QUOTE},\" tulis Putin, seperti dilansir Reuters.", "Liputan6")
    c = passage("c", "tribun", "Rusia dan Korea Utara memperluas hubungan bilateral.", "Tribunnews")
    d = passage("d", "east", f"“Akan {QUOTE.lower()}, bersama-sama menentang pembatasan,” tulis Putin.",
                "Eastjourneymagz")
    hits = [hit(1, a), hit(2, b), hit(3, c), hit(4, d)]
    vectors = np.array([[1.0, 0.0], [0.95, 0.31], [0.0, 1.0], [0.96, 0.28]], dtype=np.float32)
    grouped = group_duplicates(hits, vectors, k=3)
    assert [h.passage.id for h in grouped] == ["a", "c"]
    assert [p.outlet for p in grouped[0].also_reported_by] == ["Liputan6", "Eastjourneymagz"]
    assert near_duplicates(a.text, b.text) and not near_duplicates(a.text, c.text)


def test_passages_of_one_article_are_not_grouped_with_each_other():
    a = passage("a1", "kontan", f"{QUOTE}. Satu.")
    b = passage("a2", "kontan", f"{QUOTE}. Dua.")
    grouped = group_duplicates([hit(1, a), hit(2, b)], np.ones((2, 2), dtype=np.float32) / np.sqrt(2), k=3)
    assert [h.passage.id for h in grouped] == ["a1", "a2"] and grouped[0].also_reported_by == ()


def test_at_most_two_passages_of_one_article_in_the_top_three():
    hits = [hit(1, passage("x1", "x", "a")), hit(2, passage("x2", "x", "b")), hit(3, passage("x3", "x", "c")),
            hit(4, passage("y1", "y", "d"))]
    assert [h.passage.id for h in diversify(hits, 3)] == ["x1", "x2", "y1", "x3"]


def test_highlight_picks_the_sentence_with_the_rare_words():
    text = ("Putin tiba di Pyongyang. Ia disambut Kim Jong Un.\n\n"
            "Setelah Korea Utara, Putin akan mengunjungi Vietnam pada 19-20 Juni.")
    lexical = LexicalIndex.build([text, "Putin berbicara di Moskow.", "Kim Jong Un menulis surat."])
    start, end = highlight("Kapan Putin ke Vietnam?", text, lexical)
    assert text[start:end] == "Setelah Korea Utara, Putin akan mengunjungi Vietnam pada 19-20 Juni."
    assert highlight("zzz", text, lexical) == (0, len("Putin tiba di Pyongyang."))


def test_arrange_renumbers_and_highlights():
    texts = ["Putin ke Vietnam. Lalu pulang.", "Kim menulis surat.", "Harga beras naik."]
    hits = [hit(i + 1, passage(f"p{i}", f"a{i}", t)) for i, t in enumerate(texts)]
    lexical = LexicalIndex.build(texts)
    arranged = arrange(hits, np.eye(3, dtype=np.float32), "Vietnam", lexical, k=2)
    assert [h.rank for h in arranged] == [1, 2]
    assert arranged[0].highlight == (0, len("Putin ke Vietnam."))


def test_tokenize_keeps_numbers_and_stems_words():
    assert tokenize("Perjanjian 11.000 kontainer") == ["janji", "11.000", "11000", "kontainer"]


def test_filters_validate_dates():
    for compared_wrongly in ("18/06/2024", "20240618", "2024-W25-2", "2024-06-18T00:00", "2024-6-18", "2024-02-30"):
        with pytest.raises(QuestionError, match="not a date"):
            Filters(since=compared_wrongly)
        with pytest.raises(QuestionError, match="not a date"):
            Filters(until=compared_wrongly)
    assert Filters(since="2024-06-01", until="2024-06-30").until == "2024-06-30"
    with pytest.raises(QuestionError, match="empty"):
        Filters(since="2024-06-19", until="2024-06-18")


def test_grouping_looks_only_at_the_leading_hits_but_still_fills_the_page():
    copies = [hit(i, passage(f"p{i}", f"article{i}", f"{QUOTE}.")) for i in range(1, 61)]
    vectors = np.ones((60, 4), dtype=np.float32) / 2.0
    grouped = group_duplicates(copies, vectors, k=3)
    assert grouped[0].passage.id == "p1"
    assert [p.id for p in grouped[0].also_reported_by] == [f"p{i}" for i in range(2, 51)]
    # hits past the scanned ones are kept as they are, up to the page's needs (2k + 2)
    assert [h.passage.id for h in grouped] == ["p1", "p51", "p52", "p53", "p54", "p55", "p56", "p57"]
