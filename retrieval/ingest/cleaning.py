"""Strip page furniture from raw article text, keeping the article's own words intact.

Raw page text mixes the article with what surrounds it on the page: related-article links,
bylines and editor lines, newsletter and channel prompts, navigation labels, size pickers,
photo captions and agency initials. Each rule below targets a *kind* of furniture, so it
also catches the same kind in articles it has never seen. Kept lines are returned unchanged
apart from whitespace, one paragraph per line of the result, separated by blank lines.
"""

from __future__ import annotations

import re
import unicodedata

# "Baca Juga: ...", "Simak juga: ...", "Artikel terkait: ...", "Read more: ..."
_RELATED = re.compile(
    r"^\W*(?:(?:baca|simak|lihat|tonton|saksikan)\s+(?:juga|pula|selengkapnya)|"
    r"(?:artikel|berita)\s+(?:terkait|lainnya)|related|read\s+(?:also|more))\b\s*[:\-–—]",
    re.IGNORECASE,
)
# "Editor: ...", "Penulis: ...", "Laporan Wartawan Tribunnews.com ...", "Sumber: ..."
_CREDIT = re.compile(
    r"^\W*(?:(?:editor|penulis|reporter|pewarta|redaktur|penyunting|kontributor|fotografer|"
    r"penerjemah|sumber|author|writer)\s*[:\-–—]|laporan\s+(?:wartawan|reporter|koresponden)\b)",
    re.IGNORECASE,
)
# "oleh Nama diperbarui 18 Jun 2024, 10:23 WIB", "Diterbitkan 18 Jun 2024, 10:01 WIB"
_TIMESTAMP = re.compile(
    r"^\W*(?:oleh|by|diterbitkan|diperbarui|dipublikasikan|published|updated|posted)\b.*"
    r"\b\d{1,2}[:.]\d{2}\s*(?:WIB|WITA|WIT|GMT|UTC)?\s*$",
    re.IGNORECASE,
)
# Calls to action: follow a channel, join a group, check facts by WhatsApp, subscribe.
_CTA_VERB = re.compile(
    r"\b(?:follow|ikuti|gabung|bergabung|klik|subscribe|berlangganan|unduh|download|silakan|"
    r"dapatkan|join)\b", re.IGNORECASE)
_CTA_CHANNEL = re.compile(
    r"\b(?:whatsapp|telegram|channel|kanal|newsletter|google\s+news|instagram|tiktok|youtube|"
    r"aplikasi|tautan\s+ini|link\s+ini)\b", re.IGNORECASE)
# Agency or editor initials closing an article: "[ah/rs]", "(ant/rim)".
_INITIALS = re.compile(r"\s*[\[(][a-z]{1,5}(?:/[a-z]{1,5})+[\])]\s*$")
# A caption ends with a photo credit in parentheses: "(Foto: via AP)", "(... Pool Photo via AP)".
_CAPTION_CREDIT = re.compile(
    r"\((?=[^()]*\b(?:foto|photo|via|dok\.?|dokumentasi|istimewa|getty|ilustrasi|tangkapan\s+layar)\b)"
    r"[^()]*\)\s*$", re.IGNORECASE)
_DOMAIN = re.compile(r"\b[\w-]+\.(?:com|co\.id|id|net|org)\b", re.IGNORECASE)
_ARROWS = "↓↑→←»«▼▲►◄"
# Words that, alone on a short line, are navigation or widget labels rather than article text.
_UI_WORDS = frozenset("""
    populer terpopuler terkini terbaru terhangat trending selengkapnya lainnya forum recommended
    rekomendasi rekomendasikan tautan tautan-tautan akses komentar bagikan share iklan advertisement
    tag tags topik berita video galeri foto lanjutkan membaca baca more next sebelumnya berikutnya
    home beranda menu indeks kategori login masuk daftar cari search pilihan editor most popular
    latest news top
""".split())
# Format characters that show nothing (zero-width spaces, byte-order marks, soft hyphens, direction
# marks) are dropped; the zero-width joiners that shape emoji and some scripts are kept.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
_SIZE_PICKER = re.compile(r"^(?:XXS|XS|S|SM|M|MD|L|LG|XL|XXL)$")


def clean_article_text(raw: str) -> str:
    """Return the article text of ``raw`` page text, paragraphs separated by blank lines."""
    lines = [_normalise_line(line) for line in raw.splitlines()]
    lines = _drop_repeated_lines([line for line in lines if line])
    kept = _drop_captions(lines)
    kept = [_INITIALS.sub("", line) for line in kept if not is_furniture(line)]
    return "\n\n".join(line for line in kept if line)


def is_furniture(line: str) -> bool:
    """True when a single line is page furniture rather than article text."""
    if _RELATED.match(line) or _TIMESTAMP.match(line):
        return True
    if _CREDIT.match(line) and len(line.split()) <= 12:
        return True
    if _is_call_to_action(line) or _is_navigation(line):
        return True
    return bool(_SIZE_PICKER.match(line))


def _normalise_line(line: str) -> str:
    line = unicodedata.normalize("NFC", line).replace("\u00a0", " ")
    line = _INVISIBLE.sub("", line)
    return re.sub(r"[ \t]+", " ", line).strip()


def _is_call_to_action(line: str) -> bool:
    promo = line.startswith(("*", "•", "►")) or bool(_DOMAIN.search(line))
    return bool(promo and _CTA_VERB.search(line) and _CTA_CHANNEL.search(line))


def _is_navigation(line: str) -> bool:
    if any(arrow in line for arrow in _ARROWS) and len(line.split()) <= 6:
        return True
    words = re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", line.lower())
    if not words or len(words) > 5 or re.search(r"[.,;:!?\"“”]", line):
        return False
    return all(word in _UI_WORDS for word in words)


def _drop_repeated_lines(lines: list[str]) -> list[str]:
    """Remove a line printed twice in a row (photo captions) together with its copy."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        if i + 1 < len(lines) and lines[i] == lines[i + 1] and len(lines[i].split()) >= 4:
            i += 2
            continue
        out.append(lines[i])
        i += 1
    return out


def _drop_captions(lines: list[str]) -> list[str]:
    """Remove credited photo captions and the short picture title that precedes each one."""
    drop: set[int] = set()
    for i, line in enumerate(lines):
        if _CAPTION_CREDIT.search(line):
            drop.add(i)
            if i > 0 and _looks_like_picture_title(lines[i - 1]):
                drop.add(i - 1)
    return [line for i, line in enumerate(lines) if i not in drop]


def _looks_like_picture_title(line: str) -> bool:
    return len(line.split()) <= 10 and not re.search(r"[.!?:\"“”]$", line)
