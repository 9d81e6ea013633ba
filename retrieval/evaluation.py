"""Retrieval benchmarks: index a corpus of ready-made passages, run queries, score the rankings.

Corpus lines are ``{"id", "title", "text", ...}``, one passage each (no re-chunking); query
lines are ``{"id", "question", "positive_ids": [...]}``. A query with no positive ids has no
answer: it counts toward the abstention rate, not the ranking metrics.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from retrieval.ingest.chunking import Passage
from retrieval.model.embedding import Embedder
from retrieval.errors import SourceError
from retrieval.store.index import FORMAT_VERSION, Manifest, PassageIndex, build_faiss
from retrieval.search.fusion import DENSE_WEIGHT
from retrieval.store.lexical import LexicalIndex
from retrieval.search.search import Filters, Searcher, is_answered

RETRIEVERS = {"hybrid": None, "dense": 1.0, "bm25": 0.0}


@dataclass(frozen=True)
class Query:
    id: str
    question: str
    positives: frozenset[str]


@dataclass(frozen=True)
class Scores:
    """Benchmark results; ranking metrics are None without answerable queries, the abstention
    rate is None without unanswerable ones. ``answered_success_at_1`` counts an answerable query
    only when its first passage is right and the search did not abstain."""

    retriever: str
    queries: int
    answerable: int
    success_at_1: float | None
    success_at_5: float | None
    success_at_10: float | None
    mrr_at_10: float | None
    ndcg_at_10: float | None
    recall_at_100: float | None
    abstention_rate: float | None
    answered_success_at_1: float | None = None

    def as_json(self) -> dict:
        return {"retriever": self.retriever, "queries": self.queries, "answerable": self.answerable,
                "success@1": self.success_at_1, "success@5": self.success_at_5, "success@10": self.success_at_10,
                "mrr@10": self.mrr_at_10, "ndcg@10": self.ndcg_at_10, "recall@100": self.recall_at_100,
                "abstention_rate": self.abstention_rate, "answered_success@1": self.answered_success_at_1}


def score_rankings(retriever: str, rankings: list[list[str]], queries: list[Query], answered: list[bool]) -> Scores:
    """Metrics over ranked passage ids, one list per query (pure; see tests for worked cases)."""
    hits = {"s1": 0.0, "s5": 0.0, "s10": 0.0, "mrr": 0.0, "ndcg": 0.0, "r100": 0.0, "a1": 0.0}
    answerable = [(r, q, a) for r, q, a in zip(rankings, queries, answered) if q.positives]
    for ranking, query, said in answerable:
        relevant = [doc in query.positives for doc in ranking[:100]]
        first = relevant.index(True) if True in relevant else None
        hits["s1"] += first is not None and first < 1
        hits["a1"] += first is not None and first < 1 and said
        hits["s5"] += first is not None and first < 5
        hits["s10"] += first is not None and first < 10
        hits["mrr"] += 1 / (first + 1) if first is not None and first < 10 else 0
        dcg = sum(1 / math.log2(i + 2) for i, rel in enumerate(relevant[:10]) if rel)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(len(query.positives), 10)))
        hits["ndcg"] += dcg / ideal
        hits["r100"] += len(set(ranking[:100]) & query.positives) / len(query.positives)
    unanswerable = [a for a, q in zip(answered, queries) if not q.positives]
    abstention = round(sum(not a for a in unanswerable) / len(unanswerable), 4) if unanswerable else None
    r = {key: round(value / len(answerable), 4) if answerable else None for key, value in hits.items()}
    return Scores(retriever, len(queries), len(answerable), r["s1"], r["s5"], r["s10"], r["mrr"], r["ndcg"],
                  r["r100"], abstention, r["a1"])


def read_corpus(path: Path) -> list[Passage]:
    """Benchmark passages, one per JSON line."""
    passages = []
    for number, row in _json_lines(path):
        if not isinstance(row.get("id"), str) or not isinstance(row.get("text"), str):
            raise SourceError(f"{path}:{number} is not a corpus line: needs string \"id\" and \"text\"")
        text = row["text"]
        passages.append(Passage(row["id"], row["id"], str(row.get("source") or "benchmark"), row.get("title") or "",
                                None, None, 0, len(text), text))
    return passages


def read_queries(path: Path) -> list[Query]:
    """Benchmark queries, one per JSON line."""
    queries = []
    for number, row in _json_lines(path):
        if not isinstance(row.get("question"), str) or not isinstance(row.get("positive_ids", []), list):
            raise SourceError(f"{path}:{number} is not a query line: needs \"question\" and \"positive_ids\"")
        queries.append(Query(str(row.get("id", number)), row["question"], frozenset(row.get("positive_ids", []))))
    return queries


def _json_lines(path: Path):
    if not path.is_file():
        raise SourceError(f"{path} does not exist; give a JSON Lines file")
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise SourceError(f"{path}:{number} is not JSON ({exc.msg})") from None
                if not isinstance(row, dict):
                    raise SourceError(f"{path}:{number} is not a JSON object")
                yield number, row


def memory_index(passages: list[Passage], embedder: Embedder) -> PassageIndex:
    """An in-memory index of benchmark passages (nothing is written to disk)."""
    info = embedder.warm_up()
    vectors = embedder.embed_passages([p.text for p in passages])
    lexical = LexicalIndex.build([p.text for p in passages])
    manifest = Manifest(FORMAT_VERSION, info.name, info.dimension, info.prompts, {}, {}, 0, len(passages), {}, "", {})
    return PassageIndex(manifest, passages, build_faiss(vectors), lexical)


def evaluate(index: PassageIndex, embedder: Embedder, queries: list[Query], retriever: str,
             min_score: float) -> Scores:
    """Rank every passage for every query with ``retriever`` and score the rankings."""
    weight = RETRIEVERS[retriever]
    searcher = Searcher(embedder, index, dense_weight=DENSE_WEIGHT if weight is None else weight,
                        min_dense=min_score)
    rankings, answered = [], []
    for query in queries:
        hits, _ = searcher.rank(" ".join(query.question.split()) or "?", Filters())
        rankings.append([hit.passage.id for hit in hits])
        answered.append(is_answered(hits, min_score))
    return score_rankings(retriever, rankings, queries, answered)
