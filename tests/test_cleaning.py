"""Furniture goes, the article's own words stay."""

from __future__ import annotations

from retrieval.ingest.cleaning import clean_article_text, is_furniture

from conftest import SEEDS

FURNITURE = [
    "Baca Juga", "Baca juga", "Editor:", "Penulis:", "Laporan Wartawan", "Follow Official WhatsApp",
    "Fakta atau Hoaks", "Lanjutkan Membaca", "POPULER", "Berita Terkini Selengkapnya",
    "Tautan-tautan Akses", "Forum", "Recommended", "[ah/rs]", "Diterbitkan", "diperbarui", "(Foto:",
    "via AP)",
]


def seed_texts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


def test_no_furniture_left_in_seeds():
    for name, raw in seed_texts().items():
        cleaned = clean_article_text(raw)
        left = [f for f in FURNITURE if f in cleaned]
        assert left == [], name
        assert not {"XS", "SM", "MD", "LG"} & set(cleaned.split("\n\n")), name


def test_kept_lines_are_the_article_own_words():
    for name, raw in seed_texts().items():
        raw_lines = {" ".join(line.split()) for line in raw.splitlines()}
        for paragraph in clean_article_text(raw).split("\n\n"):
            # whole lines, or a line with its closing agency initials removed
            assert any(line.startswith(paragraph) for line in raw_lines), (name, paragraph)


def test_article_sentences_survive():
    texts = seed_texts()
    kontan = clean_article_text(texts["000_4c66d7cb05f20b83.txt"])
    assert "Setelah Korea Utara, Putin akan menghabiskan dua hari berikutnya di Vietnam." in kontan
    voa = clean_article_text(texts["002_1724dadda3992840.txt"])
    assert voa.endswith("kedua pihak berjanji untuk memperdalam kerja sama pertahanan.")


def test_rules_generalise_to_unseen_furniture():
    raw = "\n".join([
        "Judul Berita Contoh",
        "JAKARTA, KOMPAS.com - Harga beras naik 5 persen pada pekan ini.",
        "Simak juga: Harga Cabai Melonjak Jelang Lebaran",
        "Artikel Terkait: Inflasi Januari",
        "Penulis: Siti Aminah",
        "Pewarta: Budi",
        "* Ikuti saluran Telegram Kompas.com untuk berita terbaru.",
        "Dapatkan update berita pilihan setiap hari di channel WhatsApp Kompas.com",
        "Lihat Selengkapnya →",
        "Berita Terpopuler",
        "Pedagang di Pasar Minggu mengeluhkan sepinya pembeli.",
        "Suasana pasar pada Senin pagi (Foto: Dok. Humas)",
        "Suasana pasar pada Senin pagi (Foto: Dok. Humas)",
        "Pemerintah akan menggelar operasi pasar. [ant/rim]",
        "XL",
    ])
    cleaned = clean_article_text(raw).split("\n\n")
    assert cleaned == [
        "Judul Berita Contoh",
        "JAKARTA, KOMPAS.com - Harga beras naik 5 persen pada pekan ini.",
        "Pedagang di Pasar Minggu mengeluhkan sepinya pembeli.",
        "Pemerintah akan menggelar operasi pasar.",
    ]


def test_article_sentences_that_mention_channels_or_editors_are_kept():
    keep = [
        "Editor senior itu mengatakan redaksi menolak tekanan dari pemilik media.",
        "Presiden meminta warga mengikuti kanal resmi pemerintah untuk informasi vaksin.",
        "Berita itu dibantah oleh juru bicara kementerian.",
    ]
    assert [is_furniture(line) for line in keep] == [False, False, False]
