"""``newsbot feeds`` and ``newsbot fetch`` against the news site on 127.0.0.1, with the real model."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys

import pytest

from retrieval.search.search import Searcher
from retrieval.store.index import load_index

from conftest import ROOT, SEEDS
from test_cli import newsbot

pytestmark = pytest.mark.slow


def test_feeds_are_followed_fetched_once_and_failures_kept(served_site, tmp_path, cli_env, embedder):
    folder = tmp_path / "index"
    env = {**cli_env, "NEWSBOT_FETCH_ALLOW_PRIVATE": "1"}
    rss, broken = served_site.url("/feed/rss.xml"), served_site.url("/feed/tidak-ada.xml")
    assert newsbot("feeds", "add", rss, "--outlet", "Situs Uji", "--index", str(folder), env=env).returncode == 0
    assert newsbot("feeds", "add", broken, "--index", str(folder), env=env).returncode == 0
    twice = newsbot("feeds", "add", rss, "--index", str(folder), env=env)
    assert twice.returncode == 1 and "already followed" in twice.stderr
    listed = newsbot("feeds", "list", "--index", str(folder), env=env).stdout.splitlines()
    assert listed == ["newsbot status",
                      f"Index: 0 articles, 0 passages; model {embedder.model_name} (no index yet: newsbot index "
                      "builds one)",
                      f"{rss}  (Situs Uji)  not fetched yet", f"{broken}  (outlet from the site)  not fetched yet"]

    first = newsbot("fetch", "--index", str(folder), env=env)
    assert first.returncode == 0, first.stderr
    assert "Added 3," in first.stdout and "3 new, 0 failed" in first.stdout, first.stdout
    assert "0 new, 0 failed" in first.stdout and "last error:" in first.stdout and "404" in first.stdout
    article = served_site.articles[2]
    asked = newsbot("ask", "--json", "--index", str(folder), article.title, env=env)
    first_hit = json.loads(asked.stdout)["results"][0]
    assert first_hit["outlet"] == "Situs Uji" and first_hit["title"] == article.title
    index = load_index(folder, model=embedder.model_name)
    bylines = {a.title: a.author for a in index.articles}
    assert bylines[article.title] == article.author  # the page's byline is kept with the article
    shown = newsbot("feeds", "list", "--index", str(folder), env=env).stdout.splitlines()
    assert shown[:3] == ["newsbot status",
                         f"Index: 3 articles, {len(index.passages)} passages; model {index.manifest.model}",
                         "Articles per outlet: Situs Uji 3"]
    fetched = r"last fetch \d{4}-\d\d-\d\d \d\d:\d\d UTC"
    assert re.fullmatch(rf"{re.escape(rss)}  \(Situs Uji\)  {fetched}: 3 new, 0 failed", shown[3]), shown
    assert re.fullmatch(rf"{re.escape(broken)}  \(outlet from the site\)  {fetched}: 0 new, 0 failed", shown[4])
    assert shown[5].startswith("  last error: HTTP 404: the page is not there") and len(shown) == 6

    pages_before = sum(served_site.requested(a.path) for a in served_site.articles)
    again = newsbot("fetch", "--index", str(folder), env=env)
    assert again.returncode == 0 and "Added" not in again.stdout, again.stdout
    assert sum(served_site.requested(a.path) for a in served_site.articles) == pages_before  # no page fetched again

    assert newsbot("feeds", "remove", broken, "--index", str(folder), env=env).returncode == 0
    gone = newsbot("feeds", "remove", broken, "--index", str(folder), env=env)
    assert gone.returncode == 1 and "is not followed" in gone.stderr
    assert broken not in newsbot("feeds", "list", "--index", str(folder), env=env).stdout


def test_a_password_or_key_in_a_feed_address_is_never_shown_or_logged(served_site, tmp_path, cli_env):
    folder = tmp_path / "index"
    env = {**cli_env, "NEWSBOT_FETCH_ALLOW_PRIVATE": "1"}
    base = served_site.url("/feed/tidak-ada.xml").replace("http://", "http://pembaca:rahasia-sandi@")
    feed = base + "?api_key=kunci-rahasia&bagian=berita"
    assert newsbot("feeds", "add", feed, "--index", str(folder), env=env).returncode == 0
    fetched = newsbot("fetch", "--index", str(folder), env=env)
    listed = newsbot("feeds", "list", "--index", str(folder), env=env)
    assert fetched.returncode == 0 and listed.returncode == 0, fetched.stderr
    shown = served_site.url("/feed/tidak-ada.xml").replace("http://", "http://<redacted>@")
    assert f"WARNING retrieval.fetch.feed_round: reading the feed {shown}?api_key=<redacted>&bagian=berita failed: " \
           "HTTP 404" in fetched.stderr
    assert f"{shown}?api_key=<redacted>&bagian=berita  (outlet from the site)" in listed.stdout
    for text in (fetched.stdout, fetched.stderr, listed.stdout, listed.stderr):
        assert "rahasia-sandi" not in text and "kunci-rahasia" not in text
    assert newsbot("feeds", "remove", feed, "--index", str(folder), env=env).returncode == 0  # the full address still works


def test_fetch_with_no_feeds_and_a_bad_address_say_what_to_do(tmp_path, cli_env):
    folder = tmp_path / "index"
    none = newsbot("fetch", "--index", str(folder), env=cli_env)
    assert none.returncode == 1 and "newsbot feeds add URL" in none.stderr
    bad = newsbot("feeds", "add", "ftp://example.org/feed", "--index", str(folder), env=cli_env)
    assert bad.returncode == 1 and "http:// or https://" in bad.stderr


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, cli_env):
    folder = tmp_path_factory.mktemp("fetch-kill") / "index"
    assert newsbot("index", str(SEEDS), "--index", str(folder), env=cli_env).returncode == 0
    return folder


# (function entered, which call): while pages are fetched, while the new generation is written,
# and after it is live but before the round is recorded.
FETCH_KILL_POINTS = [("article_from_page", 2), ("write_table", 1), ("record", 1)]


@pytest.mark.parametrize(("function", "nth"), FETCH_KILL_POINTS)
def test_a_fetch_killed_midway_leaves_the_index_whole_and_the_next_one_finishes(function, nth, seeded, served_site,
                                                                                tmp_path, cli_env, embedder):
    folder = tmp_path / "index"
    shutil.copytree(seeded, folder)
    env = {**cli_env, "NEWSBOT_FETCH_ALLOW_PRIVATE": "1"}
    assert newsbot("feeds", "add", served_site.url("/feed/rss.xml"), "--index", str(folder), env=env).returncode == 0
    killed = subprocess.run([sys.executable, str(ROOT / "tests" / "kill_at.py"), function, str(nth), "fetch",
                             "--index", str(folder)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-2000:])

    index = load_index(folder, model=embedder.model_name)  # whole: it loads and answers
    assert len(index.articles) == (8 if function == "record" else 5)  # the seeds, plus the fetch once it is live
    hits = Searcher(embedder, index).search("Kapan Putin akan mengunjungi Vietnam?", 3).hits
    assert any("Vietnam" in h.passage.text for h in hits)
    assert "not fetched yet" in newsbot("feeds", "list", "--index", str(folder), env=env).stdout  # not recorded

    again = newsbot("fetch", "--index", str(folder), env=env)
    assert again.returncode == 0, again.stderr
    assert "3 new, 0 failed" in again.stdout, again.stdout
    embedded = int(re.search(r"passages embedded: (\d+)", again.stdout).group(1))
    if function == "record":  # already indexed: nothing added, nothing embedded again
        assert "Added 0, updated 0, removed 0, unchanged 8;" in again.stdout and embedded == 0, again.stdout
    else:
        assert "Added 3," in again.stdout and embedded > 0, again.stdout
    assert len(load_index(folder, model=embedder.model_name).articles) == 8


def test_an_entry_the_feed_says_was_updated_is_fetched_again_and_replaces_its_passages(tmp_path, cli_env, embedder):
    from dataclasses import replace

    from news_site import NewsSite, load_articles

    folder = tmp_path / "index"
    env = {**cli_env, "NEWSBOT_FETCH_ALLOW_PRIVATE": "1"}
    with NewsSite(load_articles(2)) as site:
        assert newsbot("feeds", "add", site.url("/feed/atom.xml"), "--index", str(folder), env=env).returncode == 0
        assert "Added 2," in newsbot("fetch", "--index", str(folder), env=env).stdout
        old = site.articles[0]
        correction = "Koreksi redaksi: angka yang benar adalah tujuh belas ribu empat ratus dua puluh satu unit."
        site.articles[0] = replace(old, text=old.text + "\n\n" + correction, updated="2026-12-04T08:00:00Z")

        again = newsbot("fetch", "--index", str(folder), env=env)
        assert "Added 0, updated 1, removed 0" in again.stdout, again.stdout
        assert site.requested(site.articles[1].path) == 1  # the other entry is not fetched again
        index = load_index(folder, model=embedder.model_name)
        assert len(index.articles) == 2
        assert sum(correction in p.text for p in index.passages) == 1  # the new text, once

        third = newsbot("fetch", "--index", str(folder), env=env)
        assert "Added" not in third.stdout and site.requested(old.path) == 2


def test_fetch_every_n_minutes_goes_on_until_stopped_and_survives_a_failed_round(served_site, tmp_path, embedder,
                                                                                 monkeypatch, capsys):
    import argparse
    import io

    from bot.cli_feeds import run_fetch
    from retrieval.errors import ConfigError
    from retrieval.fetch.feed_list import FeedList

    monkeypatch.setenv("NEWSBOT_FETCH_ALLOW_PRIVATE", "1")
    monkeypatch.setenv("NEWSBOT_FETCH_MINUTES", "30")  # the bot's schedule: no loop for `newsbot fetch`
    folder, out, naps = tmp_path / "index", io.StringIO(), []

    def sleep(seconds: float) -> None:  # the operator's Ctrl-C comes during the third wait
        naps.append(seconds)
        if len(naps) == 1:
            feeds = FeedList(folder)
            feeds.add(served_site.url("/feed/rss.xml"))
            feeds.close()
        if len(naps) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_fetch(argparse.Namespace(index=folder, once=False, every=30), embedder, out, sleep=sleep)
    assert naps == [1800, 1800, 1800]
    assert "this round failed: no feeds are followed" in capsys.readouterr().err  # round 1, and it went on
    rounds = out.getvalue().split("Next round in 30 min")
    assert "Added 3," in rounds[1] and "Added" not in rounds[2]  # round 2 indexed, round 3 found nothing new

    for once, every in ((True, 30), (False, None)):  # --once wins; no --every is one round, whatever the env says
        printed = io.StringIO()
        assert run_fetch(argparse.Namespace(index=folder, once=once, every=every), embedder, printed,
                         sleep=sleep) == 0
        assert "Next round" not in printed.getvalue() and len(naps) == 3
    once = io.StringIO()
    with pytest.raises(ConfigError, match="--every 0"):
        run_fetch(argparse.Namespace(index=folder, once=False, every=0), embedder, once, sleep=sleep)
