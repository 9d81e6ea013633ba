"""The index folder: round trip, refusals, and no damage from a failed write."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from retrieval.ingest.chunking import Passage, passage_id
from retrieval.errors import IndexFolderError
from retrieval.store.index import (CURRENT, FORMAT_VERSION, MANIFEST, PASSAGES, ArticleSummary, Manifest,
                             current_generation, load_index, save_index)
from retrieval.store.lexical import LexicalIndex

MODEL = "test-model"


def passages(n: int) -> list[Passage]:
    return [Passage(passage_id("a", i, i + 1, f"p{i}"), "a", "Kontan", "T", "2024-06-18", None, i, i + 1, f"p{i}")
            for i in range(n)]


def vectors(n: int, dim: int = 4) -> np.ndarray:
    rows = np.eye(n, dim, dtype=np.float32) + 0.01
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def manifest(n: int) -> Manifest:
    return Manifest(FORMAT_VERSION, MODEL, 4, {}, {}, {"k1": 0.9, "b": 0.4}, 1, n, {"Kontan": 1},
                    "2024-01-01T00:00:00+00:00", {})


def lexical(n: int) -> LexicalIndex:
    return LexicalIndex.build([f"p{i} berita" for i in range(n)])


def save(folder, n=3):
    summary = [ArticleSummary("a", "Kontan", "T", "2024-06-18", None, "test", n)]
    return save_index(folder, manifest(n), passages(n), summary, vectors(n), lexical(n))


def test_round_trip_and_exact_search(tmp_path):
    save(tmp_path)
    index = load_index(tmp_path, model=MODEL)
    found = index.search(vectors(3)[1], 2)
    assert found[0][1] == 1 and found[1][1] in {0, 2}
    assert found[0][0] == pytest.approx(1.0, abs=1e-5)
    assert index.lexical.scores("p2").argmax() == 2
    np.testing.assert_allclose(index.vectors(np.array([2])), vectors(3)[2:3], atol=1e-6)
    assert len(index.search(vectors(3)[0], 10)) == 3  # k is capped at the passage count


def test_missing_folder_and_non_index_folder(tmp_path):
    with pytest.raises(IndexFolderError, match="no index at .*newsbot index"):
        load_index(tmp_path / "nope", model=MODEL)
    with pytest.raises(IndexFolderError, match="not a newsbot index"):
        load_index(tmp_path, model=MODEL)


def test_other_model_or_format_is_refused_with_rebuild_hint(tmp_path):
    save(tmp_path)
    with pytest.raises(IndexFolderError, match="built with model 'test-model'.*newsbot index --sync PATH ... --index"):
        load_index(tmp_path, model="other-model")
    manifest_path = current_generation(tmp_path) / MANIFEST
    data = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**data, "format_version": FORMAT_VERSION + 1}))
    with pytest.raises(IndexFolderError, match="format version"):
        load_index(tmp_path, model=MODEL)


def test_filters_mask_outlet_and_dates(tmp_path):
    save(tmp_path)
    index = load_index(tmp_path, model=MODEL)
    assert index.mask() is None
    assert index.mask(frozenset({"kontan"})).all()
    assert not index.mask(frozenset({"VOA Indonesia"})).any()
    assert index.mask(since="2024-06-18", until="2024-06-18").all()
    assert not index.mask(since="2024-06-19").any()
    only_first = np.array([True, False, False])
    assert [row for _, row in index.search(vectors(3)[2], 3, only_first)] == [0]


@pytest.mark.parametrize("damage", ["truncate-passages", "garble-manifest", "drop-vectors", "alter-lexical"])
def test_damaged_index_is_refused(tmp_path, damage):
    save(tmp_path)
    generation = current_generation(tmp_path)
    if damage == "truncate-passages":
        data = (generation / PASSAGES).read_bytes()
        (generation / PASSAGES).write_bytes(data[: len(data) // 2])
    elif damage == "garble-manifest":
        (generation / MANIFEST).write_text("{\"format_version\": 1, ")
    elif damage == "alter-lexical":
        vocab = generation / "lexical" / "vocab.index.json"
        vocab.write_text(vocab.read_text().replace("berita", "barita"))
    else:
        (generation / "vectors.faiss").unlink()
    with pytest.raises(IndexFolderError, match="damaged|not a newsbot index"):
        load_index(tmp_path, model=MODEL)


def test_failed_write_keeps_previous_index(tmp_path):
    save(tmp_path, n=3)
    bad_summary = [ArticleSummary("a", "Kontan", "T", None, None, "test", {1, 2})]  # not JSON-serialisable
    with pytest.raises(TypeError):
        save_index(tmp_path, manifest(5), passages(5), bad_summary, vectors(5), lexical(5))
    index = load_index(tmp_path, model=MODEL)
    assert len(index.passages) == 3
    assert len([p for p in tmp_path.iterdir() if p.name.startswith("gen-")]) == 1


def test_leftover_half_written_generation_is_ignored_then_pruned(tmp_path):
    save(tmp_path, n=3)
    (tmp_path / "gen-crashed").mkdir()
    (tmp_path / "gen-crashed" / PASSAGES).write_text("{half")
    assert len(load_index(tmp_path, model=MODEL).passages) == 3
    save(tmp_path, n=4)
    assert not (tmp_path / "gen-crashed").exists()
    assert len(load_index(tmp_path, model=MODEL).passages) == 4


def test_passages_keep_all_fields(tmp_path):
    save(tmp_path)
    original = passages(3)[2]
    loaded = load_index(tmp_path, model=MODEL).passages[2]
    assert loaded == original and replace(loaded, text="x") != original


def test_hnsw_index_round_trip_and_filtered_search(tmp_path):
    rng = np.random.default_rng(0)
    n = 300
    data = rng.normal(size=(n, 4)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    many = [Passage(f"p{i}", f"a{i % 7}", "Kontan" if i % 3 else "Tempo", "T", "2024-06-18", None, 0, 1, f"p{i}")
            for i in range(n)]
    summary = [ArticleSummary(f"a{i}", "Kontan", "T", None, None, "test", 1) for i in range(7)]
    hnsw = replace(manifest(n), vector_index="hnsw", articles=7)
    save_index(tmp_path, hnsw, many, summary, data, LexicalIndex.build([p.text for p in many]))
    index = load_index(tmp_path, model=MODEL)
    assert index.approximate and index.manifest.vector_index == "hnsw"
    np.testing.assert_allclose(index.vectors(np.array([5, 7])), data[[5, 7]], atol=1e-6)
    exact = np.argsort(-(data @ data[11]))[:10]
    assert [row for _, row in index.search(data[11], 10)] == exact.tolist()  # tiny graph: exact in practice
    tempo = index.mask(frozenset({"tempo"}))
    found = [row for _, row in index.search(data[11], 5, tempo)]
    expected = [r for r in np.argsort(-(data @ data[11])) if tempo[r]][:5]
    assert found == expected  # a narrow filter is searched exactly
    kontan = index.mask(frozenset({"KONTAN"}))
    found = [row for _, row in index.search(data[11], 10, kontan)]
    assert found == [r for r in np.argsort(-(data @ data[11])) if kontan[r]][:10]  # a broad one by the graph
    assert index.search(data[11], 10, np.zeros(n, dtype=bool)) == []


MIXED = ["2024-06-17", "2024-06-18T09:30:00+07:00", "2024-06-18", None, "2024-06-19T00:30:00+07:00",
         "2024-06-17T23:59:00+07:00"]


@pytest.mark.parametrize("dates", [MIXED, [d and d[:10] for d in MIXED]], ids=["with times", "days only"])
def test_date_filters_go_by_the_day_with_or_without_a_time(tmp_path, dates):
    n = len(dates)
    rows = [replace(p, date=d) for p, d in zip(passages(n), dates)]
    save_index(tmp_path, manifest(n), rows, [ArticleSummary("a", "Kontan", "T", None, None, "test", n)], vectors(n),
               lexical(n))
    index = load_index(tmp_path, model=MODEL)
    assert [p.date for p in index.passages] == dates  # kept as given
    assert index.mask(since="2024-06-18").tolist() == [False, True, True, False, True, False]
    assert index.mask(until="2024-06-18").tolist() == [True, True, True, False, False, True]
    assert index.mask(since="2024-06-18", until="2024-06-18").tolist() == [False, True, True, False, False, False]


def test_broad_and_narrow_filters_on_exact_index_agree_with_brute_force(tmp_path):
    rng = np.random.default_rng(1)
    n = 60
    data = rng.normal(size=(n, 4)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    many = [Passage(f"p{i}", f"a{i}", "Kontan", "T", None if i % 4 == 0 else f"2024-06-{10 + i % 9:02d}", None, 0, 1,
                    f"p{i}") for i in range(n)]
    summary = [ArticleSummary(f"a{i}", "Kontan", "T", None, None, "test", 1) for i in range(n)]
    save_index(tmp_path, replace(manifest(n), articles=n), many, summary, data, LexicalIndex.build([p.text for p in many]))
    index = load_index(tmp_path, model=MODEL)
    for allowed in (index.mask(since="2024-06-11"), index.mask(until="2024-06-11"), index.mask(since="2024-06-18")):
        assert not allowed[::4].any()  # undated passages never pass a date filter
        found = [row for _, row in index.search(data[3], 5, allowed)]
        assert found == [r for r in np.argsort(-(data @ data[3])) if allowed[r]][:5]


def test_vector_index_choice():
    from retrieval.store.index import HNSW_FROM, choose_vector_index

    assert choose_vector_index("auto", HNSW_FROM - 1) == "exact"
    assert choose_vector_index("auto", HNSW_FROM) == "hnsw"
    assert choose_vector_index("exact", 10**7) == "exact" and choose_vector_index("hnsw", 3) == "hnsw"
    with pytest.raises(ValueError, match="one of auto, exact, hnsw"):
        choose_vector_index("ivf", 3)


def generation_names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("gen-"))


@pytest.mark.parametrize("loss", ["deleted", "empty", "garbage", "names-a-missing-folder"])
def test_lost_current_is_recovered_from_the_newest_whole_generation(tmp_path, loss):
    save(tmp_path, n=3)
    newest = save(tmp_path, n=5)
    if loss == "deleted":
        (tmp_path / CURRENT).unlink()
    else:
        (tmp_path / CURRENT).write_text({"empty": "", "garbage": "../../etc\n",
                                         "names-a-missing-folder": "gen-gone\n"}[loss])
    assert current_generation(tmp_path) == newest
    assert len(load_index(tmp_path, model=MODEL).passages) == 5


def test_a_newer_damaged_generation_is_passed_over_when_current_is_lost(tmp_path):
    whole = save(tmp_path, n=3)
    damaged = save(tmp_path, n=5)
    (damaged / PASSAGES).write_text("{half", encoding="utf-8")
    (tmp_path / CURRENT).unlink()
    assert current_generation(tmp_path) == whole
    assert len(load_index(tmp_path, model=MODEL).passages) == 3


def test_lost_current_with_no_whole_generation_is_refused_with_how_to_recover(tmp_path):
    generation = save(tmp_path)
    (generation / PASSAGES).write_text("{half", encoding="utf-8")
    (tmp_path / CURRENT).unlink()
    with pytest.raises(IndexFolderError, match="none of its generation folders is whole.*--sync"):
        load_index(tmp_path, model=MODEL)
    assert generation_names(tmp_path) == [generation.name]


def test_a_write_after_current_was_lost_prunes_nothing(tmp_path):
    first, second = save(tmp_path, n=3), save(tmp_path, n=4)
    (tmp_path / CURRENT).unlink()
    third = save(tmp_path, n=5)
    assert generation_names(tmp_path) == sorted([first.name, second.name, third.name])
    assert current_generation(tmp_path) == third


@pytest.mark.parametrize("field, value", [("dimension", "4"), ("passages", True), ("chunking", []),
                                          ("prompts", {"query": 1}), ("lexical", {"k1": "0.9"}), ("model", None)])
def test_a_manifest_field_of_the_wrong_type_is_refused_by_name(tmp_path, field, value):
    manifest_path = save(tmp_path) / MANIFEST
    data = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**data, field: value}))
    with pytest.raises(IndexFolderError, match=f"damaged.*field '{field}' should be"):
        load_index(tmp_path, model=MODEL)


def test_an_index_path_that_is_a_file_is_named_as_such(tmp_path):
    (tmp_path / "index").write_text("")
    with pytest.raises(IndexFolderError, match="is a file, not an index folder"):
        load_index(tmp_path / "index", model=MODEL)


def test_passages_are_read_from_disk_by_row(tmp_path):
    save(tmp_path, n=5)
    index = load_index(tmp_path, model=MODEL)
    assert len(index.passages) == 5 and index.passages[-1] == passages(5)[4]
    assert index.passages_at([3, 0, 3]) == [passages(5)[i] for i in (3, 0, 3)]
    assert list(index.passages) == passages(5)
    with pytest.raises(IndexError):
        index.passages[5]


def test_a_version_3_index_is_still_read(tmp_path):
    generation = save(tmp_path, n=3)
    (generation / PASSAGES).unlink()
    (generation / "passages.jsonl").write_text(
        "".join(json.dumps(p.__dict__) + "\n" for p in passages(3)), encoding="utf-8")
    data = json.loads((generation / MANIFEST).read_text())
    data["format_version"] = 3
    data["checksums"] = {k.replace(PASSAGES, "passages.jsonl"): v for k, v in data["checksums"].items()
                         if k != PASSAGES}
    (generation / MANIFEST).write_text(json.dumps(data))
    index = load_index(tmp_path, model=MODEL)
    assert list(index.passages) == passages(3) and index.search(vectors(3)[1], 1)[0][1] == 1
