"""Build an index from article sources: read, chunk, embed, save."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from retrieval.articles import Article, ReadReport, read_sources
from retrieval.chunking import ChunkingSettings, Passage, chunk_article
from retrieval.embedding import Embedder
from retrieval.errors import SourceError
from retrieval.lexical import LexicalIndex, LexicalSettings
from retrieval.index import FORMAT_VERSION, ArticleSummary, Manifest, PassageIndex, load_index, save_index

log = logging.getLogger(__name__)


@dataclass
class IndexReport:
    """What an indexing run read, skipped and wrote."""

    articles: list[Article]
    passages: int
    outlets: dict[str, int]
    skipped: list[tuple[str, str]]
    warnings: list[str]
    location: Path
    seconds: dict[str, float] = field(default_factory=dict)


def build_index(sources: list[Path], folder: Path, embedder: Embedder,
                chunking: ChunkingSettings | None = None) -> IndexReport:
    """Index every article in ``sources`` into ``folder``, replacing its previous index."""
    started = time.perf_counter()
    report = read_sources(sources)
    articles = _unique(report)
    if not articles:
        names = ", ".join(str(s) for s in sources)
        raise SourceError(f"no articles found in {names}; nothing was indexed and any existing index is unchanged")
    info = embedder.warm_up()
    chunking = chunking or ChunkingSettings(max_tokens=embedder.max_tokens)
    read_done = time.perf_counter()
    passages = [p for a in articles for p in chunk_article(a, chunking, embedder.count_tokens)]
    chunk_done = time.perf_counter()
    vectors = embedder.embed_passages([p.text for p in passages])
    embed_done = time.perf_counter()
    lexical_settings = LexicalSettings()
    lexical = LexicalIndex.build([p.text for p in passages], lexical_settings)
    outlets = dict(sorted(Counter(a.outlet for a in articles).items()))
    manifest = Manifest(
        format_version=FORMAT_VERSION, model=info.name, dimension=info.dimension, prompts=info.prompts,
        chunking=asdict(chunking), lexical=asdict(lexical_settings), articles=len(articles), passages=len(passages), outlets=outlets,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"), checksums={},
    )
    location = save_index(folder, manifest, passages, _summaries(articles, passages), vectors, lexical)
    seconds = {"read": read_done - started, "chunk": chunk_done - read_done, "embed": embed_done - chunk_done,
               "lexical+save": time.perf_counter() - embed_done, "total": time.perf_counter() - started}
    return IndexReport(articles, len(passages), outlets, report.skipped, report.warnings, location, seconds)


def _unique(report: ReadReport) -> list[Article]:
    seen: dict[str, str] = {}
    unique = []
    for article in report.articles:
        if article.id in seen:
            report.skip(article.source, f"duplicate article id {article.id!r} (first read from {seen[article.id]})")
            continue
        seen[article.id] = article.source
        unique.append(article)
    return unique


def _summaries(articles: list[Article], passages: list[Passage]) -> list[ArticleSummary]:
    counts = Counter(p.article_id for p in passages)
    return [ArticleSummary(a.id, a.outlet, a.title, a.date, a.url, a.source, counts[a.id]) for a in articles]


def open_or_build(folder: Path, embedder: Embedder, sources: list[Path]) -> PassageIndex:
    """Load the index in ``folder``; build it from ``sources`` first if there is none yet.

    Only a missing or empty folder is built; a damaged index is reported, never overwritten.
    """
    if not folder.exists() or (folder.is_dir() and not any(folder.iterdir())):
        log.info("no index at %s yet: building it from %s", folder, ", ".join(map(str, sources)))
        report = build_index(sources, folder, embedder)
        log.info("indexed %d articles, %d passages in %.1f s", len(report.articles), report.passages,
                 report.seconds["total"])
    return load_index(folder, model=embedder.model_name)
