"""Time the reader's forms on this CPU: reading a question against 3 news passages.

Questions come from the news question set, passages are 90-150-word stretches of corpus
articles (news passages are 60-180 words). Prints p50 and p90 per form, and which form
newsbot picks here (int8 where the CPU has int8 dot products, VNNI or AMX; float32 on
OpenVINO elsewhere).

    python benchmarks/bench_reader_forms.py [--questions 40] [--forms int8,openvino-f32,torch]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np

from retrieval.model.cpu_features import fast_int8
from retrieval.reader.reader import FORMS, Reader, fast_form
from retrieval.settings import RetrievalSettings

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "benchmarks" / "news_questions.jsonl"
CORPUS = ROOT.parent / "shared" / "corpora" / "indosum_articles.jsonl"


def cases(count: int, corpus: Path) -> list[tuple[str, list[str]]]:
    rng = np.random.default_rng(0)
    with corpus.open(encoding="utf-8") as lines:
        texts = [json.loads(line)["text"].split() for _, line in zip(range(3 * count), lines)]
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]

    def stretch(words: list[str]) -> str:
        start = int(rng.integers(0, max(1, len(words) - 130)))
        return " ".join(words[start:start + int(rng.integers(90, 150))])

    return [(questions[i], [stretch(texts[(3 * i + j) % len(texts)]) for j in range(3)]) for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--forms", default=",".join(FORMS))
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    work = cases(args.questions, args.corpus)
    report = {"cores": os.cpu_count(), "int8_dot_products": fast_int8(), "picked": fast_form()}
    for form in args.forms.split(","):
        reader = Reader(RetrievalSettings.from_env().model_cache, form=form)
        for question, passages in work[:3]:  # warm
            reader.read(question, passages)
        times = []
        for question, passages in work:
            tick = time.perf_counter()
            reader.read(question, passages)
            times.append((time.perf_counter() - tick) * 1000)
        report[form] = {"p50_ms": round(statistics.median(times), 1),
                        "p90_ms": round(float(np.percentile(times, 90)), 1)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
