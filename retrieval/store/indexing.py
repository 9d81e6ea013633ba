"""Keep an index in step with article sources: add, update, mirror or remove, embedding only what changed.

Each article carries a checksum of its text and metadata. An unchanged article keeps its
passages and vectors as they are; a changed or new one is chunked again, and only passages
whose exact text is not already in the index are embedded. Two articles with the same text
under different ids are stored once. When nothing changes, nothing is written.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from retrieval.ingest.articles import Article, ReadReport, read_sources
from retrieval.ingest.chunking import ChunkingSettings, Passage, chunk_article
from retrieval.model.embedding import Embedder
from retrieval.errors import IndexFolderError, SourceError
from retrieval.store.index import (CURRENT, FORMAT_VERSION, VECTORS, ArticleSummary, Manifest, PassageIndex, check_folder,
                             choose_vector_index, generations, load_index, recover_current, save_index)
from retrieval.store.lexical import LexicalIndex, LexicalSettings

log = logging.getLogger(__name__)
LOCK = ".lock"
BESIDE_INDEX = ("feeds.sqlite", "feedback.sqlite", "feedback.salt")  # other files an index folder holds


@dataclass
class IndexReport:
    """What an indexing run read, skipped, changed and wrote."""

    read: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    articles: int = 0
    passages: int = 0
    embedded: int = 0
    outlets: dict[str, int] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # sources that could not be read
    kept: list[str] = field(default_factory=list)  # not in the sources, kept because some could not be read
    location: Path | None = None  # the new generation; None when nothing changed
    target: str = ""  # where a store other than a local folder was written, when something changed
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


@dataclass(frozen=True)
class _Previous:
    """The current index, as far as it can be reused."""

    index: PassageIndex
    articles: dict[str, ArticleSummary]
    rows: dict[str, list[int]]  # article id -> its passage rows
    by_text: dict[str, int]  # passage text checksum -> a row holding its vector


def checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def article_checksum(article: Article) -> str:
    """Changes when anything shown or searched of the article changes."""
    return checksum("\x1f".join([article.outlet, article.title, article.date or "", article.url or "", article.text]))


def update_index(sources: list[Path], folder: Path, embedder: Embedder, *, sync: bool = False,
                 chunking: ChunkingSettings | None = None, pages: ReadReport | None = None) -> IndexReport:
    """Add or update every article in ``sources`` (and ``pages``, articles read from the web);
    with ``sync``, also drop articles not in them."""
    started = time.perf_counter()
    read, report = read_to_index(sources, pages)
    with _locked(folder):
        previous = _previous(folder, embedder, sync, report)
        chunking = chunking or ChunkingSettings(max_tokens=_model_limit(previous, embedder))
        previous = _reusable(folder, previous, chunking, sync, report)
        wanted = _wanted(read.articles, previous, sync, report)
        return _commit(folder, embedder, chunking, previous, wanted, report, started)


def read_to_index(sources: list[Path], pages: ReadReport | None = None) -> tuple[ReadReport, IndexReport]:
    """The articles of ``sources`` and ``pages`` and a report of the reading; SourceError when none
    could be read."""
    read = read_sources(sources) if sources or pages is None else ReadReport()
    if pages is not None:
        read.articles += pages.articles
        read.skipped += pages.skipped
    report = IndexReport(read=len(read.articles), skipped=read.skipped, warnings=read.warnings,
                         unreadable=read.unreadable)
    if not read.articles:
        raise SourceError(nothing_read([*map(str, sources), *(u for u, _ in (pages.skipped if pages else []))],
                                       read.skipped))
    return read, report


def nothing_read(sources: list[Path | str], skipped: list[tuple[str, str]]) -> str:
    """The error for sources that held no article: what was tried, and why each input was skipped."""
    names = ", ".join(str(s) for s in sources)
    reasons = "".join(f"; {where}: {why}" for where, why in skipped[:5])
    more = f"; and {len(skipped) - 5} more skipped" if len(skipped) > 5 else ""
    return f"no articles found in {names}{reasons}{more}. Nothing was indexed and any existing index is unchanged"


def remove_articles(ids: list[str], folder: Path, embedder: Embedder) -> IndexReport:
    """Remove the articles with these ids; ids not in the index are reported, not fatal."""
    started = time.perf_counter()
    report = IndexReport()
    with _locked(folder):
        previous = _load_previous(folder, embedder, report)
        unknown = [i for i in dict.fromkeys(ids) if i not in previous.articles]
        report.skipped += [(i, "no article with this id in the index") for i in unknown]
        gone = set(ids) - set(unknown)
        if gone and gone >= set(previous.articles):
            raise SourceError(f"removing {len(gone)} article(s) would leave the index at {folder} empty; "
                              f"delete the folder instead, or index other articles first")
        wanted = [summary.id for summary in previous.articles.values() if summary.id not in gone]
        report.removed = sorted(gone)
        report.unchanged = len(wanted)
        chunking = ChunkingSettings(**previous.index.manifest.chunking)
        return _commit(folder, embedder, chunking, previous, wanted, report, started)


def build_if_missing(folder: Path, embedder: Embedder, sources: list[Path]) -> None:
    """Build the index in ``folder`` from ``sources`` if there is none yet.

    Only a missing folder, or one holding nothing but the files kept beside an index (the lock,
    the feed list, the feedback votes), is built; a damaged index is left for loading to report.
    """
    if not folder.exists() or (folder.is_dir() and all(_beside_index(p.name) for p in folder.iterdir())):
        log.info("no index at %s yet: building it from %s", folder, ", ".join(map(str, sources)))
        report = update_index(sources, folder, embedder, sync=True)
        log.info("indexed %d articles, %d passages in %.1f s", report.articles, report.passages,
                 report.seconds["total"])


def _beside_index(name: str) -> bool:
    return name == LOCK or name.startswith(BESIDE_INDEX)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One writer at a time per index folder; a second one is told so instead of waiting.

    The folder is checked to be writable first, so a read-only one is found before any embedding."""
    check_folder(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check-"):
            pass
        lock = (folder / LOCK).open("a")
    except OSError as exc:
        raise IndexFolderError(f"cannot write the index at {folder} ({exc.strerror or exc}); make the folder "
                               "writable, or choose another with --index or NEWSBOT_INDEX_DIR") from None
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexFolderError(f"another newsbot process is writing the index at {folder}; "
                                   "wait for it to finish and run this again") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _load_previous(folder: Path, embedder: Embedder, report: IndexReport) -> _Previous:
    note = recover_current(folder)
    if note:
        report.warnings.append(note)
    index = load_index(folder, model=embedder.model_name)
    articles = {a.id: a for a in index.articles}
    rows: dict[str, list[int]] = {}
    by_text: dict[str, int] = {}
    for row, passage in enumerate(index.passages):
        rows.setdefault(passage.article_id, []).append(row)
        by_text.setdefault(checksum(passage.text), row)
    return _Previous(index, articles, rows, by_text)


def _previous(folder: Path, embedder: Embedder, sync: bool, report: IndexReport) -> _Previous | None:
    """The current index; None when there is none (or, syncing, an unreadable one).

    An index whose CURRENT file is lost is recovered from its newest whole generation; without one,
    only --sync (which replaces the index by its sources) goes on."""
    if not (folder / CURRENT).exists() and not generations(folder):
        return None
    try:
        previous = _load_previous(folder, embedder, report)
    except IndexFolderError as exc:
        if not sync:
            raise
        report.warnings.append(f"the existing index was not reused ({exc}); building it afresh")
        return None
    return previous


def _model_limit(previous: _Previous | None, embedder: Embedder) -> int:
    """The model's token limit; read from the index when it has one, so an unchanged run loads no model."""
    if previous is not None:
        return int(previous.index.manifest.chunking.get("max_tokens", 0)) or embedder.max_tokens
    return embedder.max_tokens


def _reusable(folder: Path, previous: _Previous | None, chunking: ChunkingSettings, sync: bool,
              report: IndexReport) -> _Previous | None:
    """``previous`` with its passages reusable only if they were cut with the same settings."""
    if previous is None:
        return None
    if previous.index.manifest.chunking != asdict(chunking):
        if not sync:
            raise IndexFolderError(f"the index at {folder} was cut into passages with other settings; index all "
                                   "its sources again with --sync to rebuild it")
        report.warnings.append("passage settings changed since the index was built; every article is chunked again")
        return _Previous(previous.index, previous.articles, {}, previous.by_text)
    return previous


def _wanted(read: list[Article], previous: _Previous | None, sync: bool, report: IndexReport) -> list[str | Article]:
    """The articles the new index holds, in order: an id keeps the previous passages, an Article is (re)chunked."""
    old = previous.articles if previous else {}
    reusable = previous.rows if previous else {}
    incoming: dict[str, Article] = {}
    owner_of_text: dict[str, str] = {}
    if not sync:
        owner_of_text = {a.text_checksum: a.id for a in old.values() if a.text_checksum}
    for article in read:
        text_sum = checksum(article.text)
        if article.id in incoming:
            report.skipped.append((article.source, f"duplicate article id {article.id!r}; the first one is kept"))
            continue
        twin = owner_of_text.get(text_sum)
        if twin is not None and twin != article.id:
            report.skipped.append((article.source, f"article {article.id!r} has the same text as article "
                                                   f"{twin!r}, which is stored once"))
            continue
        owner_of_text[text_sum] = article.id
        incoming[article.id] = article
    wanted: list[str | Article] = []
    if not sync:
        wanted += [i for i in old if i not in incoming]
    for article_id, article in incoming.items():
        summary = old.get(article_id)
        if summary is not None and summary.checksum == article_checksum(article) and article_id in reusable:
            wanted.append(article_id)
        else:
            wanted.append(article)
            (report.updated if summary is not None else report.added).append(article_id)
    gone = sorted(set(old) - set(incoming)) if sync else []
    if gone and report.unreadable:  # they may be in what could not be read: never take that for a deletion
        if not all(i in reusable for i in gone):
            raise SourceError(f"{report.unreadable[0][0]} {report.unreadable[0][1]}; the index must be rebuilt "
                              "with new passage settings, which needs every source readable. Nothing was changed")
        wanted += gone
        report.kept, gone = gone, []
    report.unchanged = sum(isinstance(entry, str) for entry in wanted)
    report.removed = gone
    # Kept articles first, in their previous order, then the new and changed ones: when nothing is
    # removed or changed, the previous rows stay the first rows and the vector graph only grows.
    order = {article_id: position for position, article_id in enumerate(old)}
    wanted.sort(key=lambda entry: (0, order[entry]) if isinstance(entry, str) else (1, 0))
    return wanted


def _commit(folder: Path, embedder: Embedder, chunking: ChunkingSettings, previous: _Previous | None,
            wanted: list[str | Article], report: IndexReport, started: float) -> IndexReport:
    """Write the new generation (unless nothing changed) and fill in the report."""
    if (previous is not None and not report.changed and not _search_kind_changes(previous, embedder)
            and previous.index.manifest.format_version == FORMAT_VERSION):
        _summarise(report, list(previous.articles.values()), len(previous.index.passages), started)
        return report
    info = embedder.warm_up()
    passages, summaries, vectors, grows = _assemble(wanted, previous, chunking, embedder, report)
    embedded = time.perf_counter()
    lexical_settings = LexicalSettings()
    lexical = LexicalIndex.build([p.text for p in passages], lexical_settings)
    manifest = Manifest(
        format_version=FORMAT_VERSION, model=info.name, dimension=info.dimension, prompts=info.prompts,
        chunking=asdict(chunking), lexical=asdict(lexical_settings), articles=len(summaries),
        passages=len(passages), outlets=outlet_counts(summaries), created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        checksums={}, vector_index=choose_vector_index(embedder.settings.vector_index, len(passages)),
    )
    report.location = save_index(folder, manifest, passages, summaries, vectors, lexical,
                                 extends=folder / previous.index.generation / VECTORS if grows else None)
    report.seconds["lexical+save"] = time.perf_counter() - embedded
    _summarise(report, summaries, len(passages), started)
    return report


def _search_kind_changes(previous: _Previous, embedder: Embedder) -> bool:
    """Whether NEWSBOT_VECTOR_INDEX now asks for another kind of vector search than the index has."""
    wanted = choose_vector_index(embedder.settings.vector_index, len(previous.index.passages))
    return previous.index.manifest.vector_index != wanted


def _summarise(report: IndexReport, summaries: list[ArticleSummary], passages: int, started: float) -> None:
    report.articles, report.passages, report.outlets = len(summaries), passages, outlet_counts(summaries)
    report.seconds["total"] = time.perf_counter() - started


def outlet_counts(summaries: list[ArticleSummary]) -> dict[str, int]:
    return dict(sorted(Counter(a.outlet for a in summaries).items()))


def _assemble(wanted: list[str | Article], previous: _Previous | None, chunking: ChunkingSettings,
              embedder: Embedder, report: IndexReport) -> tuple[list[Passage], list[ArticleSummary], np.ndarray,
                                                               bool]:
    """Passages, article summaries and vectors of the new index, embedding only unseen passage texts,
    and whether the previous rows are the new index's first rows, unchanged (it only grows)."""
    passages: list[Passage] = []
    summaries: list[ArticleSummary] = []
    sources: list[int | None] = []  # per passage: the previous row holding its vector, or None to embed
    opening: list[int] = []  # the previous rows that open the new index, before any new passage
    kept_rows = [row for entry in wanted if isinstance(entry, str) for row in previous.rows[entry]]
    kept = iter(previous.index.passages_at(kept_rows) if kept_rows else [])  # one read, not one per article
    for entry in wanted:
        if isinstance(entry, str):
            rows = previous.rows[entry]
            if len(opening) == len(passages):
                opening += rows
            passages += [next(kept) for _ in rows]
            sources += rows
            summaries.append(previous.articles[entry])
            continue
        chunks = chunk_article(entry, chunking, embedder.count_tokens)
        passages += chunks
        sources += [previous.by_text.get(checksum(p.text)) if previous else None for p in chunks]
        summaries.append(ArticleSummary(entry.id, entry.outlet, entry.title, entry.date, entry.url, entry.source,
                                        len(chunks), article_checksum(entry), checksum(entry.text), entry.author))
    fresh = [i for i, row in enumerate(sources) if row is None]
    chunked = time.perf_counter()
    new_vectors = embedder.embed_passages([passages[i].text for i in fresh])
    report.seconds["embed"] = time.perf_counter() - chunked
    report.embedded = len(fresh)
    vectors = np.empty((len(passages), embedder.warm_up().dimension), dtype=np.float32)
    reused = [i for i, row in enumerate(sources) if row is not None]
    if reused:
        vectors[reused] = previous.index.vectors(np.array([sources[i] for i in reused]))
    if fresh:
        vectors[fresh] = new_vectors
    grows = previous is not None and opening == list(range(len(previous.index.passages)))
    return passages, summaries, vectors, grows
