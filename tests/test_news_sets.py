"""The two news question sets: the benchmark set is well formed, and the reader's training set
asks about other articles than the benchmark set, with answers verbatim from its articles."""

from __future__ import annotations

import json
import re
import sys

import pytest

from conftest import ROOT, SHARED

sys.path.insert(0, str(ROOT / "benchmarks"))
import check_news_questions  # noqa: E402

BENCHMARK = ROOT / "benchmarks" / "news_questions.jsonl"
TRAINING = ROOT / "benchmarks" / "news_train_questions.jsonl"
EXTRA = ROOT / "benchmarks" / "news_train_questions_extra.jsonl"  # more training questions, tried (docs/reader.md)
CORPUS = SHARED / "corpora" / "indosum_articles.jsonl"


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_benchmark_set_passes_its_checker():
    assert check_news_questions.main(["--questions", str(BENCHMARK), "--corpus", str(CORPUS)]) == 0


@pytest.mark.parametrize("path, prefix", [(TRAINING, "t"), (EXTRA, "u")], ids=["training", "extra"])
def test_a_training_set_is_apart_from_the_benchmark_and_answers_are_verbatim(path, prefix):
    training, benchmark = _lines(path), _lines(BENCHMARK)
    articles = {a["id"]: a["text"] for a in _lines(CORPUS)}
    assert not {q["article_id"] for q in training} & {q.get("article_id") for q in benchmark}
    assert len({q["id"] for q in training}) == len(training)
    assert all(re.fullmatch(prefix + r"\d-\d{3}", q["id"]) for q in training)
    for q in training:
        assert q["article_id"] in articles, q["id"]
        assert q["language"] in {"id", "en"} and q["question"].strip(), q["id"]
        assert bool(q["answers"]) == q["answerable"], q["id"]
        assert all(a in articles[q["article_id"]] for a in q["answers"]), q["id"]
    assert sum(not q["answerable"] for q in training) >= 60
    assert sum(q["language"] == "en" for q in training) >= len(training) // 5


def test_the_two_training_sets_ask_about_different_articles():
    assert not {q["article_id"] for q in _lines(TRAINING)} & {q["article_id"] for q in _lines(EXTRA)}
