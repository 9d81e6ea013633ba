"""``newsbot index URL``: article pages fetched from a news site on 127.0.0.1, indexed, answered."""

from __future__ import annotations

import json

import pytest

from news_site import FURNITURE
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
