"""The news question set: index the seeds and the corpus, ask every question, score the answers.

Usage: python benchmarks/bench_news.py [--split dev|test] [--index DIR] [--corpus PATH] [--features OUT]

Prints, with and without the reader: first passage holds the answer, answer in the first
three, answer span correct, abstention on the unanswerable ones, Success@1 counting
abstentions as misses, p50/p99 time per question and the process's peak memory.
``--features`` writes, per question, the fused score, reader logit and "holds an answer" of
the candidates the reader reads, for fitting the reader mix (on the dev split only). The
test split is held out: report it, never tune on it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from retrieval.model.embedding import Embedder
from retrieval.store.index import load_index
from retrieval.store.indexing import update_index
from retrieval.reader.reader import reader_for
from retrieval.reader.rerank import ReaderMix
from retrieval.search.search import Filters, Searcher
from retrieval.settings import RetrievalSettings

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "benchmarks" / "news_questions.jsonl"
CORPUS = ROOT.parent / "shared" / "corpora" / "indosum_articles.jsonl"


def norm(text: str) -> str:
    return " ".join(text.lower().split())


def holds(text: str, answers: list[str]) -> bool:
    body = norm(text)
    return any(norm(a) in body for a in answers)


def span_correct(found: str, answers: list[str]) -> bool:
    """The reader's span and an answer string overlap as text: one holds the other."""
    f = norm(found).strip(" .,;:\"'")
    return bool(f) and any(f in norm(a) or norm(a) in f for a in answers)


def score(rows: list[tuple[dict, object]]) -> dict:
    answerable = [(q, r) for q, r in rows if q["answerable"]]
    refused = [r for q, r in rows if not q["answerable"]]

    def share(values) -> float | None:
        values = list(values)
        return round(sum(values) / len(values), 3) if values else None

    english = [(q, r) for q, r in answerable if q["language"] == "en"]
    return {
        "questions": len(rows), "answerable": len(answerable), "unanswerable": len(refused),
        "first_holds_answer": share(holds(r.hits[0].passage.text, q["answers"]) if r.hits else False
                                    for q, r in answerable),
        "first_holds_answer_en": share(holds(r.hits[0].passage.text, q["answers"]) if r.hits else False
                                       for q, r in english),
        "answer_in_top3": share(any(holds(h.passage.text, q["answers"]) for h in r.hits[:3]) for q, r in answerable),
        "span_correct": share(bool(r.hits and r.hits[0].answer and span_correct(r.hits[0].answer.text, q["answers"]))
                              for q, r in answerable),
        "abstention_unanswerable": share(not r.answered for r in refused),
        "success@1_abstaining": share(r.answered and bool(r.hits) and holds(r.hits[0].passage.text, q["answers"])
                                      for q, r in answerable),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["dev", "test"], default="dev")
    parser.add_argument("--index", type=Path, default=ROOT / ".bench" / "news-index")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--features", type=Path)
    parser.add_argument("--reader-weights", type=Path, help="trained weights other than the shipped ones")
    parser.add_argument("--read-top", type=int)
    args = parser.parse_args()

    settings = RetrievalSettings.from_env()
    embedder = Embedder(settings)
    started = time.perf_counter()
    update_index([ROOT / "seeds", args.corpus], args.index, embedder)
    index_seconds = time.perf_counter() - started
    index = load_index(args.index, model=embedder.model_name)
    mix = ReaderMix() if args.read_top is None else replace(ReaderMix(), read_top=args.read_top)
    plain = Searcher(embedder, index, min_dense=settings.min_score)
    reader = reader_for(settings, args.reader_weights)
    reading = Searcher(embedder, index, min_dense=settings.min_score, reader=reader, mix=mix)
    questions = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [q for q in questions if q["split"] == args.split]

    report = {"split": args.split, "cores": os.cpu_count(), "passages": len(index.passages),
              "index_seconds": round(index_seconds, 1)}
    for name, searcher in (("retrieval", plain), ("reader", reading)):
        rows, times = [], []
        for q in questions:
            t = time.perf_counter()
            rows.append((q, searcher.search(q["question"], 3)))
            times.append((time.perf_counter() - t) * 1000)
        report[name] = score(rows) | {"p50_ms": round(statistics.median(times), 1),
                                      "p99_ms": round(float(np.percentile(times, 99)), 1)}
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(report, indent=2))
    if args.features:
        write_features(args.features, questions, plain, reading)
    return 0


def write_features(path: Path, questions: list[dict], plain: Searcher, reading: Searcher) -> None:
    """Per question: the read candidates' fused score, reader logit, and whether each holds an answer."""
    with path.open("w", encoding="utf-8") as out:
        for q in questions:
            hits, _ = plain.rank(q["question"], Filters())
            top = hits[:reading.mix.read_top]
            readings = reading.reader.read(q["question"], [h.passage.text for h in top])
            out.write(json.dumps({"id": q["id"], "answerable": q["answerable"], "set": "news",
                                  "fused": [h.score for h in top], "dense": [h.dense for h in top],
                                  "logit": [r.logit for r in readings], "margin": [r.margin for r in readings],
                                  "label": [holds(h.passage.text, q["answers"]) if q["answerable"] else False
                                            for h in top]}) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
