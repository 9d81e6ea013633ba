"""``newsbot feeds`` and ``newsbot fetch`` against the news site on 127.0.0.1, with the real model."""

from __future__ import annotations

import json

import pytest

from test_cli import newsbot

pytestmark = pytest.mark.slow


def test_feeds_are_followed_fetched_once_and_failures_kept(served_site, tmp_path, cli_env):
    folder = tmp_path / "index"
    env = {**cli_env, "NEWSBOT_FETCH_ALLOW_PRIVATE": "1"}
    rss, broken = served_site.url("/feed/rss.xml"), served_site.url("/feed/tidak-ada.xml")
    assert newsbot("feeds", "add", rss, "--outlet", "Situs Uji", "--index", str(folder), env=env).returncode == 0
    assert newsbot("feeds", "add", broken, "--index", str(folder), env=env).returncode == 0
    twice = newsbot("feeds", "add", rss, "--index", str(folder), env=env)
    assert twice.returncode == 1 and "already followed" in twice.stderr
    listed = newsbot("feeds", "list", "--index", str(folder), env=env)
    assert rss in listed.stdout and "Situs Uji" in listed.stdout and "not fetched yet" in listed.stdout

    first = newsbot("fetch", "--index", str(folder), env=env)
    assert first.returncode == 0, first.stderr
    assert "Added 3," in first.stdout and "3 new, 0 failed" in first.stdout, first.stdout
    assert "0 new, 0 failed" in first.stdout and "last error:" in first.stdout and "404" in first.stdout
    article = served_site.articles[2]
    asked = newsbot("ask", "--json", "--index", str(folder), article.title, env=env)
    first_hit = json.loads(asked.stdout)["results"][0]
    assert first_hit["outlet"] == "Situs Uji" and first_hit["title"] == article.title

    pages_before = sum(served_site.requested(a.path) for a in served_site.articles)
    again = newsbot("fetch", "--index", str(folder), env=env)
    assert again.returncode == 0 and "Added" not in again.stdout, again.stdout
    assert sum(served_site.requested(a.path) for a in served_site.articles) == pages_before  # no page fetched again

    assert newsbot("feeds", "remove", broken, "--index", str(folder), env=env).returncode == 0
    gone = newsbot("feeds", "remove", broken, "--index", str(folder), env=env)
    assert gone.returncode == 1 and "is not followed" in gone.stderr
    assert broken not in newsbot("feeds", "list", "--index", str(folder), env=env).stdout


def test_fetch_with_no_feeds_and_a_bad_address_say_what_to_do(tmp_path, cli_env):
    folder = tmp_path / "index"
    none = newsbot("fetch", "--index", str(folder), env=cli_env)
    assert none.returncode == 1 and "newsbot feeds add URL" in none.stderr
    bad = newsbot("feeds", "add", "ftp://example.org/feed", "--index", str(folder), env=cli_env)
    assert bad.returncode == 1 and "http:// or https://" in bad.stderr
