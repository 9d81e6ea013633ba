"""The ``newsbot`` command: build an index and ask it questions from the terminal."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterable
from functools import partial
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

from retrieval.model.embedding import Embedder
from retrieval.errors import ConfigError, NewsbotError, QuestionError, SourceError
from retrieval.fetch.updates import fetch_and_index
from retrieval.fetch.web_sources import fetch_settings_from_env, is_url, read_pages
from retrieval.evaluation import RETRIEVERS, evaluate, memory_index, read_corpus, read_queries
from retrieval.reader.reader import ready_reader, reader_for
from retrieval.search.search import Filters, SearchResult, Searcher, check_k
from retrieval.settings import RetrievalSettings
from retrieval.store.store_settings import StoreSettings
from retrieval.store.stores import describe, index_sources, live, remove_ids, searchable

from bot.answers import AnswerService
from bot.app import build_application
from bot.chat import chat, keep_undecodable
from bot.cli_feedback import run_feedback
from bot.cli_feeds import run_feeds, run_fetch
from bot.cli_output import printable, print_hits, print_index_report, print_scores, print_stats, result_json
from bot.feed_job import FeedJob
from bot.feedback import FeedbackStore
from bot.handlers import BotData
from bot.logs import configure_logging, redact_handlers
from bot.state import open_state
from bot.running import run
from bot.settings import AnswerSettings, BotSettings

DEFAULT_SOURCES = [Path("seeds")]


def build_parser(settings: RetrievalSettings) -> argparse.ArgumentParser:
    """The argument parser; defaults come from ``settings``."""
    parser = argparse.ArgumentParser(prog="newsbot", description="Cited news passages for your questions.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    index_help = f"index folder (default: {settings.index_dir}, or NEWSBOT_INDEX_DIR)"
    index = commands.add_parser("index", help="add or update articles from files, folders or article pages "
                                              "(only changes are embedded)")
    index.add_argument("paths", nargs="*", metavar="PATH|URL",
                       help="article files (.txt, .jsonl), folders, or http(s) addresses of article pages; "
                            "default: seeds/")
    index.add_argument("--index", type=Path, default=settings.index_dir, metavar="DIR", help=index_help)
    index.add_argument("--sync", action="store_true",
                       help="mirror the sources: also remove indexed articles that are not in them")

    feeds = commands.add_parser("feeds", help="the RSS/Atom/RDF feeds `newsbot fetch` follows")
    feed_commands = feeds.add_subparsers(dest="feeds_command", required=True, metavar="ACTION")
    feeds_add = feed_commands.add_parser("add", help="follow a feed")
    feeds_add.add_argument("url", metavar="URL", help="the feed's http(s) address")
    feeds_add.add_argument("--outlet", help="the outlet to credit (default: the site's own name)")
    feeds_remove = feed_commands.add_parser("remove", help="stop following a feed")
    feeds_remove.add_argument("url", metavar="URL")
    feeds_list = feed_commands.add_parser("list", help="every feed with its last fetch: new, failed, last error")
    for sub in (feeds_add, feeds_remove, feeds_list):
        sub.add_argument("--index", type=Path, default=settings.index_dir, metavar="DIR", help=index_help)

    fetch = commands.add_parser("fetch", help="read every followed feed and index the new articles: once, or "
                                              "every N minutes until stopped")
    fetch.add_argument("--index", type=Path, default=settings.index_dir, metavar="DIR", help=index_help)
    fetch.add_argument("--once", action="store_true", help="one round, then exit (the default)")
    fetch.add_argument("--every", type=int, metavar="MINUTES",
                       help="a round every MINUTES (1-10080) until stopped, e.g. as a fetcher process of its own")

    remove = commands.add_parser("remove", help="remove articles from the index by id")
    remove.add_argument("ids", nargs="+", metavar="ID", help="article ids (as `newsbot ask --json` shows them)")
    remove.add_argument("--index", type=Path, default=settings.index_dir, metavar="DIR", help=index_help)

    feedback = commands.add_parser("feedback", help="what users voted on answers: 👎 share per outlet and week, "
                                                    "the questions most voted down")
    feedback.add_argument("--index", type=Path, default=settings.index_dir, metavar="DIR", help=index_help)
    feedback.add_argument("--json", action="store_true", help="print one JSON object")

    stats = commands.add_parser("stats", help="what the index holds and its size on disk and in memory")
    stats.add_argument("--index", type=Path, default=settings.index_dir, metavar="DIR", help=index_help)
    stats.add_argument("--json", action="store_true", help="print one JSON object")

    ask = commands.add_parser("ask", help="print the passages that best answer a question")
    ask.add_argument("question", nargs="?", help="the question; omit to read one question per line from stdin")
    ask.add_argument("-k", type=int, default=3, metavar="N", help="number of passages (default: 3)")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--index", type=Path, default=settings.index_dir, metavar="DIR",
                     help=f"index folder (default: {settings.index_dir}, or NEWSBOT_INDEX_DIR)")
    ask.add_argument("--outlet", action="append", default=[], metavar="NAME",
                     help="only passages from this outlet (repeatable, case-insensitive)")
    ask.add_argument("--fast", action="store_true",
                     help="skip the reader: retrieval's order, no answer span (about 25 ms a question)")
    ask.add_argument("--since", metavar="YYYY-MM-DD", help="only articles dated on or after this day")
    ask.add_argument("--until", metavar="YYYY-MM-DD", help="only articles dated on or before this day")

    run = commands.add_parser("run", help="start the Telegram bot (builds the index from seeds/ on first run)")
    run.add_argument("--index", type=Path, default=settings.index_dir, metavar="DIR",
                     help=f"index folder (default: {settings.index_dir}, or NEWSBOT_INDEX_DIR)")

    chat = commands.add_parser("chat", help="talk to the bot's answer pipeline in this terminal")
    chat.add_argument("--index", type=Path, default=settings.index_dir, metavar="DIR",
                      help=f"index folder (default: {settings.index_dir}, or NEWSBOT_INDEX_DIR)")
    chat.add_argument("--lang", choices=["id", "en"], default="id", help="interface language (default: id)")

    evaluate = commands.add_parser("eval", help="score retrieval on a benchmark (corpus and queries JSONL)")
    evaluate.add_argument("--corpus", type=Path, required=True, help="JSONL of passages: id, title, text")
    evaluate.add_argument("--queries", type=Path, required=True, help="JSONL of queries: question, positive_ids")
    evaluate.add_argument("--retriever", choices=[*RETRIEVERS, "all"], default="hybrid",
                          help="newsbot's hybrid search (default), one half of it, or all three")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object per retriever")
    evaluate.add_argument("--min-score", type=float, default=settings.min_score, metavar="S",
                          help="similarity of the first passage below which a query counts as abstained "
                               f"(default: {settings.min_score}, or NEWSBOT_MIN_SCORE)")
    return parser


def run_eval(args: argparse.Namespace, embedder: Embedder, out: TextIO) -> int:
    """``newsbot eval``: index the corpus in memory, run the queries, print the metrics."""
    if not -1.0 <= args.min_score <= 1.0:
        raise ConfigError(f"--min-score must be a similarity from -1 to 1, got {args.min_score}")
    passages, queries = read_corpus(args.corpus), read_queries(args.queries)
    if not passages or not queries:
        raise SourceError("the corpus and the queries must each hold at least one line")
    index = memory_index(passages, embedder)
    names = list(RETRIEVERS) if args.retriever == "all" else [args.retriever]
    for name in names:
        scores = evaluate(index, embedder, queries, name, args.min_score)
        out.write(json.dumps(scores.as_json()) + "\n" if args.json else print_scores(scores))
    return 0


def run_index(args: argparse.Namespace, embedder: Embedder, out: TextIO) -> int:
    """``newsbot index``: read, chunk, embed what changed and save; print what changed."""
    urls = [source for source in args.paths if is_url(source)]
    if urls and args.sync:
        raise ConfigError("--sync mirrors files and folders; index article pages without it")
    paths = [Path(source) for source in args.paths if not is_url(source)]
    pages = read_pages(urls, fetch_settings_from_env(os.environ)) if urls else None
    report = index_sources(StoreSettings.from_env(), paths if urls else paths or DEFAULT_SOURCES, args.index,
                           embedder, sync=args.sync, pages=pages)
    print_index_report(report, out)
    if report.unreadable:
        print(f"newsbot: error: {len(report.unreadable)} source(s) could not be read (listed above); "
              "what came from them was left as it was", file=sys.stderr)
        return 1
    return 0


def run_remove(args: argparse.Namespace, embedder: Embedder, out: TextIO) -> int:
    """``newsbot remove``: drop articles by id; exit 1 if none of the ids was in the index."""
    report = remove_ids(StoreSettings.from_env(), args.ids, args.index, embedder)
    print_index_report(report, out)
    return 0 if report.removed else 1


def run_stats(args: argparse.Namespace, embedder: Embedder, out: TextIO) -> int:
    """``newsbot stats``: describe the index."""
    stats = describe(StoreSettings.from_env(), args.index, embedder)
    out.write(json.dumps(asdict(stats), ensure_ascii=False) + "\n" if args.json else print_stats(stats))
    return 0


def run_ask(args: argparse.Namespace, embedder: Embedder, out: TextIO, stdin: TextIO) -> int:
    """``newsbot ask``: answer one question, or each line of stdin (with --json, one object a line)."""
    check_k(args.k)
    filters = Filters(frozenset(args.outlet), args.since, args.until)
    reader = None if args.fast else reader_for(embedder.settings)
    searcher = Searcher(embedder, searchable(StoreSettings.from_env(), args.index, embedder),
                        min_dense=embedder.settings.min_score, reader=reader)
    questions: Iterable[str] = [args.question] if args.question is not None else _lines(stdin, args.json)
    failures = 0
    for question in questions:
        try:
            result = searcher.search(question, args.k, filters)
        except QuestionError as exc:
            failures += 1
            _report_question_error(question, exc, args.json, out)
            continue
        _print_answer(result, args.json, out)
    return 1 if failures else 0


def _lines(stdin: TextIO, every: bool) -> Iterable[str]:
    """Each line of ``stdin``; blank ones too when ``every`` (so answers line up with questions).

    Bytes that are not UTF-8 are kept as surrogates, so that line alone is refused, not the rest."""
    keep_undecodable(stdin)
    for line in stdin:
        if every or line.strip():
            yield line.rstrip("\r\n")


def _print_answer(result: SearchResult, as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(json.dumps(result_json(result), ensure_ascii=False) + "\n")
    else:
        print_hits(result, out)
    out.flush()


def _report_question_error(question: str, exc: QuestionError, as_json: bool, out: TextIO) -> None:
    print(f"newsbot: {exc}", file=sys.stderr)
    if as_json:
        shown = printable(question)
        out.write(json.dumps({"question": shown, "error": str(exc), "results": []}, ensure_ascii=False) + "\n")
        out.flush()


def run_chat(args: argparse.Namespace, embedder: Embedder) -> int:
    """``newsbot chat``: the same answers and cards as the bot, as plain text."""
    answer_settings = AnswerSettings.from_env()
    service = AnswerService(live(StoreSettings.from_env(), args.index, embedder, ready_reader(embedder.settings)))
    return chat(service, sys.stdin, sys.stdout, language=args.lang, page_size=answer_settings.results_per_page)


def run_bot(args: argparse.Namespace, embedder: Embedder) -> int:
    """``newsbot run``: wire settings, index, answer service and handlers, then serve until stopped.

    Failures to reach Telegram, or a token it rejects, end the command with a one-line error."""
    bot_settings, stores = BotSettings.from_env(), StoreSettings.from_env()
    configure_logging(bot_settings.secrets() + stores.secrets())
    fetching = fetch_settings_from_env(os.environ)
    state = open_state(bot_settings)
    reader = ready_reader(embedder.settings)
    index = live(stores, args.index, embedder, reader, build_from=DEFAULT_SOURCES)
    feedback = FeedbackStore(args.index)
    job = FeedJob(partial(fetch_and_index, args.index, stores, embedder, fetching), index.refresh,
                  minutes=bot_settings.fetch_minutes)
    data = BotData(
        answers=AnswerService(index),
        limiter=state.limiter,
        pages=state.pages,
        allowed_ids=bot_settings.allowed_ids,
        admin_ids=bot_settings.admin_ids,
        results_per_page=bot_settings.answers.results_per_page,
        feedback=feedback,
        feed_job=job,
        feeds_folder=args.index,
        model=embedder.model_name + (f" + reader ({reader.form})" if reader else ""),
    )
    async def close() -> None:
        job.close()
        feedback.close()
        await state.close()

    run(build_application(bot_settings, data, on_shutdown=close), bot_settings)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``newsbot`` console script."""
    from dotenv import load_dotenv

    load_dotenv()
    try:
        settings = RetrievalSettings.from_env()
        args = build_parser(settings).parse_args(argv)
        logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                            format="%(levelname)s %(name)s: %(message)s")
        redact_handlers()  # feed and page URLs in log lines may carry a password or key
        embedder = Embedder(settings)
        if args.command == "index":
            return run_index(args, embedder, sys.stdout)
        if args.command == "remove":
            return run_remove(args, embedder, sys.stdout)
        if args.command == "feeds":
            return run_feeds(args, embedder, sys.stdout)
        if args.command == "fetch":
            return run_fetch(args, embedder, sys.stdout)
        if args.command == "feedback":
            return run_feedback(args, sys.stdout)
        if args.command == "stats":
            return run_stats(args, embedder, sys.stdout)
        if args.command == "ask":
            return run_ask(args, embedder, sys.stdout, sys.stdin)
        if args.command == "eval":
            return run_eval(args, embedder, sys.stdout)
        if args.command == "chat":
            return run_chat(args, embedder)
        return run_bot(args, embedder)
    except NewsbotError as exc:
        print(f"newsbot: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader (e.g. `| head`) stopped reading: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
        return 0
    except KeyboardInterrupt:
        print("newsbot: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
