"""A polite, careful HTTP fetcher for article pages and feeds.

``Fetcher.fetch`` gets one URL and returns a ``FetchResult`` with the decoded text, or raises
``FetchError`` (a ``NewsbotError``) whose message says what failed, why, and what to do. It:

- fetches only http and https URLs, and refuses hosts whose addresses are private, loopback,
  link-local or reserved (unless ``allow_private``), checking every redirect hop, which it follows
  itself up to ``max_redirects``;
- honours each host's robots.txt for its user agent (read once per host and kept: a missing one
  allows everything, one that cannot be read, because of a server error or a timeout, refuses);
- waits ``host_delay_s`` between requests to the same host;
- sends conditional requests (If-None-Match / If-Modified-Since) and reports 304 as ``not_modified``;
- stops reading past ``max_bytes`` or ``timeout_s`` and takes only the content types asked for
  (pages: HTML; feeds: any text or XML type, a generic binary label or none, as feeds are served);
- decodes the body with the charset rules of ``retrieval.fetch.charset``.

Proxies from the environment are not used, so the address checks see the real destination; the
connection itself checks the addresses it connects to again (``public_only``), so a name that
changes its answer between the check and the connection is refused too.
A ``Fetcher`` is not thread-safe: use one per thread, and close it (or use it as a context manager).
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urljoin
from urllib.robotparser import RobotFileParser

import httpx

from retrieval.errors import ConfigError, NewsbotError
from retrieval.fetch.charset import decode_body
from retrieval.fetch.public_only import PrivateAddress, Resolver, host_addresses, public_only_transport, refusal

log = logging.getLogger(__name__)

USER_AGENT = "newsbot/0.1 (+https://github.com/newsbot)"
# Content types, as ``accept`` takes them: an entry may be ``type/*`` (any subtype), ``type/*+xml``
# (any subtype with that suffix), or UNTYPED (a response without a Content-Type).
UNTYPED = ""
PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Feeds come as application/rss+xml, but also as text/html, text/plain, application/x-rss+xml,
# application/octet-stream or with no type at all: all are read, and read_feed says whether the text
# is a feed. Images, PDFs, archives and other clearly binary types are refused.
FEED_TYPES = frozenset({"text/*", "application/xml", "application/*+xml", "application/octet-stream", UNTYPED})
ACCEPTED_TYPES = PAGE_TYPES | FEED_TYPES
_ACCEPT_HEADER = ("text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
                  "application/rdf+xml,application/xml;q=0.9,text/xml;q=0.9")
_ROBOTS_MAX_BYTES = 512 * 1024
MAX_CRAWL_DELAY_S = 60.0  # a robots.txt Crawl-delay is honoured up to this many seconds between requests


class FetchError(NewsbotError):
    """A URL could not be fetched or was refused; ``status`` is the HTTP status when there was one."""

    def __init__(self, url: str, reason: str, *, status: int | None = None) -> None:
        self.url = url
        self.reason = reason
        self.status = status
        super().__init__(f"could not fetch {url}: {reason}")


@dataclass(frozen=True)
class FetchSettings:
    """How the fetcher behaves; the defaults suit fetching news sites on the public internet."""

    user_agent: str = USER_AGENT
    timeout_s: float = 10.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    host_delay_s: float = 1.0
    allow_private: bool = False

    def __post_init__(self) -> None:
        if not self.user_agent.strip():
            raise ConfigError("the fetcher's user agent is empty; give it a name such as 'newsbot/0.1'")
        if self.timeout_s <= 0 or self.max_bytes <= 0:
            raise ConfigError(f"the fetch timeout ({self.timeout_s}) and size cap ({self.max_bytes}) must be positive")
        if self.max_redirects < 0 or self.host_delay_s < 0:
            raise ConfigError(f"max_redirects ({self.max_redirects}) and host_delay_s ({self.host_delay_s}) "
                              "cannot be negative")


@dataclass(frozen=True)
class FetchResult:
    """What one fetch got: ``text`` is None when the server said the page has not changed (304)."""

    url: str
    final_url: str
    status: int
    text: str | None
    content_type: str | None
    etag: str | None
    last_modified: str | None
    not_modified: bool = False


@dataclass(frozen=True)
class _Robots:
    parser: RobotFileParser | None  # None: everything is allowed
    refusal: str | None = None  # why every URL on the host is refused


class Fetcher:
    """Fetches pages and feeds one at a time, remembering per host its robots.txt and last request."""

    def __init__(self, settings: FetchSettings | None = None, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, resolve: Resolver = socket.getaddrinfo) -> None:
        self.settings = settings or FetchSettings()
        self._clock = clock
        self._sleep = sleep
        self._resolve = resolve
        transport = None if self.settings.allow_private else public_only_transport(resolve)
        self._client = httpx.Client(
            headers={"User-Agent": self.settings.user_agent, "Accept": _ACCEPT_HEADER},
            timeout=httpx.Timeout(self.settings.timeout_s), follow_redirects=False, trust_env=False,
            transport=transport)
        self._last_request: dict[str, float] = {}
        self._robots: dict[str, _Robots] = {}
        self._host_delay: dict[str, float] = {}  # a host's robots.txt Crawl-delay, when it asks for more

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
              accept: frozenset[str] = ACCEPTED_TYPES) -> FetchResult:
        """Fetch ``url``; give the ``etag`` and ``last_modified`` of an earlier fetch to get 304s.

        ``accept`` lists the content types taken (pages and feeds by default, e.g. ``FEED_TYPES`` for a feed).
        """
        headers = {"If-None-Match": etag} if etag else {}
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        result = self._fetch(url, headers, accept, self.settings.max_bytes, check_robots=True)
        if result.not_modified:  # a 304 need not repeat the validators
            result = replace(result, etag=result.etag or etag, last_modified=result.last_modified or last_modified)
        return result

    def _fetch(self, url: str, headers: dict[str, str], accept: frozenset[str] | None, max_bytes: int,
               *, check_robots: bool) -> FetchResult:
        current = _http_url(url, url)
        for _ in range(self.settings.max_redirects + 1):
            self._check_address(url, current)
            if check_robots:
                self._check_robots(url, current)
            outcome = self._request(url, current, headers, accept, max_bytes)
            if isinstance(outcome, FetchResult):
                return outcome
            current = outcome
        raise FetchError(url, f"it redirects more than {self.settings.max_redirects} times (last to {current}); "
                              "it probably redirects in a loop: open it in a browser and use the final address")

    def _request(self, url: str, current: httpx.URL, headers: dict[str, str], accept: frozenset[str] | None,
                 max_bytes: int) -> FetchResult | httpx.URL:
        """One request: the result, or the URL a redirect points to."""
        self._wait_turn(current.host)
        try:
            with self._client.stream("GET", current, headers=headers) as response:
                if response.has_redirect_location:
                    return _http_url(url, urljoin(str(current), response.headers["location"]))
                return self._result(url, response, accept, max_bytes)
        except httpx.TimeoutException:
            raise FetchError(url, f"{current.host} did not answer within {self.settings.timeout_s:g} s; the site "
                                  "is slow or down: try again later, or raise the fetch timeout") from None
        except httpx.HTTPError as exc:
            if isinstance(exc.__cause__, PrivateAddress):  # the name changed its answer since the check
                raise FetchError(url, str(exc.__cause__)) from None
            raise FetchError(url, f"the request to {current.host} failed ({str(exc) or type(exc).__name__}); check "
                                  "the URL and the network, then try again") from None

    def _result(self, url: str, response: httpx.Response, accept: frozenset[str] | None,
                max_bytes: int) -> FetchResult:
        headers = response.headers
        media_type, charset = _content_type(headers.get("content-type"))
        common = dict(url=url, final_url=str(response.url), status=response.status_code, content_type=media_type,
                      etag=headers.get("etag"), last_modified=headers.get("last-modified"))
        if response.status_code == 304:
            return FetchResult(text=None, not_modified=True, **common)
        _check_status(url, response.status_code)
        if accept is not None and not accepts(accept, media_type):
            raise FetchError(url, f"it is {media_type or 'of no stated type'}, not a web page or feed; "
                                  "give the address of an article page or an RSS/Atom feed")
        body = self._read(url, response, max_bytes)
        log.debug("fetched %s (%d, %d bytes)", response.url, response.status_code, len(body))
        return FetchResult(text=decode_body(body, charset), **common)

    def _read(self, url: str, response: httpx.Response, max_bytes: int) -> bytes:
        """The body, read in pieces so that an oversized or endless one is cut off early."""
        too_big = (f"it is larger than the {max_bytes:,}-byte cap; if such pages are expected, raise the "
                   "fetcher's max_bytes setting")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(url, too_big)
        deadline = time.monotonic() + self.settings.timeout_s
        body = bytearray()
        for piece in response.iter_bytes():
            body += piece
            if len(body) > max_bytes:
                raise FetchError(url, too_big)
            if time.monotonic() > deadline:
                raise FetchError(url, f"the page took over {self.settings.timeout_s:g} s to arrive; the site is "
                                      "too slow: try again later, or raise the fetch timeout")
        return bytes(body)

    def _wait_turn(self, host: str) -> None:
        last = self._last_request.get(host)
        if last is not None:
            wait = last + max(self.settings.host_delay_s, self._host_delay.get(host, 0.0)) - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last_request[host] = self._clock()

    def _check_address(self, url: str, current: httpx.URL) -> None:
        """Refuse a host that resolves to any non-public address, unless private addresses are allowed."""
        if self.settings.allow_private:
            return
        try:
            port = current.port or (443 if current.scheme == "https" else 80)
            addresses = host_addresses(self._resolve, current.host, port)
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError(url, f"the host name {current.host!r} cannot be resolved ({exc}); check the URL") from None
        reason = refusal(current.host, addresses)
        if reason is not None:
            raise FetchError(url, reason)

    def _check_robots(self, url: str, current: httpx.URL) -> None:
        origin = f"{current.scheme}://{current.netloc.decode('ascii')}"
        robots = self._robots.get(origin)
        if robots is None:
            robots = self._robots[origin] = self._read_robots(origin)
            asked = robots.parser.crawl_delay(self.settings.user_agent) if robots.parser is not None else None
            if asked:
                self._host_delay[current.host] = min(float(asked), MAX_CRAWL_DELAY_S)
        if robots.refusal:
            raise FetchError(url, robots.refusal)
        if robots.parser is not None and not robots.parser.can_fetch(self.settings.user_agent, str(current)):
            raise FetchError(url, f"{origin}/robots.txt does not allow newsbot to read {current.raw_path.decode()}; "
                                  "respect it and pick another source")

    def _read_robots(self, origin: str) -> _Robots:
        """The host's rules: a 4xx answer means none (RFC 9309); a server error or no answer refuses all."""
        try:
            found = self._fetch(f"{origin}/robots.txt", {}, None, _ROBOTS_MAX_BYTES, check_robots=False)
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return _Robots(None)
            return _Robots(None, f"its robots.txt could not be read ({exc.reason}), so nothing on {origin} is "
                                 "fetched until it can be; try again later")
        parser = RobotFileParser(f"{origin}/robots.txt")
        parser.parse((found.text or "").splitlines())
        return _Robots(parser)


def _http_url(url: str, candidate: str) -> httpx.URL:
    """``candidate`` as a URL, refused unless it is an http or https URL with a host."""
    try:
        parsed = httpx.URL(candidate)
    except httpx.InvalidURL as exc:
        raise FetchError(url, f"{candidate!r} is not a valid URL ({exc})") from None
    if not parsed.scheme:
        raise FetchError(url, f"{candidate!r} has no scheme; give a full address such as https://example.com/news")
    if parsed.scheme not in ("http", "https"):
        where = "" if candidate == url else f" (it redirects to {candidate})"
        raise FetchError(url, f"the {parsed.scheme} scheme is not fetched{where}; only http and "
                              "https URLs are")
    if not parsed.host:
        raise FetchError(url, "the URL has no host name; give a full address such as https://example.com/news")
    return parsed


def accepts(accept: frozenset[str], media_type: str | None) -> bool:
    """Whether ``media_type`` (None: the response stated none) is one of ``accept``'s types."""
    if media_type is None:
        return UNTYPED in accept
    main, _, sub = media_type.partition("/")
    suffix = sub.rpartition("+")[2] if "+" in sub else None
    return (media_type in accept or f"{main}/*" in accept
            or (suffix is not None and f"{main}/*+{suffix}" in accept))


def _content_type(header: str | None) -> tuple[str | None, str | None]:
    """The media type and charset of a Content-Type header."""
    if not header:
        return None, None
    media_type, *params = header.split(";")
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return media_type.strip().lower() or None, charset


def _check_status(url: str, status: int) -> None:
    if status < 400:
        return
    if status in (404, 410):
        why = "the page is not there; check the URL, or remove it from the sources if it is gone"
    elif status in (401, 403):
        why = "the site refuses access; it does not let newsbot read this page"
    elif status == 429:
        why = "the site asks us to slow down; fetch it less often or raise the per-host delay"
    elif status >= 500:
        why = "the server failed; this is usually passing, so try again later"
    else:
        why = "the server refused the request; check the URL"
    raise FetchError(url, f"HTTP {status}: {why}", status=status)
