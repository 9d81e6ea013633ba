"""Plain-text and JSON rendering of command results for the terminal."""

from __future__ import annotations

import textwrap
from typing import TextIO

from retrieval.evaluation import Scores
from retrieval.fetch.feed_list import Feed
from retrieval.store.indexing import IndexReport
from retrieval.search.search import Hit, SearchResult
from retrieval.store.stats import IndexStats

from bot.ages import date_text
from bot.status import feed_line


def hit_json(hit: Hit) -> dict:
    """The JSON shape of one result in ``newsbot ask --json`` (its date as stored: ISO 8601, a day or a time)."""
    p = hit.passage
    return {
        "rank": hit.rank, "score": round(hit.score, 6), "outlet": p.outlet, "title": p.title, "date": p.date,
        "url": p.url, "article_id": p.article_id, "passage_id": p.id, "text": p.text,
        "highlight": list(hit.highlight) if hit.highlight else None,
        "also_reported_by": [{"outlet": o.outlet, "title": o.title, "article_id": o.article_id}
                             for o in hit.also_reported_by],
    }


def printable(text: str) -> str:
    """``text`` with anything that cannot be written as UTF-8 (undecodable input bytes) shown as U+FFFD."""
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)


def result_json(result: SearchResult) -> dict:
    """One ``newsbot ask --json`` line."""
    results = [hit_json(hit) for hit in result.hits]
    if result.hits and result.hits[0].answer is not None:
        a = result.hits[0].answer
        results[0]["answer"] = {"text": a.text, "start": a.start, "end": a.end, "score": a.score}
    return {"question": result.question, "answered": result.answered, "results": results}


def print_hits(result: SearchResult, out: TextIO) -> None:
    """Numbered cards: outlet · date · title, then the passage, wrapped; the best sentence marked."""
    out.write(f"? {result.question}\n")
    if not result.hits:
        out.write("  (no passage matches)\n")
    elif not result.answered:
        out.write("  No answer: no passage answers this. The closest passages, which do not answer it:\n")
    elif result.hits[0].answer is not None:
        a = result.hits[0].answer
        out.write(f"  Answer: {a.text}  ({result.hits[0].passage.outlet})\n")
    for hit in result.hits:
        p = hit.passage
        out.write(f"\n{hit.rank}. {p.outlet} · {date_text(p.date) or 'date unknown'} · {p.title}  "
                  f"[score {hit.score:.3f}]\n")
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
    """What ``newsbot index`` or ``remove`` changed, skipped and wrote."""
    if report.read:
        out.write(f"Read {report.read} articles.\n")
    out.write(f"Added {len(report.added)}, updated {len(report.updated)}, removed {len(report.removed)}, "
              f"unchanged {report.unchanged}; passages embedded: {report.embedded}\n")
    if report.skipped:
        out.write(f"Skipped {len(report.skipped)}:\n")
        for where, why in report.skipped:
            out.write(f"  {where}: {why}\n")
    for warning in report.warnings:
        out.write(f"Warning: {warning}\n")
    if report.kept:
        out.write(f"Kept {len(report.kept)} indexed article(s) that are not in the sources, because some sources "
                  "could not be read; fix them and run again to remove what is really gone\n")
    out.write(f"The index holds {report.articles} articles, {report.passages} passages, from "
              f"{len(report.outlets)} outlets:\n")
    width = max((len(name) for name in report.outlets), default=0)
    for outlet, count in report.outlets.items():
        out.write(f"  {outlet:<{width}}  {count:>6} article{'s' if count != 1 else ''}\n")
    seconds = report.seconds["total"]
    if report.location is None and not report.target:
        out.write(f"Nothing changed; the index was left as it was ({seconds:.1f} s)\n")
    else:
        out.write(f"Index written to {report.target or report.location.parent} in {seconds:.1f} s "
                  f"(embedding {report.seconds.get('embed', 0.0):.1f} s)\n")


def print_stats(stats: IndexStats) -> str:
    """``newsbot stats`` as text."""
    memory = f"{stats.memory_bytes / 1e6:.1f} MB" if stats.memory_bytes is not None else "not measurable here"
    rows = [f"Index {stats.location}",
            f"  articles {stats.articles:,}, passages {stats.passages:,}, outlets {len(stats.outlets)}",
            f"  dates {stats.first_date or '?'} to {stats.last_date or '?'}",
            f"  model {stats.model} ({stats.dimension} dimensions), vector search {stats.vector_index}",
            f"  built {stats.created or '?'}; {stats.disk_bytes / 1e6:.1f} MB on disk, {memory} of memory for its data once loaded"]
    rows += [f"  {outlet}: {count:,}" for outlet, count in stats.outlets.items()]
    return "\n".join(rows) + "\n"


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


def print_feeds(feeds: list[Feed], out: TextIO) -> None:
    """One block a feed: its outlet, last fetch, new and failed pages, last error."""
    if not feeds:
        out.write("No feeds are followed; add one with: newsbot feeds add URL\n")
    for feed in feeds:
        out.write(feed_line(feed, "en", printable) + "\n")