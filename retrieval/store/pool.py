"""A question's candidates from both retrievers, each with both scores: what fusion ranks.

Every store gives the same pool: the dense top ``CANDIDATES`` and the BM25 top ``CANDIDATES``
(among passages the filters allow, BM25 only where a word matches), united, with the cosine
of each candidate's stored vector and its BM25 score (0 where no word of the question is in it).
Fusion then needs nothing from the store, so rankings agree wherever the passages do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from retrieval.ingest.chunking import Passage
from retrieval.search.filters import Filters
from retrieval.search.fusion import CANDIDATES, top_rows

if TYPE_CHECKING:
    from retrieval.store.index import PassageIndex


class TermWeights(Protocol):
    """How rare a word is among the passages (BM25's inverse document frequency)."""

    def idf(self, token: str) -> float: ...


@dataclass(frozen=True)
class Pool:
    """Candidates of one question, row for row: passages, stored vectors, cosines, BM25 scores."""

    passages: list[Passage]
    vectors: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray


class CandidateSource(Protocol):
    """What search needs of a store: outlet names checked, a question's pool, term weights for highlights."""

    def check_outlets(self, outlets: frozenset[str]) -> None: ...

    def pool(self, question: str, query: np.ndarray, filters: Filters) -> Pool: ...

    def term_weights(self, pool: Pool) -> TermWeights: ...


def local_pool(index: PassageIndex, question: str, query: np.ndarray, filters: Filters) -> Pool:
    """The pool from a local index folder (FAISS and bm25s, rows in memory)."""
    allowed = index.mask(filters.outlets, filters.since, filters.until)
    dense_found = index.search(query, CANDIDATES, allowed)
    lexical_all = index.lexical.scores(question)
    lexical_rows = [r for r in top_rows(lexical_all, CANDIDATES, allowed) if lexical_all[r] > 0]
    rows = np.array(sorted({row for _, row in dense_found} | set(lexical_rows)), dtype=np.int64)
    vectors = index.vectors(rows)
    return Pool(index.passages_at(rows), vectors, vectors @ query, lexical_all[rows])
