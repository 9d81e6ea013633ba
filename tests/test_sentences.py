"""Indonesian sentence boundaries."""

from __future__ import annotations

from retrieval.ingest.sentences import sentence_spans


def split(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def test_numbers_dates_times_and_money_are_not_ends():
    text = ("Putin tiba pada hari Rabu (19/6/2024), pukul 02.45 waktu setempat. Lebih dari 11.000 kontainer "
            "amunisi dikirim. Harganya Rp 1,5 juta per unit.")
    assert split(text) == [
        "Putin tiba pada hari Rabu (19/6/2024), pukul 02.45 waktu setempat.",
        "Lebih dari 11.000 kontainer amunisi dikirim.",
        "Harganya Rp 1,5 juta per unit.",
    ]


def test_abbreviations_and_initials_are_not_ends():
    text = "Kata Dr. Sutomo di Jl. Sudirman, PT. Maju dll. sudah hadir. Reporter M. Yazid melaporkan."
    assert split(text) == ["Kata Dr. Sutomo di Jl. Sudirman, PT. Maju dll. sudah hadir.",
                           "Reporter M. Yazid melaporkan."]


def test_quotes_end_or_continue_sentences():
    text = ('"Kami akan menolak pembatasan," kata Putin. "Apakah itu benar?" tanya dia. '
            '“Kami siap.” Ia lalu pergi.')
    assert split(text) == ['"Kami akan menolak pembatasan," kata Putin.', '"Apakah itu benar?" tanya dia.',
                           "“Kami siap.”", "Ia lalu pergi."]


def test_spans_are_offsets_into_the_text():
    text = "  Satu.  Dua!   Tiga?  "
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["Satu.", "Dua!", "Tiga?"]
