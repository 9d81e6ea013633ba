"""A news question's passages are trained against each other: batching keeps them together, and
the group loss ranks the passage holding the answer first (or "no answer" when none does)."""

from __future__ import annotations

import math
import random

import pytest
import torch

from retrieval.reader.reader_data import Example, batches
from retrieval.reader.reader_inputs import Window
from retrieval.reader.reader_training import group_loss


def example(length: int, start: int = 0, group: str = "") -> Example:
    return Example(Window(list(range(length)), 0, [(0, 0)] * length), start, start, "test", group)


def test_a_groups_examples_share_one_batch():
    rng = random.Random(3)
    lone = [example(rng.randint(5, 200)) for _ in range(90)]
    grouped = [example(rng.randint(5, 200), start, f"q{g}") for g in range(20) for start in (1, 0, 0)]
    mixed = lone + grouped
    random.Random(4).shuffle(mixed)
    out = batches(mixed, 16, random.Random(5), pool=2)
    assert sorted(map(id, (e for b in out for e in b))) == sorted(map(id, mixed))  # each example once
    assert all(len(b) <= 16 for b in out)
    where = {e.group: i for i, b in enumerate(out) for e in b if e.group}
    for i, b in enumerate(out):
        for e in b:
            if e.group:
                assert where[e.group] == i, f"{e.group} split across batches"


def test_without_groups_batches_are_length_sorted_slices_as_before():
    rng = random.Random(7)
    lone = [example(rng.randint(5, 200)) for _ in range(100)]
    out = batches(lone, 16, random.Random(1), pool=3)
    expected = []
    for begin in range(0, 100, 48):
        ordered = sorted(lone[begin:begin + 48], key=lambda e: len(e.window.ids))
        expected += [ordered[i:i + 16] for i in range(0, len(ordered), 16)]
    random.Random(1).shuffle(expected)
    assert [[id(e) for e in b] for b in out] == [[id(e) for e in b] for b in expected]


def test_the_group_loss_is_cross_entropy_over_the_groups_passages_and_no_answer():
    batch = [example(4, 1, "a"), example(4, 0, "a"), example(4, 0, "b"), example(4, 0, "b"),
             example(4, 3), example(4, 0, "c")]
    logits = torch.tensor([2.0, 1.0, -1.0, 0.5, 9.0, 4.0])
    a = -2.0 + math.log(math.exp(2.0) + math.exp(1.0) + 1.0)  # "a": the first passage holds the answer
    b = 0.0 + math.log(math.exp(-1.0) + math.exp(0.5) + 1.0)  # "b": none does, so "no answer" is the target
    assert group_loss(logits, batch).item() == pytest.approx((a + b) / 2, rel=1e-6)  # "c" (alone) and the ungrouped one do not count


def test_the_group_loss_is_zero_without_groups_and_pulls_the_answer_above_its_article():
    assert group_loss(torch.tensor([1.0, 2.0]), [example(4, 1), example(4, 0)]).item() == 0.0
    logits = torch.tensor([0.0, 3.0, 1.0], requires_grad=True)
    group_loss(logits, [example(4, 1, "q"), example(4, 0, "q"), example(4, 0, "q")]).backward()
    assert logits.grad[0] < 0 < logits.grad[1] and logits.grad[2] > 0  # descent raises the answer, lowers the others
