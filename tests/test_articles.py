"""Reading article files and records, and every way they can be bad."""

from __future__ import annotations

import json

import pytest

from retrieval.articles import read_sources
from retrieval.errors import SourceError
from retrieval.outlets import UNKNOWN_OUTLET

from conftest import SEEDS, SHARED


def test_seeds_read_with_metadata():
    report = read_sources([SEEDS])
    assert report.skipped == [] and report.warnings == []
    expected = json.loads((SHARED / "seeds" / "outlets.json").read_text(encoding="utf-8"))
    got = {f"{a.id}.txt": {"outlet": a.outlet, "title": a.title, "date": a.date} for a in report.articles}
    assert got == expected


def test_without_metadata_outlet_comes_from_dateline_and_title_from_text(tmp_path):
    for name in ("000_4c66d7cb05f20b83.txt", "002_1724dadda3992840.txt"):
        (tmp_path / name).write_bytes((SEEDS / name).read_bytes())
    report = read_sources([tmp_path])
    kontan, voa = report.articles
    assert kontan.outlet == "Kontan" and kontan.title == "Ini Isi Surat Vladimir Putin untuk Kim Jong Un"
    assert voa.outlet == UNKNOWN_OUTLET
    assert voa.title == "Kim Jong Un, Putin Saling Berkorespondensi, Berharap Kalahkan 'Imperialis'"
    assert any("002_1724dadda3992840" in w and UNKNOWN_OUTLET in w for w in report.warnings)


def test_bad_files_are_skipped_with_reasons(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\x00\x00\x01")
    (tmp_path / "latin1.txt").write_bytes("Berita caf\xe9 di Jakarta".encode("latin-1"))
    (tmp_path / "photo.png").write_bytes(b"not really")
    (tmp_path / "furniture.txt").write_text("Baca Juga: Sesuatu\nPOPULER\n")
    report = read_sources([tmp_path])
    reasons = {where.split("/")[-1]: why for where, why in report.skipped}
    assert report.articles == []
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "UTF-8" in reasons["latin1.txt"] and "iconv" in reasons["latin1.txt"]
    assert "unsupported" in reasons["photo.png"]
    assert "no article text" in reasons["furniture.txt"]


def test_jsonl_records_and_bad_lines(tmp_path):
    lines = [
        json.dumps({"id": "x1", "outlet": "Suara.com", "url": "http://x", "published": "2016-08-22",
                    "title": "Judul", "text": "Suara.com - Harga naik.\n\nParagraf kedua."}),
        "{not json",
        json.dumps({"id": "x2", "title": "tanpa teks"}),
        json.dumps(["a", "list"]),
        "",
        json.dumps({"id": "x3", "text": "Jakarta (ANTARA News) - Hujan turun."}),
    ]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n")
    report = read_sources([tmp_path / "a.jsonl"])
    assert [(a.id, a.outlet, a.date) for a in report.articles] == [
        ("x1", "Suara.com", "2016-08-22"), ("x3", "ANTARA News", None)]
    assert [where.rsplit(":", 1)[1] for where, _ in report.skipped] == ["2", "3", "4"]
    assert "not JSON" in report.skipped[0][1] and '"text"' in report.skipped[1][1]


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(SourceError, match="does not exist"):
        read_sources([tmp_path / "nope"])


def test_corpus_records_read(tmp_path):
    corpus = SHARED / "corpora" / "indosum_articles.jsonl"
    (tmp_path / "slice.jsonl").write_text("".join(corpus.open(encoding="utf-8").readlines()[:50]))
    report = read_sources([tmp_path / "slice.jsonl"])
    assert len(report.articles) == 50 and report.skipped == []
    assert all(a.outlet != UNKNOWN_OUTLET and a.text for a in report.articles)
