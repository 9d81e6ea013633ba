"""Measure the retrieval core: model build, seed indexing, ask latency, ingest throughput, memory.

Usage: python benchmarks/bench_retrieval.py [--corpus PATH] [--articles N] [--queries N] [--encoder int8|float32]
Prints one JSON object. Run on an idle machine; numbers depend on the core count it reports.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from retrieval.model.embedding import Embedder
from retrieval.search.fusion import fuse
from retrieval.store.index import load_index
from retrieval.store.indexing import update_index
from retrieval.model.int8_build import ensure_int8_model
from retrieval.model.model_build import ensure_default_model
from retrieval.search.results import arrange
from retrieval.search.search import Filters, Searcher
from retrieval.settings import ENCODERS, RetrievalSettings

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "Kapan Putin akan mengunjungi Vietnam?", "Who is Putin's foreign policy adviser?",
    "Berapa kontainer amunisi yang dipasok Korea Utara ke Rusia?", "Apa isi surat Putin untuk Kim Jong Un?",
    "What did Kim write to Putin in October?", "Siapa Yuri Ushakov?",
]


def p50_ms(fn, n: int) -> float:
    times = []
    for i in range(n):
        started = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def breakdown(searcher: Searcher, n: int) -> dict[str, float]:
    """Median cost of each step of a search: embedding, dense, lexical, and the whole search."""
    questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(n)]
    vector = searcher.embedder.embed_query(questions[0])
    hits, rows = searcher.rank(questions[0], Filters())
    pool_dense = np.array([h.dense for h in hits], dtype=np.float32)
    pool_lexical = np.array([h.lexical for h in hits], dtype=np.float32)
    pool_vectors = searcher.index.vectors(rows)
    return {
        "candidate_pool": len(hits),
        "embed_query": p50_ms(lambda i: searcher.embedder.embed_query(questions[i]), n),
        "dense_faiss_top100": p50_ms(lambda i: searcher.index.search(vector, 100), n),
        "lexical_bm25_all": p50_ms(lambda i: searcher.index.lexical.scores(questions[i]), n),
        "fusion": p50_ms(lambda i: fuse(pool_dense, pool_lexical), n),
        "group_diversify_highlight": p50_ms(
            lambda i: arrange(hits, pool_vectors, questions[0], searcher.index.lexical, 3), n),
        "whole_search_k3": p50_ms(lambda i: searcher.search(questions[i], 3), n),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpora" / "indosum_articles.jsonl")
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--encoder", choices=ENCODERS, default="int8", help="how the model runs (NEWSBOT_ENCODER)")
    args = parser.parse_args()
    results: dict[str, object] = {"cores": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        started = time.perf_counter()
        built = ensure_default_model(tmp_path / "models")
        results["model_build_s"] = round(time.perf_counter() - started, 2)
        results["encoder"] = args.encoder
        if args.encoder == "int8":
            started = time.perf_counter()
            ensure_int8_model(built)
            results["int8_build_s"] = round(time.perf_counter() - started, 2)

        settings = RetrievalSettings(tmp_path / "index", None, tmp_path / "models", 32, encoder=args.encoder)
        embedder = Embedder(settings)
        started = time.perf_counter()
        embedder.warm_up()
        results["model_load_s"] = round(time.perf_counter() - started, 2)

        report = update_index([ROOT / "seeds"], tmp_path / "seeds-index", embedder, sync=True)
        results["index_seeds_s"] = round(report.seconds["total"], 2)
        results["seed_passages"] = report.passages

        searcher = Searcher(embedder, load_index(tmp_path / "seeds-index", model=embedder.model_name))
        searcher.search(QUESTIONS[0])
        latencies = []
        for i in range(args.queries):
            started = time.perf_counter()
            searcher.search(QUESTIONS[i % len(QUESTIONS)], k=3)
            latencies.append((time.perf_counter() - started) * 1000)
        latencies.sort()
        results["ask_ms_p50"] = round(statistics.median(latencies), 1)
        results["ask_ms_p95"] = round(latencies[int(0.95 * len(latencies)) - 1], 1)

        lines = args.corpus.read_text(encoding="utf-8").splitlines()[: args.articles]
        (tmp_path / "slice.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        report = update_index([tmp_path / "slice.jsonl"], tmp_path / "corpus-index", embedder, sync=True)
        results["corpus_articles"] = report.articles
        results["corpus_passages"] = report.passages
        results["corpus_embed_s"] = round(report.seconds["embed"], 1)
        results["corpus_total_s"] = round(report.seconds["total"], 1)
        results["passages_per_s"] = round(report.passages / report.seconds["embed"], 1)
        results["corpus_ask_breakdown_ms_p50"] = breakdown(
            Searcher(embedder, load_index(tmp_path / "corpus-index", model=embedder.model_name)), args.queries)
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
