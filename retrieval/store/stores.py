"""Which store a command reads and writes: the local index folder, or Milvus (NEWSBOT_STORE)."""

from __future__ import annotations

from pathlib import Path

from retrieval.ingest.articles import ReadReport
from retrieval.model.embedding import Embedder
from retrieval.store.index import load_index
from retrieval.store.indexing import IndexReport, build_if_missing, remove_articles, update_index
from retrieval.store.live import LiveIndex, LiveStore
from retrieval.store.stats import IndexStats, index_stats
from retrieval.reader.reader import Reader
from retrieval.store.store_settings import StoreSettings


def index_sources(stores: StoreSettings, sources: list[Path], folder: Path, embedder: Embedder, *,
                  sync: bool, pages: ReadReport | None = None) -> IndexReport:
    """``newsbot index`` into the configured store (``pages``: articles already read from the web)."""
    if stores.store == "milvus":
        from retrieval.store.milvus_indexing import open_milvus, update_milvus

        return update_milvus(sources, open_milvus(stores, embedder), embedder, sync=sync, pages=pages)
    return update_index(sources, folder, embedder, sync=sync, pages=pages)


def remove_ids(stores: StoreSettings, ids: list[str], folder: Path, embedder: Embedder) -> IndexReport:
    """``newsbot remove`` from the configured store."""
    if stores.store == "milvus":
        from retrieval.store.milvus_indexing import open_milvus, remove_from_milvus

        return remove_from_milvus(ids, open_milvus(stores, embedder))
    return remove_articles(ids, folder, embedder)


def describe(stores: StoreSettings, folder: Path, embedder: Embedder) -> IndexStats:
    """``newsbot stats`` of the configured store."""
    if stores.store == "milvus":
        from retrieval.store.milvus_indexing import milvus_stats, open_milvus, store_spec

        return milvus_stats(open_milvus(stores, embedder), store_spec(embedder))
    return index_stats(folder, model=embedder.model_name)


def searchable(stores: StoreSettings, folder: Path, embedder: Embedder):
    """What a Searcher searches: the loaded local index, or the Milvus collection."""
    if stores.store == "milvus":
        from retrieval.store.milvus_indexing import open_milvus

        return open_milvus(stores, embedder)
    return load_index(folder, model=embedder.model_name)


def live(stores: StoreSettings, folder: Path, embedder: Embedder, reader: Reader | None, *,
         build_from: list[Path] | None = None) -> LiveIndex | LiveStore:
    """The index a long-running process answers from; built from ``build_from`` when there is none yet."""
    if stores.store == "milvus":
        from retrieval.store.milvus_indexing import open_milvus, update_milvus

        store = open_milvus(stores, embedder)
        if build_from and store.count() == 0:
            update_milvus(build_from, store, embedder, sync=True)
        return LiveStore(store, embedder, reader)
    if build_from:
        build_if_missing(folder, embedder, build_from)
    return LiveIndex(folder, embedder, reader)
