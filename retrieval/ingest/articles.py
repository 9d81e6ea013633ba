"""Articles and how they are read: plain-text files (with a metadata file) and JSON Lines.

Plain-text files are raw page text. Their folder may hold ``metadata.json`` mapping file
names to ``{"outlet", "title", "date", "url", "author"}`` (all optional). JSON Lines files hold
one article per line: ``{"id", "outlet", "url", "published", "title", "text"}`` (and an optional
``"author"``). A date is a day (``2024-06-18``) or a day and time with its offset
(``2024-06-18T09:30:00+07:00``; without one, WIB); the time is kept when there is one. Missing outlets
come from the dateline, or are "unknown" with a warning; missing titles come from the first
line of article text. Unreadable inputs are skipped with a reason, never guessed at; a file or
folder that cannot be read at all (permissions, I/O errors) is also listed in ``unreadable``, so a
mirroring run knows not to take its articles for deleted ones.
"""

from __future__ import annotations

import codecs
import json
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.ingest.cleaning import clean_article_text
from retrieval.ingest.dates import publication_date
from retrieval.errors import SourceError
from retrieval.ingest.outlets import UNKNOWN_OUTLET, detect_outlet

log = logging.getLogger(__name__)

METADATA_FILE = "metadata.json"
TEXT_SUFFIXES = (".txt", ".text", ".md")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
_TITLE_MAX_WORDS = 30
# Far above any news article (the longest of 3,463 corpus articles is ~10x shorter); a larger one is
# a log, a dump or a concatenation, and is skipped rather than indexed as one story.
MAX_ARTICLE_CHARS = 500_000
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True)
class Article:
    """One cleaned news article and what is known of where it came from."""

    id: str
    outlet: str
    title: str
    date: str | None  # "2024-06-18", or with the time when known: "2024-06-18T09:30:00+07:00" (dates.py)
    url: str | None
    text: str
    source: str
    author: str | None = None


@dataclass
class ReadReport:
    """What reading sources produced: articles, plus every skipped input and why."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # files or folders that could not be read

    def cannot_read(self, where: str, error: OSError) -> None:
        why = f"cannot be read ({error.strerror or error}); fix its permissions or the disk and run again"
        self.unreadable.append((where, why))
        self.skip(where, why)

    def skip(self, where: str, why: str) -> None:
        self.skipped.append((where, why))
        log.info("skipped %s: %s", where, why)

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        log.info("%s", message)


def read_sources(paths: list[Path]) -> ReadReport:
    """Read every article in ``paths`` (files or folders, folders searched recursively)."""
    report = ReadReport()
    for path in paths:
        if not path.exists():
            raise SourceError(f"{path} does not exist; give a file or folder of articles")
        for file in _article_files(path, report):
            _read_file(file, report)
    return report


def _article_files(path: Path, report: ReadReport) -> Iterator[Path]:
    if not path.is_dir():
        yield path
        return
    found: list[Path] = []
    for folder, subfolders, names in os.walk(path, onerror=lambda exc: report.cannot_read(exc.filename, exc)):
        subfolders.sort()
        found += [Path(folder, name) for name in names if _is_article_name(name)]
    yield from sorted(found)


def _is_article_name(name: str) -> bool:
    return name != METADATA_FILE and not name.startswith(".") and name.lower() != "readme.md"


def _read_file(file: Path, report: ReadReport) -> None:
    try:
        text = _read_text(file)
    except SourceError as exc:
        report.skip(str(file), str(exc))
        return
    except OSError as exc:
        report.cannot_read(str(file), exc)
        return
    if not text.strip():
        report.skip(str(file), "the file is empty")
    elif file.suffix.lower() in JSONL_SUFFIXES:
        _read_jsonl(file, text, report)
    elif file.suffix.lower() in TEXT_SUFFIXES or not file.suffix:
        metadata = _metadata_for(file, report)
        _add(report, str(file), _article_from_text(file.stem, text, metadata, str(file), report))
    else:
        report.skip(str(file), f"unsupported file type {file.suffix!r}; use .txt for articles or .jsonl for records")


def _read_text(file: Path) -> str:
    """The file's text: UTF-8 (with or without BOM), or UTF-16/32 when a byte-order mark says so."""
    if file.suffix.lower() not in JSONL_SUFFIXES and file.stat().st_size > 4 * MAX_ARTICLE_CHARS:
        raise SourceError(f"{file.stat().st_size:,} bytes is far larger than an article (at most "
                          f"{MAX_ARTICLE_CHARS:,} characters); split it into articles or use JSON Lines")
    data = file.read_bytes()
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise SourceError(f"starts with a {encoding.upper()} byte-order mark but is not valid "
                                  f"{encoding.upper()} (bad bytes at offset {exc.start}); convert it to UTF-8") from None
    if b"\x00" in data[:8192]:
        raise SourceError("binary file, not article text (it holds NUL bytes and no UTF-16 byte-order mark)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"not UTF-8 text (bad byte at offset {exc.start}); convert it, e.g. iconv -f latin1 -t utf-8"
        ) from None


def _metadata_for(file: Path, report: ReadReport) -> dict:
    meta_file = file.parent / METADATA_FILE
    if not meta_file.is_file():
        return {}
    try:
        table = json.loads(meta_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.warn(f"{meta_file} is not valid JSON ({exc}); its metadata is ignored")
        return {}
    entry = table.get(file.name, {}) if isinstance(table, dict) else {}
    return entry if isinstance(entry, dict) else {}


def _read_jsonl(file: Path, text: str, report: ReadReport) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{file}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            report.skip(where, f"not JSON ({exc.msg})")
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str) or not record["text"].strip():
            report.skip(where, 'not an article record: needs a non-empty "text" string')
            continue
        article_id = str(record.get("id") or f"{file.stem}-{number}")
        _add(report, where, _article_from_text(article_id, record["text"], record, where, report))


def _add(report: ReadReport, where: str, article: Article | str) -> None:
    if isinstance(article, str):
        report.skip(where, article)
    else:
        report.articles.append(article)


def _article_from_text(article_id: str, raw: str, meta: dict, source: str, report: ReadReport) -> Article | str:
    """The article, or why there is none."""
    if len(raw) > MAX_ARTICLE_CHARS:
        return (f"the article is {len(raw):,} characters long, over the limit of {MAX_ARTICLE_CHARS:,}; "
                "split it into articles")
    text = clean_article_text(raw)
    if not any(ch.isalnum() for ch in text):
        if any(ch.isalnum() for ch in raw):
            return "no article text left after removing page furniture"
        return "no visible text (only invisible characters, symbols or punctuation)"
    title = _meta_str(meta, "title", source, report)
    first, _, rest = text.partition("\n\n")
    if title and _same(first, title):
        text = rest or text
    elif not title:
        title, text = _title_from_text(first, rest, text)
    outlet = _meta_str(meta, "outlet", source, report) or detect_outlet(text)
    if not outlet:
        outlet = UNKNOWN_OUTLET
        report.warn(f"{source}: no outlet in metadata or dateline; recorded as {UNKNOWN_OUTLET!r}")
    return Article(
        id=article_id, outlet=outlet, title=title, date=_meta_date(meta, source, report),
        url=_meta_str(meta, "url", source, report), text=text, source=source,
        author=_meta_str(meta, "author", source, report),
    )


def _title_from_text(first: str, rest: str, text: str) -> tuple[str, str]:
    """The first line is the headline when it is short and not a dateline paragraph."""
    if len(first.split()) <= _TITLE_MAX_WORDS and detect_outlet(first) is None and rest:
        return first.rstrip("."), rest
    words = first.split()
    return " ".join(words[:12]) + ("…" if len(words) > 12 else ""), text


def _same(a: str, b: str) -> bool:
    squash = lambda s: re.sub(r"\W+", "", s).casefold()  # noqa: E731
    return squash(a) == squash(b)


def _meta_str(meta: dict, key: str, source: str, report: ReadReport) -> str | None:
    """A text field of the metadata; another kind of value is reported and left out."""
    value = meta.get(key)
    if value is None or isinstance(value, str):
        return value.strip() or None if value else None
    report.warn(f"{source}: {key} {json.dumps(value)[:40]} is not text; it is left out (write it as a JSON string)")
    return None


def _meta_date(meta: dict, source: str, report: ReadReport) -> str | None:
    """The article's date: its day (YYYY-MM-DD), with its time when one follows (stored as in
    ``retrieval/ingest/dates.py``); anything else is reported and left out."""
    key = "date" if meta.get("date") else "published"
    value = meta.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    found = publication_date(value.strip()) if isinstance(value, str) else None
    if found is None:
        report.warn(f"{source}: {key} {json.dumps(value)[:40]} is not a date like 2024-06-18; the article is "
                    "indexed without a date")
    return found
