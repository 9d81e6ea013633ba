"""The index on a real embedded Milvus (milvus-lite 2.5.1): schema and manifest, writes, filters, same ranking."""

from __future__ import annotations

import itertools
import json
import os
import uuid
from dataclasses import replace

import numpy as np
import pytest

from retrieval.errors import IndexFolderError, UnknownOutlet
from retrieval.store.index import load_index
from retrieval.store.indexing import update_index
from retrieval.store import milvus_schema
from retrieval.store.milvus_indexing import update_milvus
from retrieval.store.milvus_schema import DATE_LENGTH, names
from retrieval.store.milvus_store import MilvusStore, StoredArticle, local_articles, spec_of
from retrieval.search.search import Filters, Searcher

from conftest import SEEDS, SHARED

pytestmark = pytest.mark.slow
CORPUS_SLICE = 120


@pytest.fixture(scope="module")
def corpus_slice(tmp_path_factory):
    """Seeds and the first articles of the news corpus, as one local index folder."""
    folder = tmp_path_factory.mktemp("milvus-src")
    with open(SHARED / "corpora" / "indosum_articles.jsonl", encoding="utf-8") as corpus:
        lines = list(itertools.islice(corpus, CORPUS_SLICE))
    (folder / "corpus.jsonl").write_text("".join(lines), encoding="utf-8")
    return folder / "corpus.jsonl"


@pytest.fixture(scope="module")
def local(embedder, corpus_slice, tmp_path_factory):
    folder = tmp_path_factory.mktemp("milvus-local") / "index"
    update_index([SEEDS, corpus_slice], folder, embedder, sync=True)
    return load_index(folder, model=embedder.model_name)


SERVER = os.environ.get("NEWSBOT_MILVUS_TEST_URI")


@pytest.fixture(scope="module", params=["embedded", "server"])
def where(request, tmp_path_factory):
    """An embedded Milvus file; and, as a contract test, a real server when NEWSBOT_MILVUS_TEST_URI names one."""
    if request.param == "embedded":
        return lambda name: (str(tmp_path_factory.mktemp("milvus") / f"{name}.db"), name)
    if not SERVER:
        pytest.skip("set NEWSBOT_MILVUS_TEST_URI=http://host:19530 to run these against a Milvus server")
    run = uuid.uuid4().hex[:8]
    return lambda name: (SERVER, f"{name}_{run}")


@pytest.fixture(scope="module")
def milvus(local, where):
    uri, collection = where("news")
    store = MilvusStore.open(uri, collection, spec_of(local.manifest), os.environ.get("NEWSBOT_MILVUS_TEST_TOKEN"))
    store.write(local_articles(local))
    store.flush()
    yield store
    if store.server:
        for name in names(collection):
            store.client.drop_collection(name)


def questions(local) -> list[str]:
    """Questions of every kind: from the seeds' and the slice's titles, names, numbers, English."""
    titles = [a.title for a in local.articles[::7]]
    return [*titles, "Kapan Putin akan mengunjungi Vietnam?", "Who is Putin's foreign policy adviser?",
            "berapa target penjualan toyota calya", "harga 11.000 rupiah", "banjir jakarta banjir jakarta"]


TIE = 5e-3


def same_ranking(a, b, k: int = 10) -> None:
    """Top ``k`` equal, within ties. Where BM25 scores tie at the 100th candidate, each store may
    take another of the tied passages into the pool; the fused scores (z-scores over the pool)
    then move by a few thousandths, so places whose scores lie within TIE may swap."""
    assert abs(len(a) - len(b)) <= 1
    np.testing.assert_allclose([h.score for h in a[:k]], [h.score for h in b[:k]], atol=TIE)
    for i, (x, y) in enumerate(zip(a[:k], b[:k])):
        if x.passage.id != y.passage.id:
            tied = [h.passage.id for h in a if abs(h.score - x.score) <= TIE]
            assert y.passage.id in tied, (i, x.passage.title, y.passage.title)


def test_the_collection_holds_every_passage_and_article(local, milvus):
    assert milvus.count() == len(local.passages)
    stored = milvus.articles()
    assert set(stored) == {a.id for a in local.articles}
    first = local.articles[0]
    assert stored[first.id] == first


def test_hybrid_ranking_equals_the_local_store(local, milvus, embedder):
    here, there = Searcher(embedder, local), Searcher(embedder, milvus)
    asked = questions(local)
    for question in asked:
        same_ranking(here.rank(question, Filters())[0], there.rank(question, Filters())[0])
    shown = there.search(asked[-4], 3)
    assert shown.hits and all(h.highlight for h in shown.hits)


def test_filters_by_outlet_and_date_match_the_local_store(local, milvus, embedder):
    here, there = Searcher(embedder, local), Searcher(embedder, milvus)
    outlets = sorted({a.outlet for a in local.articles})
    dates = sorted(a.date for a in local.articles if a.date)
    middle = dates[len(dates) // 2]
    for filters in [Filters(outlets=frozenset({outlets[0].upper()})), Filters(since=middle),
                    Filters(until=middle), Filters(outlets=frozenset(outlets[:2]), since=dates[0], until=middle)]:
        for question in questions(local)[:6]:
            ours, theirs = here.rank(question, filters)[0], there.rank(question, filters)[0]
            same_ranking(ours, theirs)
            for hit in theirs:
                p = hit.passage
                assert not filters.outlets or p.outlet.casefold() in {o.casefold() for o in filters.outlets}
                assert filters.since is None or (p.date or "") >= filters.since
                assert filters.until is None or (p.date is not None and p.date <= filters.until)
    with pytest.raises(UnknownOutlet):
        there.search("harga beras", 3, Filters(outlets=frozenset({"No Such Outlet"})))


def test_update_and_removal_touch_only_their_article(local, embedder, where):
    store = MilvusStore.open(*where("edit"), spec_of(local.manifest), os.environ.get("NEWSBOT_MILVUS_TEST_TOKEN"))
    articles = local_articles(local)
    store.write(articles)
    changed, gone = articles[0], articles[1]
    keep = changed.passages[:1]
    new_text = keep[0].text + " Tambahan kalimat baru tentang pelabuhan Tanjung Priok."
    edited = StoredArticle(replace(changed.summary, passages=2, checksum="new"),
                           [replace(keep[0], id="edited-0", text=new_text), replace(keep[0], id="edited-1")],
                           embedder.embed_passages([new_text, keep[0].text]))
    store.write([edited])
    store.remove([gone.summary.id])
    expected = len(local.passages) - len(changed.passages) + 2 - len(gone.passages)
    assert store.count() == expected
    stored = store.articles()
    assert gone.summary.id not in stored and stored[changed.summary.id].checksum == "new"
    hits = Searcher(embedder, store).rank("pelabuhan Tanjung Priok kalimat tambahan", Filters())[0]
    assert hits[0].passage.id == "edited-0"
    assert not {p.id for p in changed.passages} & {h.passage.id for h in hits}
    if store.server:
        for name in names(store.collection):
            store.client.drop_collection(name)


def test_reopening_checks_the_manifest(local, milvus, where):
    token = os.environ.get("NEWSBOT_MILVUS_TEST_TOKEN")
    assert MilvusStore.open(milvus.where, milvus.collection, spec_of(local.manifest), token).count() == milvus.count()
    other = replace(spec_of(local.manifest), model="another-model")
    with pytest.raises(IndexFolderError, match="built with model .*another-model.*index the sources again"):
        MilvusStore.open(milvus.where, milvus.collection, other, token)
    uri, collection = where("half")
    broken = MilvusStore.open(uri, collection, spec_of(local.manifest), token)
    broken.client.drop_collection(names(collection)[2])
    with pytest.raises(IndexFolderError, match="incomplete"):
        MilvusStore.open(uri, collection, spec_of(local.manifest), token)
    for name in names(collection):
        if broken.client.has_collection(name):
            broken.client.drop_collection(name)


TIMED = {"id": "timed-1", "outlet": "Kontan", "title": "Harga beras naik di pasar induk",
         "published": "2024-06-18T09:30:00+07:00",
         "text": "Harga beras medium naik Rp500 per kilogram di Pasar Induk Cipinang pada Selasa pagi, kata pedagang. "
                 "Pasokan dari Jawa Tengah berkurang setelah panen mundur."}


def test_a_time_is_kept_where_the_collection_has_room_for_one(local, embedder, where, tmp_path, monkeypatch):
    """New collections keep an article's time; one made when dates were days only keeps the day, and both
    filter by the day and see an unchanged article as unchanged."""
    token = os.environ.get("NEWSBOT_MILVUS_TEST_TOKEN")
    source = tmp_path / "timed.jsonl"
    source.write_text(json.dumps(TIMED) + "\n", encoding="utf-8")
    timed_uri, timed_name = where("timed")
    days_uri, days_name = where("days")
    with monkeypatch.context() as old_schema:
        old_schema.setattr(milvus_schema, "DATE_LENGTH", 10)
        MilvusStore.open(days_uri, days_name, spec_of(local.manifest), token)  # made as before times were kept
    stores = [(MilvusStore.open(timed_uri, timed_name, spec_of(local.manifest), token), TIMED["published"]),
              (MilvusStore.open(days_uri, days_name, spec_of(local.manifest), token), "2024-06-18")]
    assert [store.date_length for store, _ in stores] == [DATE_LENGTH, 10]
    for store, date in stores:
        assert update_milvus([source], store, embedder).added == ["timed-1"]
        searcher = Searcher(embedder, store)
        hits = searcher.rank("harga beras Cipinang", Filters(since="2024-06-18", until="2024-06-18"))[0]
        assert [h.passage.date for h in hits] == [date] * len(hits) and hits
        assert searcher.rank("harga beras Cipinang", Filters(since="2024-06-19"))[0] == []
        assert store.articles()["timed-1"].date == date
        again = update_milvus([source], store, embedder)
        assert (again.unchanged, again.embedded) == (1, 0)
        if store.server:
            for name in names(store.collection):
                store.client.drop_collection(name)
