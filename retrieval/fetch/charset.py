"""Turn a fetched body into text, trusting declared charsets only as far as the bytes agree.

The order is: a byte-order mark; the charset of the Content-Type header; the charset the document
declares itself (``<meta charset>``, ``<meta http-equiv>`` or an XML declaration); UTF-8; and finally
windows-1252, which is what Indonesian (and other) pages labelled ISO-8859-1, or labelled nothing at
all, usually are. A charset is used only when the whole body decodes with it, so a windows-1252 page
served as UTF-8 still reads correctly. As browsers do, ISO-8859-1 and ASCII labels mean windows-1252,
and a body labelled with one of those that is valid UTF-8 is read as UTF-8.
"""

from __future__ import annotations

import codecs
import re

_SNIFF_BYTES = 8192
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([\w.:-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Labels that browsers read as windows-1252 (WHATWG Encoding Standard).
_WINDOWS_1252_LABELS = frozenset({"cp1252", "iso8859-1", "latin-1", "ascii"})


def decode_body(body: bytes, declared: str | None) -> str:
    """The text of ``body``, whose Content-Type header declared charset ``declared`` (or None)."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            try:
                return body.decode(codec)
            except UnicodeDecodeError:
                break
    for codec in _candidates(body, declared):
        try:
            return body.decode(codec)
        except UnicodeDecodeError:
            continue
    return body.decode("cp1252", errors="replace")


def declared_in_document(body: bytes) -> str | None:
    """The charset a page or XML document names for itself near its start, if any."""
    head = body[:_SNIFF_BYTES]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _candidates(body: bytes, declared: str | None) -> list[str]:
    candidates: list[str] = []
    for label in (declared, declared_in_document(body), "utf-8", "cp1252"):
        codec = _codec(label)
        if codec is not None and codec not in candidates:
            candidates.append(codec)
    if candidates[0] == "cp1252":
        candidates.insert(0, "utf-8")  # valid UTF-8 with accents is almost never real windows-1252
    return candidates


def _codec(label: str | None) -> str | None:
    """Python's codec for a charset label; UTF-16/32 without a byte-order mark are not trusted."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip()).name
    except LookupError:
        return None
    if name in _WINDOWS_1252_LABELS:
        return "cp1252"
    if name.startswith(("utf-16", "utf-32")):
        return None
    return name
