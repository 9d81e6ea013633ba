"""What an index holds and what it costs: articles, passages, outlets, dates, model, size."""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass
from pathlib import Path

from retrieval.ingest.dates import day_range
from retrieval.store.index import load_index
from retrieval.store.lexical import preload_readers


@dataclass(frozen=True)
class IndexStats:
    """A summary of one index folder, for ``newsbot stats``."""

    location: str
    articles: int
    passages: int
    outlets: dict[str, int]
    first_date: str | None
    last_date: str | None
    model: str
    dimension: int
    vector_index: str
    created: str
    disk_bytes: int
    memory_bytes: int | None  # resident memory its data takes once loaded (not the libraries); None: not measurable


def index_stats(folder: Path, *, model: str) -> IndexStats:
    """Load the index in ``folder`` (checking it as ``ask`` would) and describe it.

    Memory is what loading adds once the libraries that read it (FAISS, bm25s) are in memory, so it
    counts the index's own data: vectors, passages, BM25 arrays."""
    preload_readers()
    gc.collect()
    before = resident_bytes()
    index = load_index(folder, model=model)
    after = resident_bytes()
    articles = index.articles
    first_date, last_date = day_range(a.date for a in articles)
    manifest = index.manifest
    generation = folder / index.generation
    return IndexStats(
        location=str(generation), articles=len(articles), passages=len(index.passages),
        outlets=manifest.outlets, first_date=first_date, last_date=last_date,
        model=manifest.model, dimension=manifest.dimension, vector_index=manifest.vector_index,
        created=manifest.created, disk_bytes=sum(p.stat().st_size for p in generation.rglob("*") if p.is_file()),
        memory_bytes=None if before is None or after is None else max(after - before, 0),
    )


def resident_bytes() -> int | None:
    """This process's resident memory, from /proc (Linux); None elsewhere."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")
