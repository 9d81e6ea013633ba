"""Read a news article out of a fetched web page: title, date, main text and canonical URL.

The date is the page's publication day and, when the page gives one (``article:published_time``,
JSON-LD ``datePublished`` and the like usually do), its time; a feed entry's time fills in a page
that gives only the day, or none (see ``retrieval/ingest/dates.py``).

trafilatura finds the article among the page's furniture (menus, related links, cookie banners,
comments, ads; ad slots inside the article are removed first); the text then goes through the same cleaning as articles read from files, so it
has one paragraph per block separated by blank lines. A page without article text gives None.

An article's id is ``web-`` and the first 20 hex digits of the SHA-256 of its canonical URL, so
the same story reached under other addresses (tracking parameters, a mobile host that names the
canonical page) has one id.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from datetime import datetime, time
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Document

from retrieval.ingest.articles import Article
from retrieval.ingest.dates import NEWS_TIMEZONE, publication_date, with_time
from retrieval.ingest.cleaning import clean_article_text
from retrieval.ingest.outlets import outlet_from_domain

# Fewer words than this is a teaser, a gallery or an index page, not an article.
MIN_ARTICLE_WORDS = 40
_TITLE_WORDS = 12
_TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|mc_cid|mc_eid)$", re.IGNORECASE)
# Class or id words of ad slots. Outlets put them between an article's paragraphs, with labels such as
# "ADVERTISEMENT" or "Scroll untuk melanjutkan" that extractors otherwise keep as article text.
_AD_WORDS = frozenset({"ad", "ads", "adsbygoogle", "advert", "advertisement", "iklan", "sponsor", "sponsored"})
_AD_MAX_WORDS = 40  # an element with more words is not an ad slot, whatever its class says
_NEVER_PRUNED = frozenset({"html", "body", "main", "article"})


def article_from_page(html: str, url: str, *, outlet: str | None = None,
                      published: str | None = None) -> Article | None:
    """The article on the page fetched from ``url``, or None when it holds under ``MIN_ARTICLE_WORDS`` words.

    ``outlet`` names the publisher; without it the page's site name is used, else one made from its host.
    ``published`` (ISO 8601, such as a feed entry's time) dates an article whose page gives no time.
    """
    tree = trafilatura.load_html(html)
    if tree is None:
        return None
    canonical = canonical_url(tree, url)
    _drop_ad_slots(tree)
    document = trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, favor_precision=True, include_comments=False, include_tables=False,
        include_images=False, include_links=False, date_extraction_params=_date_params())
    if document is None or not document.text:
        return None
    title = _string(document.title).strip()
    text = _article_text(document.text, title)
    if len(text.split()) < MIN_ARTICLE_WORDS:
        return None
    if not title:
        words = text.split("\n\n", 1)[0].split()
        title = " ".join(words[:_TITLE_WORDS]) + ("…" if len(words) > _TITLE_WORDS else "")
    return Article(
        id=article_id(canonical), outlet=outlet or _site_outlet(document, canonical), title=title,
        date=with_time(publication_date(_string(document.date)), published), url=canonical, text=text, source=url,
        author=" ".join(_string(document.author).split()) or None)


def _date_params() -> dict:
    """htmldate's options: trafilatura's, with the time and offset kept (a date found without a time
    comes out at midnight, read as a day only), and dates up to the end of today in WIB accepted
    (trafilatura's default bound, the start of the machine's today, would drop today's times)."""
    end_of_today = datetime.combine(datetime.now(NEWS_TIMEZONE).date(), time.max, NEWS_TIMEZONE)
    return {"original_date": True, "extensive_search": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z",
            "max_date": end_of_today.isoformat()}


def article_id(canonical: str) -> str:
    """The id of the article whose canonical URL is ``canonical``."""
    return "web-" + hashlib.sha256(normalise_url(canonical).encode()).hexdigest()[:20]


def normalise_url(url: str) -> str:
    """``url`` with a lower-case scheme and host, no default port, fragment or tracking parameters.

    ValueError when ``url`` cannot be a URL (a port that is not a number, an unclosed IPv6 bracket)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    if parts.port and parts.port != default:
        host = f"{host}:{parts.port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", query, ""))


def canonical_url(tree: HtmlElement, url: str) -> str:
    """The page's ``<link rel=canonical>`` (resolved against ``url``), else ``url``.

    A canonical link that is not an http(s) URL (such as one with an unfilled template placeholder for
    its port), or that names a site's home page for a page that is not one (a common template mistake
    that would make every article the same), is ignored.
    """
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        href = (link.get("href") or "").strip()
        if "canonical" not in rel or not href:
            continue
        try:
            found = normalise_url(urljoin(url, href))
        except ValueError:
            break
        parts = urlsplit(found)
        if parts.scheme in ("http", "https") and parts.hostname and (
                parts.path.strip("/") or not urlsplit(url).path.strip("/")):
            return found
        break
    return normalise_url(url)


def _drop_ad_slots(tree: HtmlElement) -> None:
    for element in list(tree.iter()):
        if not isinstance(element.tag, str) or element.tag in _NEVER_PRUNED or element.getparent() is None:
            continue
        words = set(re.split(r"[\s_-]+", f"{element.get('class', '')} {element.get('id', '')}".lower()))
        if words & _AD_WORDS and len(element.text_content().split()) <= _AD_MAX_WORDS:
            element.drop_tree()


def _article_text(extracted: str, title: str) -> str:
    """Cleaned text, one paragraph per line of the extraction, without a leading copy of the title."""
    text = clean_article_text(extracted)
    first, _, rest = text.partition("\n\n")
    if title and rest and _squash(first) == _squash(title):
        return rest
    return text


def _site_outlet(document: Document, canonical: str) -> str:
    """The page's site name, unless it is only a host name (trafilatura's fallback): then one made from the host."""
    sitename = _string(document.sitename).strip()
    hosts = {(h or "").lower().removeprefix("www.") for h in (document.hostname, urlsplit(canonical).hostname)}
    if sitename and sitename.lower().removeprefix("www.") not in hosts:
        return sitename
    return _host_outlet(canonical)


def _host_outlet(url: str) -> str:
    host = urlsplit(url).hostname or "unknown"
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        return outlet_from_domain(host.removeprefix("www."))


def _string(value: object) -> str:
    """A metadata value as text: "" when the page gave none, or something else (a JSON-LD headline may
    be a number or a list)."""
    return value if isinstance(value, str) else ""


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text).casefold()
