"""From ranked candidates to the results people see: one card per story, varied, highlighted.

Pure functions over hits, their vectors and the lexical index's statistics:
- the same passage reported by several outlets (a shared quote) is shown once, the best
  ranked, with the others listed as "also reported by";
- no more than two passages of one article among the first three;
- each result carries the span of its sentence that best matches the question.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from retrieval.store.lexical import tokenize
from retrieval.store.pool import TermWeights
from retrieval.ingest.sentences import paragraph_sentences

SHINGLE = 5  # words per shingle
SHARED_SHINGLES = 6  # a common run of SHINGLE + 5 words or more (one quoted sentence)
SIMILAR_VECTORS = 0.8  # cheap pre-check before comparing shingles
PER_ARTICLE_IN_TOP3 = 2
GROUP_SCAN = 50  # hits compared for near-duplicates


def arrange(hits: list, vectors: np.ndarray, question: str, lexical: TermWeights, k: int) -> list:
    """The ``k`` results to show, renumbered from 1."""
    grouped = group_duplicates(hits, vectors, k)
    varied = diversify(grouped, k)
    return [replace(hit, rank=i, highlight=highlight_of(hit, question, lexical))
            for i, hit in enumerate(varied[:k], start=1)]


def highlight_of(hit, question: str, lexical: TermWeights) -> tuple[int, int] | None:
    """The sentence holding the reader's answer when there is one, else the best-matching sentence."""
    if hit.answer is not None:
        around = answer_sentence(hit.passage.text, hit.answer.start, hit.answer.end)
        if around is not None:
            return around
    return highlight(question, hit.passage.text, lexical)


def answer_sentence(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Span of the sentence of ``text`` that holds characters [start, end), if one does."""
    return next(((s, e) for s, e, _ in paragraph_sentences(text) if s <= start and end <= e), None)


def shingles(text: str) -> set[tuple[str, ...]]:
    """Overlapping runs of SHINGLE lower-case words."""
    words = re.findall(r"\w+", text.lower())
    return set(zip(*(words[i:] for i in range(SHINGLE))))


def near_duplicates(a: str, b: str) -> bool:
    """True when two passages share a long run of words, such as the same quote."""
    return len(shingles(a) & shingles(b)) >= SHARED_SHINGLES


def group_duplicates(hits: list, vectors: np.ndarray, k: int) -> list:
    """Keep the best of each story; attach the others (other articles) as also_reported_by.

    Only the first GROUP_SCAN hits are compared: copies of one story score alike and rank
    together, and comparing the whole candidate pool costs more than the search itself."""
    kept: list[int] = []
    also: dict[int, list] = {}
    cache: dict[int, set] = {}
    for i, hit in enumerate(hits[:GROUP_SCAN]):
        twin = next((j for j in kept if _same_story(hits, vectors, cache, i, j)), None)
        if twin is None:
            if len(kept) < 2 * k + PER_ARTICLE_IN_TOP3:
                kept.append(i)
                also[i] = []
        elif all(p.article_id != hit.passage.article_id for p in [hits[twin].passage, *also[twin]]):
            also[twin].append(hit.passage)
    kept += range(GROUP_SCAN, min(len(hits), GROUP_SCAN + 2 * k + PER_ARTICLE_IN_TOP3 - len(kept)))
    return [replace(hits[i], also_reported_by=tuple(also.get(i, ()))) for i in kept]


def _same_story(hits: list, vectors: np.ndarray, cache: dict, i: int, j: int) -> bool:
    """Two vector-similar passages of different articles that share a long run of words."""
    if hits[i].passage.article_id == hits[j].passage.article_id:
        return False
    if float(vectors[i] @ vectors[j]) < SIMILAR_VECTORS:
        return False
    for n in (i, j):
        if n not in cache:
            cache[n] = shingles(hits[n].passage.text)
    return len(cache[i] & cache[j]) >= SHARED_SHINGLES


def diversify(hits: list, k: int) -> list:
    """Move a third passage of one article out of the first three, keeping order otherwise."""
    top: list = []
    rest: list = []
    for hit in hits:
        same = sum(h.passage.article_id == hit.passage.article_id for h in top)
        if len(top) < 3 and same >= PER_ARTICLE_IN_TOP3:
            rest.append(hit)
        elif len(top) < 3:
            top.append(hit)
        else:
            rest.append(hit)
    return top + rest


def highlight(question: str, text: str, lexical: TermWeights) -> tuple[int, int] | None:
    """Character span of the sentence of ``text`` sharing the most rare words with the question."""
    spans = [(start, end) for start, end, _ in paragraph_sentences(text)]
    if not spans:
        return None
    wanted = set(tokenize(question))
    best, best_score = spans[0], 0.0
    for start, end in spans:
        score = sum(lexical.idf(token) for token in wanted & set(tokenize(text[start:end])))
        if score > best_score:
            best, best_score = (start, end), score
    return best
