"""The local store against Milvus (embedded, milvus-lite 2.5.1) on the same passages, side by side.

Real passages of the news corpus, embedded once, grown to ``--passages`` with perturbed copies as
``bench_scale.py`` does; questions are held-out headlines. For each store: ingest (passages/s,
embedding excluded: the local store writes and loads a generation, Milvus upserts whole articles
and flushes), memory per passage once loaded (the local store: this process's RSS growth;
Milvus: its server process's RSS), and per question p50/p99 of the candidate pool (both
retrievers, from a ready question vector) and of the whole search (embedding included).

    python benchmarks/bench_stores.py [--passages 100000] [--articles 600] [--queries 100]
        [--stores local,milvus] [--vector-index exact|hnsw|auto] [--grow 1000]

The local side also reports the memory of the same generation loaded the way format version 3
kept it (every passage a Python object, from ``passages.jsonl``), and, with ``--grow N``, the time
to write a generation with N more passages: the HNSW graph grown by them against built afresh.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
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
from retrieval.store.index import (CURRENT, FORMAT_VERSION, MANIFEST, PASSAGES, VECTORS, ArticleSummary,  # noqa: E402
                                   Manifest, _vector_index, build_faiss, choose_vector_index, load_index,
                                   read_manifest, save_index)
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


def local_side(embedder, passages, vectors, titles, queries, folder: Path, kind: str, grow_by: int) -> dict:
    articles, _ = summaries(passages)
    info = embedder.warm_up()
    kind = choose_vector_index(kind, len(passages))
    started = time.perf_counter()
    lexical = LexicalIndex.build([p.text for p in passages])
    manifest = Manifest(FORMAT_VERSION, info.name, info.dimension, info.prompts,
                        asdict(ChunkingSettings(max_tokens=embedder.max_tokens)), asdict(LexicalSettings()),
                        len(articles), len(passages), {}, "", {}, kind)
    generation = save_index(folder, manifest, passages, articles, vectors, lexical)
    written = time.perf_counter() - started
    del lexical
    gc.collect()
    grown = loaded_rss_growth(folder, info.name)
    report = {"vector_index": kind, "ingest_passages_per_s": round(len(passages) / written),
              "ingest_s": round(written, 1), "memory_per_passage_kb": round(grown * 1024 / len(passages), 2)}
    index = load_index(folder, model=info.name)
    report.update(time_questions(Searcher(embedder, index), index, titles, queries))
    del index
    gc.collect()
    legacy = folder.parent / "legacy"
    as_version_3(generation, legacy)
    report["version_3_memory_per_passage_kb"] = round(loaded_rss_growth(legacy, info.name) * 1024 / len(passages), 2)
    old = load_index(legacy, model=info.name)
    report["version_3"] = time_questions(Searcher(embedder, old), old, titles, queries)
    del old
    gc.collect()
    if grow_by:
        report["add_passages"] = grow_by
        report.update(time_growth(generation, manifest.vector_index, vectors, grow_by))
    return report


def as_version_3(generation: Path, folder: Path) -> None:
    """A copy of ``generation`` as format version 3 wrote it (passages in passages.jsonl)."""
    target = folder / generation.name
    shutil.copytree(generation, target, ignore=shutil.ignore_patterns(PASSAGES))
    with (target / "passages.jsonl").open("w", encoding="utf-8") as out:
        for passage in load_index(generation.parent, model=read_manifest(generation).model).passages:
            out.write(json.dumps(asdict(passage), ensure_ascii=False) + "\n")
    data = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    data["format_version"] = 3
    data["checksums"] = {name: digest for name, digest in data["checksums"].items() if name != PASSAGES}
    (target / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    (folder / CURRENT).write_text(generation.name + "\n", encoding="utf-8")


def time_growth(generation: Path, kind: str, vectors: np.ndarray, grow_by: int) -> dict:
    """Seconds to make the vector index of a generation with ``grow_by`` more rows: grown, then built."""
    more = np.concatenate([vectors, vectors[:grow_by]])
    started = time.perf_counter()
    _vector_index(more, kind, generation / VECTORS)
    grown = time.perf_counter() - started
    started = time.perf_counter()
    build_faiss(more, kind)
    built = time.perf_counter() - started
    return {"vectors_grown_s": round(grown, 1), "vectors_built_s": round(built, 1)}


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
    parser.add_argument("--stores", default="local,milvus", help="which stores to measure, comma-separated")
    parser.add_argument("--vector-index", default="exact", choices=["exact", "hnsw", "auto"],
                        help="the local store's vector index")
    parser.add_argument("--grow", type=int, default=0, help="also time adding this many passages (local)")
    args = parser.parse_args()
    embedder = Embedder(RetrievalSettings.from_env())
    base, titles = real_passages(CORPUS, args.articles, args.queries, embedder)
    rng = np.random.default_rng(0)
    vectors = grow(embedder.embed_passages([p.text for p in base]), args.passages, rng, 0.05)
    passages = grow_passages(base, args.passages, rng)
    queries = np.stack([embedder.embed_query(t) for t in titles])
    report = {"passages": args.passages, "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        if "local" in args.stores:
            report["local"] = local_side(embedder, passages, vectors, titles, queries, Path(tmp) / "index",
                                         args.vector_index, args.grow)
        if "milvus" in args.stores:
            report["milvus_lite"] = milvus_side(embedder, passages, vectors, titles, queries, Path(tmp) / "bench.db")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
