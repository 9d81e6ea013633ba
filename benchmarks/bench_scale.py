"""Search at 10k, 100k and 1M passages: vector search (exact against HNSW), then whole questions.

Real passage vectors are made by embedding the start of the real corpus; larger sizes repeat
them with small random perturbations (renormalised), and the queries are the real headlines
of held-out articles. For each size and kind it reports build time, index memory, the
latency of one query for the 100 candidates a search asks for (p50, p99), and recall@10 of
HNSW against exact search.

For the sizes in ``--search-sizes`` it then builds a whole in-memory index as ``newsbot index``
would choose it (vectors, HNSW from 200,000 passages, BM25 over passage texts: the real
passages' texts with a tenth of their words dropped at random in each copy) and times what
``ask`` does for a question, from embedding it to the arranged top 3: p50 and p99 of the
whole search, of the whole search with the reader (as ``NEWSBOT_READER`` says), of its
lexical stage, and of searches filtered to the most and the least common outlet.

    python benchmarks/bench_scale.py [--sizes 10000,100000,1000000] [--search-sizes 100000,1000000]
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

from retrieval.ingest.articles import read_sources  # noqa: E402
from retrieval.ingest.chunking import ChunkingSettings, Passage, chunk_article  # noqa: E402
from retrieval.model.embedding import Embedder  # noqa: E402
from retrieval.search.fusion import CANDIDATES, top_rows  # noqa: E402
from retrieval.store.index import (FORMAT_VERSION, HNSW_EF_SEARCH, Manifest, PassageIndex, build_faiss,  # noqa: E402
                             choose_vector_index, exact_search, stored_vectors)
from retrieval.store.lexical import LexicalIndex  # noqa: E402
from retrieval.reader.reader import reader_for  # noqa: E402
from retrieval.search.search import Filters, Searcher  # noqa: E402
from retrieval.settings import RetrievalSettings  # noqa: E402

NOISE = 0.05  # per-dimension; a copy keeps a cosine of about 0.7 with its original, 0.5 with another copy


def real_passages(corpus: Path, articles: int, queries: int, embedder: Embedder) -> tuple[list[Passage], list[str]]:
    """The passages of the first ``articles`` articles, and the next ones' titles as questions."""
    with tempfile.TemporaryDirectory() as tmp:
        lines = corpus.read_text(encoding="utf-8").splitlines()[: articles + queries * 2]
        (Path(tmp) / "slice.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        read = read_sources([Path(tmp) / "slice.jsonl"]).articles
    chunking = ChunkingSettings(max_tokens=embedder.max_tokens)
    passages = [p for a in read[:articles] for p in chunk_article(a, chunking, embedder.count_tokens)]
    return passages, [a.title for a in read[articles:] if a.title][:queries]


def grow(base: np.ndarray, size: int, rng: np.random.Generator, noise: float) -> np.ndarray:
    """``size`` vectors: ``base`` first, then perturbed copies of it."""
    out = np.empty((size, base.shape[1]), dtype=np.float32)
    out[: len(base)] = base[:size]
    for start in range(len(base), size, 50_000):
        end = min(size, start + 50_000)
        rows = base[np.arange(start, end) % len(base)] + rng.normal(0, noise, (end - start, base.shape[1]))
        out[start:end] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return out


def grow_passages(base: list[Passage], size: int, rng: np.random.Generator) -> list[Passage]:
    """``size`` passages: ``base`` first, then copies with a tenth of their words dropped."""
    out = list(base[:size])
    for row in range(len(base), size):
        original = base[row % len(base)]
        words = original.text.split()
        kept = [w for w, keep in zip(words, rng.random(len(words)) >= 0.1) if keep] or words
        out.append(Passage(f"{original.id}-{row}", f"{original.article_id}-{row // len(base)}", original.outlet,
                           original.title, original.date, original.url, 0, 0, " ".join(kept)))
    return out


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """p50 and p99 of a list of milliseconds."""
    ordered = sorted(latencies)
    return round(ordered[len(ordered) // 2], 1), round(ordered[max(int(len(ordered) * 0.99) - 1, 0)], 1)


def whole_searches(embedder: Embedder, base: list[Passage], vectors: np.ndarray, titles: list[str],
                   size: int, rng: np.random.Generator) -> dict:
    """Build an in-memory index of ``size`` passages as indexing would, then time questions."""
    started = time.perf_counter()
    passages = grow_passages(base, size, rng)
    lexical = LexicalIndex.build([p.text for p in passages])
    lexical_s = time.perf_counter() - started
    kind = choose_vector_index("auto", size)
    faiss_index, vector_s = build(vectors, kind)
    manifest = Manifest(FORMAT_VERSION, embedder.model_name, vectors.shape[1], {}, {}, {}, 0, size, {}, "", {}, kind)
    index = PassageIndex(manifest, passages, faiss_index, lexical)
    searcher = Searcher(embedder, index)
    reading = Searcher(embedder, index, reader=reader_for(RetrievalSettings.from_env()))
    outlets = [p.outlet for p in base]
    common, rare = max(set(outlets), key=outlets.count), min(set(outlets), key=outlets.count)
    searcher.search(titles[0])  # warm
    if reading.reader is not None:
        reading.search(titles[0], 3)
    timings: dict[str, list[float]] = {"ask": [], "reader": [], "lexical": [], "common": [], "rare": []}
    for title in titles:
        for name, run in (("ask", lambda: searcher.search(title, 3)),
                          ("reader", lambda: reading.search(title, 3)),
                          ("lexical", lambda: top_rows(lexical.scores(title), CANDIDATES)),
                          ("common", lambda: searcher.search(title, 3, Filters(outlets=frozenset({common})))),
                          ("rare", lambda: searcher.search(title, 3, Filters(outlets=frozenset({rare}))))):
            tick = time.perf_counter()
            run()
            timings[name].append((time.perf_counter() - tick) * 1000)
    return {"passages": size, "vector_index": kind, "bm25_build_s": round(lexical_s, 1),
            "vector_build_s": round(vector_s, 1), "ask_ms_p50_p99": percentiles(timings["ask"]),
            "ask_with_reader_ms_p50_p99": percentiles(timings["reader"]),
            "lexical_ms_p50_p99": percentiles(timings["lexical"]),
            f"ask_filtered_ms_p50_p99 ({common}, {outlets.count(common) / len(outlets):.0%})":
                percentiles(timings["common"]),
            f"ask_filtered_ms_p50_p99 ({rare}, {outlets.count(rare) / len(outlets):.1%})":
                percentiles(timings["rare"])}


def build(vectors: np.ndarray, kind: str):
    """The index and its build time; its size is what FAISS stores, which is what it holds in memory."""
    started = time.perf_counter()
    index = build_faiss(vectors, kind)
    return index, time.perf_counter() - started


def measure(index, queries: np.ndarray, ef: int | None) -> tuple[dict, np.ndarray]:
    """Latency of a top-100 search per query (p50, p99) and the first 10 rows found."""
    import faiss

    params = faiss.SearchParametersHNSW(efSearch=ef) if ef else None
    matrix = stored_vectors(index)
    latencies, found = [], []
    for query in queries:
        started = time.perf_counter()
        if ef:
            rows = index.search(query.reshape(1, -1), 100, params=params)[1][0]
        else:  # what newsbot does for an exact index
            rows = [row for _, row in exact_search(matrix, None, query, 100)]
        latencies.append((time.perf_counter() - started) * 1000)
        found.append(rows[:10])
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
    parser.add_argument("--search-sizes", default="100000,1000000",
                        help="sizes at which to time whole questions ('' for none)")
    args = parser.parse_args()
    embedder = Embedder(RetrievalSettings(Path(tempfile.gettempdir()) / "unused-index", None,
                                          RetrievalSettings.from_env().model_cache, 32))
    passages, titles = real_passages(args.corpus, args.articles, args.queries, embedder)
    base = embedder.embed_passages([p.text for p in passages])
    queries = np.stack([embedder.embed_query(t) for t in titles])
    print(json.dumps({"cores": os.cpu_count(), "real_passages": len(base), "queries": len(queries)}), flush=True)
    import faiss

    rng = np.random.default_rng(0)
    for size in (int(s) for s in args.sizes.split(",") if s):
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
    for size in (int(s) for s in args.search_sizes.split(",") if s):
        vectors = grow(base, size, np.random.default_rng(0), args.noise)
        print(json.dumps(whole_searches(embedder, passages, vectors, titles, size, np.random.default_rng(1))),
              flush=True)
        del vectors


if __name__ == "__main__":
    main()
