"""Tell which outlet published an article from its dateline, and never guess beyond it.

Indonesian news datelines name the outlet in a few recurring shapes:
``KONTAN.CO.ID - PYONGYANG.``, ``Liputan6.com, Pyongyang -``, ``TRIBUNNEWS.COM, MOSCOW –``,
``Eastjourneymagz.com–``, ``JAKARTA, KOMPAS.com -``, ``Jakarta (ANTARA News) -`` and
``Jakarta, CNN Indonesia --``. A web domain in the dateline names the outlet by itself; a
name in parentheses or after the city is accepted only when it reads like a news medium.
"""

from __future__ import annotations

import re

UNKNOWN_OUTLET = "unknown"

# How outlets spell their own names, by web domain. Domains not listed here get a name
# derived from the domain itself (``eastjourneymagz.com`` -> ``Eastjourneymagz``).
_CANONICAL = {
    "antaranews.com": "ANTARA News",
    "cnnindonesia.com": "CNN Indonesia",
    "kumparan.com": "kumparan",
    "merdeka.com": "Merdeka.com",
    "suara.com": "Suara.com",
    "kompas.com": "Kompas.com",
    "detik.com": "detikcom",
    "tempo.co": "Tempo",
    "voaindonesia.com": "VOA Indonesia",
    "juara.net": "Juara.net",
}
_DASH = r"(?:--|[-–—])"
_DOMAIN = r"(?P<domain>[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z]{2,6}){1,2})"
_CITY = r"[A-Z][A-Za-z.'’ ]{1,30}"
_DOMAIN_LINE = re.compile(rf"^(?:{_CITY},\s*)?{_DOMAIN}\s*(?:,\s*{_CITY}\s*)?{_DASH}")
_NAME = r"(?P<name>[A-Z][A-Za-z0-9.&]*(?:\s+[A-Z][A-Za-z0-9.&]*){0,3})"
_PAREN_LINE = re.compile(rf"^[A-Z][A-Za-z.'’, ]{{1,40}}\s*\((?P<name>[A-Za-z][A-Za-z .&]{{1,40}})\)\s*{_DASH}")
_AFTER_CITY_LINE = re.compile(rf"^{_CITY},\s*{_NAME}\s*{_DASH}")
_NAME_ONLY_LINE = re.compile(rf"^(?P<name>[A-Z][A-Za-z0-9]*(?:[Nn]ews|[Pp]ost|TV))\s*{_DASH}")
_MEDIA_WORDS = re.compile(
    r"(?:news|pos|post|times|tv|media|radio)\b|\b(?:antara|kompas|tempo|tribun|detik|"
    r"republika|okezone|liputan6|sindonews|viva|cnn|bbc|voa|reuters|kontan|bisnis)\b",
    re.IGNORECASE,
)


def outlet_from_domain(domain: str) -> str:
    """The outlet's own name for a web domain such as ``KONTAN.CO.ID`` or ``Liputan6.com``."""
    lowered = domain.lower()
    for known, name in _CANONICAL.items():
        if lowered == known or lowered.endswith("." + known):
            return name
    label = domain.split(".")[0]
    return label.capitalize() if label.isupper() or label.islower() else label


def detect_outlet(text: str, *, paragraphs: int = 3) -> str | None:
    """The outlet named by the dateline in the first ``paragraphs`` paragraphs, else None."""
    for paragraph in [p for p in text.split("\n") if p.strip()][:paragraphs]:
        found = _outlet_in_line(paragraph.strip())
        if found:
            return found
    return None


def _outlet_in_line(line: str) -> str | None:
    match = _DOMAIN_LINE.match(line)
    if match and "." in match.group("domain") and not match.group("domain")[0].isdigit():
        return outlet_from_domain(match.group("domain"))
    for pattern in (_PAREN_LINE, _AFTER_CITY_LINE, _NAME_ONLY_LINE):
        match = pattern.match(line)
        if match and _MEDIA_WORDS.search(match.group("name")):
            return match.group("name").strip()
    return None
