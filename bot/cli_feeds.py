"""``newsbot feeds add|remove|list`` and ``newsbot fetch``: following feeds from the terminal."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TextIO

from retrieval.errors import ConfigError, IndexFolderError, NewsbotError
from retrieval.fetch.feed_list import Feed, FeedList
from retrieval.fetch.updates import FetchRun, fetch_and_index
from retrieval.fetch.web_sources import fetch_settings_from_env
from retrieval.model.embedding import Embedder
from retrieval.store.index import current_generation, read_manifest
from retrieval.store.store_settings import StoreSettings
from retrieval.store.stores import describe

from bot.cli_output import print_feeds, print_index_report
from bot.logs import redact_urls
from bot.status import StatusReport, status_plain

log = logging.getLogger(__name__)


def run_feeds(args: argparse.Namespace, embedder: Embedder, out: TextIO) -> int:
    """``newsbot feeds add|remove|list`` (``list`` shows what the bot's /status shows, uptime aside)."""
    feeds = FeedList(args.index)
    try:
        if args.feeds_command == "add":
            feeds.add(args.url, args.outlet)
            out.write(f"Following {redact_urls(args.url)}; `newsbot fetch` reads it\n")
        elif args.feeds_command == "remove":
            feeds.remove(args.url)
            out.write(f"No longer following {redact_urls(args.url)}\n")
        else:
            out.write(status_plain(_status(args.index, embedder, feeds.feeds())))
    finally:
        feeds.close()
    return 0


def _status(folder: Path, embedder: Embedder, feeds: list[Feed]) -> StatusReport:
    """The index's size and outlets (from its manifest, or Milvus), and the feeds."""
    stores = StoreSettings.from_env()
    if stores.store == "milvus":
        stats = describe(stores, folder, embedder)
        return StatusReport(stats.articles, stats.passages, sorted(stats.outlets.items(), key=_most), stats.model,
                            feeds)
    try:
        manifest = read_manifest(current_generation(folder))
    except IndexFolderError:
        return StatusReport(0, 0, [], f"{embedder.model_name} (no index yet: newsbot index builds one)", feeds)
    return StatusReport(manifest.articles, manifest.passages, sorted(manifest.outlets.items(), key=_most),
                        manifest.model, feeds)


def _most(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


def run_fetch(args: argparse.Namespace, embedder: Embedder, out: TextIO, *,
              sleep: Callable[[float], None] = time.sleep) -> int:
    """``newsbot fetch``: a round over the feeds (new articles indexed, then the round recorded), once or
    every ``--every`` minutes until interrupted."""
    minutes = 0 if args.once or args.every is None else _every(args.every)
    fetch = partial(fetch_and_index, args.index, StoreSettings.from_env(), embedder,
                    fetch_settings_from_env(os.environ))
    if not minutes:
        _print_round(fetch(), out)
        return 0
    while True:
        try:
            _print_round(fetch(), out)
        except NewsbotError as exc:  # the next round may well work (an index being written, no feeds yet)
            print(f"newsbot: this round failed: {exc}", file=sys.stderr)
        except Exception as exc:  # noqa: BLE001 - a bug or a full disk: logged with its traceback, then on
            log.exception("this round failed unexpectedly")
            print(f"newsbot: this round failed unexpectedly ({exc.__class__.__name__}: {exc}); next round as planned",
                  file=sys.stderr)
        out.write(f"Next round in {minutes} min (Ctrl-C stops)\n")
        out.flush()
        sleep(minutes * 60)


def _every(minutes: int) -> int:
    if not 1 <= minutes <= 10_080:
        raise ConfigError(f"--every {minutes}: give the minutes between rounds, from 1 to 10080")
    return minutes


def _print_round(fetched: FetchRun, out: TextIO) -> None:
    if fetched.report is not None:
        print_index_report(fetched.report, out)
    print_feeds(fetched.feeds, out)
    out.flush()
