"""Questions per second and latency through the whole bot stack, many users at once.

Starts the fake Bot API server from tests/ on 127.0.0.1, runs the real Application (long
polling, AIORateLimiter, concurrent updates) over the seed index, and lets N simulated users
each ask Q questions one after another, all users at once. Latency is measured from the
moment an update is queued at the server to the moment the bot's reply reaches it.

With the reader as NEWSBOT_READER sets it (on by default).

Usage: python benchmarks/bench_bot.py [--users 50] [--questions 4]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from bot_harness import BotHarness, bot_settings  # noqa: E402
from fake_telegram import FakeBotApi, message  # noqa: E402

from bot.answers import AnswerService  # noqa: E402
from bot.handlers import BotData  # noqa: E402
from bot.limits import RateLimiter  # noqa: E402
from bot.state import MemoryLimiter  # noqa: E402
from retrieval.model.embedding import Embedder  # noqa: E402
from retrieval.store.live import LiveIndex  # noqa: E402
from retrieval.store.indexing import update_index  # noqa: E402
from retrieval.reader.reader import ready_reader  # noqa: E402
from retrieval.settings import RetrievalSettings  # noqa: E402

QUESTIONS = ["Kapan Putin akan mengunjungi Vietnam?", "Who is Putin's foreign policy adviser?",
             "Berapa kontainer amunisi yang dipasok Korea Utara ke Rusia?", "Apa isi surat Kim untuk Putin?",
             "Siapa Yuri Ushakov?", "When did Putin land in Pyongyang?"]


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def user_session(api: FakeBotApi, uid: int, questions: int, latencies: list[float], lock: threading.Lock) -> None:
    for i in range(questions):
        before = len(api.sent("sendMessage", uid))
        started = time.perf_counter()
        api.push(message(QUESTIONS[(uid + i) % len(QUESTIONS)], uid=uid))
        api.wait_for(lambda calls: sum(1 for m, p in calls if m == "sendMessage" and p.get("chat_id") == uid)
                     > before, timeout=300)
        with lock:
            latencies.append((time.perf_counter() - started) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--questions", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = RetrievalSettings.from_env()
        embedder = Embedder(settings)
        folder = Path(tmp) / "index"
        update_index([ROOT / "seeds"], folder, embedder, sync=True)
        answers = AnswerService(LiveIndex(folder, embedder, ready_reader(settings)))
        data = BotData(answers=answers, limiter=MemoryLimiter(RateLimiter(100_000)))
        api = FakeBotApi().start()
        harness = BotHarness(bot_settings(api, questions_per_minute=100_000), data).start()
        ready_rss = rss_mb()
        latencies: list[float] = []
        lock = threading.Lock()
        users = [threading.Thread(target=user_session, args=(api, 10_000 + u, args.questions, latencies, lock))
                 for u in range(args.users)]
        started = time.perf_counter()
        for thread in users:
            thread.start()
        for thread in users:
            thread.join()
        elapsed = time.perf_counter() - started
        harness.stop()
        api.stop()
    latencies.sort()
    print(json.dumps({
        "cores": os.cpu_count(), "reader": settings.reader, "users": args.users, "questions": len(latencies),
        "seconds": round(elapsed, 1), "questions_per_s": round(len(latencies) / elapsed, 1),
        "latency_ms_p50": round(statistics.median(latencies)), "latency_ms_p99": round(latencies[int(0.99 * len(latencies)) - 1]),
        "rss_mb_ready": round(ready_rss), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "bot_errors": len(api.errors),
    }, indent=2))


if __name__ == "__main__":
    main()
