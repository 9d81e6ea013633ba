"""The local store against Milvus (embedded, milvus-lite 2.5.1) on the same passages, side by side.

Real passages of the news corpus, embedded once, grown to ``--passages`` with perturbed copies as
``bench_scale.py`` does; questions are held-out headlines. For each store: ingest (passages/s,
embedding excluded: the local store writes and loads a generation, Milvus upserts whole articles
and flushes), memory per passage once loaded (the local store: this process's RSS growth;
Milvus: its server process's RSS), and per question p50/p99 of the candidate pool (both
retrievers, from a ready question vector) and of the whole search (embedding included).

    python benchmarks/bench_stores.py [--passages 100000] [--articles 600] [--queries 100]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_scale import grow, grow_passages, percentiles, real_passages  # noqa: E402

from retrieval.ingest.chunking import ChunkingSettings  # noqa: E402
from retrieval.model.embedding import Embedder  # noqa: E402
from retrieval.store.index import FORMAT_VERSION, ArticleSummary, Manifest, build_faiss, load_index, save_index  # noqa: E402
from retrieval.store.lexical import LexicalIndex, LexicalSettings  # noqa: E402
from retrieval.store.milvus_indexing import store_spec  # noqa: E402
from retrieval.store.milvus_store import MilvusStore, StoredArticle  # noqa: E402
from retrieval.search.search import Filters, Searcher  # noqa: E402
from retrieval.settings import RetrievalSettings  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "indosum_articles.jsonl"


def rss_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def children() -> list[int]:
    """Processes started by this one (milvus-lite's server)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == os.getpid():
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


def loaded_rss_growth(folder: Path, model: str) -> float:
    """MB that loading the index adds to a fresh process (this one's heap holds the building's leftovers)."""
    script = ("import sys; sys.path.insert(0, sys.argv[3]); from retrieval.store.index import load_index; "
              "from retrieval.store.lexical import preload_readers; from pathlib import Path; preload_readers(); "
              "import bench_stores as b; before = b.rss_mb(); index = load_index(Path(sys.argv[1]), model=sys.argv[2]); "
              "print(b.rss_mb() - before)")
    done = subprocess.run([sys.executable, "-c", script, str(folder), model, str(ROOT)], capture_output=True,
                          text=True, check=True, cwd=ROOT / "benchmarks")
    return float(done.stdout.strip().splitlines()[-1])


def summaries(passages) -> tuple[list[ArticleSummary], dict[str, list[int]]]:
    rows: dict[str, list[int]] = {}
    for row, p in enumerate(passages):
        rows.setdefault(p.article_id, []).append(row)
    first = {a: passages[r[0]] for a, r in rows.items()}
    return [ArticleSummary(a, p.outlet, p.title, p.date, p.url, "bench", len(rows[a])) for a, p in first.items()], rows


def time_questions(searcher: Searcher, store, titles: list[str], queries: np.ndarray) -> dict:
    pools, whole = [], []
    searcher.search(titles[0], 3)
    for title, query in zip(titles, queries):
        tick = time.perf_counter()
        store.pool(title, query, Filters())
        pools.append((time.perf_counter() - tick) * 1000)
        tick = time.perf_counter()
        searcher.search(title, 3)
        whole.append((time.perf_counter() - tick) * 1000)
    return {"pool_ms_p50_p99": percentiles(pools), "ask_ms_p50_p99": percentiles(whole)}


def local_side(embedder, passages, vectors, titles, queries, folder: Path) -> dict:
    articles, _ = summaries(passages)
    info = embedder.warm_up()
    started = time.perf_counter()
    lexical = LexicalIndex.build([p.text for p in passages])
    manifest = Manifest(FORMAT_VERSION, info.name, info.dimension, info.prompts,
                        asdict(ChunkingSettings(max_tokens=embedder.max_tokens)), asdict(LexicalSettings()),
                        len(articles), len(passages), {}, "", {}, "exact")
    save_index(folder, manifest, passages, articles, vectors, lexical)
    written = time.perf_counter() - started
    del lexical
    gc.collect()
    grown = loaded_rss_growth(folder, info.name)
    index = load_index(folder, model=info.name)
    report = {"ingest_passages_per_s": round(len(passages) / written), "ingest_s": round(written, 1),
              "memory_per_passage_kb": round(grown * 1024 / len(passages), 2)}
    report.update(time_questions(Searcher(embedder, index), index, titles, queries))
    return report


def milvus_side(embedder, passages, vectors, titles, queries, path: Path) -> dict:
    articles, rows = summaries(passages)
    store = MilvusStore.open(str(path), "bench", store_spec(embedder))
    server = children()
    started = time.perf_counter()
    store.write(StoredArticle(a, [passages[r] for r in rows[a.id]], vectors[rows[a.id]]) for a in articles)
    store.flush()
    written = time.perf_counter() - started
    store.count()
    time.sleep(2)
    memory = sum(rss_mb(pid) for pid in server)
    report = {"ingest_passages_per_s": round(len(passages) / written), "ingest_s": round(written, 1),
              "server_rss_mb": round(memory), "memory_per_passage_kb": round(memory * 1024 / len(passages), 2)}
    report.update(time_questions(Searcher(embedder, store), store, titles, queries))
    store.close()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    embedder = Embedder(RetrievalSettings.from_env())
    base, titles = real_passages(CORPUS, args.articles, args.queries, embedder)
    rng = np.random.default_rng(0)
    vectors = grow(embedder.embed_passages([p.text for p in base]), args.passages, rng, 0.05)
    passages = grow_passages(base, args.passages, rng)
    queries = np.stack([embedder.embed_query(t) for t in titles])
    report = {"passages": args.passages, "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        report["local"] = local_side(embedder, passages, vectors, titles, queries, Path(tmp) / "index")
        report["milvus_lite"] = milvus_side(embedder, passages, vectors, titles, queries, Path(tmp) / "bench.db")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
