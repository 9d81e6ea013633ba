"""Incremental indexing: what gets embedded on each kind of change, counted through the embedder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from contextlib import contextmanager

import numpy as np
import pytest

from retrieval.model.embedding import Embedder
from retrieval.errors import IndexFolderError, SourceError
from retrieval.store.index import CURRENT, PASSAGES, load_index
from retrieval.store.indexing import _locked, build_if_missing, remove_articles, update_index
from retrieval.search.search import Searcher

from conftest import SEEDS, SHARED

KONTAN = "000_4c66d7cb05f20b83"


class CountingEmbedder(Embedder):
    """The real embedder, keeping a record of every passage text it is asked to embed."""

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.embedded: list[str] = []

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.embedded += texts
        return super().embed_passages(texts)


@pytest.fixture
def counting(settings) -> CountingEmbedder:
    return CountingEmbedder(settings)


@pytest.fixture
def seeds_copy(tmp_path):
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture
def indexed(seeds_copy, tmp_path, counting):
    folder = tmp_path / "index"
    report = update_index([seeds_copy], folder, counting)
    assert (report.added.__len__(), report.embedded, report.articles) == (5, report.passages, 5)
    counting.embedded.clear()
    return folder


def articles_in(folder, embedder):
    return load_index(folder, model=embedder.model_name).articles


def corpus_lines(n: int) -> list[str]:
    with (SHARED / "corpora" / "indosum_articles.jsonl").open(encoding="utf-8") as lines:
        return [next(lines) for _ in range(n)]


def test_unchanged_sources_embed_nothing_and_write_nothing(indexed, seeds_copy, counting):
    generation = (indexed / CURRENT).read_text()
    report = update_index([seeds_copy], indexed, counting)
    assert counting.embedded == [] and report.embedded == 0
    assert report.location is None and not report.changed and report.unchanged == 5
    assert (indexed / CURRENT).read_text() == generation


def test_changed_article_embeds_only_its_new_passages(indexed, seeds_copy, counting):
    before = load_index(indexed, model=counting.model_name)
    old_texts = {p.text for p in before.passages}
    article = seeds_copy / f"{KONTAN}.txt"
    added = "Juru bicara Kremlin menyebut kunjungan itu bersejarah bagi kedua negara di kawasan Asia Timur."
    article.write_text(article.read_text(encoding="utf-8").rstrip() + "\n\n" + added + "\n", encoding="utf-8")
    report = update_index([seeds_copy], indexed, counting)
    assert report.updated == [KONTAN] and report.added == [] and report.unchanged == 4
    after = load_index(indexed, model=counting.model_name)
    new_texts = [p.text for p in after.passages if p.text not in old_texts]
    # exactly the passages whose text is new were embedded, and at least one was kept as it was
    assert sorted(counting.embedded) == sorted(new_texts) and len(new_texts) >= 1
    assert any(added in t for t in counting.embedded)
    kontan_rows = [i for i, p in enumerate(after.passages) if p.article_id == KONTAN]
    assert len(counting.embedded) < len(kontan_rows)  # some of its passages were kept as they were
    # kept passages keep their vectors bit for bit
    old_rows = {p.text: i for i, p in enumerate(before.passages)}
    for row, passage in enumerate(after.passages):
        if passage.text in old_rows:
            np.testing.assert_array_equal(after.vectors(np.array([row])), before.vectors(np.array([old_rows[passage.text]])))
    hits = Searcher(counting, after).search("Apa kata juru bicara Kremlin tentang kunjungan itu?", 3).hits
    assert any(added in h.passage.text for h in hits)


def test_metadata_change_updates_the_article_without_embedding(indexed, seeds_copy, counting):
    meta_file = seeds_copy / "metadata.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    key = next(k for k in meta if KONTAN in k) if isinstance(meta, dict) else None
    assert key is not None, meta
    meta[key]["url"] = "https://example.com/berita/surat-putin"
    meta_file.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    report = update_index([seeds_copy], indexed, counting)
    assert report.updated == [KONTAN] and report.embedded == 0 and counting.embedded == []
    index = load_index(indexed, model=counting.model_name)
    assert {p.url for p in index.passages if p.article_id == KONTAN} == {"https://example.com/berita/surat-putin"}


def test_adding_a_corpus_keeps_the_seeds(indexed, tmp_path, counting):
    (tmp_path / "more.jsonl").write_text("".join(corpus_lines(3)), encoding="utf-8")
    report = update_index([tmp_path / "more.jsonl"], indexed, counting)
    assert len(report.added) == 3 and report.unchanged == 5 and report.articles == 8
    index = load_index(indexed, model=counting.model_name)
    assert len(counting.embedded) == sum(p.article_id in report.added for p in index.passages)


def test_remove_by_id_and_sync_mirror_the_sources(indexed, seeds_copy, counting):
    report = remove_articles([KONTAN, "no-such-id"], indexed, counting)
    assert report.removed == [KONTAN] and report.skipped == [("no-such-id", "no article with this id in the index")]
    assert counting.embedded == []
    assert KONTAN not in {a.id for a in articles_in(indexed, counting)}
    # indexing the sources again brings it back
    update_index([seeds_copy], indexed, counting)
    assert KONTAN in {a.id for a in articles_in(indexed, counting)}
    counting.embedded.clear()
    (seeds_copy / f"{KONTAN}.txt").unlink()
    plain = update_index([seeds_copy], indexed, counting)
    assert plain.removed == [] and plain.articles == 5  # adding never removes
    synced = update_index([seeds_copy], indexed, counting, sync=True)
    assert synced.removed == [KONTAN] and synced.articles == 4 and counting.embedded == []


def test_removing_everything_or_nothing_is_refused(indexed, counting):
    ids = [a.id for a in articles_in(indexed, counting)]
    with pytest.raises(SourceError, match="would leave the index .* empty"):
        remove_articles(ids, indexed, counting)
    assert len(articles_in(indexed, counting)) == 5
    report = remove_articles(["nope"], indexed, counting)
    assert report.removed == [] and report.location is None


def test_same_text_under_two_ids_is_stored_once(tmp_path, counting):
    line = json.loads(corpus_lines(1)[0])
    twin = {**line, "id": "copy-of-" + str(line["id"]), "outlet": "Other Outlet"}
    (tmp_path / "a.jsonl").write_text(json.dumps(line) + "\n" + json.dumps(twin) + "\n", encoding="utf-8")
    report = update_index([tmp_path / "a.jsonl"], tmp_path / "index", counting)
    assert report.articles == 1 and len(report.skipped) == 1 and "same text" in report.skipped[0][1]


def test_a_second_writer_is_told_to_wait(indexed, seeds_copy, counting):
    with _locked(indexed):
        with pytest.raises(IndexFolderError, match="another newsbot process is writing"):
            update_index([seeds_copy], indexed, counting)


def test_a_damaged_index_needs_sync_to_be_rebuilt(indexed, seeds_copy, counting):
    generation = indexed / (indexed / CURRENT).read_text().strip()
    (generation / PASSAGES).write_text("{half", encoding="utf-8")
    with pytest.raises(IndexFolderError, match="damaged.*newsbot index --sync"):
        update_index([seeds_copy], indexed, counting)
    report = update_index([seeds_copy], indexed, counting, sync=True)
    assert report.articles == 5 and report.warnings and load_index(indexed, model=counting.model_name)


@pytest.mark.parametrize("loss", ["deleted", "names-a-missing-folder"])
def test_indexing_after_current_was_lost_keeps_every_article(indexed, tmp_path, counting, loss):
    if loss == "deleted":
        (indexed / CURRENT).unlink()
    else:
        (indexed / CURRENT).write_text("gen-missing\n")
    (tmp_path / "more.jsonl").write_text("".join(corpus_lines(2)), encoding="utf-8")
    report = update_index([tmp_path / "more.jsonl"], indexed, counting)
    assert report.articles == 7 and report.unchanged == 5 and len(report.added) == 2
    assert any("newest whole generation" in w for w in report.warnings)
    assert len(articles_in(indexed, counting)) == 7


def test_indexing_with_current_lost_and_no_whole_generation_changes_nothing(indexed, tmp_path, counting):
    generation = indexed / (indexed / CURRENT).read_text().strip()
    (generation / "vectors.faiss").write_bytes(b"")
    (indexed / CURRENT).unlink()
    (tmp_path / "more.jsonl").write_text("".join(corpus_lines(1)), encoding="utf-8")
    with pytest.raises(IndexFolderError, match="none of its generation folders is whole"):
        update_index([tmp_path / "more.jsonl"], indexed, counting)
    with pytest.raises(IndexFolderError, match="none of its generation folders is whole"):
        remove_articles([KONTAN], indexed, counting)
    assert generation.is_dir() and not (indexed / CURRENT).exists() and counting.embedded == []


def test_sync_keeps_the_articles_of_a_file_that_cannot_be_read(indexed, seeds_copy, counting):
    article = seeds_copy / f"{KONTAN}.txt"
    article.unlink()
    article.symlink_to("/proc/self/mem")  # reading it fails with an I/O error, even for root
    report = update_index([seeds_copy], indexed, counting, sync=True)
    assert report.removed == [] and report.kept == [KONTAN] and report.articles == 5
    assert report.unreadable and "cannot be read (Input/output error)" in report.unreadable[0][1]
    assert KONTAN in {a.id for a in articles_in(indexed, counting)}


def test_changing_the_vector_index_setting_rewrites_without_embedding(indexed, seeds_copy, settings):
    from dataclasses import replace

    hnsw = CountingEmbedder(replace(settings, vector_index="hnsw"))
    report = update_index([seeds_copy], indexed, hnsw)
    assert report.location is not None and report.embedded == 0 and hnsw.embedded == []
    index = load_index(indexed, model=hnsw.model_name)
    assert index.approximate and len(index.passages) == report.passages
    assert update_index([seeds_copy], indexed, hnsw).location is None


@contextmanager
def unwritable(folder):
    """A folder nobody may write to: immutable for root (who ignores permissions), read-only otherwise."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)]) if os.geteuid() == 0 else folder.chmod(0o755)


def test_an_unwritable_index_folder_is_found_before_embedding(seeds_copy, tmp_path, counting):
    (tmp_path / "index").mkdir()
    with unwritable(tmp_path / "index"):
        with pytest.raises(IndexFolderError, match="cannot write the index at .*--index or NEWSBOT_INDEX_DIR"):
            update_index([seeds_copy], tmp_path / "index", counting)
    assert counting.embedded == []


@pytest.fixture
def graph_builds(monkeypatch):
    """Every vector index built from scratch while the test runs (kind, rows), the build still done."""
    import retrieval.store.index as index_module

    built, real = [], index_module.build_faiss
    monkeypatch.setattr(index_module, "build_faiss", lambda vectors, kind="exact": built.append((kind, len(vectors)))
                        or real(vectors, kind))
    return built


def test_adding_articles_to_an_hnsw_index_grows_its_graph(indexed, seeds_copy, tmp_path, settings, graph_builds):
    from dataclasses import replace

    hnsw = CountingEmbedder(replace(settings, vector_index="hnsw"))
    update_index([seeds_copy], indexed, hnsw)
    before = load_index(indexed, model=hnsw.model_name)
    graph_builds.clear()
    more = tmp_path / "more.jsonl"
    with (SHARED / "corpora" / "indosum_articles.jsonl").open(encoding="utf-8") as lines:
        more.write_text("".join(next(lines) for _ in range(2)), encoding="utf-8")
    report = update_index([more], indexed, hnsw)
    assert graph_builds == [] and report.added and report.embedded == len(hnsw.embedded) > 0
    after = load_index(indexed, model=hnsw.model_name)
    old = len(before.passages)
    assert after.approximate and len(after.passages) == report.passages > old
    assert [p.id for p in after.passages_at(range(old))] == [p.id for p in before.passages]
    assert np.array_equal(after.vectors(np.arange(old)), before.vectors(np.arange(old)))
    for row in (0, old - 1, old, len(after.passages) - 1):  # old and new rows are found by their own vector
        assert after.search(after.vectors(np.array([row]))[0], 1)[0][1] == row


def test_changing_an_article_builds_the_graph_again(indexed, seeds_copy, settings, graph_builds):
    from dataclasses import replace

    hnsw = CountingEmbedder(replace(settings, vector_index="hnsw"))
    update_index([seeds_copy], indexed, hnsw)
    graph_builds.clear()
    article = seeds_copy / f"{KONTAN}.txt"
    article.write_text(article.read_text(encoding="utf-8").rstrip() + "\n\nKalimat baru yang menutup berita ini.\n",
                       encoding="utf-8")
    report = update_index([seeds_copy], indexed, hnsw)
    index = load_index(indexed, model=hnsw.model_name)
    assert report.updated == [KONTAN] and graph_builds == [("hnsw", report.passages)]
    assert index.approximate and index.search(index.vectors(np.array([0]))[0], 1)[0][1] == 0


def test_a_version_3_index_is_rewritten_as_version_4_without_embedding(indexed, seeds_copy, counting):
    from dataclasses import asdict

    from retrieval.store.index import FORMAT_VERSION, MANIFEST

    generation = indexed / (indexed / CURRENT).read_text().strip()
    rows = list(load_index(indexed, model=counting.model_name).passages)
    (generation / PASSAGES).unlink()
    (generation / "passages.jsonl").write_text("".join(json.dumps(asdict(p)) + "\n" for p in rows), encoding="utf-8")
    data = json.loads((generation / MANIFEST).read_text())
    data["format_version"] = 3
    data["checksums"] = {k: v for k, v in data["checksums"].items() if k != PASSAGES}
    (generation / MANIFEST).write_text(json.dumps(data))
    report = update_index([seeds_copy], indexed, counting)
    assert report.location is not None and report.embedded == 0 and counting.embedded == []
    index = load_index(indexed, model=counting.model_name)
    assert index.manifest.format_version == FORMAT_VERSION and list(index.passages) == rows


def test_a_folder_holding_only_the_feed_list_and_votes_is_built_but_not_one_with_other_files(tmp_path, embedder):
    beside = tmp_path / "beside"
    beside.mkdir()
    for name in ("feeds.sqlite", "feeds.sqlite-wal", "feedback.sqlite", "feedback.salt", ".lock"):
        (beside / name).write_bytes(b"")
    build_if_missing(beside, embedder, [SEEDS])
    assert (beside / CURRENT).exists()

    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("not an index")
    build_if_missing(other, embedder, [SEEDS])
    assert not (other / CURRENT).exists()  # left for loading to report
