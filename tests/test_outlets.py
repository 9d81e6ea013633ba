"""Outlets come from datelines, never from guesses."""

from __future__ import annotations

import pytest

from retrieval.ingest.outlets import detect_outlet

DATELINES = [
    ("KONTAN.CO.ID - PYONGYANG. Presiden Rusia Vladimir Putin menjanjikan.", "Kontan"),
    ("Liputan6.com, Pyongyang - Vladimir Putin berjanji.", "Liputan6"),
    ("TRIBUNNEWS.COM, MOSCOW – Presiden Rusia Vladimir Putin.", "Tribunnews"),
    ("Eastjourneymagz.com–Presiden Rusia Vladimir Putin bertemu Kim.", "Eastjourneymagz"),
    ("Jakarta (ANTARA News) - Pemerintah menyatakan.", "ANTARA News"),
    ("Merdeka.com - Kepolisian menangkap.", "Merdeka.com"),
    ("Jakarta, CNN Indonesia -- Presiden Joko Widodo.", "CNN Indonesia"),
    ("JAKARTA, KOMPAS.com - Harga beras naik.", "Kompas.com"),
    ("Sukabumi, Jawa Barat (ANTARA News) - Pusat pelayanan.", "ANTARA News"),
]


@pytest.mark.parametrize(("text", "outlet"), DATELINES)
def test_dateline_names_the_outlet(text, outlet):
    assert detect_outlet(text) == outlet


@pytest.mark.parametrize("text", [
    "Presiden Joko Widodo meresmikan jalan tol pada Senin (18/6/2024).",
    "Jakarta, Indonesia - Hujan deras mengguyur ibu kota.",
    "Sebelumnya, banyak startup di Indonesia berbondong - bondong masuk pasar.",
    "Harga naik menjadi Rp 1.500 - Rp 2.000 per kilogram.",
    "",
])
def test_no_dateline_means_no_outlet(text):
    assert detect_outlet(text) is None
