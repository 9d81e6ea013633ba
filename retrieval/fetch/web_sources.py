"""Article pages as sources for ``newsbot index``: each URL fetched, its article extracted.

A page that cannot be fetched, or holds no article, is skipped with the reason, as an unreadable
file is; the others are indexed like articles read from files.
"""

from __future__ import annotations

from collections.abc import Mapping

from retrieval.fetch.fetcher import PAGE_TYPES, Fetcher, FetchError, FetchSettings
from retrieval.fetch.pages import article_from_page
from retrieval.ingest.articles import ReadReport
from retrieval.settings import env_choice

SCHEMES = ("http://", "https://")


def is_url(source: str) -> bool:
    """Whether a source named on the command line is a web address rather than a path."""
    return source.lower().startswith(SCHEMES)


def fetch_settings_from_env(env: Mapping[str, str]) -> FetchSettings:
    """``NEWSBOT_FETCH_ALLOW_PRIVATE=1`` lets the fetcher reach private and loopback addresses
    (off by default; a value other than 0 or 1 is refused rather than guessed)."""
    return FetchSettings(allow_private=env_choice(env, "NEWSBOT_FETCH_ALLOW_PRIVATE", ("0", "1")) == "1")


def read_pages(urls: list[str], settings: FetchSettings) -> ReadReport:
    """The articles of the pages at ``urls``; every page that gives none is skipped with why."""
    report = ReadReport()
    with Fetcher(settings) as fetcher:
        for url in dict.fromkeys(urls):
            try:
                page = fetcher.fetch(url, accept=PAGE_TYPES)
            except FetchError as exc:
                report.skip(url, exc.reason)
                continue
            article = article_from_page(page.text or "", page.final_url)
            if article is None:
                report.skip(url, "the page holds no article text (fewer than 40 words were found)")
            else:
                report.articles.append(article)
    return report
