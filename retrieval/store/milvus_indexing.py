"""``newsbot index`` into Milvus: only new and changed articles are chunked, embedded and written.

The collection is the record of what is indexed (its articles' checksums); an unchanged article
embeds nothing, a changed one replaces its passages, and with ``sync`` articles no longer in
the sources are deleted. Writes go in whole articles (``MilvusStore.write``), so a killed run
leaves no half-article visible, and running it again finishes the job."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

from retrieval.ingest.articles import Article, ReadReport
from retrieval.ingest.chunking import ChunkingSettings, chunk_article
from retrieval.ingest.dates import day_range
from retrieval.model.embedding import Embedder
from retrieval.store.index import ArticleSummary
from retrieval.store.indexing import IndexReport, article_checksum, checksum, outlet_counts, read_to_index
from retrieval.store.lexical import LexicalSettings
from retrieval.store.milvus_schema import StoreSpec
from retrieval.store.milvus_store import MilvusStore, StoredArticle
from retrieval.store.stats import IndexStats
from retrieval.store.store_settings import StoreSettings

EMBED_BATCH = 256  # passages embedded together before they are written


def update_milvus(sources: list[Path], store: MilvusStore, embedder: Embedder, *, sync: bool = False,
                  chunking: ChunkingSettings | None = None, pages: ReadReport | None = None) -> IndexReport:
    """Add or update every article in ``sources`` (and ``pages``, articles read from the web);
    with ``sync``, also delete articles not in them."""
    started = time.perf_counter()
    read, report = read_to_index(sources, pages)
    chunking = chunking or ChunkingSettings(max_tokens=embedder.max_tokens)
    old = store.articles()
    changed = _changed([store.storable(a) for a in read.articles], old, report)
    gone = sorted(set(old) - {a.id for a in read.articles}) if sync else []
    if gone and report.unreadable:  # they may be in what could not be read: never take that for a deletion
        report.kept, gone = gone, []
    embedding = time.perf_counter()
    report.passages = store.write(_embedded(changed, chunking, embedder, report))
    report.seconds["embed"] = time.perf_counter() - embedding  # with the writes between batches
    store.remove(gone)
    report.removed = gone
    store.flush()
    if report.changed:
        report.target = f"Milvus collection {store.collection!r} at {store.where}"
    summaries = store.articles()
    report.articles, report.outlets = len(summaries), outlet_counts(list(summaries.values()))
    report.passages = sum(s.passages for s in summaries.values())
    report.seconds["total"] = time.perf_counter() - started
    return report


def remove_from_milvus(ids: list[str], store: MilvusStore) -> IndexReport:
    """Delete the articles with these ids; ids not in the collection are reported, not fatal."""
    started = time.perf_counter()
    report = IndexReport()
    old = store.articles()
    unknown = [i for i in dict.fromkeys(ids) if i not in old]
    report.skipped += [(i, "no article with this id in the index") for i in unknown]
    report.removed = sorted(set(ids) - set(unknown))
    store.remove(report.removed)
    store.flush()
    if report.removed:
        report.target = f"Milvus collection {store.collection!r} at {store.where}"
    summaries = [s for i, s in old.items() if i not in report.removed]
    report.articles, report.outlets = len(summaries), outlet_counts(summaries)
    report.passages, report.unchanged = sum(s.passages for s in summaries), len(summaries)
    report.seconds["total"] = time.perf_counter() - started
    return report


def _changed(articles: list[Article], old: dict[str, ArticleSummary], report: IndexReport) -> list[Article]:
    """The articles to (re)write: new ids and changed contents; duplicates and twins skipped."""
    owner_of_text = {s.text_checksum: s.id for s in old.values() if s.text_checksum}
    seen: set[str] = set()
    changed = []
    for article in articles:
        if article.id in seen:
            report.skipped.append((article.source, f"duplicate article id {article.id!r}; the first one is kept"))
            continue
        seen.add(article.id)
        twin = owner_of_text.setdefault(checksum(article.text), article.id)
        if twin != article.id:
            report.skipped.append((article.source, f"article {article.id!r} has the same text as article "
                                                   f"{twin!r}, which is stored once"))
            continue
        summary = old.get(article.id)
        if summary is not None and summary.checksum == article_checksum(article):
            report.unchanged += 1
            continue
        (report.updated if summary is not None else report.added).append(article.id)
        changed.append(article)
    return changed


def _embedded(articles: list[Article], chunking: ChunkingSettings, embedder: Embedder,
              report: IndexReport) -> Iterator[StoredArticle]:
    """Each article chunked and embedded, EMBED_BATCH passages at a time, in order."""
    pending: list[tuple[Article, list]] = []
    for article in articles:
        pending.append((article, chunk_article(article, chunking, embedder.count_tokens)))
        if sum(len(p) for _, p in pending) >= EMBED_BATCH:
            yield from _embed(pending, embedder, report)
            pending = []
    yield from _embed(pending, embedder, report)


def _embed(pending: list[tuple[Article, list]], embedder: Embedder, report: IndexReport) -> Iterator[StoredArticle]:
    texts = [p.text for _, passages in pending for p in passages]
    vectors = embedder.embed_passages(texts) if texts else None
    report.embedded += len(texts)
    at = 0
    for article, passages in pending:
        summary = ArticleSummary(article.id, article.outlet, article.title, article.date, article.url, article.source,
                                 len(passages), article_checksum(article), checksum(article.text), article.author)
        yield StoredArticle(summary, passages, vectors[at:at + len(passages)])
        at += len(passages)


def store_spec(embedder: Embedder) -> StoreSpec:
    """What a collection written by this embedder and today's passage and BM25 settings must record."""
    info = embedder.warm_up()
    return StoreSpec(model=info.name, dimension=info.dimension, prompts=dict(info.prompts),
                     chunking=asdict(ChunkingSettings(max_tokens=embedder.max_tokens)),
                     lexical=asdict(LexicalSettings()))


def open_milvus(settings: StoreSettings, embedder: Embedder) -> MilvusStore:
    """The configured collection, created if missing, checked against this embedder if not."""
    return MilvusStore.open(settings.milvus_uri, settings.milvus_collection, store_spec(embedder),
                            settings.milvus_token)


def milvus_stats(store: MilvusStore, spec: StoreSpec) -> IndexStats:
    """``newsbot stats`` for a Milvus collection: what it holds; its size on disk for an embedded file."""
    summaries = list(store.articles().values())
    first_date, last_date = day_range(s.date for s in summaries)
    disk = Path(store.where)
    size = sum(p.stat().st_size for p in [disk, *disk.rglob("*")] if p.is_file()) if not store.server and disk.exists() else 0
    return IndexStats(
        location=f"Milvus collection {store.collection!r} at {store.where}", articles=len(summaries),
        passages=store.count(), outlets=outlet_counts(summaries), first_date=first_date,
        last_date=last_date, model=spec.model, dimension=spec.dimension,
        vector_index="HNSW" if store.server else "FLAT", created="", disk_bytes=size, memory_bytes=None)
