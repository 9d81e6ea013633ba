"""Feeds read from the local site: RSS 2.0, Atom and RDF, empty feeds, and documents that are not feeds."""

from __future__ import annotations

import pytest

from retrieval.fetch.feeds import FeedEntry, read_feed
from retrieval.fetch.fetcher import Fetcher, FetchError, FetchSettings
from news_site import NewsSite, load_articles


@pytest.fixture(scope="module")
def site():
    with NewsSite(load_articles(8)) as news_site:
        yield news_site


@pytest.fixture(scope="module")
def fetcher():
    with Fetcher(FetchSettings(allow_private=True, timeout_s=2.0, host_delay_s=0.0)) as local:
        yield local


def entries_of(site, fetcher, path: str) -> list[FeedEntry]:
    fetched = fetcher.fetch(site.url(path))
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
