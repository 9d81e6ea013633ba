"""The index on Milvus: the same passages, vectors and BM25 as a local folder, written article by article.

One client API for an embedded Milvus (milvus-lite: a ``.db`` file) and a cluster
(``http://host:19530``); only the URI changes. Writes touch only the articles written: each
upsert request carries whole articles, then their stale passages are deleted, then their
article rows are written, so a killed write leaves every article either as it was or as it
is now (for a moment both, each whole), and writing again finishes the job. Search builds the
same candidate pool as the local store (``retrieval/store/pool.py``), so fusion ranks alike."""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace

import numpy as np
from pymilvus import MilvusClient
from pymilvus.exceptions import MilvusException

from retrieval.ingest.articles import Article
from retrieval.ingest.chunking import Passage
from retrieval.ingest.dates import article_day
from retrieval.errors import IndexFolderError, UnknownOutlet
from retrieval.search.filters import Filters
from retrieval.search.fusion import CANDIDATES
from retrieval.store.index import ArticleSummary
from retrieval.store.lexical import tokenize
from retrieval.store.milvus_schema import DATE_LENGTH, PLACEHOLDER, StoreSpec, check, create, date_length, names
from retrieval.store.pool import Pool

# pymilvus warns on every iterator over milvus-lite ("failed to get mvccTs ... use client-side ts"):
# nothing a user can act on. Its errors still show.
logging.getLogger("pymilvus").setLevel(logging.ERROR)
WRITE_BATCH = 512  # passages per upsert request (whole articles only)
HNSW_EF = 128
PASSAGE_FIELDS = ["id", "article_id", "outlet", "title", "date", "url", "start", "end", "text"]
SERVER_SCHEMES = ("http://", "https://", "tcp://", "grpc://")


@dataclass(frozen=True)
class StoredArticle:
    """An article as written: its summary, its passages and their vectors, row for row."""

    summary: ArticleSummary
    passages: list[Passage]
    vectors: np.ndarray


class PoolWeights:
    """Inverse document frequencies among one question's candidates (Milvus keeps no per-term counts
    that a client can read), for choosing the sentence to highlight."""

    def __init__(self, passages: list[Passage]) -> None:
        self._n = len(passages)
        self._df = Counter(token for p in passages for token in set(tokenize(p.text)))

    def idf(self, token: str) -> float:
        df = self._df.get(token, 0)
        return math.log(1 + (self._n - df + 0.5) / (df + 0.5)) if df else 0.0


class MilvusStore:
    """Passages of one newsbot collection on a Milvus server or in an embedded Milvus file."""

    def __init__(self, client: MilvusClient, collection: str, *, server: bool, where: str,
                 date_length: int = DATE_LENGTH) -> None:
        self.client, self.collection, self.server, self.where = client, collection, server, where
        self.date_length = date_length  # a shorter date field than a time needs: days only
        self._passages, self._articles, _ = names(collection)
        self._outlets: dict[str, str] | None = None

    @classmethod
    def open(cls, uri: str, collection: str, spec: StoreSpec, token: str | None = None) -> MilvusStore:
        """Connect, create the collections if there are none, or check that they were made as ``spec``."""
        server = uri.startswith(SERVER_SCHEMES)
        try:
            client = MilvusClient(uri, token=token or "")
            if not any(client.has_collection(n) for n in names(collection)):
                create(client, collection, spec, server=server)
            check(client, collection, spec, uri)
            length = date_length(client, collection)
        except MilvusException as exc:
            hint = "" if server else ("; an embedded Milvus file is used by one process at a time: stop the other "
                                      "newsbot using it, or run a Milvus server for several")
            raise IndexFolderError(f"Milvus at {uri} (NEWSBOT_MILVUS_URI) refused to open collection "
                                   f"{collection!r}: {exc.message}{hint}") from None
        return cls(client, collection, server=server, where=uri, date_length=length)

    def close(self) -> None:
        """Let go of the connection, and of an embedded Milvus's file, so another process may open it."""
        self.client.close()
        if not self.server:
            from milvus_lite.server_manager import server_manager_instance

            server_manager_instance.release_server(self.where)

    # -- writing ---------------------------------------------------------------------------
    def storable(self, article: Article) -> Article:
        """``article`` as this collection keeps it: its date cut to the day where the date field is too
        short for a time (so that an unchanged article compares as unchanged)."""
        date = _fitted(article.date, self.date_length)
        return article if date == article.date else replace(article, date=date)

    def write(self, articles: Iterable[StoredArticle]) -> int:
        """Add or replace ``articles``, a batch of whole articles at a time; the passages written."""
        written, batch = 0, []
        for article in articles:
            batch.append(article)
            if sum(len(a.passages) for a in batch) >= WRITE_BATCH:
                written += self._write_batch(batch)
                batch = []
        if batch:
            written += self._write_batch(batch)
        self._outlets = None
        return written

    def _write_batch(self, batch: list[StoredArticle]) -> int:
        rows = [_row(p, v, self.date_length) for a in batch for p, v in zip(a.passages, a.vectors)]
        self._write_passages(rows)
        self._delete_stale(batch)
        self._record_articles(batch)
        return len(rows)

    def _write_passages(self, rows: list[dict]) -> None:
        """One request: Milvus applies it whole or not at all, so no article is left half written."""
        if rows:
            self.client.upsert(self._passages, rows)

    def _delete_stale(self, batch: list[StoredArticle]) -> None:
        """The batch's articles' passages that their new versions no longer have: one delete a batch."""
        articles = _strings([a.summary.id for a in batch])
        keep = _strings([p.id for a in batch for p in a.passages])
        self.client.delete(self._passages, filter=f"article_id in {articles} and id not in {keep}")

    def _record_articles(self, batch: list[StoredArticle]) -> None:
        """The articles' rows, last: an article without one is written again by the next run."""
        self.client.upsert(self._articles, [{"id": a.summary.id, "summary": json.dumps(asdict(a.summary)),
                                             "vector": PLACEHOLDER} for a in batch])

    def remove(self, article_ids: list[str]) -> None:
        """Delete these articles: their passages first, then their rows."""
        if article_ids:
            self.client.delete(self._passages, filter=f"article_id in {_strings(article_ids)}")
            self.client.delete(self._articles, ids=article_ids)
        self._outlets = None

    def refresh(self) -> None:
        """Forget what is cached of the articles (their outlets), after other processes wrote."""
        self._outlets = None

    def flush(self) -> None:
        """Seal what was written (after bulk loads: searches on sealed segments are faster)."""
        self.client.flush(self._passages)
        self.client.flush(self._articles)

    # -- reading ---------------------------------------------------------------------------
    def articles(self) -> dict[str, ArticleSummary]:
        """Every article's summary, by id."""
        found = {}
        iterator = self.client.query_iterator(self._articles, batch_size=1000, filter="", output_fields=["summary"])
        while batch := iterator.next():
            for row in batch:
                summary = ArticleSummary(**json.loads(row["summary"]))
                found[summary.id] = summary
        iterator.close()
        return found

    def count(self) -> int:
        """Passages stored."""
        return int(self.client.query(self._passages, filter="", output_fields=["count(*)"])[0]["count(*)"])

    def check_outlets(self, outlets: frozenset[str]) -> None:
        """UnknownOutlet when any of ``outlets`` (case-insensitive) has no article here."""
        if self._outlets is None:
            self._outlets = {s.outlet.casefold(): s.outlet for s in self.articles().values()}
        unknown = tuple(sorted(o for o in outlets if o.casefold() not in self._outlets))
        if unknown:
            raise UnknownOutlet(unknown, tuple(sorted(self._outlets.values(), key=str.casefold)))

    def pool(self, question: str, query: np.ndarray, filters: Filters) -> Pool:
        """Dense and BM25 top CANDIDATES within ``filters``, united, each with both scores."""
        expr = _expression(filters)
        dense = self._search([np.asarray(query, dtype=np.float32).tolist()], "vector", CANDIDATES, expr)
        terms = " ".join(tokenize(question))
        lexical = {i: s for i, s in self._search([terms], "sparse", CANDIDATES, expr).items() if s > 0} \
            if terms else {}
        ids = sorted(set(dense) | set(lexical))
        if not ids:
            return Pool([], np.zeros((0, len(query)), dtype=np.float32), np.zeros(0, np.float32),
                        np.zeros(0, np.float32))
        unscored = [i for i in ids if i not in lexical]
        if terms and unscored:  # BM25 of the dense-only candidates (0 where no word of the question is in them)
            lexical |= self._search([terms], "sparse", len(unscored), f"id in {_strings(unscored)}")
        rows = {r["id"]: r for r in self.client.get(self._passages, ids=ids, output_fields=[*PASSAGE_FIELDS, "vector"])}
        ids = [i for i in ids if i in rows]  # deleted between the two calls: left out
        vectors = np.array([rows[i]["vector"] for i in ids], dtype=np.float32).reshape(len(ids), len(query))
        passages = [_passage(rows[i]) for i in ids]
        return Pool(passages, vectors, vectors @ np.asarray(query, dtype=np.float32),
                    np.array([lexical.get(i, 0.0) for i in ids], dtype=np.float32))

    def term_weights(self, pool: Pool) -> PoolWeights:
        return PoolWeights(pool.passages)

    def _search(self, data: list, field: str, limit: int, expr: str) -> dict[str, float]:
        search_params = {"metric_type": "BM25"} if field == "sparse" else \
            {"metric_type": "IP", "params": {"ef": max(HNSW_EF, limit)} if self.server else {}}
        found = self.client.search(self._passages, data=data, anns_field=field, limit=min(limit, 16_384),
                                   filter=expr, search_params=search_params,
                                   output_fields=[])
        return {hit["id"]: float(hit["distance"]) for hit in found[0]}


def _expression(filters: Filters) -> str:
    """The filters as a Milvus boolean expression, every value a quoted literal."""
    parts = []
    if filters.outlets:
        parts.append(f"outlet_key in {_strings(sorted(o.casefold() for o in filters.outlets))}")
    if filters.since is not None:
        parts.append(f"day >= {_day(filters.since)}")
    if filters.until is not None:
        parts.append(f"day > 0 and day <= {_day(filters.until)}")
    return " and ".join(parts)


def _string(value: str) -> str:
    """``value`` as a Milvus string literal: double quotes, with quotes, backslashes and controls escaped
    (milvus-lite 2.5 has no expression templates, so values are quoted, never pasted in raw)."""
    return json.dumps(value, ensure_ascii=False)


def _strings(values: list[str]) -> str:
    return "[" + ", ".join(_string(v) for v in values) + "]"


def _day(date: str | None) -> int:
    """The day of ``2024-06-18`` (or ``2024-06-18T09:30:00+07:00``) as 20240618; 0 for no date."""
    day = article_day(date)
    return int(day.replace("-", "")) if day else 0


def _fitted(date: str | None, length: int) -> str | None:
    """``date``, or its day when the field holds fewer characters."""
    return article_day(date) if date and len(date) > length else date


def _row(passage: Passage, vector: np.ndarray, date_length: int) -> dict:
    return {"id": passage.id, "article_id": passage.article_id, "outlet": passage.outlet,
            "outlet_key": passage.outlet.casefold(), "date": _fitted(passage.date, date_length) or "",
            "day": _day(passage.date), "month": _day(passage.date) // 100, "title": passage.title,
            "url": passage.url or "", "start": passage.start, "end": passage.end, "text": passage.text,
            "terms": " ".join(tokenize(passage.text)), "vector": np.asarray(vector, dtype=np.float32).tolist()}


def _passage(row: dict) -> Passage:
    return Passage(id=row["id"], article_id=row["article_id"], outlet=row["outlet"], title=row["title"],
                   date=row["date"] or None, url=row["url"] or None, start=int(row["start"]), end=int(row["end"]),
                   text=row["text"])


def spec_of(manifest) -> StoreSpec:
    """The StoreSpec of a local index's manifest: what a copy of it on Milvus must match."""
    return StoreSpec(model=manifest.model, dimension=manifest.dimension, prompts=dict(manifest.prompts),
                     chunking=dict(manifest.chunking), lexical=dict(manifest.lexical))


def local_articles(index) -> list[StoredArticle]:
    """Every article of a local index with its passages and stored vectors (to copy it to Milvus)."""
    rows: dict[str, list[int]] = {}
    for row, passage in enumerate(index.passages):
        rows.setdefault(passage.article_id, []).append(row)
    return [StoredArticle(summary, index.passages_at(rows[summary.id]),
                          index.vectors(np.array(rows[summary.id], dtype=np.int64)))
            for summary in index.articles if summary.id in rows]
