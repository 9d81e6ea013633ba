"""Plain-text and JSON rendering of command results for the terminal."""

from __future__ import annotations

import textwrap
from typing import TextIO

from retrieval.evaluation import Scores
from retrieval.indexing import IndexReport
from retrieval.search import Hit, SearchResult


def hit_json(hit: Hit) -> dict:
    """The JSON shape of one result in ``newsbot ask --json``."""
    p = hit.passage
    return {
        "rank": hit.rank, "score": round(hit.score, 6), "outlet": p.outlet, "title": p.title, "date": p.date,
        "url": p.url, "article_id": p.article_id, "passage_id": p.id, "text": p.text,
        "highlight": list(hit.highlight) if hit.highlight else None,
        "also_reported_by": [{"outlet": o.outlet, "title": o.title, "article_id": o.article_id}
                             for o in hit.also_reported_by],
    }


def result_json(result: SearchResult) -> dict:
    """One ``newsbot ask --json`` line."""
    return {"question": result.question, "answered": result.answered,
            "results": [hit_json(hit) for hit in result.hits]}


def print_hits(result: SearchResult, out: TextIO) -> None:
    """Numbered cards: outlet · date · title, then the passage, wrapped; the best sentence marked."""
    out.write(f"? {result.question}\n")
    if not result.hits:
        out.write("  (no passage matches)\n")
    elif not result.answered:
        out.write("  No passage answers this; the closest ones:\n")
    for hit in result.hits:
        p = hit.passage
        out.write(f"\n{hit.rank}. {p.outlet} · {p.date or 'date unknown'} · {p.title}  [score {hit.score:.3f}]\n")
        if p.url:
            out.write(f"   {p.url}\n")
        text = p.text
        if hit.highlight:
            start, end = hit.highlight
            text = f"{text[:start]}»{text[start:end]}«{text[end:]}"
        for paragraph in text.split("\n\n"):
            out.write(textwrap.fill(paragraph, width=96, initial_indent="   ", subsequent_indent="   ") + "\n")
        if hit.also_reported_by:
            out.write("   also reported by: " + ", ".join(o.outlet for o in hit.also_reported_by) + "\n")
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


def print_scores(scores: Scores) -> str:
    """One retriever's benchmark metrics as a text block."""
    rows = [f"{scores.retriever}: {scores.queries} queries, {scores.answerable} answerable"]
    if scores.answerable:
        rows += [f"  Success@1 {scores.success_at_1:.3f}  @5 {scores.success_at_5:.3f}  @10 {scores.success_at_10:.3f}",
                 f"  MRR@10 {scores.mrr_at_10:.3f}  nDCG@10 {scores.ndcg_at_10:.3f}  "
                 f"Recall@100 {scores.recall_at_100:.3f}"]
    if scores.answerable and scores.answered_success_at_1 is not None:
        rows.append(f"  Success@1 counting abstentions as misses {scores.answered_success_at_1:.3f}")
    if scores.abstention_rate is not None:
        rows.append(f"  abstained on {scores.abstention_rate:.3f} of unanswerable queries")
    return "\n".join(rows) + "\n"
