"""Passages: whole sentences, sized, overlapping, within the token limit, spans exact."""

from __future__ import annotations

import pytest

from retrieval.ingest.articles import Article, read_sources
from retrieval.ingest.chunking import ChunkingSettings, chunk_article
from retrieval.ingest.cleaning import is_furniture
from retrieval.errors import ConfigError

from conftest import SEEDS


def make_article(text: str) -> Article:
    return Article(id="a1", outlet="Kontan", title="T", date="2024-06-18", url=None, text=text, source="test")


def word_counter(text: str) -> int:
    return len(text.split()) + 2


@pytest.fixture(scope="module")
def seed_passages(embedder):
    settings = ChunkingSettings(max_tokens=embedder.max_tokens)
    articles = read_sources([SEEDS]).articles
    return articles, [p for a in articles for p in chunk_article(a, settings, embedder.count_tokens)]


def test_seed_passages_are_exact_spans_within_limits(seed_passages, embedder):
    articles, passages = seed_passages
    by_id = {a.id: a for a in articles}
    assert {p.article_id for p in passages} == set(by_id)
    for p in passages:
        article = by_id[p.article_id]
        assert article.text[p.start:p.end] == p.text
        assert (p.outlet, p.title, p.date) == (article.outlet, article.title, article.date)
        assert embedder.count_tokens(p.text) <= 512
        assert len(p.text.split()) <= 180


def test_seed_passages_carry_no_furniture(seed_passages):
    _, passages = seed_passages
    for p in passages:
        assert not any(is_furniture(line) for line in p.text.split("\n\n")), p.text
        assert "Baca Juga" not in p.text and "WhatsApp" not in p.text


def test_passages_overlap_by_one_sentence_and_cover_the_article(seed_passages):
    articles, passages = seed_passages
    for article in articles:
        own = [p for p in passages if p.article_id == article.id]
        assert own[0].start == 0 and own[-1].end == len(article.text)
        for before, after in zip(own, own[1:]):
            assert after.start < before.end, "consecutive passages share a sentence"
            assert before.text.endswith(article.text[after.start:before.end])


def test_ids_are_deterministic_and_unique(seed_passages, embedder):
    articles, passages = seed_passages
    settings = ChunkingSettings(max_tokens=embedder.max_tokens)
    again = [p for a in articles for p in chunk_article(a, settings, embedder.count_tokens)]
    assert [p.id for p in again] == [p.id for p in passages]
    assert len({p.id for p in passages}) == len(passages)


def test_paragraph_boundaries_are_preferred():
    paragraphs = [" ".join(["Kata"] * 9 + [f"nomor{i}."]) for i in range(12)]
    article = make_article("\n\n".join(paragraphs))
    passages = chunk_article(article, ChunkingSettings(min_words=20, target_words=30, max_words=45), word_counter)
    assert len(passages) > 2
    for p in passages[:-1]:
        assert article.text[p.end:p.end + 2] == "\n\n"


def test_run_on_sentence_is_cut_to_fit_tokens():
    article = make_article(" ".join(f"kata{i}" for i in range(700)))
    passages = chunk_article(article, ChunkingSettings(max_tokens=100), word_counter)
    assert all(word_counter(p.text) <= 100 for p in passages)
    assert " ".join(p.text for p in passages).split() == article.text.split()


def test_settings_reject_nonsense():
    with pytest.raises(ConfigError):
        ChunkingSettings(min_words=200, max_words=100)


def test_chunking_time_grows_linearly_with_the_article():
    """Eight times the text (0.5 MB to 4 MB) takes about eight times the work, not ~25 times."""
    import time

    paragraph = " ".join(f"Kalimat nomor {i} tentang harga beras di pasar induk Cipinang." for i in range(4))

    def seconds(paragraphs: int) -> float:
        article = make_article("\n\n".join([paragraph] * paragraphs))
        best = float("inf")
        for _ in range(2):
            started = time.process_time()
            chunk_article(article, ChunkingSettings(), word_counter)
            best = min(best, time.process_time() - started)
        return best

    small, large = seconds(2000), seconds(16000)
    assert large < 14 * small, (small, large)
