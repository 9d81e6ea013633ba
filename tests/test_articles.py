"""Reading article files and records, and every way they can be bad."""

from __future__ import annotations

import json

import pytest

from retrieval.ingest.articles import MAX_ARTICLE_CHARS, read_sources
from retrieval.errors import SourceError
from retrieval.ingest.outlets import UNKNOWN_OUTLET

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


def test_utf16_and_utf32_files_with_a_byte_order_mark_are_read(tmp_path):
    text = (SEEDS / "000_4c66d7cb05f20b83.txt").read_text(encoding="utf-8")
    (tmp_path / "a16.txt").write_bytes(text.encode("utf-16"))
    (tmp_path / "b16be.txt").write_bytes(b"\xfe\xff" + text.encode("utf-16-be"))
    (tmp_path / "c32.txt").write_bytes(text.encode("utf-32"))
    (tmp_path / "d16bad.txt").write_bytes(b"\xff\xfe" + b"\x00\xd8")  # a lone surrogate in UTF-16
    report = read_sources([tmp_path])
    assert [a.id for a in report.articles] == ["a16", "b16be", "c32"]
    assert len({a.text for a in report.articles}) == 1 and "Putin" in report.articles[0].text
    assert [where.split("/")[-1] for where, _ in report.skipped] == ["d16bad.txt"]
    assert "UTF-16 byte-order mark" in report.skipped[0][1]


def test_non_text_metadata_and_impossible_dates_are_reported(tmp_path):
    body = "Jakarta (ANTARA News) - Harga beras naik di pasar induk pada pekan ini."
    records = [{"id": "n1", "outlet": 123, "title": ["x"], "published": "2024-02-30", "text": body},
               {"id": "n2", "outlet": "Kontan", "published": "2024-W25-2", "text": body + " Lagi."},
               {"id": "n3", "outlet": "Kontan", "published": "20240618", "text": body + " Dua."},
               {"id": "n4", "outlet": "Kontan", "published": "2024-06-18T10:00:00+07:00", "text": body + " Tiga."}]
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    report = read_sources([tmp_path / "a.jsonl"])
    assert [(a.id, a.outlet, a.date) for a in report.articles] == [
        ("n1", "ANTARA News", None), ("n2", "Kontan", None), ("n3", "Kontan", None),
        ("n4", "Kontan", "2024-06-18T10:00:00+07:00")]
    warnings = "\n".join(report.warnings)
    assert "a.jsonl:1: outlet 123 is not text" in warnings and "a.jsonl:1: title" in warnings
    assert 'a.jsonl:1: published "2024-02-30" is not a date like 2024-06-18' in warnings
    assert '"2024-W25-2" is not a date' in warnings and '"20240618" is not a date' in warnings


def test_publication_times_are_kept_in_wib_and_doubtful_ones_leave_the_day(tmp_path):
    body = "Jakarta (ANTARA News) - Harga beras naik di pasar induk pada pekan ini."
    published = {"t1": "2024-06-18T09:30:00+07:00", "t2": "2024-06-18T02:30:00Z", "t3": "2024-06-18 09:30",
                 "t4": "2024-06-18T25:00", "t5": "2999-06-18T09:30:00+07:00", "t6": "2024-06-18"}
    (tmp_path / "a.jsonl").write_text("".join(json.dumps({"id": i, "outlet": "Kontan", "published": p,
                                                          "text": f"{body} {i}."}) + "\n"
                                              for i, p in published.items()))
    (tmp_path / "b.txt").write_text(f"Judul\n\n{body}\n", encoding="utf-8")
    (tmp_path / "metadata.json").write_text(json.dumps({"b.txt": {"date": "2024-06-18T09:30:00+07:00"}}))
    report = read_sources([tmp_path])
    assert report.warnings == [] and report.skipped == []
    assert {a.id: a.date for a in report.articles} == {
        "t1": "2024-06-18T09:30:00+07:00", "t2": "2024-06-18T09:30:00+07:00", "t3": "2024-06-18T09:30:00+07:00",
        "t4": "2024-06-18", "t5": "2999-06-18", "t6": "2024-06-18", "b": "2024-06-18T09:30:00+07:00"}


def test_articles_of_invisible_characters_only_are_skipped(tmp_path):
    (tmp_path / "zw.txt").write_text("\u200b\u200b\ufeff\n\u2060\u200d\n", encoding="utf-8")
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "z", "text": "\u200b \u200b\u00ad"}) + "\n")
    (tmp_path / "ok.txt").write_text("Judul\n\nHar\u200bga be\u00adras naik di pasar.\n", encoding="utf-8")
    report = read_sources([tmp_path])
    assert [a.text for a in report.articles] == ["Harga beras naik di pasar."]
    assert sorted(why for _, why in report.skipped) == ["no visible text (only invisible characters, symbols or "
                                                        "punctuation)"] * 2


def test_an_article_over_the_size_cap_is_skipped_with_its_size(tmp_path):
    sentence = "Harga beras naik di pasar induk pada pekan ini. "
    (tmp_path / "huge.txt").write_text(sentence * (MAX_ARTICLE_CHARS // len(sentence) + 1))
    (tmp_path / "giant.txt").write_text("x" * (4 * MAX_ARTICLE_CHARS + 1))
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "big", "text": sentence * 20_000}) + "\n")
    report = read_sources([tmp_path])
    assert report.articles == []
    reasons = {where.split("/")[-1]: why for where, why in report.skipped}
    assert f"over the limit of {MAX_ARTICLE_CHARS:,}" in reasons["huge.txt"]
    assert f"over the limit of {MAX_ARTICLE_CHARS:,}" in reasons["a.jsonl:1"]
    assert "far larger than an article" in reasons["giant.txt"]


def test_a_file_that_cannot_be_read_is_skipped_and_listed_as_unreadable(tmp_path):
    (tmp_path / "broken.txt").symlink_to("/proc/self/mem")  # an I/O error on read, even for root
    (tmp_path / "gone.txt").symlink_to(tmp_path / "deleted-meanwhile.txt")
    (tmp_path / "ok.txt").write_text("Judul\n\nHarga beras naik di pasar induk.\n")
    report = read_sources([tmp_path])
    assert [a.id for a in report.articles] == ["ok"]
    reasons = {where.split("/")[-1]: why for where, why in report.unreadable}
    assert "cannot be read (Input/output error)" in reasons["broken.txt"]
    assert "cannot be read (No such file or directory)" in reasons["gone.txt"]  # vanished while reading
