"""Articles and how they are read: plain-text files (with a metadata file) and JSON Lines.

Plain-text files are raw page text. Their folder may hold ``metadata.json`` mapping file
names to ``{"outlet", "title", "date", "url"}`` (all optional). JSON Lines files hold one
article per line: ``{"id", "outlet", "url", "published", "title", "text"}``. Missing outlets
come from the dateline, or are "unknown" with a warning; missing titles come from the first
line of article text. Unreadable inputs are skipped with a reason, never guessed at.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path

from retrieval.cleaning import clean_article_text
from retrieval.errors import SourceError
from retrieval.outlets import UNKNOWN_OUTLET, detect_outlet

log = logging.getLogger(__name__)

METADATA_FILE = "metadata.json"
TEXT_SUFFIXES = (".txt", ".text", ".md")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
_TITLE_MAX_WORDS = 30


@dataclass(frozen=True)
class Article:
    """One cleaned news article and what is known of where it came from."""

    id: str
    outlet: str
    title: str
    date: str | None
    url: str | None
    text: str
    source: str


@dataclass
class ReadReport:
    """What reading sources produced: articles, plus every skipped input and why."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

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
        for file in _article_files(path):
            _read_file(file, report)
    return report


def _article_files(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
        return
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        if file.name == METADATA_FILE or file.name.startswith(".") or file.name.lower() == "readme.md":
            continue
        yield file


def _read_file(file: Path, report: ReadReport) -> None:
    try:
        text = _read_text(file)
    except SourceError as exc:
        report.skip(str(file), str(exc))
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
    data = file.read_bytes()
    if b"\x00" in data[:8192]:
        raise SourceError("binary file, not article text")
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


def _add(report: ReadReport, where: str, article: Article | None) -> None:
    if article is None:
        report.skip(where, "no article text left after removing page furniture")
    else:
        report.articles.append(article)


def _article_from_text(article_id: str, raw: str, meta: dict, source: str, report: ReadReport) -> Article | None:
    text = clean_article_text(raw)
    if not text:
        return None
    title = _clean_str(meta.get("title"))
    first, _, rest = text.partition("\n\n")
    if title and _same(first, title):
        text = rest or text
    elif not title:
        title, text = _title_from_text(first, rest, text)
    outlet = _clean_str(meta.get("outlet")) or detect_outlet(text)
    if not outlet:
        outlet = UNKNOWN_OUTLET
        report.warn(f"{source}: no outlet in metadata or dateline; recorded as {UNKNOWN_OUTLET!r}")
    return Article(
        id=article_id, outlet=outlet, title=title, date=_iso_date(meta.get("date") or meta.get("published")),
        url=_clean_str(meta.get("url")), text=text, source=source,
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


def _clean_str(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _iso_date(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return Date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        return None
