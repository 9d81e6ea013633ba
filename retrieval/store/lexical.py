"""The lexical side of search: BM25 (bm25s) over word tokens fit for Indonesian.

Names, numbers and dates are what dense embeddings blur; BM25 matches them exactly. Tokens
are lower-cased Unicode words reduced to their stems by PySastrawi (Indonesian affixes:
"perjanjian" and "berjanji" meet at "janji"); numbers keep their inner
separators (``11.000``, ``02.45``) and are also indexed without them. On the public
benchmarks stemming raised BM25's Success@1 by 1.5 points on both FacQA and TyDi-id;
stopword removal helped TyDi but hurt FacQA and the fused result, so it is off
(docs/benchmarks.md).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from retrieval.errors import IndexFolderError

_WORD = re.compile(r"\d+(?:[.,:/]\d+)+|\w+")
BM25_K1 = 0.9
BM25_B = 0.4


@dataclass(frozen=True)
class LexicalSettings:
    """BM25 parameters, recorded in the index manifest."""

    k1: float = BM25_K1
    b: float = BM25_B


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed word tokens; ``11.000`` also yields ``11000``."""
    tokens = []
    for match in _WORD.finditer(text.lower()):
        token = match.group()
        if token[0].isdigit():
            tokens.append(token)
            if not token.isalnum():
                tokens.append(re.sub(r"\D", "", token))
        else:
            tokens.append(stem(token))
    return tokens


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Indonesian stem of one lower-case word (words with digits are kept as they are)."""
    if any(ch.isdigit() for ch in word):
        return word
    return _stemmer().stem(word) or word


@lru_cache(maxsize=1)
def _stemmer():
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


class LexicalIndex:
    """BM25 scores for every passage, in the same row order as the vectors."""

    def __init__(self, bm25, settings: LexicalSettings) -> None:
        self._bm25 = bm25
        self.settings = settings

    @classmethod
    def build(cls, texts: list[str], settings: LexicalSettings | None = None) -> LexicalIndex:
        bm25s = _bm25s()
        settings = settings or LexicalSettings()
        bm25 = bm25s.BM25(k1=settings.k1, b=settings.b)
        if texts:
            bm25.index([tokenize(t) or [""] for t in texts], show_progress=False)
        return cls(bm25, settings)

    def scores(self, question: str) -> np.ndarray:
        """BM25 score of every passage for ``question`` (zeros where no word matches)."""
        tokens = [t for t in tokenize(question) if t in self._bm25.vocab_dict]
        if not tokens:
            return np.zeros(self._size(), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def idf(self, token: str) -> float:
        """Inverse document frequency of ``token`` (0 if unseen)."""
        index = self._bm25.vocab_dict.get(token)
        if index is None:
            return 0.0
        return float(self._idf[index])

    @property
    def _idf(self) -> np.ndarray:
        if not hasattr(self, "_idf_cache"):
            indptr = np.asarray(self._bm25.scores["indptr"])
            df = np.zeros(len(self._bm25.vocab_dict), dtype=np.float64)
            df[: len(indptr) - 1] = np.diff(indptr)
            n = max(self._size(), 1)
            self._idf_cache = np.log(1 + (n - df + 0.5) / (df + 0.5))
        return self._idf_cache

    @property
    def size(self) -> int:
        """Number of passages indexed."""
        return self._size()

    def _size(self) -> int:
        return int(self._bm25.scores.get("num_docs", 0)) if self._bm25.scores else 0

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), allow_pickle=False)

    @classmethod
    def load(cls, folder: Path, settings: LexicalSettings) -> LexicalIndex:
        bm25s = _bm25s()
        try:
            bm25 = bm25s.BM25.load(str(folder), allow_pickle=False)
        except (OSError, ValueError, KeyError) as exc:
            raise IndexFolderError(f"the lexical index in {folder} cannot be read ({exc})") from exc
        return cls(bm25, settings)


def preload_readers() -> None:
    """Import what reading an index needs (FAISS, bm25s), so that memory measured after is the index's own."""
    import faiss  # noqa: F401

    _bm25s()


def _bm25s():
    """Import bm25s, which sets its own logger to DEBUG on import; keep it quiet."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s
