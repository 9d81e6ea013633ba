"""``newsbot fetch`` of N new articles from the local news site: fetching, indexing, a second round.

Starts the news site of tests/news_site.py on 127.0.0.1 with the corpus's first N articles (real
texts inside pages with menus, banners, ads and comments) and follows its feed in a fresh index
folder (NEWSBOT_FETCH_ALLOW_PRIVATE=1, the site being on loopback). Then, as ``run_fetch`` does:

1. fetch: read the feed and fetch + extract every page (``read_feeds``, ``round_pages``), with
   ``--delay`` seconds between requests to the host (FetchSettings' default unless given): seconds,
   pages/s, and the bound N x delay that the delay alone sets;
2. index: the articles into the fresh folder with the real embedder (``index_sources``; the model
   is loaded just before, timed apart): seconds, passages, passages/s;
3. again: a second round, which must fetch no page and embed nothing: its seconds and the
   article-page requests the site received during it;
4. quality: the share of pages whose extracted text equals the article's own text (whitespace
   normalised), and the pages where furniture (``FURNITURE`` of tests/news_site.py that the
   article itself does not contain) reached the extracted text.

Also the process's peak RSS, after fetching (before the model loads) and at the end. The model is the one
RetrievalSettings.from_env() names (NEWSBOT_MODEL_CACHE, NEWSBOT_ENCODER, ...).

    python benchmarks/bench_fetch.py [--articles 200] [--delay 1.0] [--feed rss|atom|rdf]

``--delay 0`` shows the fetcher's own speed.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.fetch.feed_list import FeedList  # noqa: E402
from retrieval.fetch.feed_round import FeedOutcome, read_feeds, round_pages  # noqa: E402
from retrieval.fetch.fetcher import FetchSettings  # noqa: E402
from retrieval.fetch.updates import record_round  # noqa: E402
from retrieval.fetch.web_sources import fetch_settings_from_env  # noqa: E402
from retrieval.ingest.articles import Article  # noqa: E402
from retrieval.model.embedding import Embedder  # noqa: E402
from retrieval.settings import RetrievalSettings  # noqa: E402
from retrieval.store.indexing import IndexReport  # noqa: E402
from retrieval.store.store_settings import StoreSettings  # noqa: E402
from retrieval.store.stores import index_sources  # noqa: E402
from tests.news_site import CORPUS, FURNITURE, NewsSite, SiteArticle, load_articles  # noqa: E402

FEEDS = {"rss": "/feed/rss.xml", "atom": "/feed/atom.xml", "rdf": "/feed/rdf.xml"}


@dataclass
class Round:
    """One fetch round as ``run_fetch`` runs it: fetched, then indexed, then recorded."""

    outcomes: list[FeedOutcome]
    articles: list[Article]
    fetch_s: float
    index: IndexReport | None
    index_s: float
    total_s: float  # model loading left out
    page_requests: int
    fetch_peak_mb: float  # before the model is loaded
    model_s: float  # loading the model, when this round did


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def page_requests(site: NewsSite) -> int:
    """Requests for article pages the site received so far, answered or not."""
    return sum(site.requested(article.path) for article in site.articles)


def fetch_round(feeds: FeedList, settings: FetchSettings, folder: Path, embedder: Embedder, site: NewsSite) -> Round:
    """One round: the feeds read and their new pages fetched, the new articles indexed, the round recorded."""
    requests_before = page_requests(site)
    started = time.perf_counter()
    outcomes = read_feeds(feeds, settings)
    pages = round_pages(outcomes)
    fetch_s, fetch_peak = time.perf_counter() - started, peak_rss_mb()
    model_s = timed(embedder.warm_up) if pages.articles else 0.0
    indexing = time.perf_counter()
    report = None
    if pages.articles:
        report = index_sources(StoreSettings.from_env(), [], folder, embedder, sync=False, pages=pages)
    index_s = time.perf_counter() - indexing
    record_round(feeds, outcomes, report)
    return Round(outcomes, pages.articles, fetch_s, report, index_s, time.perf_counter() - started - model_s,
                 page_requests(site) - requests_before, fetch_peak, model_s)


def timed(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def squash(text: str) -> str:
    return " ".join(text.split())


def quality(served: list[SiteArticle], found: list[Article]) -> tuple[int, int, Counter[str]]:
    """Pages whose text equals the article's, pages with furniture left in, and how often each phrase was left."""
    by_path = {article.path: article for article in served}
    equal = with_furniture = 0
    phrases: Counter[str] = Counter()
    for article in found:
        own = by_path[urlsplit(article.source).path]
        equal += squash(article.text) == squash(own.text)
        left = [phrase for phrase in FURNITURE if phrase in article.text and phrase not in own.text]
        with_furniture += bool(left)
        phrases.update(left)
    return equal, with_furniture, phrases


def print_table(rows: list[tuple[str, str]]) -> None:
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


def report_rows(args: argparse.Namespace, first: Round, again: Round,
                served: list[SiteArticle]) -> list[tuple[str, str]]:
    n, found, delay = len(served), first.articles, args.delay
    beyond = max(first.fetch_s - n * delay, 0.0)  # what fetching and extracting add to the waits
    failed = sum(outcome.failed for outcome in first.outcomes)
    equal, with_furniture, phrases = quality(served, found)
    index = first.index or IndexReport()
    embed_s = index.seconds.get("embed", 0.0)
    common = ", ".join(f"{phrase!r} x{count}" for phrase, count in phrases.most_common(3)) or "-"
    return [
        ("cpu", f"{cpu_model()}, {os.cpu_count()} cores"),
        ("articles served", f"{n} ({args.feed} feed)"),
        ("host delay", f"{delay:g} s"),
        ("fetch: pages extracted / failed", f"{len(found)} / {failed}"),
        ("fetch: seconds", f"{first.fetch_s:.1f}"),
        ("fetch: pages/s", f"{len(found) / first.fetch_s:.2f}"),
        ("fetch: bound N x delay", f"{n * delay:.1f} s"),
        ("fetch: beyond the delays", f"{beyond:.1f} s ({beyond / max(len(found), 1) * 1000:.0f} ms/page)"),
        ("model load (apart)", f"{first.model_s:.1f} s"),
        ("index: seconds", f"{first.index_s:.1f} (embedding {embed_s:.1f})"),
        ("index: passages", f"{index.passages} ({index.embedded} embedded)"),
        ("index: passages/s", f"{index.passages / first.index_s:.1f}" if first.index_s else "-"),
        ("again: seconds", f"{again.total_s:.2f}"),
        ("again: pages fetched / embedded", f"{again.page_requests} / {again.index.embedded if again.index else 0}"),
        ("quality: text equal", f"{equal}/{n} ({equal / n:.1%})"),
        ("quality: furniture left", f"{with_furniture}/{len(found)} pages; {common}"),
        ("peak RSS after fetching", f"{first.fetch_peak_mb:.0f} MB (before the model loads)"),
        ("peak RSS", f"{peak_rss_mb():.0f} MB"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--articles", type=int, default=200, help="new articles on the site (default 200)")
    parser.add_argument("--delay", type=float, default=FetchSettings().host_delay_s,
                        help="seconds between requests to the host (default: FetchSettings' own)")
    parser.add_argument("--feed", choices=sorted(FEEDS), default="rss")
    args = parser.parse_args()
    try:
        served = load_articles(args.articles)
    except StopIteration:
        parser.error(f"{CORPUS} holds fewer than {args.articles} articles")
    os.environ["NEWSBOT_FETCH_ALLOW_PRIVATE"] = "1"
    settings = replace(fetch_settings_from_env(os.environ), host_delay_s=args.delay)
    with NewsSite(served) as site, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "index"
        feeds = FeedList(folder)
        try:
            feeds.add(site.url(FEEDS[args.feed]))
            embedder = Embedder(RetrievalSettings.from_env())
            first = fetch_round(feeds, settings, folder, embedder, site)
            again = fetch_round(feeds, settings, folder, embedder, site)
        finally:
            feeds.close()
        print_table(report_rows(args, first, again, served))


if __name__ == "__main__":
    main()
