"""Hybrid ranking: dense and BM25 scores, each standardised per question, then weighted.

Plain reciprocal-rank fusion throws scores away and lands between its halves. Standardising
each retriever's scores over the candidate pool (z-scores) keeps how far ahead a passage
is, and a weighted sum then lets a strong lexical match (a name, a number) overtake a
vaguely similar passage, and a strong paraphrase overtake a word-overlap one. The weight
was chosen on FacQA train and TyDi-id valid (docs/benchmarks.md).
"""

from __future__ import annotations

import numpy as np

DENSE_WEIGHT = 0.65
CANDIDATES = 100


def standardise(scores: np.ndarray) -> np.ndarray:
    """(x - mean) / std over the pool; all zeros when the scores do not vary."""
    spread = float(scores.std())
    if spread == 0.0 or not np.isfinite(spread):
        return np.zeros_like(scores, dtype=np.float32)
    return ((scores - scores.mean()) / spread).astype(np.float32)


def fuse(dense: np.ndarray, lexical: np.ndarray, weight: float = DENSE_WEIGHT) -> np.ndarray:
    """Fused scores for a candidate pool, given both retrievers' raw scores for it."""
    if dense.shape != lexical.shape:
        raise ValueError(f"score arrays differ in shape: {dense.shape} vs {lexical.shape}")
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"dense weight must be within [0, 1], got {weight}")
    return weight * standardise(dense) + (1.0 - weight) * standardise(lexical)


def top_rows(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """Row numbers of the ``k`` highest scores (among ``allowed`` rows, when given), best first."""
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    k = min(k, int(np.isfinite(scores).sum()))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    rows = np.argpartition(-scores, k - 1)[:k]
    return rows[np.argsort(-scores[rows], kind="stable")]
