"""``newsbot index URL``: article pages fetched from a news site on 127.0.0.1, indexed, answered."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.answers import card_data
from bot.formatting import card_html
from retrieval.fetch.fetcher import FetchSettings
from retrieval.fetch.web_sources import read_pages
from retrieval.search.search import Searcher
from retrieval.store.index import load_index
from retrieval.store.indexing import update_index

from news_site import FURNITURE, WIB, NewsSite, load_articles
from test_cli import newsbot

pytestmark = pytest.mark.slow


def test_pages_are_indexed_and_answered_and_failures_named(served_site, tmp_path, cli_env):
    folder = tmp_path / "index"
    article = served_site.articles[0]
    env = {**cli_env, "NEWSBOT_FETCH_ALLOW_PRIVATE": "1"}
    done = newsbot("index", served_site.url(article.path), served_site.url("/tidak-ada.html"), "--index", str(folder),
                   env=env)
    assert done.returncode == 0, done.stderr
    assert "Added 1," in done.stdout, done.stdout
    assert "tidak-ada.html" in done.stdout + done.stderr and "404" in done.stdout + done.stderr
    sentence = next(p for p in article.text.split("\n") if len(p.split()) > 12)
    asked = newsbot("ask", "--json", "--index", str(folder), " ".join(sentence.split()[:12]), env=env)
    assert asked.returncode == 0, asked.stderr
    first = json.loads(asked.stdout)["results"][0]
    assert first["url"] == served_site.url(article.path) and first["title"] == article.title
    assert not any(phrase in first["text"] for phrase in FURNITURE)
    again = newsbot("index", served_site.url(article.path), "--index", str(folder), env=env)
    assert again.returncode == 0 and "passages embedded: 0" in again.stdout, again.stdout


def test_private_addresses_are_refused_unless_allowed(served_site, tmp_path, cli_env):
    folder = tmp_path / "index"
    done = newsbot("index", served_site.url(served_site.articles[1].path), "--index", str(folder), env=cli_env)
    assert done.returncode != 0 and "NEWSBOT_FETCH_ALLOW_PRIVATE" in done.stderr
    assert not folder.exists() or not any(folder.iterdir())
    wrong = newsbot("index", served_site.url(served_site.articles[1].path), "--index", str(folder),
                    env={**cli_env, "NEWSBOT_FETCH_ALLOW_PRIVATE": "yes"})
    assert wrong.returncode != 0 and "NEWSBOT_FETCH_ALLOW_PRIVATE='yes' must be one of 0, 1" in wrong.stderr
    synced = newsbot("index", served_site.url(served_site.articles[1].path), "--sync", "--index", str(folder),
                     env={**cli_env, "NEWSBOT_FETCH_ALLOW_PRIVATE": "1"})
    assert synced.returncode != 0 and "--sync mirrors files and folders" in synced.stderr


def test_a_page_published_two_hours_ago_is_carded_with_its_time_and_age_in_hours(tmp_path, embedder):
    now = datetime.now(WIB).replace(second=0, microsecond=0)
    published = now - timedelta(hours=2, minutes=10)
    article = replace(load_articles(1)[0], published=published.date().isoformat(), time=f"{published:%H:%M}")
    with NewsSite([article]) as site:
        pages = read_pages([site.url(article.path)], FetchSettings(allow_private=True, host_delay_s=0.0))
    update_index([], tmp_path / "index", embedder, pages=pages)
    index = load_index(tmp_path / "index", model=embedder.model_name)
    assert [a.date for a in index.articles] == [published.isoformat()]  # the page's article:published_time
    hit = Searcher(embedder, index).search(article.title, 1).hits[0]
    card = card_html(card_data(hit, now=now), "id").html
    assert f"{published:%Y-%m-%d %H:%M} WIB · 2 jam yang lalu · " in card
    assert card_data(hit, language="en", now=now).age == "2 hours ago"
