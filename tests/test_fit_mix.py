"""The reader mix fitter (benchmarks/fit_mix.py) on small hand-made feature rows."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import fit_mix  # noqa: E402


def row(answerable: bool, logits: list[float], dense: list[float], labels: list[bool]) -> dict:
    return {"answerable": answerable, "fused": [1.0, 0.5], "logit": logits, "dense": dense, "label": labels}


def sets_where_closeness_tells_them_apart() -> dict[str, list[dict]]:
    """The reader likes a span just as much for the unanswerable (far in meaning) questions."""
    right = [row(True, [2.0, -1.0], [0.90, 0.85], [True, False]) for _ in range(10)]
    wrong_passage_first = [row(True, [-2.0, 3.0], [0.88, 0.90], [False, True]) for _ in range(5)]
    off_topic = [row(False, [2.0, -1.0], [0.70, 0.70], [False, False]) for _ in range(10)]
    return {"a": right + wrong_passage_first + off_topic, "b": right + wrong_passage_first}


def test_the_reader_weight_moves_the_answering_passage_first():
    n, w, _, _ = fit_mix.fit(sets_where_closeness_tells_them_apart())
    assert n >= 2 and w > 0.0  # fused alone puts the wrong passage first for 5 of 15
    scores = fit_mix.scores(sets_where_closeness_tells_them_apart()["b"], n, w, 0.0, -9.0)
    assert scores["success@1"] == 1.0


def test_closeness_is_kept_when_it_refuses_what_the_logit_alone_cannot():
    sets = sets_where_closeness_tells_them_apart()
    n, w = 2, 1.0
    assert fit_mix.decision(sets, n, w, grid=(0.0,)) == (0.0, pytest.approx(2.0))
    closeness, threshold = fit_mix.decision(sets, n, w)
    assert closeness > 0.0
    result = fit_mix.scores(sets["a"], n, w, closeness, threshold)
    assert result["abstention"] == 1.0 and result["answered_success@1"] == result["success@1"] == 1.0
    alone = fit_mix.scores(sets["a"], n, w, 0.0, 2.0)
    assert alone["abstention"] == 0.0


def test_no_unanswerable_questions_keeps_the_logit_alone():
    sets = {"b": sets_where_closeness_tells_them_apart()["b"]}
    assert fit_mix.decision(sets, 2, 1.0)[0] == 0.0
