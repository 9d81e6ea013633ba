"""Feeds read from the local site: RSS 2.0, Atom and RDF, empty feeds, and documents that are not feeds;
then whole rounds over followed feeds: conditional GETs, retries, failures, twins, tracking parameters."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest

from retrieval.fetch import feed_list, feed_round
from retrieval.fetch.feed_list import Feed, FeedList
from retrieval.fetch.feeds import FeedEntry, read_feed
from retrieval.fetch.fetcher import FEED_TYPES, Fetcher, FetchError, FetchSettings
from retrieval.fetch.pages import article_id
from retrieval.fetch.updates import FetchRun, fetch_and_index
from retrieval.search.search import Searcher
from retrieval.store.index import load_index
from retrieval.store.store_settings import StoreSettings
from news_site import NewsSite, load_articles

from bot.status import feed_line

LOCAL = FetchSettings(allow_private=True, timeout_s=2.0, host_delay_s=0.0)


@pytest.fixture(scope="module")
def site():
    with NewsSite(load_articles(8)) as news_site:
        yield news_site


@pytest.fixture(scope="module")
def fetcher():
    with Fetcher(FetchSettings(allow_private=True, timeout_s=2.0, host_delay_s=0.0)) as local:
        yield local


def entries_of(site, fetcher, path: str) -> list[FeedEntry]:
    fetched = fetcher.fetch(site.url(path), accept=FEED_TYPES)  # as a round fetches a feed
    return read_feed(fetched.text, fetched.final_url)


@pytest.mark.parametrize("path", ["/feed/rss.xml", "/feed/atom.xml", "/feed/rdf.xml"])
def test_feeds_list_every_article_with_absolute_links(site, fetcher, path):
    entries = entries_of(site, fetcher, path)
    assert [e.url for e in entries] == [site.url(a.path) for a in site.articles]  # relative links resolved
    assert [e.title for e in entries] == [a.title for a in site.articles]
    assert [e.published[:10] for e in entries] == [a.published for a in site.articles]
    assert all(e.id for e in entries)


def test_entry_times_are_utc(site, fetcher):
    first = entries_of(site, fetcher, "/feed/rss.xml")[0]
    assert first.published == f"{site.articles[0].published}T03:03:00+00:00"  # 10:03 WIB
    assert first.id == site.articles[0].slug


def test_an_empty_feed_has_no_entries(site, fetcher):
    assert entries_of(site, fetcher, "/feed/empty.xml") == []


def test_a_web_page_is_not_a_feed(site, fetcher):
    with pytest.raises(FetchError, match="it is a web page, not an RSS, Atom or RDF feed"):
        entries_of(site, fetcher, "/feed/not-xml")


def test_an_article_page_points_to_its_feed(site, fetcher):
    with pytest.raises(FetchError, match=f"names its feed at {site.url('/feed/rss.xml')}: add that instead"):
        entries_of(site, fetcher, site.articles[0].path)


def test_garbage_is_not_a_feed(site, fetcher):
    with pytest.raises(FetchError, match="not an RSS, Atom or RDF feed .*check the feed's address"):
        entries_of(site, fetcher, "/feed/garbage")


def test_feed_text_is_never_opened_as_a_url_or_file(site, tmp_path):
    before = site.requested("/feed/rss.xml")
    secret = tmp_path / "feed.xml"
    secret.write_text('<rss version="2.0"><channel><item><link>https://a.id/x</link></item></channel></rss>')
    for text in (site.url("/feed/rss.xml"), str(secret)):
        with pytest.raises(FetchError, match="not an RSS, Atom or RDF feed"):
            read_feed(text, "https://a.id/feed")
    assert site.requested("/feed/rss.xml") == before


def test_entries_without_a_web_link_or_repeated_are_skipped():
    feed = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
      <item><title>Tanpa tautan</title></item>
      <item><title>Skrip</title><link>javascript:alert(1)</link></item>
      <item><title>Banjir  di
        Jakarta</title><link>berita/banjir.html</link><pubDate>not a date</pubDate></item>
      <item><title>Banjir lagi</title><link>https://a.id/berita/banjir.html</link></item>
    </channel></rss>"""
    assert read_feed(feed, "https://a.id/rss") == [
        FeedEntry(url="https://a.id/berita/banjir.html", title="Banjir di Jakarta", published=None,
                  id="https://a.id/berita/banjir.html")]


def test_a_feed_list_that_is_not_a_database_says_what_to_do(tmp_path):
    from retrieval.errors import IndexFolderError
    from retrieval.fetch.feed_list import FEEDS_FILE, FeedList

    (tmp_path / FEEDS_FILE).write_bytes(b"this is not sqlite, just text that was copied over it" * 40)
    with pytest.raises(IndexFolderError, match="feeds.sqlite, the feed list, is not a SQLite database.*move it aside"):
        FeedList(tmp_path)


def test_a_round_told_to_stop_ends_at_once_and_records_nothing(tmp_path, embedder):
    import threading
    import time

    from retrieval.fetch.feed_list import FeedList
    from retrieval.fetch.feed_round import FetchStopped
    from retrieval.fetch.updates import fetch_and_index
    from retrieval.store.store_settings import StoreSettings

    stop = threading.Event()
    with NewsSite(load_articles(3)) as site:
        feeds = FeedList(tmp_path)
        feeds.add(site.url("/feed/rss.xml"))
        feeds.close()
        threading.Timer(1.0, stop.set).start()  # during the 10 s waits between requests
        started = time.monotonic()
        with pytest.raises(FetchStopped, match="nothing of this round was recorded"):
            fetch_and_index(tmp_path, StoreSettings.from_env({}), embedder,
                            FetchSettings(allow_private=True, host_delay_s=10), stop)
        assert time.monotonic() - started < 9  # it did not sit out its polite waits
        feeds = FeedList(tmp_path)
        assert feeds.feeds()[0].last_fetch is None  # nothing recorded
        feeds.close()
        assert not (tmp_path / "CURRENT").exists()  # nothing indexed


def test_an_entry_counts_as_seen_unless_its_feed_says_it_was_updated_later(tmp_path):
    from retrieval.fetch.feed_list import FeedList

    feeds = FeedList(tmp_path)
    feed = feeds.add("https://a.id/rss")
    feeds.record(feed, etag=None, last_modified=None, new=1, failed=0, error=None,
                 indexed={"https://a.id/b.html": ("web-1", "2026-12-04T08:00:00+00:00")})
    assert feeds.seen("https://a.id/b.html", "2026-12-04T08:00:00+00:00")
    assert feeds.seen("https://a.id/b.html", "2026-12-01T08:00:00+00:00")  # an older stamp is no update
    assert feeds.seen("https://a.id/b.html", None)
    assert not feeds.seen("https://a.id/b.html", "2026-12-04T09:30:00+00:00")
    assert feeds.known("https://a.id/b.html") and not feeds.known("https://a.id/c.html")
    assert not feeds.seen("https://a.id/c.html")
    feeds.close()


@pytest.mark.parametrize(("path", "served_as"), [
    ("/feed/as-html", "text/html"), ("/feed/as-text", "text/plain"), ("/feed/untyped", None),
    ("/feed/octet", "application/octet-stream"), ("/feed/x-rss", "application/x-rss+xml")])
def test_feeds_served_under_other_content_types_are_read(site, fetcher, path, served_as):
    fetched = fetcher.fetch(site.url(path), accept=FEED_TYPES)
    assert fetched.content_type == served_as
    assert [e.url for e in read_feed(fetched.text, fetched.final_url)] == [site.url(a.path) for a in site.articles]


@pytest.mark.parametrize(("path", "kind"), [("/foto/banjir.jpg", "image/jpeg"), ("/laporan.pdf", "application/pdf")])
def test_binary_content_is_not_taken_for_a_feed(site, fetcher, path, kind):
    with pytest.raises(FetchError, match=f"it is {kind}, not a web page or feed; give the address of .* RSS/Atom"):
        fetcher.fetch(site.url(path), accept=FEED_TYPES)


def test_an_entry_whose_link_cannot_be_a_url_is_skipped():
    feed = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
      <item><title>Templat</title><link>https://a.id:{{port}}/berita/1.html</link></item>
      <item><title>Banjir</title><link>https://a.id/berita/2.html</link></item>
    </channel></rss>"""
    assert [e.url for e in read_feed(feed, "https://a.id/rss")] == ["https://a.id/berita/2.html"]


def test_entries_are_seen_under_their_url_without_tracking_parameters(tmp_path):
    feeds = FeedList(tmp_path)
    feed = feeds.add("https://a.id/rss")
    feeds.record(feed, etag=None, last_modified=None, new=1, failed=0, error=None,
                 indexed={"https://A.id/b.html?utm_source=rss&id=7#top": ("web-1", None)})
    for again in ("https://a.id/b.html?id=7&fbclid=IwAR1", "https://a.id:443/b.html?gclid=Cj0&id=7&utm_medium=x"):
        assert feeds.seen(again) and feeds.known(again)
    assert not feeds.seen("https://a.id/b.html?id=8") and not feeds.seen("https://a.id/b.html")
    feeds.close()


# ---- Whole rounds: fetch_and_index over the local site, with the real model ----------------------------

def follow(folder: Path, *urls: str) -> None:
    feeds = FeedList(folder)
    for url in urls:
        feeds.add(url)
    feeds.close()


def fetch_round(folder: Path, embedder) -> FetchRun:
    return fetch_and_index(folder, StoreSettings.from_env({}), embedder, LOCAL)


def state(run: FetchRun, url: str) -> Feed:
    """The feed as recorded after ``run``: what /status and `newsbot feeds list` show."""
    return next(feed for feed in run.feeds if feed.url == url)


def statuses(site: NewsSite, path: str) -> list[int]:
    return [hit.status for hit in site.hits_to(path)]


def indexed_ids(folder: Path, embedder) -> set[str]:
    return {article.id for article in load_index(folder, model=embedder.model_name).articles}


def test_an_unchanged_feed_answers_304_and_no_page_is_asked_for_again(tmp_path, embedder):
    with NewsSite(load_articles(2)) as site:
        url = site.url("/feed/rss.xml")
        follow(tmp_path, url)
        first = fetch_round(tmp_path, embedder)
        assert first.new == 2 and state(first, url).etag and state(first, url).last_modified
        second = fetch_round(tmp_path, embedder)
        assert statuses(site, "/feed/rss.xml") == [200, 304]
        assert [site.requested(a.path) for a in site.articles] == [1, 1]  # no page asked for again
        assert second.new == 0 and second.report is None
        assert (state(second, url).new, state(second, url).failed, state(second, url).last_error) == (0, 0, None)


def test_a_page_that_failed_is_retried_next_round_though_the_feed_is_unchanged(tmp_path, embedder):
    with NewsSite(load_articles(3)) as site:
        url, broken = site.url("/feed/rss.xml"), site.articles[1]
        site.fail_next(broken.path)  # a passing server error, once
        follow(tmp_path, url)

        first = state(fetch_round(tmp_path, embedder), url)
        assert (first.new, first.failed) == (2, 1)
        assert first.last_error.startswith(f"{site.url(broken.path)}: HTTP 500: the server failed")
        assert (first.etag, first.last_modified) == (None, None)  # so the next round reads the feed whole
        shown = feed_line(first, "en", str)
        assert "2 new, 1 failed" in shown and "last error: " + site.url(broken.path) in shown
        assert article_id(site.url(broken.path)) not in indexed_ids(tmp_path, embedder)

        second = fetch_round(tmp_path, embedder)
        assert statuses(site, "/feed/rss.xml") == [200, 200]  # not a 304 that would hide the failed entry
        assert (state(second, url).new, state(second, url).failed, state(second, url).last_error) == (1, 0, None)
        assert "1 new, 0 failed" in feed_line(state(second, url), "en", str)
        assert "last error" not in feed_line(state(second, url), "en", str)
        assert [site.requested(a.path) for a in site.articles] == [1, 2, 1]  # only the failed page again
        assert article_id(site.url(broken.path)) in indexed_ids(tmp_path, embedder)
        assert state(second, url).etag  # all read: the feed's validators are kept again

        fetch_round(tmp_path, embedder)
        assert statuses(site, "/feed/rss.xml") == [200, 200, 304]


def test_a_page_that_keeps_failing_rests_and_is_tried_once_a_day(tmp_path, embedder, monkeypatch):
    monkeypatch.setattr(feed_list, "MAX_PAGE_TRIES", 2)
    with NewsSite(load_articles(2)) as site:
        url, gone = site.url("/feed/atom.xml"), site.articles[1]
        site.fail_next(gone.path, times=3)
        follow(tmp_path, url)
        first, second = (state(fetch_round(tmp_path, embedder), url) for _ in range(2))
        assert (first.new, first.failed, first.etag, first.resting) == (1, 1, None, 0)  # retried next round
        assert (second.new, second.failed, second.resting) == (0, 1, 1) and second.etag  # it rests: a 304 next
        assert second.last_error.endswith("(failed 2 rounds in a row: now tried once a day until it works)")
        third = state(fetch_round(tmp_path, embedder), url)
        assert statuses(site, "/feed/atom.xml") == [200, 200, 304]
        assert site.requested(gone.path) == 2 and (third.failed, third.last_error, third.resting) == (0, None, 1)
        assert "1 page(s) kept failing, now tried once a day" in feed_line(third, "en", str)

        monkeypatch.setattr(feed_list, "now", later(days=1))  # a day later: read whole, the page tried once
        fourth = state(fetch_round(tmp_path, embedder), url)
        assert statuses(site, "/feed/atom.xml")[3:] == [200] and site.requested(gone.path) == 3
        assert (fourth.new, fourth.failed, fourth.resting) == (0, 1, 1)
        fetch_round(tmp_path, embedder)
        assert statuses(site, "/feed/atom.xml")[4:] == [304] and site.requested(gone.path) == 3

        monkeypatch.setattr(feed_list, "now", later(days=2))  # the site is back
        sixth = state(fetch_round(tmp_path, embedder), url)
        assert site.requested(gone.path) == 4 and (sixth.new, sixth.failed, sixth.resting) == (1, 0, 0)
        assert article_id(site.url(gone.path)) in indexed_ids(tmp_path, embedder)


def later(days: int):
    """A clock ``days`` ahead of the real one, as ``feed_list.now`` tells the time."""
    from datetime import datetime, timedelta, timezone

    return lambda: (datetime.now(timezone.utc) + timedelta(days=days)).isoformat(timespec="seconds")


def test_a_removed_feed_takes_its_failing_pages_with_it(tmp_path):
    feeds = FeedList(tmp_path)
    try:
        feed = feeds.add("https://news.example/rss")
        for tries in range(1, feed_list.MAX_PAGE_TRIES + 1):
            feeds.record(feed, etag=None, last_modified=None, new=0, failed=3, error="HTTP 404", indexed={},
                         failures={f"https://news.example/{n}.html": (None, tries) for n in range(3)})
        assert feeds.get(feed.url).resting == 3 and feeds.resting("https://news.example/0.html")
        feeds.remove(feed.url)
        feed = feeds.add(feed.url)
        assert feeds.get(feed.url).resting == 0 and feeds.tries("https://news.example/0.html") == 0
    finally:
        feeds.close()


def test_updated_entries_held_back_are_fetched_in_the_next_rounds(tmp_path, embedder, monkeypatch):
    monkeypatch.setattr(feed_round, "MAX_REFETCHES", 1)
    with NewsSite(load_articles(3)) as site:
        url = site.url("/feed/atom.xml")
        follow(tmp_path, url)
        assert fetch_round(tmp_path, embedder).new == 3
        site.articles[:] = [replace(a, updated="2026-12-04T08:00:00Z") for a in site.articles]  # the feed restamps all
        rounds = [fetch_round(tmp_path, embedder) for _ in range(4)]
        assert [run.new for run in rounds] == [1, 1, 1, 0]
        assert [run.outcomes[0].deferred for run in rounds] == [2, 1, 0, 0]
        assert [state(run, url).etag is None for run in rounds] == [True, True, False, False]
        assert statuses(site, "/feed/atom.xml") == [200, 200, 200, 200, 304]
        assert [site.requested(a.path) for a in site.articles] == [2, 2, 2]


def test_failing_feeds_and_pages_are_recorded_and_the_good_feed_is_indexed_and_answered(tmp_path, embedder):
    with NewsSite(load_articles(3)) as site:
        good, empty, not_xml, error, section = (site.url(path) for path in (
            "/feed/rss.xml", "/feed/empty.xml", "/feed/not-xml", "/error", "/feed/kosong.xml"))
        follow(tmp_path, empty, not_xml, error, section, good)
        run = fetch_round(tmp_path, embedder)

        recorded = {url: (state(run, url).new, state(run, url).failed, state(run, url).last_error)
                    for url in (good, empty, not_xml, error, section)}
        assert recorded[good] == (3, 0, None)
        assert recorded[empty] == (0, 0, None)  # an empty feed is no failure
        assert recorded[not_xml][:2] == (0, 0)
        assert recorded[not_xml][2].startswith("it is a web page, not an RSS, Atom or RDF feed; look for the site's")
        assert recorded[error][:2] == (0, 0) and recorded[error][2].startswith("HTTP 500: the server failed")
        assert recorded[section] == (0, 1, f"{site.url('/kosong.html')}: the page holds no article text")
        assert (run.new, run.failed) == (3, 3)

        index = load_index(tmp_path, model=embedder.model_name)
        assert {a.id for a in index.articles} == {article_id(site.url(a.path)) for a in site.articles}
        article = site.articles[2]
        hits = Searcher(embedder, index).search(article.title, 3).hits
        assert any(hit.passage.title == article.title for hit in hits)


def test_an_unexpected_error_fails_only_its_page_or_feed_and_is_logged(tmp_path, embedder, monkeypatch, caplog):
    """A bug met in the extractor or the feed parser (third-party code, faked here to raise for one page
    and one feed) is recorded for that page or feed; the round goes on and the next round retries."""
    import feedparser
    import trafilatura

    with NewsSite(load_articles(3)) as site:
        rss, atom, broken = site.url("/feed/rss.xml"), site.url("/feed/atom.xml"), site.url(site.articles[1].path)
        extract, parse = trafilatura.bare_extraction, feedparser.parse

        def failing_extract(tree, url=None, **options):
            if url == broken:
                raise ValueError("the extractor tripped over this page")
            return extract(tree, url=url, **options)

        def failing_parse(source, response_headers=None, **options):
            if response_headers["content-location"] == atom:
                raise RuntimeError("the parser tripped over this feed")
            return parse(source, response_headers=response_headers, **options)

        monkeypatch.setattr(trafilatura, "bare_extraction", failing_extract)
        monkeypatch.setattr(feedparser, "parse", failing_parse)
        follow(tmp_path, rss, atom)
        with caplog.at_level(logging.ERROR, logger="retrieval.fetch.feed_round"):
            run = fetch_round(tmp_path, embedder)
        assert (state(run, rss).new, state(run, rss).failed) == (2, 1)
        assert state(run, rss).last_error == (f"{broken}: unexpected error reading the page: "
                                              "ValueError: the extractor tripped over this page")
        assert (state(run, atom).new, state(run, atom).failed) == (0, 0)
        assert state(run, atom).last_error == ("unexpected error reading the feed: "
                                               "RuntimeError: the parser tripped over this feed")
        logged = {r.exc_info[0]: r for r in caplog.records if r.name == "retrieval.fetch.feed_round" and r.exc_info}
        assert set(logged) == {ValueError, RuntimeError}  # each with its traceback
        assert broken in logged[ValueError].getMessage() and atom in logged[RuntimeError].getMessage()
        assert logged[ValueError].exc_info[2] is not None
        assert len(indexed_ids(tmp_path, embedder)) == 2

        monkeypatch.undo()  # the bugs are fixed: the next round reads both feeds and the page again
        again = fetch_round(tmp_path, embedder)
        assert again.new == 1 and all(feed.last_error is None for feed in again.feeds)
        assert article_id(broken) in indexed_ids(tmp_path, embedder)


def test_the_same_text_under_another_url_is_stored_once_and_not_fetched_again(tmp_path, embedder):
    articles = load_articles(4)
    original, other = articles[0], articles[1]
    copy = replace(original, slug=original.slug + "-salinan")  # served in the same layout as the original
    with NewsSite([original, other, articles[2], copy]) as site:
        url = site.url("/feed/rss.xml")
        follow(tmp_path, url)
        first = fetch_round(tmp_path, embedder)
        assert (first.new, first.duplicates, state(first, url).new) == (3, 1, 3)  # the twin is not new
        assert first.outcomes[0].duplicates == [site.url(copy.path)]
        assert [where for where, _ in first.report.skipped] == [site.url(copy.path)]
        assert "has the same text as article" in first.report.skipped[0][1]
        assert indexed_ids(tmp_path, embedder) == {article_id(site.url(a.path)) for a in articles[:3]}

        republished = replace(other, slug=other.slug + "-ulang")  # a later republication of an indexed article
        site.articles += [republished, articles[3]]
        second = fetch_round(tmp_path, embedder)
        assert statuses(site, "/feed/rss.xml") == [200, 200]
        assert [site.requested(a.path) for a in site.articles] == [1, 1, 1, 1, 1, 1]  # neither twin fetched again
        assert (second.new, second.duplicates, state(second, url).new) == (1, 1, 1)
        assert second.outcomes[0].duplicates == [site.url(republished.path)]
        assert len(indexed_ids(tmp_path, embedder)) == 4

        third = fetch_round(tmp_path, embedder)
        assert third.new == 0 and statuses(site, "/feed/rss.xml")[-1] == 304


def test_links_with_changing_tracking_parameters_are_not_fetched_again(tmp_path, embedder):
    with NewsSite(load_articles(2)) as site:
        url = site.url("/feed/pelacak.xml")
        follow(tmp_path, url)
        assert fetch_round(tmp_path, embedder).new == 2
        again = fetch_round(tmp_path, embedder)
        assert statuses(site, "/feed/pelacak.xml") == [200, 200]  # the links changed, so the feed did
        assert again.new == 0 and state(again, url).failed == 0
        assert [site.requested_any_query(a.path) for a in site.articles] == [1, 1]
