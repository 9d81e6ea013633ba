"""Plain-text and JSON rendering of command results for the terminal."""

from __future__ import annotations

import textwrap
from typing import TextIO

from retrieval.indexing import IndexReport
from retrieval.search import Hit


def hit_json(hit: Hit) -> dict:
    """The JSON shape of one result in ``newsbot ask --json``."""
    p = hit.passage
    return {
        "rank": hit.rank, "score": round(hit.score, 6), "outlet": p.outlet, "title": p.title, "date": p.date,
        "url": p.url, "article_id": p.article_id, "passage_id": p.id, "text": p.text,
    }


def print_hits(question: str, hits: list[Hit], out: TextIO) -> None:
    """Numbered cards: outlet · date · title, then the passage, wrapped."""
    out.write(f"? {question}\n")
    if not hits:
        out.write("  (the index holds no passages)\n")
    for hit in hits:
        p = hit.passage
        out.write(f"\n{hit.rank}. {p.outlet} · {p.date or 'date unknown'} · {p.title}  [score {hit.score:.3f}]\n")
        if p.url:
            out.write(f"   {p.url}\n")
        for paragraph in p.text.split("\n\n"):
            out.write(textwrap.fill(paragraph, width=96, initial_indent="   ", subsequent_indent="   ") + "\n")
    out.write("\n")


def print_index_report(report: IndexReport, out: TextIO) -> None:
    """What ``newsbot index`` read, skipped and wrote."""
    out.write(f"Read {len(report.articles)} articles from {len(report.outlets)} outlets:\n")
    width = max(len(name) for name in report.outlets)
    for outlet, count in report.outlets.items():
        out.write(f"  {outlet:<{width}}  {count:>6} article{'s' if count != 1 else ''}\n")
    out.write(f"Passages: {report.passages}\n")
    if report.skipped:
        out.write(f"Skipped {len(report.skipped)}:\n")
        for where, why in report.skipped:
            out.write(f"  {where}: {why}\n")
    for warning in report.warnings:
        out.write(f"Warning: {warning}\n")
    t = report.seconds
    out.write(f"Index written to {report.location.parent} in {t['total']:.1f} s "
              f"(embedding {t['embed']:.1f} s)\n")
