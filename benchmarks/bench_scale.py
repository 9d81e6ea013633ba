"""Vector search at 10k, 100k and 1M passages: exact (flat) against HNSW.

Real passage vectors are made by embedding the start of the real corpus; larger sizes repeat
them with small random perturbations (renormalised), and the queries are the real headlines
of held-out articles. For each size and kind it reports build time, index memory, the
latency of one query for the 100 candidates a search asks for (p50, p99), and recall@10 of
HNSW against exact search.

    python benchmarks/bench_scale.py [--sizes 10000,100000,1000000] [--articles 300]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.articles import read_sources  # noqa: E402
from retrieval.chunking import ChunkingSettings, chunk_article  # noqa: E402
from retrieval.embedding import Embedder  # noqa: E402
from retrieval.index import HNSW_EF_SEARCH, build_faiss  # noqa: E402
from retrieval.settings import RetrievalSettings  # noqa: E402

NOISE = 0.05  # per-dimension; a copy keeps a cosine of about 0.7 with its original, 0.5 with another copy


def real_vectors(corpus: Path, articles: int, queries: int, embedder: Embedder) -> tuple[np.ndarray, np.ndarray]:
    """Passage vectors of the first ``articles`` articles; query vectors of the next ones' titles."""
    with tempfile.TemporaryDirectory() as tmp:
        lines = corpus.read_text(encoding="utf-8").splitlines()[: articles + queries * 2]
        (Path(tmp) / "slice.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        read = read_sources([Path(tmp) / "slice.jsonl"]).articles
    chunking = ChunkingSettings(max_tokens=embedder.max_tokens)
    texts = [p.text for a in read[:articles] for p in chunk_article(a, chunking, embedder.count_tokens)]
    titles = [a.title for a in read[articles:] if a.title][:queries]
    return embedder.embed_passages(texts), np.stack([embedder.embed_query(t) for t in titles])


def grow(base: np.ndarray, size: int, rng: np.random.Generator, noise: float) -> np.ndarray:
    """``size`` vectors: ``base`` first, then perturbed copies of it."""
    out = np.empty((size, base.shape[1]), dtype=np.float32)
    out[: len(base)] = base[:size]
    for start in range(len(base), size, 50_000):
        end = min(size, start + 50_000)
        rows = base[np.arange(start, end) % len(base)] + rng.normal(0, noise, (end - start, base.shape[1]))
        out[start:end] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return out


def build(vectors: np.ndarray, kind: str):
    """The index and its build time; its size is what FAISS stores, which is what it holds in memory."""
    started = time.perf_counter()
    index = build_faiss(vectors, kind)
    return index, time.perf_counter() - started


def measure(index, queries: np.ndarray, ef: int | None) -> tuple[dict, np.ndarray]:
    """Latency of a top-100 search per query (p50, p99) and the first 10 rows found."""
    import faiss

    params = faiss.SearchParametersHNSW(efSearch=ef) if ef else None
    latencies, found = [], []
    for query in queries:
        started = time.perf_counter()
        _, rows = index.search(query.reshape(1, -1), 100, params=params)
        latencies.append((time.perf_counter() - started) * 1000)
        found.append(rows[0][:10])
    latencies.sort()
    return {"query_ms_p50": round(latencies[len(latencies) // 2], 2),
            "query_ms_p99": round(latencies[int(len(latencies) * 0.99) - 1], 2)}, np.array(found)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpora" / "indosum_articles.jsonl")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--noise", type=float, default=NOISE, help="per-dimension noise of the copies")
    parser.add_argument("--ef", default=f"{HNSW_EF_SEARCH},256,512", help="HNSW efSearch values to measure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        embedder = Embedder(RetrievalSettings(Path(tmp) / "index", None, RetrievalSettings.from_env().model_cache, 32))
        base, queries = real_vectors(args.corpus, args.articles, args.queries, embedder)
    print(json.dumps({"cores": os.cpu_count(), "real_passages": len(base), "queries": len(queries)}), flush=True)
    import faiss

    rng = np.random.default_rng(0)
    for size in (int(s) for s in args.sizes.split(",")):
        vectors = grow(base, size, rng, args.noise)
        for kind in ("exact", "hnsw"):
            index, seconds = build(vectors, kind)
            facts = {"passages": size, "kind": kind, "build_s": round(seconds, 1),
                     "index_mb": round(len(faiss.serialize_index(index)) / 1e6)}
            for ef in ([None] if kind == "exact" else [int(e) for e in args.ef.split(",")]):
                timing, found = measure(index, queries, ef)
                if kind == "exact":
                    truth = found
                recall = np.mean([len(set(a) & set(t)) / 10 for a, t in zip(found, truth)])
                print(json.dumps({**facts, "ef_search": ef, **timing, "recall_at_10": round(float(recall), 4)}),
                      flush=True)
            del index
        del vectors


if __name__ == "__main__":
    main()
