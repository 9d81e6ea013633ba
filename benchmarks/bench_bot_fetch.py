"""The bot while its scheduled fetch runs: memory, and whether and how fast it keeps answering.

Builds the seed index in a temporary folder, starts the news site of tests/news_site.py on
127.0.0.1 with the corpus's first N articles, and runs the real bot (fake Bot API of tests/, reader
on as NEWSBOT_READER sets it) following the site's RSS feed with a FeedJob, the "fetch-feeds" job
scheduled every minute. U simulated users each ask questions one after another, all at once; latency
runs from the moment an update is queued at the server to the moment the bot's reply reaches it.

1. idle: each user asks Q questions; latency, and the process's RSS once ready;
2. during the fetch: the scheduled job is run now, and the users keep asking until it ends. Latency
   of the questions answered while it ran, split at the moment the site has served every article
   page (after it the fetch extracts and embeds); RSS sampled every 0.2 s (peak); the fetch's seconds
   and its result;
3. after: RSS after a gc.collect(), and whether a question about a fetched article's title is
   answered from the new index (credited to the feed's outlet).

The first scheduled fetch would come 60 s after the bot starts; the idle phase must end before.

    python benchmarks/bench_bot_fetch.py [--articles 200] [--delay 0.2] [--users 5] [--questions 4]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import math
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench_bot import QUESTIONS  # noqa: E402
from bench_fetch import cpu_model  # noqa: E402
from bot_harness import BotHarness, bot_settings  # noqa: E402
from fake_telegram import FakeBotApi, message  # noqa: E402
from news_site import CORPUS, NewsSite, load_articles  # noqa: E402

from bot.answers import AnswerService  # noqa: E402
from bot.feed_job import FeedJob  # noqa: E402
from bot.handlers import BotData  # noqa: E402
from bot.limits import RateLimiter  # noqa: E402
from bot.state import MemoryLimiter  # noqa: E402
from retrieval.fetch.feed_list import FeedList  # noqa: E402
from retrieval.fetch.fetcher import FetchSettings  # noqa: E402
from retrieval.fetch.updates import FetchRun, fetch_and_index  # noqa: E402
from retrieval.model.embedding import Embedder  # noqa: E402
from retrieval.reader.reader import ready_reader  # noqa: E402
from retrieval.settings import RetrievalSettings  # noqa: E402
from retrieval.store.indexing import update_index  # noqa: E402
from retrieval.store.live import LiveIndex  # noqa: E402
from retrieval.store.stats import resident_bytes  # noqa: E402
from retrieval.store.store_settings import StoreSettings  # noqa: E402

OUTLET = "Situs Uji"  # the followed feed's outlet, credited on the fetched articles
FEED = "/feed/rss.xml"
SAMPLE_S = 0.2


@dataclass(frozen=True)
class Answered:
    """One question: when it was queued and when its reply reached the server (perf_counter seconds)."""

    asked: float
    answered: float
    text: str

    @property
    def latency_ms(self) -> float:
        return (self.answered - self.asked) * 1000


@dataclass
class FetchPhase:
    """What happened while the scheduled fetch ran."""

    answered: list[Answered]  # every question asked meanwhile, some answered after the end
    started: float
    pages_done: float  # the site had served every article page; math.inf if it never did
    ended: float
    peak_mb: float
    fetched: FetchRun | None


def rss_mb() -> float:
    """This process's resident set now."""
    return (resident_bytes() or 0) / 2**20


def ask(api: FakeBotApi, uid: int, text: str) -> Answered:
    """Queue one question from ``uid`` and wait for the bot's reply to it."""
    before = len(api.sent("sendMessage", uid))
    asked = time.perf_counter()
    api.push(message(text, uid=uid))
    api.wait_for(lambda calls: sum(1 for m, p in calls if m == "sendMessage" and p.get("chat_id") == uid)
                 > before, timeout=300)
    answered = time.perf_counter()
    return Answered(asked, answered, api.sent("sendMessage", uid)[before]["text"])


def users_asking(api: FakeBotApi, users: int, more: Callable[[int], bool]) -> list[Answered]:
    """``users`` users at once, each asking one question after another while ``more(asked so far)``."""
    answered: list[Answered] = []
    lock = threading.Lock()

    def session(uid: int) -> None:
        asked = 0
        while more(asked):
            reply = ask(api, uid, QUESTIONS[(uid + asked) % len(QUESTIONS)])
            asked += 1
            with lock:
                answered.append(reply)

    threads = [threading.Thread(target=session, args=(10_000 + u,)) for u in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answered


class Sampler(threading.Thread):
    """Samples RSS every SAMPLE_S seconds (keeps the peak) and notes when the site has served every page."""

    def __init__(self, site: NewsSite) -> None:
        super().__init__(daemon=True)
        self.site = site
        self.paths = [article.path for article in site.articles]
        self.peak_mb = rss_mb()
        self.pages_done = math.inf
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(SAMPLE_S):
            self.peak_mb = max(self.peak_mb, rss_mb())
            if self.pages_done == math.inf and all(self.site.requested(path) for path in self.paths):
                self.pages_done = time.perf_counter()

    def stop(self) -> None:
        self._done.set()
        self.join()


def start_bot(api: FakeBotApi, embedder: Embedder, folder: Path, site: NewsSite, delay: float) -> BotHarness:
    """The bot as ``newsbot run`` wires it, following the site's RSS feed every minute, the reader on."""
    feeds = FeedList(folder)
    feeds.add(site.url(FEED), OUTLET)
    feeds.close()
    live = LiveIndex(folder, embedder, ready_reader(embedder.settings))
    fetching = FetchSettings(allow_private=True, host_delay_s=delay)
    job = FeedJob(partial(fetch_and_index, folder, StoreSettings.from_env({}), embedder, fetching), live.refresh,
                  minutes=1)
    data = BotData(answers=AnswerService(live), limiter=MemoryLimiter(RateLimiter(100_000)), feed_job=job,
                   feeds_folder=folder, admin_ids=frozenset())
    return BotHarness(bot_settings(api, questions_per_minute=100_000, fetch_minutes=1), data).start()


def fetch_phase(api: FakeBotApi, harness: BotHarness, site: NewsSite, users: int) -> FetchPhase:
    """Run the scheduled fetch now and keep the users asking until it ends."""
    (scheduled,) = harness.application.job_queue.get_jobs_by_name("fetch-feeds")
    job: FeedJob = harness.application.bot_data.feed_job
    if job.running or job.last is not None:
        sys.exit("the first scheduled fetch came during the idle phase; ask fewer questions there")
    sampler = Sampler(site)
    sampler.start()
    ended = threading.Event()
    end: list[float] = []
    started = time.perf_counter()
    running = asyncio.run_coroutine_threadsafe(scheduled.run(harness.application), harness.loop)
    running.add_done_callback(lambda _: (end.append(time.perf_counter()), ended.set()))
    deadline = time.monotonic() + 10
    while not job.running and not ended.is_set() and time.monotonic() < deadline:
        time.sleep(0.01)
    answered = users_asking(api, users, lambda _: not ended.is_set())
    running.result(60)
    sampler.stop()
    return FetchPhase(answered, started, sampler.pages_done, end[0], sampler.peak_mb, job.last)


def latency_cells(answered: list[Answered]) -> list[str]:
    """Questions, p50, p95 and max latency in ms."""
    if not answered:
        return ["0", "-", "-", "-"]
    ms = sorted(reply.latency_ms for reply in answered)
    p95 = ms[math.ceil(0.95 * len(ms)) - 1]
    return [str(len(ms)), f"{statistics.median(ms):.0f}", f"{p95:.0f}", f"{ms[-1]:.0f}"]


def print_table(rows: list[list[str]]) -> None:
    header = ["phase", "questions", "p50 ms", "p95 ms", "max ms", "RSS MB", "fetch s", "new articles"]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) if i == 0 else cell.rjust(width)
                        for i, (cell, width) in enumerate(zip(row, widths))))


def table_rows(idle: list[Answered], ready_mb: float, phase: FetchPhase, after_mb: float,
               check: Answered) -> list[list[str]]:
    during = [reply for reply in phase.answered if reply.answered <= phase.ended]
    pages = [reply for reply in during if reply.answered <= phase.pages_done]
    indexing = [reply for reply in during if reply.answered > phase.pages_done]
    fetched = phase.fetched
    seconds, new = (f"{fetched.seconds:.1f}", str(fetched.new)) if fetched else ("-", "-")
    return [
        ["idle", *latency_cells(idle), f"{ready_mb:.0f} ready", "-", "-"],
        ["fetch: pages", *latency_cells(pages), "", "", ""],
        ["fetch: extract+index", *latency_cells(indexing), "", "", ""],
        ["during fetch", *latency_cells(during), f"{phase.peak_mb:.0f} peak", seconds, new],
        ["after (title check)", *latency_cells([check]), f"{after_mb:.0f} after", "-", "-"],
    ]


def longest_silence(phase: FetchPhase) -> float:
    """The longest stretch between the fetch's start, the answers given while it ran, and its end."""
    moments = sorted([phase.started, phase.ended,
                      *(reply.answered for reply in phase.answered if reply.answered <= phase.ended)])
    return max(later - earlier for earlier, later in zip(moments, moments[1:]))


def print_report(args: argparse.Namespace, settings: RetrievalSettings, phase: FetchPhase, check: Answered,
                 bot_errors: int) -> None:
    fetched = phase.fetched
    late = sum(reply.answered > phase.ended for reply in phase.answered)
    print(f"cpu: {cpu_model()}, {os.cpu_count()} cores")
    print(f"reader: {settings.reader}; users: {args.users}; idle questions each: {args.questions}")
    print(f"site: {args.articles} new articles in the RSS feed; host delay {args.delay:g} s "
          f"(bound {args.articles * args.delay:.0f} s)")
    if fetched is not None:
        print(f"fetch: {fetched.new} new, {fetched.failed} failed, {fetched.seconds:.1f} s in the job, "
              f"{phase.ended - phase.started:.1f} s from trigger to end")
    if phase.pages_done != math.inf:
        print(f"fetch: every page served after {phase.pages_done - phase.started:.1f} s; "
              f"extracting and indexing took the last {phase.ended - phase.pages_done:.1f} s")
    if fetched is not None and fetched.report is not None:
        report = fetched.report
        print(f"indexing: {report.embedded} passages embedded ({report.passages} in the index); "
              f"embedding {report.seconds.get('embed', 0.0):.1f} s")
    print(f"questions asked during the fetch but answered after it: {late}; "
          f"longest time without an answer during the fetch: {longest_silence(phase):.1f} s")
    print(f"fetched article's title answered with {OUTLET!r}: {'yes' if OUTLET in check.text else 'no'}")
    print(f"ru_maxrss: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; bot errors: {bot_errors}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--articles", type=int, default=200, help="new articles in the site's feed (default 200)")
    parser.add_argument("--delay", type=float, default=0.2, help="seconds between requests to the host (default 0.2)")
    parser.add_argument("--users", type=int, default=5, help="simulated users asking at once (default 5)")
    parser.add_argument("--questions", type=int, default=4, help="questions per user while idle (default 4)")
    args = parser.parse_args()
    try:
        served = load_articles(args.articles)
    except StopIteration:
        parser.error(f"{CORPUS} holds fewer than {args.articles} articles")
    settings = RetrievalSettings.from_env()
    with NewsSite(served) as site, tempfile.TemporaryDirectory() as tmp:
        embedder = Embedder(settings)
        embedder.warm_up()
        folder = Path(tmp) / "index"
        update_index([ROOT / "seeds"], folder, embedder, sync=True)
        api = FakeBotApi().start()
        harness = start_bot(api, embedder, folder, site, args.delay)
        try:
            ready_mb = rss_mb()
            idle = users_asking(api, args.users, lambda asked: asked < args.questions)
            phase = fetch_phase(api, harness, site, args.users)
            gc.collect()
            after_mb = rss_mb()
            check = ask(api, 20_000, site.articles[-1].title)
        finally:
            harness.stop()
            api.stop()
    print_table(table_rows(idle, ready_mb, phase, after_mb, check))
    print_report(args, settings, phase, check, len(api.errors))


if __name__ == "__main__":
    main()
