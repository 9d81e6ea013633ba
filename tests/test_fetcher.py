"""The fetcher against a real local news site: politeness, safety limits, charsets and failures."""

from __future__ import annotations

import codecs
import socket
import time

import httpx
import pytest

from retrieval.errors import ConfigError, NewsbotError
from retrieval.fetch.charset import decode_body
from retrieval.fetch.fetcher import FEED_TYPES, PAGE_TYPES, USER_AGENT, FetchError, Fetcher, FetchSettings, accepts
from retrieval.fetch import public_only
from retrieval.fetch.public_only import public_only_transport
from news_site import NewsSite, load_articles

TIMEOUT_S = 0.5
MAX_BYTES = 100_000


def local_settings(**changes: object) -> FetchSettings:
    values = dict(allow_private=True, timeout_s=TIMEOUT_S, host_delay_s=0.0, max_bytes=MAX_BYTES)
    return FetchSettings(**{**values, **changes})


@pytest.fixture(scope="module")
def articles():
    return load_articles(6)


@pytest.fixture(scope="module")
def site(articles):
    with NewsSite(articles, slow_s=1.5, big_bytes=300_000) as news_site:
        yield news_site


@pytest.fixture
def fetcher():
    with Fetcher(local_settings()) as local:
        yield local


def test_fetches_a_page_gzipped_with_our_user_agent(site, articles, fetcher):
    result = fetcher.fetch(site.url(articles[0].path))
    assert (result.status, result.content_type, result.not_modified) == (200, "text/html", False)
    assert articles[0].text.split("\n\n")[1] in result.text
    assert result.etag and result.last_modified
    hit = site.hits_to(articles[0].path)[-1]
    assert hit.gzipped and hit.user_agent == USER_AGENT


def test_conditional_requests_get_not_modified(site, articles, fetcher):
    first = fetcher.fetch(site.url(articles[1].path))
    by_etag = fetcher.fetch(site.url(articles[1].path), etag=first.etag)
    by_date = fetcher.fetch(site.url(articles[1].path), last_modified=first.last_modified)
    for result in (by_etag, by_date):
        assert (result.status, result.not_modified, result.text) == (304, True, None)
        assert (result.etag, result.last_modified) == (first.etag, first.last_modified)
    assert [hit.status for hit in site.hits_to(articles[1].path)] == [200, 304, 304]
    changed = fetcher.fetch(site.url(articles[1].path), etag='"an-older-version"')
    assert changed.status == 200 and changed.text == first.text


def test_redirects_are_followed_to_the_final_address(site, articles, fetcher):
    result = fetcher.fetch(site.url("/redirect/article"))
    assert result.url == site.url("/redirect/article")
    assert result.final_url == site.url(articles[0].path + "?utm_source=redirect")


def test_a_redirect_loop_stops_after_the_redirect_limit(site, fetcher):
    before = len(site.hits_to("/loop/a")) + len(site.hits_to("/loop/b"))
    with pytest.raises(FetchError, match="redirects more than 5 times.*loop"):
        fetcher.fetch(site.url("/loop/a"))
    assert len(site.hits_to("/loop/a")) + len(site.hits_to("/loop/b")) - before == 6


@pytest.mark.parametrize("url", ["ftp://example.com/berita.txt", "file:///etc/passwd", "gopher://example.com/"])
def test_other_schemes_are_refused(fetcher, url):
    scheme = url.split(":")[0]
    with pytest.raises(FetchError, match=f"the {scheme} scheme is not fetched; only http and https"):
        fetcher.fetch(url)


def test_a_redirect_to_another_scheme_is_refused(site, fetcher):
    with pytest.raises(FetchError, match="ftp scheme is not fetched .it redirects to ftp://"):
        fetcher.fetch(site.url("/redirect/ftp"))


def test_incomplete_urls_are_refused(fetcher):
    with pytest.raises(FetchError, match="has no scheme"):
        fetcher.fetch("www.kompas.com/berita")
    with pytest.raises(FetchError, match="no host name"):
        fetcher.fetch("http:///berita")


def test_loopback_is_refused_unless_private_addresses_are_allowed(site):
    arrived = len(site.arrivals)
    with Fetcher(FetchSettings(timeout_s=TIMEOUT_S)) as strict:
        for url in (site.url("/"), site.url("/").replace("127.0.0.1", "localhost")):
            with pytest.raises(FetchError, match="private or reserved address.*NEWSBOT_FETCH_ALLOW_PRIVATE=1"):
                strict.fetch(url)
    assert len(site.arrivals) == arrived  # nothing was sent


@pytest.mark.parametrize("url", ["http://[::1]/", "http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/",
                                 "http://192.168.1.1/", "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/"])
def test_private_and_reserved_addresses_are_refused(url):
    with Fetcher(FetchSettings(timeout_s=TIMEOUT_S)) as strict, pytest.raises(FetchError, match="private or reserved"):
        strict.fetch(url)


def test_every_redirect_hop_is_checked(site, monkeypatch):
    """127.0.0.1 poses as a public address; its redirect to ``localhost`` (said to be at 10.0.0.1) is refused."""
    monkeypatch.setattr(public_only, "is_public", lambda address: str(address) == "127.0.0.1")

    def resolve(host, port, **options):
        if host == "localhost":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.1", port))]
        return socket.getaddrinfo(host, port, **options)

    with Fetcher(local_settings(allow_private=False), resolve=resolve) as fetcher:
        with pytest.raises(FetchError, match="localhost is at 10.0.0.1, which is a private or reserved address"):
            fetcher.fetch(site.url("/redirect/localhost"))
    assert site.requested("/redirect/localhost") == 1 and site.requested("/berita/x.html") == 0


def rebinding(public_answers: int):
    """A name that answers with a public address ``public_answers`` times, then with 127.0.0.1 (DNS rebinding)."""
    answers = iter(["93.184.216.34"] * public_answers)

    def resolve(host, port, **options):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers, "127.0.0.1"), port))]
    return resolve


def test_a_name_that_turns_private_after_the_check_is_refused_when_connecting(site):
    arrived = len(site.arrivals)
    client = httpx.Client(transport=public_only_transport(rebinding(0)), trust_env=False)
    with client, pytest.raises(httpx.ConnectError, match="news.example is at 127.0.0.1, which is a private"):
        client.get(site.url("/").replace("127.0.0.1", "news.example"))
    # The fetcher's own check sees public answers (the page, then its robots.txt); the connection does not.
    with Fetcher(local_settings(allow_private=False), resolve=rebinding(2)) as fetcher:
        with pytest.raises(FetchError, match=r"robots.txt could not be read \(127.0.0.1 is a private or reserved"):
            fetcher.fetch(site.url("/"))  # the connection's own words, not "the request to ... failed"
    assert len(site.arrivals) == arrived  # nothing was sent


@pytest.mark.parametrize(("path", "status", "advice"), [("/hilang.html", 404, "not there"),
                                                        ("/error", 500, "try again later")])
def test_http_errors_say_what_went_wrong(site, fetcher, path, status, advice):
    with pytest.raises(FetchError, match=f"HTTP {status}: .*{advice}") as failure:
        fetcher.fetch(site.url(path))
    assert failure.value.status == status and isinstance(failure.value, NewsbotError)


def test_a_slow_server_times_out(site, fetcher):
    started = time.monotonic()
    with pytest.raises(FetchError, match=f"did not answer within {TIMEOUT_S:g} s.*raise the fetch timeout"):
        fetcher.fetch(site.url("/slow"))
    assert time.monotonic() - started < 1.4


def test_a_page_that_trickles_in_is_cut_off_at_the_timeout(site, fetcher):
    started = time.monotonic()
    with pytest.raises(FetchError, match=f"took over {TIMEOUT_S:g} s to arrive"):
        fetcher.fetch(site.url("/drip"))
    assert time.monotonic() - started < 1.4


@pytest.mark.parametrize("path", ["/big", "/big-declared"])
def test_an_oversized_page_is_refused(site, fetcher, path):
    with pytest.raises(FetchError, match="larger than the 100,000-byte cap.*raise the fetcher's max_bytes"):
        fetcher.fetch(site.url(path))


def test_a_larger_cap_reads_the_big_page(site):
    with Fetcher(local_settings(max_bytes=1_000_000)) as generous:
        assert len(generous.fetch(site.url("/big")).text) >= 300_000


@pytest.mark.parametrize(("path", "kind"), [("/foto/banjir.jpg", "image/jpeg"), ("/laporan.pdf", "application/pdf")])
def test_other_content_types_are_refused(site, fetcher, path, kind):
    with pytest.raises(FetchError, match=f"it is {kind}, not a web page or feed"):
        fetcher.fetch(site.url(path))


@pytest.mark.parametrize(("media_type", "feed", "page"), [
    ("application/rss+xml", True, False), ("application/x-rss+xml", True, False), ("text/xml", True, False),
    ("text/html", True, True), ("text/plain", True, False), ("application/octet-stream", True, False),
    (None, True, False), ("application/xhtml+xml", True, True),
    ("image/jpeg", False, False), ("application/pdf", False, False), ("application/zip", False, False),
    ("video/mp4", False, False), ("application/json", False, False)])
def test_feeds_take_text_xml_and_untyped_answers_and_pages_only_html(media_type, feed, page):
    assert (accepts(FEED_TYPES, media_type), accepts(PAGE_TYPES, media_type)) == (feed, page)


def test_a_windows_1252_page_labelled_utf8_reads_correctly(site, fetcher):
    text = fetcher.fetch(site.url("/windows-1252")).text
    assert "Nestlé, L’Oreal" in text and "“Memiliki partner" in text and "sambutannya." in text
    assert "\ufffd" not in text and "Ã" not in text and "â€" not in text


def test_robots_txt_is_honoured_and_read_once_per_host(site, articles, fetcher):
    with pytest.raises(FetchError, match="robots.txt does not allow newsbot to read /private/laporan.html"):
        fetcher.fetch(site.url("/private/laporan.html"))
    with pytest.raises(FetchError, match="robots.txt does not allow"):
        fetcher.fetch(site.url("/redirect/private"))  # a redirect into a disallowed path
    robots_before = len(site.hits_to("/robots.txt"))
    fetcher.fetch(site.url(articles[2].path))
    fetcher.fetch(site.url(articles[3].path))
    assert len(site.hits_to("/robots.txt")) == robots_before
    assert site.requested("/private/laporan.html") == 0


def test_a_missing_robots_txt_allows_everything(articles):
    with NewsSite(articles, robots="missing") as site, Fetcher(local_settings()) as fetcher:
        assert fetcher.fetch(site.url("/private/laporan.html")).status == 200


@pytest.mark.parametrize(("robots", "why"), [("error", "HTTP 500"), ("slow", "127.0.0.1 did not answer")])
def test_an_unreadable_robots_txt_refuses_the_host(articles, robots, why):
    with NewsSite(articles, robots=robots, slow_s=1.5) as site, Fetcher(local_settings()) as fetcher:
        for _ in range(2):
            with pytest.raises(FetchError, match=f"robots.txt could not be read .{why}.*fetched until it can be"):
                fetcher.fetch(site.url(articles[0].path))
        assert site.requested(articles[0].path) == 0 and site.requested("/robots.txt") == 1


class FakeClock:
    """Time that passes only when the fetcher sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_requests_to_one_host_wait_for_the_per_host_delay(site, articles):
    clock = FakeClock()
    with Fetcher(local_settings(host_delay_s=1.5), clock=clock.time, sleep=clock.sleep) as fetcher:
        fetcher.fetch(site.url(articles[0].path))  # robots.txt, then the page
        fetcher.fetch(site.url(articles[1].path))
        assert clock.sleeps == [1.5, 1.5]
        clock.now += 0.5
        fetcher.fetch(site.url(articles[2].path))
        assert clock.sleeps == [1.5, 1.5, 1.0]
        fetcher.fetch(site.url(articles[0].path).replace("127.0.0.1", "localhost"))
        assert clock.sleeps == [1.5, 1.5, 1.0, 1.5]  # another host's robots.txt went first without waiting


def test_the_real_delay_spaces_requests(site, articles):
    with Fetcher(local_settings(host_delay_s=0.2)) as fetcher:
        fetcher.fetch(site.url(articles[0].path))
        started = time.monotonic()
        fetcher.fetch(site.url(articles[1].path))
        fetcher.fetch(site.url(articles[2].path))
    assert time.monotonic() - started >= 0.39


@pytest.mark.parametrize("bad", [dict(timeout_s=0), dict(max_bytes=-1), dict(max_redirects=-1),
                                 dict(host_delay_s=-0.5), dict(user_agent=" ")])
def test_settings_are_checked(bad):
    with pytest.raises(ConfigError):
        FetchSettings(**bad)


def test_defaults():
    settings = FetchSettings()
    assert (settings.user_agent, settings.timeout_s, settings.max_redirects, settings.host_delay_s,
            settings.allow_private) == (USER_AGENT, 10.0, 5, 1.0, False)
    assert settings.max_bytes == 5 * 1024 * 1024


TEXT = "Harga “cabai” naik – kata Andé di pasar."


@pytest.mark.parametrize(("body", "declared", "expected"), [
    (TEXT.encode("utf-8"), "utf-8", TEXT),
    (TEXT.encode("cp1252"), "utf-8", TEXT),  # wrong header, nothing else declared
    (TEXT.encode("cp1252"), None, TEXT),
    (TEXT.encode("utf-8"), "iso-8859-1", TEXT),  # latin-1 label on a UTF-8 body
    (TEXT.encode("cp1252"), "ISO-8859-1", TEXT),  # latin-1 label means windows-1252 on the web
    (TEXT.encode("utf-8"), "no-such-charset", TEXT),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "cp1252", TEXT),
    (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), None, TEXT),
    (TEXT.encode("utf-8"), "utf-16", TEXT),  # UTF-16 without a byte-order mark is not believed
])
def test_decoding_picks_a_charset_that_fits(body, declared, expected):
    assert decode_body(body, declared) == expected


def test_decoding_uses_the_charset_the_page_declares():
    page = f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15"></head>{TEXT}'
    body = page.replace("“", '"').replace("”", '"').replace("–", "-").encode("iso-8859-15") + b"\xa4"
    assert decode_body(body, "utf-8").endswith("Andé di pasar.€")
    xml = '<?xml version="1.0" encoding="windows-1252"?><rss><title>“Banjir”</title></rss>'
    assert decode_body(xml.encode("cp1252"), None) == xml


def test_a_crawl_delay_in_robots_txt_slows_requests_to_that_host(articles):
    clock = FakeClock()
    with NewsSite(articles, robots="crawl-delay") as site, \
            Fetcher(local_settings(host_delay_s=1.0), clock=clock.time, sleep=clock.sleep) as fetcher:
        fetcher.fetch(site.url(articles[0].path))  # robots.txt, then the page: the site asks for 4 s
        fetcher.fetch(site.url(articles[1].path))
        assert clock.sleeps == [4.0, 4.0]
