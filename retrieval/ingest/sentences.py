"""Indonesian-aware sentence boundaries, as character spans into the text.

A sentence ends at ``.``, ``!`` or ``?`` (with any closing quotes or brackets) followed by
whitespace and the start of a new sentence. Not sentence ends: abbreviations and titles
(``Dr.``, ``Jl.``, ``dll.``, ``PT.``), initials (``M. Yazid``), numbers and times
(``11.000``, ``02.45``, ``Rp 1,5 juta``), dates (``(18/6/2024)``), and a quote that ends in
``?`` or ``,`` but whose sentence continues (``"...?" tanya dia``).
"""

from __future__ import annotations

import re

ABBREVIATIONS = frozenset(
    """
    a.n adm bpk br brigjen capt co corp dll dkk dr dra drg drh drs dsb dst ds dt gen hj hlm hal
    ibu inc ir jend jl jln jr kab kapt kec kel kol komjen kompol kp letjen ltd mayjen mr mrs ms
    no nn nomor pdt prof pt purn rp sdr sdri sr st tbk tel telp tsb u.s vs vol yth yg ybs
    s.h s.e s.t s.pd s.sos s.kom m.si m.m m.h m.a m.sc ph.d e.g i.e etc approx dept
    """.split()
)
_CANDIDATE = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")
_NEXT_START = re.compile(r"\s+[\"'“‘(\[]*[A-Z0-9À-ÖØ-Þ]")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` into sentences; spans are absolute offsets, trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    begin = start
    for match in _CANDIDATE.finditer(text, start, end):
        stop = match.end()
        if not _NEXT_START.match(text, stop, end) or _is_abbreviation(text, begin, match.start()):
            continue
        spans.append((begin, stop))
        begin = stop
    spans.append((begin, end))
    return [trimmed for s, e in spans if (trimmed := _trim(text, s, e))]


def paragraph_sentences(text: str) -> list[tuple[int, int, int]]:
    """(start, end, paragraph number) of every sentence; paragraphs are separated by blank lines."""
    spans, offset = [], 0
    for number, paragraph in enumerate(text.split("\n\n")):
        spans.extend((s, e, number) for s, e in sentence_spans(text, offset, offset + len(paragraph)))
        offset += len(paragraph) + 2
    return spans


def _is_abbreviation(text: str, begin: int, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word_start = dot
    while word_start > begin and not text[word_start - 1].isspace() and text[word_start - 1] not in "(\"'“":
        word_start -= 1
    word = text[word_start:dot]
    if len(word) == 1 and word.isalpha() and word.isupper():
        return True  # an initial, as in "M. Yazid"
    return word.lower() in ABBREVIATIONS


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None
