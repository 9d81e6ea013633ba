"""A local news site on 127.0.0.1 for the fetching tests: article pages, feeds, and misbehaving routes.

Article pages wrap real article texts from ``../shared/corpora/indosum_articles.jsonl`` in the
furniture Indonesian outlets serve around them (cookie banner, menus, breaking-news ticker, share
buttons, inline ads, "Baca juga" links, related and popular lists, comments, footer, scripts), in
three page layouts. ``FURNITURE`` lists phrases of that furniture that must never reach an article.
Feeds answer conditional requests (ETag, Last-Modified) with 304 while they are unchanged; a few
are served under the content types real feeds come with (text/html, text/plain, none).
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import threading
import time
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "indosum_articles.jsonl"
# A DailySocial.id article with “ ” ’ and é, served as windows-1252 under a UTF-8 label.
WINDOWS_1252_ID = "indosum-1511218606-acommerce-dapatkan-pendanaan-seri-b-senilai-rp8775"

WIB = timezone(timedelta(hours=7))
AUTHORS = ("Ayu Lestari", "Bambang Sutrisno", "Dewi Anggraini", "Rizky Pratama")


@dataclass(frozen=True)
class SiteArticle:
    """A corpus article and where the site serves it."""

    slug: str
    outlet: str
    title: str
    published: str
    category: str
    text: str
    updated: str | None = None  # when the Atom feed says it was last changed (ISO 8601 UTC)
    time: str = "10:03"  # of publication on that day, in WIB: pages, JSON-LD and feeds give it

    @property
    def published_at(self) -> datetime:
        """When it was published, in WIB."""
        return datetime.fromisoformat(f"{self.published}T{self.time}:00").replace(tzinfo=WIB)

    @property
    def path(self) -> str:
        return f"/berita/{self.slug}.html"

    @property
    def author(self) -> str:
        """The reporter the page credits (one of a few names, by the article's slug)."""
        return AUTHORS[sum(self.slug.encode()) % len(AUTHORS)]


def load_articles(count: int = 50) -> list[SiteArticle]:
    """The corpus's first ``count`` articles."""
    with CORPUS.open(encoding="utf-8") as lines:
        return [_site_article(json.loads(next(lines))) for _ in range(count)]


def load_article(article_id: str) -> SiteArticle:
    with CORPUS.open(encoding="utf-8") as lines:
        for line in lines:
            if f'"id": "{article_id}"' in line:
                return _site_article(json.loads(line))
    raise LookupError(article_id)


def _site_article(row: dict) -> SiteArticle:
    return SiteArticle(slug=row["id"].removeprefix("indosum-"), outlet=row["outlet"], title=row["title"],
                       published=row["published"], category=row.get("category") or "berita", text=row["text"])


@dataclass(frozen=True)
class Hit:
    """One request the site answered."""

    path: str
    user_agent: str
    status: int
    gzipped: bool


class NewsSite:
    """The site, served from a thread; ``robots`` is "ok", "crawl-delay" (asks for 4 s), "missing" (404),
    "error" (500) or "slow"."""

    def __init__(self, articles: list[SiteArticle], *, robots: str = "ok", slow_s: float = 2.0,
                 big_bytes: int = 2_000_000) -> None:
        self.articles = articles
        self.windows_1252 = load_article(WINDOWS_1252_ID)
        self.robots = robots
        self.slow_s = slow_s
        self.big_bytes = big_bytes
        self.hits: list[Hit] = []  # answers sent
        self.arrivals: list[str] = []  # requests received, answered or not
        self.feed_reads = 0  # feeds sent whole (not 304): the tracking feed tags its links with this
        self._failures: dict[str, int] = {}  # path -> how many more requests for it get a 500
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def hits_to(self, path: str) -> list[Hit]:
        with self._lock:
            return [hit for hit in self.hits if hit.path == path]

    def requested(self, path: str) -> int:
        """How many requests for ``path`` arrived, including those whose client gave up."""
        with self._lock:
            return self.arrivals.count(path)

    def requested_any_query(self, path: str) -> int:
        """How many requests for ``path`` arrived, with or without a query string."""
        with self._lock:
            return sum(arrival.split("?", 1)[0] == path for arrival in self.arrivals)

    def fail_next(self, path: str, times: int = 1) -> None:
        """Answer the next ``times`` requests for ``path`` with a 500, then serve it as usual."""
        with self._lock:
            self._failures[path] = times

    def take_failure(self, path: str) -> bool:
        with self._lock:
            left = self._failures.get(path, 0)
            if left:
                self._failures[path] = left - 1
            return left > 0

    def record(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> NewsSite:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _QuietServer(ThreadingHTTPServer):
    """Clients that give up early (timeouts, size caps) are expected here, not errors worth printing."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


def _handler_for(site: NewsSite) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        pass

    Handler.site = site
    return Handler


class _Handler(BaseHTTPRequestHandler):
    site: NewsSite
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        with self.site._lock:
            self.site.arrivals.append(self.path)
        pages = {article.path: article for article in self.site.articles}
        if self.site.take_failure(path):
            self.send_text(500, "text/html; charset=utf-8", "<h1>500 Internal Server Error</h1>")
        elif path in pages:
            self._article(pages[path], layout=self.site.articles.index(pages[path]) % 3)
        elif path == "/robots.txt":
            self._robots()
        elif path in _ROUTES:
            _ROUTES[path](self)
        else:
            self.send_text(404, "text/html; charset=utf-8", "<html><body><h1>404 Halaman tidak ditemukan</h1></body></html>")

    def send_text(self, status: int, content_type: str | None, text: str | bytes,
                  headers: dict[str, str] | None = None, *, gzip_ok: bool = False) -> None:
        body = text.encode("utf-8") if isinstance(text, str) else text
        zipped = gzip_ok and "gzip" in self.headers.get("Accept-Encoding", "")
        if zipped:
            body = gzip.compress(body)
        self.send_response(status)
        if content_type is not None:  # None: a server that states no type
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if zipped:
            self.send_header("Content-Encoding", "gzip")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.site.record(Hit(self.path, self.headers.get("User-Agent", ""), status, zipped))  # before the client
        self.end_headers()                                                                      # can see it
        self.wfile.write(body)

    def redirect(self, location: str) -> None:
        self.send_text(302, "text/html; charset=utf-8", "", {"Location": location})

    def _article(self, article: SiteArticle, *, layout: int) -> None:
        html = article_html(article, self.site.base, layout, self.site.articles)
        etag = '"' + hashlib.sha256(html.encode()).hexdigest()[:16] + '"'
        modified = datetime.fromisoformat(article.published).replace(hour=10, tzinfo=timezone.utc)
        validators = {"ETag": etag, "Last-Modified": format_datetime(modified, usegmt=True)}
        if self._not_modified(etag, modified):
            self.send_text(304, "text/html; charset=utf-8", b"", validators)
            return
        self.send_text(200, "text/html; charset=utf-8", html, validators, gzip_ok=True)

    def _not_modified(self, etag: str, modified: datetime) -> bool:
        if "If-None-Match" in self.headers:
            return etag in [tag.strip() for tag in self.headers["If-None-Match"].split(",")]
        since = self.headers.get("If-Modified-Since")
        try:
            return since is not None and parsedate_to_datetime(since) >= modified
        except (TypeError, ValueError):
            return False

    def _robots(self) -> None:
        mode = self.site.robots
        if mode == "missing":
            self.send_text(404, "text/html", "<h1>Not Found</h1>")
        elif mode == "error":
            self.send_text(500, "text/html", "<h1>Internal Server Error</h1>")
        else:
            if mode == "slow":
                time.sleep(self.site.slow_s)
            rules = "User-agent: *\nDisallow: /private/\n\nUser-agent: Googlebot-Image\nDisallow: /\n"
            if mode == "crawl-delay":
                rules = rules.replace("Disallow: /private/\n", "Disallow: /private/\nCrawl-delay: 4\n", 1)
            self.send_text(200, "text/plain", rules)

    def _feed(self, kind: str, served_as: str | None = "own") -> None:
        """The feed of every article as RSS, Atom or RDF, under its own content type unless ``served_as``
        names another (None: no Content-Type at all)."""
        maker = {"rss": rss_feed, "atom": atom_feed, "rdf": rdf_feed}[kind]
        own = {"rss": "application/rss+xml", "atom": "application/atom+xml", "rdf": "application/rdf+xml"}[kind]
        self.send_feed(maker(self.site.articles, self.site.base),
                       own + "; charset=utf-8" if served_as == "own" else served_as)

    def send_feed(self, text: str, content_type: str | None) -> None:
        """A feed with its validators: a 304 when the client already has this version."""
        etag = '"' + hashlib.sha256(text.encode()).hexdigest()[:16] + '"'
        modified = feed_modified(self.site.articles)
        validators = {"ETag": etag, "Last-Modified": format_datetime(modified, usegmt=True)}
        if self._not_modified(etag, modified):
            self.send_text(304, content_type, b"", validators)
            return
        with self.site._lock:
            self.site.feed_reads += 1
        self.send_text(200, content_type, text, validators, gzip_ok=True)

    def _tracked_feed(self) -> None:
        """An RSS feed whose links carry tracking parameters that change with every read of the feed."""
        with self.site._lock:
            read = self.site.feed_reads
        query = f"?utm_source=rss&utm_medium=feed&utm_campaign=berita-{read}&fbclid=IwAR{read}x&gclid=Cj0{read}"
        self.send_feed(rss_feed(self.site.articles, self.site.base, query=query), "application/rss+xml")

    def _slow(self) -> None:
        time.sleep(self.site.slow_s)
        self.send_text(200, "text/html; charset=utf-8", "<html><body><p>akhirnya</p></body></html>")

    def _drip(self) -> None:
        """A page that arrives a few bytes at a time, each piece well inside a read timeout."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        deadline = time.monotonic() + self.site.slow_s
        try:
            while time.monotonic() < deadline:
                self.wfile.write(b"<p>...</p>\n")
                self.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass
        self.close_connection = True

    def _big(self, *, declared: bool) -> None:
        piece = ("<p>" + "Berita panjang sekali. " * 40 + "</p>\n").encode()
        if declared:
            self.send_text(200, "text/html; charset=utf-8", piece * (self.site.big_bytes // len(piece) + 1))
            return
        self.send_response(200)  # no Content-Length: the body ends when the connection closes
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            for _ in range(self.site.big_bytes // len(piece) + 1):
                self.wfile.write(piece)
        except OSError:
            pass
        self.close_connection = True


_ROUTES = {
    "/feed/rss.xml": lambda h: h._feed("rss"),
    "/feed/atom.xml": lambda h: h._feed("atom"),
    "/feed/rdf.xml": lambda h: h._feed("rdf"),
    "/feed/as-html": lambda h: h._feed("rss", "text/html; charset=utf-8"),
    "/feed/as-text": lambda h: h._feed("rss", "text/plain; charset=utf-8"),
    "/feed/untyped": lambda h: h._feed("rss", None),
    "/feed/octet": lambda h: h._feed("rss", "application/octet-stream"),
    "/feed/x-rss": lambda h: h._feed("rss", "application/x-rss+xml"),
    "/feed/pelacak.xml": lambda h: h._tracked_feed(),
    "/feed/kosong.xml": lambda h: h.send_feed(section_feed(h.site.base), "application/rss+xml"),
    "/feed/empty.xml": lambda h: h.send_feed(rss_feed([], h.site.base), "application/rss+xml"),
    "/feed/not-xml": lambda h: h.send_text(200, "application/rss+xml",
                                           "<html><head><title>Sedang dalam perbaikan</title></head><body>"
                                           "<p>Situs sedang dalam perbaikan.</p></body></html>"),
    "/feed/garbage": lambda h: h.send_text(200, "application/xml", "Service Unavailable\x00\x01 {oops"),
    "/error": lambda h: h.send_text(500, "text/html", "<h1>500 Internal Server Error</h1>"),
    "/slow": lambda h: h._slow(),
    "/drip": lambda h: h._drip(),
    "/loop/a": lambda h: h.redirect("/loop/b"),
    "/loop/b": lambda h: h.redirect("/loop/a"),
    "/redirect/article": lambda h: h.redirect(h.site.articles[0].path + "?utm_source=redirect"),
    "/redirect/ftp": lambda h: h.redirect("ftp://127.0.0.1/pub/berita.txt"),
    "/redirect/localhost": lambda h: h.redirect(h.site.base.replace("127.0.0.1", "localhost") + "/berita/x.html"),
    "/redirect/private": lambda h: h.redirect("/private/laporan.html"),
    "/big": lambda h: h._big(declared=False),
    "/big-declared": lambda h: h._big(declared=True),
    "/windows-1252": lambda h: h.send_text(200, "text/html; charset=utf-8", windows_1252_page(h.site.windows_1252)),
    "/kosong.html": lambda h: h.send_text(200, "text/html; charset=utf-8", empty_page_html(h.site.articles)),
    "/private/laporan.html": lambda h: h._article(h.site.articles[0], layout=0),
    "/foto/banjir.jpg": lambda h: h.send_text(200, "image/jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 2048),
    "/laporan.pdf": lambda h: h.send_text(200, "application/pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"),
}


# ---- The pages -------------------------------------------------------------------------------------

COOKIE_BANNER = ("Kami menggunakan cookie untuk memberikan pengalaman terbaik di situs kami. Dengan terus "
                 "menjelajah, Anda menyetujui kebijakan privasi dan penggunaan cookie kami.")
COMMENTS = (
    "Semoga pihak berwenang cepat bertindak, jangan sampai kejadian seperti ini terulang lagi di negeri kita.",
    "Mantap, beritanya lengkap sekali. Terima kasih redaksi sudah meliput sampai tuntas, ditunggu lanjutannya.",
    "Rakyat kecil cuma bisa menonton saja, harga kebutuhan pokok naik terus dan tidak ada yang peduli.",
)
MENU = ("Beranda", "Nasional", "Internasional", "Ekonomi", "Olahraga", "Teknologi", "Hiburan", "Gaya Hidup",
        "Otomotif", "Indeks")
# Phrases of the furniture around every article; none may reach an extracted article.
FURNITURE = (COOKIE_BANNER[:60], *COMMENTS, "Scroll untuk melanjutkan", "ADVERTISEMENT", "Pedoman Media Siber",
             "Berita Terkait", "Terpopuler", "Bagikan artikel", "Tulis komentar", "All rights reserved",
             "Gaya Hidup", "Baca juga")
_DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember")


def article_html(article: SiteArticle, base: str, layout: int, others: list[SiteArticle]) -> str:
    """The article's page in one of three layouts, with its furniture around it."""
    esc = html.escape
    paragraphs = [p.strip() for p in article.text.split("\n\n") if p.strip()]
    at = others.index(article) if article in others else 0
    related = [others[(at + k) % len(others)] for k in (1, 2, 3)] if len(others) > 3 else []
    related_links = "".join(f'<li><a href="{r.path}">{esc(r.title)}</a></li>' for r in related)
    body = _body(paragraphs, layout, related[:1])
    day = datetime.fromisoformat(article.published)
    stamp = f"{_DAYS[day.weekday()]}, {day.day} {_MONTHS[day.month - 1]} {day.year} {article.time} WIB"
    canonical = article.path if layout == 2 else base + article.path
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": article.title,
                     "datePublished": article.published_at.isoformat(),
                     "publisher": {"@type": "Organization", "name": article.outlet}})
    comments = "".join(f'<div class="comment"><span class="user">pembaca{n}</span><p>{esc(c)}</p>'
                       f'<a href="#">Balas</a></div>' for n, c in enumerate(COMMENTS, 1))
    comment_box = {0: f'<section id="comments" class="comments"><h3>Komentar (3)</h3>{comments}'
                      '<form><textarea placeholder="Tulis komentar"></textarea></form></section>',
                   1: f'<div id="disqus_thread" class="komentar-box"><h3>Komentar</h3>{comments}</div>',
                   2: f'<div class="komentar"><b>Tulis komentar</b>{comments}</div>'}[layout]
    menu = "".join(f'<li><a href="/{m.lower().replace(" ", "-")}">{m}</a></li>' for m in MENU)
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>{esc(article.title)} - {esc(article.outlet)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="{esc(paragraphs[0][:150])}">
<meta property="og:site_name" content="{esc(article.outlet)}"><meta property="og:type" content="article">
<meta property="og:title" content="{esc(article.title)}"><meta name="author" content="{esc(article.author)}">
<meta property="article:published_time" content="{article.published_at.isoformat()}">
<link rel="canonical" href="{canonical}">
<link rel="alternate" type="application/rss+xml" title="RSS" href="/feed/rss.xml">
<script type="application/ld+json">{ld}</script>
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments);}}gtag('js',new Date());</script>
<style>.cookie-banner{{position:fixed;bottom:0}} .ads{{min-height:250px}}</style></head>
<body><div id="cookie-consent" class="cookie-banner"><p>{COOKIE_BANNER}</p><button>Setuju</button></div>
<header><div class="topbar">{stamp[:-10]} | <a href="/login">Masuk</a> | <a href="/daftar">Daftar</a></div>
<nav class="main-menu"><ul>{menu}</ul></nav>
<div class="breaking-news"><b>Breaking News</b> <a href="{others[0].path}">{esc(others[0].title)}</a></div></header>
<main><div class="breadcrumb"><a href="/">Beranda</a> &rsaquo; <a href="/{esc(article.category)}">{esc(article.category.title())}</a></div>
<article class="detail"><h1 class="title">{esc(article.title)}</h1>
<div class="byline">Redaksi {esc(article.outlet)} | <time datetime="{article.published}">{stamp}</time></div>
<div class="share">Bagikan artikel: <a href="#">Facebook</a> <a href="#">Twitter</a> <a href="#">WhatsApp</a></div>
<figure><img src="/foto/banjir.jpg" alt=""><figcaption>Ilustrasi (Foto: Dok. {esc(article.outlet)})</figcaption></figure>
{body}
<div class="tags">Tag: <a href="/tag/{esc(article.category)}">{esc(article.category)}</a></div></article>
<section class="related"><h2>Berita Terkait</h2><ul>{related_links}</ul></section>
{comment_box}</main>
<aside class="sidebar"><h3>Terpopuler</h3><ol>{related_links}</ol>
<div class="ads"><span>ADVERTISEMENT</span><script>googletag.cmd.push(function(){{googletag.display('div-gpt-ad-2');}});</script></div></aside>
<footer><p><a href="/redaksi">Redaksi</a> | <a href="/pedoman">Pedoman Media Siber</a> | <a href="/kontak">Kontak Kami</a></p>
<p>Copyright &copy; {day.year} {esc(article.outlet)}. All rights reserved.</p></footer>
<script src="/static/app.js"></script></body></html>"""


def _body(paragraphs: list[str], layout: int, related: list[SiteArticle]) -> str:
    """The article's paragraphs with an inline ad after the second and a "Baca juga" link after the third."""
    esc = html.escape
    ad = ('<div class="ads ads-inline"><span>ADVERTISEMENT</span><script>googletag.cmd.push(function()'
          '{googletag.display("div-gpt-ad-1");});</script><p class="scroll">Scroll untuk melanjutkan</p></div>')
    also = "".join(f'<p class="baca-juga"><strong>Baca juga:</strong> <a href="{r.path}">{esc(r.title)}</a></p>'
                   for r in related)
    parts = []
    for number, paragraph in enumerate(paragraphs):
        parts.append(esc(paragraph) + "<br><br>" if layout == 2 else f"<p>{esc(paragraph)}</p>")
        parts += [ad] if number == 1 else [also] if number == 2 else []
    inner = "\n".join(parts)
    return {0: f'<div class="detail-text">{inner}</div>', 1: f'<div class="post-content"><div class="txt">{inner}</div></div>',
            2: f'<div id="isi">{inner}</div>'}[layout]


def windows_1252_page(article: SiteArticle) -> bytes:
    """An article page encoded in windows-1252 that declares UTF-8 in its header and its meta tag."""
    return article_html(article, "", 0, [article]).encode("cp1252")


def empty_page_html(others: list[SiteArticle]) -> str:
    """A section front: furniture and headlines, no article."""
    links = "".join(f'<li><a href="{a.path}">{html.escape(a.title)}</a></li>' for a in others[:8])
    return (f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>Indeks Berita</title></head><body>'
            f'<div class="cookie-banner">{COOKIE_BANNER}</div><nav><ul>{links}</ul></nav>'
            f'<h1>Indeks Berita</h1><p>Belum ada berita.</p><footer>All rights reserved.</footer></body></html>')


def feed_modified(articles: list[SiteArticle]) -> datetime:
    """When the site's feeds last changed: the latest publication or update of ``articles``."""
    times = [a.published_at.astimezone(timezone.utc) for a in articles]
    times += [datetime.fromisoformat(a.updated.replace("Z", "+00:00")) for a in articles if a.updated]
    return max(times, default=datetime(2017, 1, 1, tzinfo=timezone.utc))


def rss_feed(articles: list[SiteArticle], base: str, *, query: str = "") -> str:
    """An RSS 2.0 feed of ``articles``; the first entry's link is relative, as some outlets write it.
    ``query`` is added to every link (tracking parameters)."""
    tail = html.escape(query)
    items = "".join(
        f"<item><title>{html.escape(a.title)}</title><link>{'' if n == 0 else base}{a.path}{tail}</link>"
        f'<guid isPermaLink="false">{a.slug}</guid><pubDate>{format_datetime(a.published_at)}</pubDate>'
        f"<description>{html.escape(a.text[:200])}</description></item>" for n, a in enumerate(articles))
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Berita Terkini</title>'
            f"<link>{base}/</link><description>Berita terbaru</description>{items}</channel></rss>")


def section_feed(base: str) -> str:
    """An RSS 2.0 feed whose one entry links to a section front, a page that holds no article."""
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Indeks</title>'
            f"<link>{base}/</link><description>Indeks berita</description><item><title>Indeks Berita</title>"
            f"<link>{base}/kosong.html</link></item></channel></rss>")


def atom_feed(articles: list[SiteArticle], base: str) -> str:
    """An Atom feed of ``articles`` with links relative to the feed."""
    entries = "".join(
        f'<entry><title>{html.escape(a.title)}</title><link rel="alternate" href="..{a.path}"/>'
        f"<id>tag:news,{a.published}:{a.slug}</id><updated>{a.updated or _utc(a.published_at)}</updated></entry>"
        for a in articles)
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Berita Terkini</title><id>{base}/</id><updated>2017-01-01T00:00:00Z</updated>{entries}</feed>")


def rdf_feed(articles: list[SiteArticle], base: str) -> str:
    """An RSS 1.0 (RDF) feed of ``articles``."""
    items = "".join(
        f'<item rdf:about="{base}{a.path}"><title>{html.escape(a.title)}</title><link>{base}{a.path}</link>'
        f"<dc:date>{a.published_at.isoformat()}</dc:date></item>" for a in articles)
    return ('<?xml version="1.0" encoding="utf-8"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<channel rdf:about="{base}/feed/rdf.xml"><title>Berita Terkini</title><link>{base}/</link>'
            f"<description>Berita terbaru</description></channel>{items}</rdf:RDF>")


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
