"""Benchmark metrics on hand-checkable cases, and ``newsbot eval`` on a slice of a public set."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from retrieval.errors import SourceError
from retrieval.evaluation import Query, read_corpus, read_queries, score_rankings

from conftest import ROOT, SHARED


def q(positives: set[str]) -> Query:
    return Query("q", "?", frozenset(positives))


def test_metrics_by_hand():
    queries = [q({"a"}), q({"b", "c"}), q({"z"}), q(set())]
    rankings = [["a", "x"], ["x", "c", "y", "b"], ["x"] * 5, ["a"]]
    scores = score_rankings("hybrid", rankings, queries, answered=[True, True, True, False])
    # query 1: hit at rank 1; query 2: first hit at rank 2; query 3: no hit; query 4 is unanswerable
    assert (scores.queries, scores.answerable) == (4, 3)
    assert scores.success_at_1 == round(1 / 3, 4)
    assert scores.success_at_5 == scores.success_at_10 == round(2 / 3, 4)
    assert scores.mrr_at_10 == round((1 + 1 / 2) / 3, 4)
    # nDCG@10: q1 = 1; q2 = (1/log2(3) + 1/log2(5)) / (1 + 1/log2(3)); q3 = 0
    import math
    q2 = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert scores.ndcg_at_10 == round((1 + q2) / 3, 4)
    assert scores.recall_at_100 == round((1 + 1 + 0) / 3, 4)
    assert scores.abstention_rate == 1.0
    # the same rankings when the search abstained on query 1: its rank-1 hit no longer counts
    abstained = score_rankings("hybrid", rankings, queries, answered=[False, True, True, True])
    assert abstained.success_at_1 == round(1 / 3, 4) and abstained.answered_success_at_1 == 0.0
    assert abstained.abstention_rate == 0.0


def test_missing_kinds_of_queries_give_none_not_zero():
    assert score_rankings("bm25", [["a"]], [q({"a"})], [True]).abstention_rate is None
    only_unanswerable = score_rankings("bm25", [["a"], ["b"]], [q(set()), q(set())], [False, True])
    assert only_unanswerable.success_at_1 is None and only_unanswerable.abstention_rate == 0.5


def test_bad_benchmark_files(tmp_path):
    (tmp_path / "c.jsonl").write_text('{"id": "p1"}\n')
    with pytest.raises(SourceError, match="corpus line"):
        read_corpus(tmp_path / "c.jsonl")
    (tmp_path / "q.jsonl").write_text("not json\n")
    with pytest.raises(SourceError, match="not JSON"):
        read_queries(tmp_path / "q.jsonl")
    with pytest.raises(SourceError, match="does not exist"):
        read_queries(tmp_path / "missing.jsonl")


def _lines(name: str) -> list[str]:
    return (SHARED / "eval" / "tydiqa_id" / name).read_text(encoding="utf-8").splitlines()


def test_eval_command_on_a_tydi_slice(tmp_path, cli_env):
    """8 queries whose passages are in the slice, 4 whose passages are left out, 4 without an answer.

    The slice holds fewer than 100 passages and every retriever ranks the dense candidates too, so
    every present passage is within the first 100: Recall@100 is exactly 8/12 for all three, and no
    retriever can find the 4 missing ones (Success@k <= 8/12)."""
    valid = _lines("queries_valid.jsonl")
    present, missing = valid[:8], valid[8:12]
    wanted = set().union(*(json.loads(line)["positive_ids"] for line in present))
    left_out = set().union(*(json.loads(line)["positive_ids"] for line in missing))
    corpus = [line for line in _lines("corpus.jsonl") if json.loads(line)["id"] in wanted]
    corpus += [line for line in _lines("corpus.jsonl")
               if json.loads(line)["id"] not in wanted | left_out][:40]
    assert len(corpus) < 100 and {json.loads(line)["id"] for line in corpus} >= wanted
    (tmp_path / "corpus.jsonl").write_text("\n".join(corpus) + "\n", encoding="utf-8")
    queries = present + missing + _lines("queries_unanswerable_valid.jsonl")[:4]
    (tmp_path / "queries.jsonl").write_text("\n".join(queries) + "\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot.cli", "eval", "--corpus", str(tmp_path / "corpus.jsonl"),
                             "--queries", str(tmp_path / "queries.jsonl"), "--retriever", "all", "--json",
                             "--min-score", "-1"],
                            capture_output=True, text=True, env=cli_env, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["retriever"] for r in rows] == ["hybrid", "dense", "bm25"]
    for row in rows:
        assert (row["queries"], row["answerable"]) == (16, 12)
        assert row["recall@100"] == round(8 / 12, 4)
        assert row["success@1"] <= row["success@5"] <= row["success@10"] <= round(8 / 12, 4)
        assert row["success@1"] <= row["mrr@10"] <= row["success@10"]
        assert round(row["success@1"] * 12, 2) == round(row["success@1"] * 12)  # a count of queries
        # a threshold of -1 never abstains: every first passage counts, no unanswerable query is declined
        assert row["abstention_rate"] == 0.0 and row["answered_success@1"] == row["success@1"]


def test_eval_command_rejects_a_bad_threshold(tmp_path, cli_env):
    result = subprocess.run([sys.executable, "-m", "bot.cli", "eval", "--corpus", str(tmp_path / "c.jsonl"),
                             "--queries", str(tmp_path / "q.jsonl"), "--min-score", "2"],
                            capture_output=True, text=True, env=cli_env, cwd=ROOT, timeout=120)
    assert result.returncode == 1 and "--min-score must be a similarity from -1 to 1" in result.stderr
