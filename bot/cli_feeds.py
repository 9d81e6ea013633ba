"""``newsbot feeds add|remove|list`` and ``newsbot fetch``: following feeds from the terminal."""

from __future__ import annotations

import argparse
import os
from typing import TextIO

from retrieval.errors import ConfigError
from retrieval.fetch.feed_list import FeedList
from retrieval.fetch.feed_round import read_feeds, round_pages
from retrieval.fetch.web_sources import fetch_settings_from_env
from retrieval.model.embedding import Embedder
from retrieval.store.store_settings import StoreSettings
from retrieval.store.stores import index_sources

from bot.cli_output import print_feeds, print_index_report


def run_feeds(args: argparse.Namespace, out: TextIO) -> int:
    """``newsbot feeds add|remove|list``."""
    feeds = FeedList(args.index)
    try:
        if args.feeds_command == "add":
            feeds.add(args.url, args.outlet)
            out.write(f"Following {args.url}; `newsbot fetch` reads it\n")
        elif args.feeds_command == "remove":
            feeds.remove(args.url)
            out.write(f"No longer following {args.url}\n")
        else:
            print_feeds(feeds.feeds(), out)
    finally:
        feeds.close()
    return 0


def run_fetch(args: argparse.Namespace, embedder: Embedder, out: TextIO) -> int:
    """``newsbot fetch``: one round over the feeds; new articles indexed, then the round recorded."""
    feeds = FeedList(args.index)
    try:
        if not feeds.feeds():
            raise ConfigError("no feeds are followed; add one with: newsbot feeds add URL")
        outcomes = read_feeds(feeds, fetch_settings_from_env(os.environ))
        pages = round_pages(outcomes)
        if pages.articles:
            print_index_report(index_sources(StoreSettings.from_env(), [], args.index, embedder, sync=False,
                                             pages=pages), out)
        for outcome in outcomes:
            feeds.record(outcome.feed, etag=outcome.etag, last_modified=outcome.last_modified,
                         new=len(outcome.articles), failed=outcome.failed, error=outcome.error,
                         indexed=outcome.entries)
        print_feeds(feeds.feeds(), out)
    finally:
        feeds.close()
    return 0
