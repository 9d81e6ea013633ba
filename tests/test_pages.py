"""Articles read out of realistic news pages served by the local site: text, metadata, and no furniture."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from retrieval.fetch.fetcher import Fetcher, FetchSettings
from retrieval.fetch.pages import MIN_ARTICLE_WORDS, article_from_page, article_id, canonical_url, normalise_url
from news_site import COMMENTS, FURNITURE, WIB, NewsSite, load_articles

import trafilatura

PAGES = 50


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def site():
    with NewsSite(load_articles(PAGES)) as news_site:
        yield news_site


@pytest.fixture(scope="module")
def fetcher():
    with Fetcher(FetchSettings(allow_private=True, timeout_s=2.0, host_delay_s=0.0)) as local:
        yield local


@pytest.fixture(scope="module")
def extracted(site, fetcher):
    """(served article, extracted article) for every page of the site."""
    pairs = []
    for served in site.articles:
        page = fetcher.fetch(site.url(served.path))
        pairs.append((served, article_from_page(page.text, page.final_url, outlet=None)))
    return pairs


def test_extracted_text_equals_the_article_text_on_most_pages(extracted):
    equal = [squash(found.text) == squash(served.text) for served, found in extracted if found is not None]
    assert len(equal) == PAGES
    assert sum(equal) / PAGES >= 0.9


def test_no_page_furniture_reaches_the_article(site, extracted):
    for served, found in extracted:
        others = [a.title for a in site.articles if a is not served and a.title not in served.text]
        leftovers = [m for m in (*FURNITURE, *COMMENTS, *others) if m in found.text and m not in served.text]
        assert leftovers == [], served.slug


def test_paragraphs_are_separated_by_blank_lines(extracted):
    for served, found in extracted:
        assert found.text.split("\n\n") == [squash(p) for p in served.text.split("\n\n") if p.strip()]


def test_metadata_comes_from_the_page(site, extracted):
    for served, found in extracted:
        assert (found.title, found.outlet) == (squash(served.title), served.outlet)
        assert found.date == served.published_at.isoformat()  # the page's article:published_time, in WIB
        assert found.author == served.author  # the byline the page gives
        assert found.url == site.url(served.path) and found.source == site.url(served.path)
        assert found.id == article_id(site.url(served.path)) and found.id.startswith("web-")


def test_the_same_article_under_another_address_keeps_its_id(site, fetcher, extracted):
    page = fetcher.fetch(site.url("/redirect/article"))
    assert page.final_url.endswith("?utm_source=redirect")
    again = article_from_page(page.text, page.final_url, outlet="Suara")
    assert again.id == extracted[0][1].id and again.url == extracted[0][1].url
    assert again.outlet == "Suara" and again.source == page.final_url


def test_a_page_without_article_text_gives_none(site, fetcher):
    page = fetcher.fetch(site.url("/kosong.html"))
    assert article_from_page(page.text, page.final_url, outlet=None) is None
    assert article_from_page("", "https://example.com/", outlet=None) is None
    assert article_from_page("<html><body><p>Singkat saja.</p></body></html>", "https://example.com/a",
                             outlet=None) is None


def test_a_windows_1252_page_labelled_utf8_gives_the_article(site, fetcher):
    page = fetcher.fetch(site.url("/windows-1252"))
    found = article_from_page(page.text, page.final_url, outlet=None)
    assert found.text == site.windows_1252.text
    assert found.outlet == "DailySocial.id" and found.date == "2017-11-20T10:03:00+07:00"


TEXT = " ".join(["Pemerintah daerah menyiapkan posko banjir di tiga kecamatan."] * 10)


def page(head: str = "", body: str = f"<article><p>{TEXT}</p><p>{TEXT}</p></article>") -> str:
    return f"<html><head><title>Posko banjir disiapkan</title>{head}</head><body>{body}</body></html>"


def test_without_a_site_name_the_outlet_comes_from_the_host():
    found = article_from_page(page(), "https://www.suara.com/news/2024/06/18/posko-banjir", outlet=None)
    assert found.outlet == "Suara.com"
    assert article_from_page(page(), "http://203.0.113.7/berita/1", outlet=None).outlet == "203.0.113.7"


def test_short_pages_are_not_articles():
    words = " ".join(["kata"] * (MIN_ARTICLE_WORDS - 1))
    assert article_from_page(page(body=f"<article><p>{words}</p></article>"), "https://a.id/b", outlet=None) is None


@pytest.mark.parametrize(("link", "url", "expected"), [
    ('<link rel="canonical" href="/berita/1">', "https://m.a.id/berita/1?amp=1", "https://m.a.id/berita/1"),
    ('<link rel="Canonical" href="https://a.id/berita/1#top">', "https://m.a.id/x", "https://a.id/berita/1"),
    ('<link rel="canonical" href="https://a.id/">', "https://a.id/berita/1", "https://a.id/berita/1"),  # home page
    ('<link rel="canonical" href="javascript:void(0)">', "https://a.id/berita/1", "https://a.id/berita/1"),
    ("", "HTTPS://A.ID:443/berita/1?utm_source=x&id=7", "https://a.id/berita/1?id=7"),
])
def test_the_canonical_url_is_preferred_when_sound(link, url, expected):
    assert canonical_url(trafilatura.load_html(page(head=link)), url) == expected


@pytest.mark.parametrize("href", ["https://a.id:{{port}}/berita/1", "https://[a.id/berita/1"])
def test_a_canonical_link_that_cannot_be_a_url_is_ignored(href):
    head = f'<link rel="canonical" href="{href}">'
    assert canonical_url(trafilatura.load_html(page(head=head)), "https://a.id/berita/1") == "https://a.id/berita/1"
    assert article_from_page(page(head=head), "https://a.id/berita/1", outlet=None).url == "https://a.id/berita/1"


@pytest.mark.parametrize("value", [["Posko", "banjir"], 2024, {"name": "Posko"}])
def test_metadata_that_is_not_text_is_not_trusted(value):
    """JSON-LD fields of the wrong type (a list, a number, an object) give no title or byline."""
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": value, "author": value})
    found = article_from_page(page(head=f'<script type="application/ld+json">{ld}</script>'),
                              "https://a.id/berita/1", outlet=None)
    assert found.text.startswith("Pemerintah daerah menyiapkan posko banjir")
    assert isinstance(found.title, str) and found.title and (found.author is None or isinstance(found.author, str))


def timed_page(meta: str = "", ld: str | None = None, byline: str = "") -> str:
    head = (f'<meta property="article:published_time" content="{meta}">' if meta else "") + (
        f'<script type="application/ld+json">{json.dumps({"@type": "NewsArticle", "datePublished": ld})}</script>'
        if ld else "")
    return page(head=head, body=f"<article>{byline}<p>{TEXT}</p><p>{TEXT}</p></article>")


@pytest.mark.parametrize(("head", "expected"), [
    ({"meta": "2024-06-18T09:30:00+07:00"}, "2024-06-18T09:30:00+07:00"),
    ({"meta": "2024-06-18T02:30:00Z"}, "2024-06-18T09:30:00+07:00"),  # kept in WIB
    ({"ld": "2024-06-18T09:30:00+07:00"}, "2024-06-18T09:30:00+07:00"),  # JSON-LD datePublished
    ({"meta": "2024-06-18"}, "2024-06-18"),  # a day only stays a day
    ({"meta": "2024-06-18T00:00:00+07:00"}, "2024-06-18"),  # midnight: a day written as a time
    ({"byline": '<p class="date">Selasa, 18 Juni 2024</p>'}, "2024-06-18"),
    ({}, None),
])
def test_the_page_gives_the_publication_time_when_it_has_one(head, expected):
    assert article_from_page(timed_page(**head), "https://a.id/berita/1", outlet=None).date == expected


def test_today_s_time_is_kept_and_a_future_one_falls_back_to_its_day():
    now = datetime.now(WIB).replace(second=0, microsecond=0)
    earlier, later = now - timedelta(hours=2), now + timedelta(minutes=30)
    assert article_from_page(timed_page(earlier.isoformat()), "https://a.id/b", outlet=None).date == earlier.isoformat()
    assert article_from_page(timed_page(later.isoformat()), "https://a.id/b", outlet=None).date in (
        later.date().isoformat(), None)  # a future day (near midnight) is not taken either


@pytest.mark.parametrize(("head", "feed", "expected"), [
    ({"meta": "2024-06-18"}, "2024-06-18T02:30:00+00:00", "2024-06-18T09:30:00+07:00"),  # the feed's time that day
    ({"meta": "2024-06-18"}, "2024-06-17T02:30:00+00:00", "2024-06-18"),  # another day: the page's day stands
    ({}, "2024-06-18T02:30:00+00:00", "2024-06-18T09:30:00+07:00"),  # no date on the page
    ({"meta": "2024-06-18T08:00:00+07:00"}, "2024-06-18T02:30:00+00:00", "2024-06-18T08:00:00+07:00"),
    ({"meta": "2024-06-18"}, None, "2024-06-18"),
])
def test_a_feed_entry_s_time_dates_a_page_without_one(head, feed, expected):
    found = article_from_page(timed_page(**head), "https://a.id/berita/1", outlet=None, published=feed)
    assert found.date == expected


def test_normalised_urls_drop_tracking_and_defaults():
    assert normalise_url("http://Example.COM:80/a?utm_medium=rss&fbclid=1&p=2#komentar") == "http://example.com/a?p=2"
    assert normalise_url("https://example.com:8443") == "https://example.com:8443/"
    assert article_id("https://a.id/b?utm_source=x") == article_id("https://A.id/b")
    assert article_id("https://a.id/b") != article_id("https://a.id/c")
