"""Cut a cleaned article into passages: whole sentences, aligned to paragraphs, with overlap.

A passage holds roughly ``min_words``-``max_words`` words, ends at a paragraph break when
it can, repeats the previous passage's last sentence for context, and never exceeds the
embedding model's token limit. Every passage's text is exactly ``article.text[start:end]``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from retrieval.ingest.articles import Article
from retrieval.errors import ConfigError
from retrieval.ingest.sentences import paragraph_sentences

TokenCounter = Callable[[str], int]


@dataclass(frozen=True)
class ChunkingSettings:
    """Passage size bounds; ``max_tokens`` is the model's limit including its prompt."""

    min_words: int = 60
    target_words: int = 110
    max_words: int = 180
    overlap_sentences: int = 1
    max_tokens: int = 512

    def __post_init__(self) -> None:
        if not 0 < self.min_words <= self.target_words <= self.max_words:
            raise ConfigError("chunking needs 0 < min_words <= target_words <= max_words, got "
                              f"{self.min_words}, {self.target_words}, {self.max_words}")
        if self.overlap_sentences < 0 or self.max_tokens < 16:
            raise ConfigError(f"invalid overlap {self.overlap_sentences} or max_tokens {self.max_tokens}")


@dataclass(frozen=True)
class Passage:
    """A searchable piece of one article, citing where it came from."""

    id: str
    article_id: str
    outlet: str
    title: str
    date: str | None
    url: str | None
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class _Sentence:
    start: int
    end: int
    words: int
    paragraph: int


def passage_id(article_id: str, start: int, end: int, text: str) -> str:
    """Deterministic id: a hash of the article id, the span and the text."""
    digest = hashlib.sha256(f"{article_id}\x1f{start}\x1f{end}\x1f{text}".encode()).hexdigest()
    return digest[:20]


def chunk_article(article: Article, settings: ChunkingSettings, count_tokens: TokenCounter) -> list[Passage]:
    """Cut ``article`` into passages that ``count_tokens`` says fit the model."""
    sentences = _sentences(article.text, settings.max_words)
    spans: list[tuple[int, int]] = []
    for group in _group(sentences, settings):
        spans.extend(_fit_tokens(article.text, group, settings.max_tokens, count_tokens))
    return [_passage(article, start, end) for start, end in spans]


def _passage(article: Article, start: int, end: int) -> Passage:
    text = article.text[start:end]
    return Passage(
        id=passage_id(article.id, start, end, text), article_id=article.id, outlet=article.outlet,
        title=article.title, date=article.date, url=article.url, start=start, end=end, text=text,
    )


def _sentences(text: str, max_words: int) -> list[_Sentence]:
    out: list[_Sentence] = []
    for start, end, number in paragraph_sentences(text):
        out.extend(_split_long(text, start, end, max_words, number))
    return out


def _split_long(text: str, start: int, end: int, max_words: int, paragraph: int) -> list[_Sentence]:
    """A run-on "sentence" above ``max_words`` is cut at word boundaries."""
    words = [(m_start, m_end) for m_start, m_end in _word_spans(text, start, end)]
    pieces = [words[i : i + max_words] for i in range(0, len(words), max_words)]
    return [_Sentence(piece[0][0], piece[-1][1], len(piece), paragraph) for piece in pieces if piece]


def _word_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, i = [], start
    while i < end:
        while i < end and text[i].isspace():
            i += 1
        j = i
        while j < end and not text[j].isspace():
            j += 1
        if j > i:
            spans.append((i, j))
        i = j
    return spans


def _group(sentences: list[_Sentence], settings: ChunkingSettings) -> list[list[_Sentence]]:
    """Greedy packing of sentences into passages, preferring paragraph ends as cut points (linear time)."""
    groups: list[list[_Sentence]] = []
    current: list[_Sentence] = []
    paragraph_rest = _paragraph_rest(sentences)
    for i, sentence in enumerate(sentences):
        current.append(sentence)
        nxt = sentences[i + 1] if i + 1 < len(sentences) else None
        if nxt is None or _should_cut(current, nxt, paragraph_rest[i + 1], settings):
            groups.append(current)
            keep = current[-settings.overlap_sentences :] if settings.overlap_sentences and nxt else []
            current = [] if sum(s.words for s in keep) * 2 > settings.max_words else list(keep)
    return _merge_short_tail(groups, settings)


def _paragraph_rest(sentences: list[_Sentence]) -> list[int]:
    """For each sentence, the words from it to the end of its paragraph (one pass from the end)."""
    rest = [0] * (len(sentences) + 1)
    for i in range(len(sentences) - 1, -1, -1):
        same = i + 1 < len(sentences) and sentences[i + 1].paragraph == sentences[i].paragraph
        rest[i] = sentences[i].words + (rest[i + 1] if same else 0)
    return rest


def _should_cut(current: list[_Sentence], nxt: _Sentence, paragraph_words: int, settings: ChunkingSettings) -> bool:
    """Whether to end the passage before ``nxt``; ``paragraph_words``: words from ``nxt`` to its paragraph's end."""
    words = sum(s.words for s in current)
    if words + nxt.words > settings.max_words:
        return True
    if nxt.paragraph == current[-1].paragraph or words < settings.min_words:
        return False
    if words >= settings.target_words:
        return True
    return words + paragraph_words > settings.max_words


def _merge_short_tail(groups: list[list[_Sentence]], settings: ChunkingSettings) -> list[list[_Sentence]]:
    if len(groups) < 2:
        return groups
    last, previous = groups[-1], groups[-2]
    new = [s for s in last if s not in previous]
    if sum(s.words for s in last) < settings.min_words and sum(s.words for s in previous + new) <= settings.max_words:
        return groups[:-2] + [previous + new]
    return groups


def _fit_tokens(text: str, group: list[_Sentence], max_tokens: int, count: TokenCounter) -> list[tuple[int, int]]:
    """Halve a group until each part fits the token limit (word cuts for one long sentence)."""
    start, end = group[0].start, group[-1].end
    if count(text[start:end]) <= max_tokens:
        return [(start, end)]
    if len(group) > 1:
        middle = len(group) // 2
        return _fit_tokens(text, group[:middle], max_tokens, count) + _fit_tokens(
            text, group[middle:], max_tokens, count)
    words = _word_spans(text, start, end)
    if len(words) < 2:
        return [(start, end)]  # a single enormous token; the model truncates it
    half = len(words) // 2
    first = _Sentence(words[0][0], words[half - 1][1], half, group[0].paragraph)
    second = _Sentence(words[half][0], words[-1][1], len(words) - half, group[0].paragraph)
    return _fit_tokens(text, [first], max_tokens, count) + _fit_tokens(text, [second], max_tokens, count)
