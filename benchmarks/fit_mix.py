"""Fit the reader mix (candidates read, reader weight, closeness weight, answer threshold) and cross-validate it.

Usage: python benchmarks/fit_mix.py FEATURES.jsonl [FEATURES.jsonl ...]

Feature files come from ``reader_features.py`` and ``bench_news.py --features`` (dev split).
N and the weight are chosen on a grid to maximise the smallest Success@1 gain across the sets;
then, for each closeness weight (how much the first passage's dense cosine adds to the reader's
logit in the "no answer" decision), the threshold is the highest that costs at most 2 points of
Success@1 on average, and the closeness weight kept is the one refusing most unanswerable
questions at that cost.
Then each set is left out in turn: fitted on the others, scored on it. Both are printed.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from retrieval.reader.rerank import answer_score

WEIGHTS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 100.0]
THRESHOLDS = [round(x, 2) for x in np.arange(-4.0, 4.01, 0.1)]
READ_TOPS = [3, 5]  # reading 10 costs about 1.3 s a question on 2 cores (news dev p50)
MRR_DEPTH = 5  # the feature files hold the first 5 (or more) candidates' labels
CLOSENESS = (0.0, 5.0, 10.0, 20.0, 30.0, 50.0, 80.0)
TIE = 0.003  # Success@1 gains this close count as equal; the smaller N then wins
LOSS_BUDGET = 0.02  # Success@1 that refusing may cost (answerable questions refused though right)


def load(paths: list[Path]) -> dict[str, list[dict]]:
    sets = defaultdict(list)
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            sets[row["set"]].append(row)
    return dict(sets)


def outcome(row: dict, n: int, w: float, c: float, t: float) -> dict:
    """First passage after the mix, whether it is right, and whether the reader answers."""
    fused, logit, label, dense = (np.asarray(row[k][:n], dtype=float) for k in ("fused", "logit", "label", "dense"))
    if len(fused) == 0:
        return {"right": False, "answered": False, "rr": 0.0}
    order = np.argsort(-(fused + w * logit), kind="stable")
    ranked = [bool(label[i]) for i in order] + [bool(x) for x in row["label"][n:]]
    first = next((r for r, ok in enumerate(ranked[:MRR_DEPTH], start=1) if ok), None)
    answered = answer_score(logit[order[0]], dense[order[0]], c) >= t
    return {"right": ranked[0], "answered": bool(answered), "rr": 1.0 / first if first else 0.0}


def scores(rows: list[dict], n: int, w: float, c: float, t: float) -> dict:
    out = [(row, outcome(row, n, w, c, t)) for row in rows]
    ans = [o for r, o in out if r["answerable"]]
    una = [o for r, o in out if not r["answerable"]]
    s1 = float(np.mean([o["right"] for o in ans])) if ans else float("nan")
    return {
        "success@1": round(s1, 4),
        f"mrr@{MRR_DEPTH}": round(float(np.mean([o["rr"] for o in ans])), 4) if ans else None,
        "answered_success@1": round(float(np.mean([o["right"] and o["answered"] for o in ans])), 4) if ans else None,
        "abstention": round(float(np.mean([not o["answered"] for o in una])), 4) if una else None,
        "utility": utility(out),
    }


def utility(out: list) -> float:
    good = [(o["right"] and o["answered"]) if r["answerable"] else not o["answered"] for r, o in out]
    return float(np.mean(good)) if good else 0.0


def fit(sets: dict[str, list[dict]]) -> tuple[int, float, float, float]:
    """(N, weight) whose smallest Success@1 gain over retrieval alone, across the sets given, is
    largest (a mix must help every kind of question, not the average); among mixes within
    TIE of the best, the one reading fewest candidates (fastest), then the largest mean gain.
    Then the closeness weight and threshold (``decision``)."""
    def success(rows: list[dict], n: int, w: float) -> float:
        return float(np.mean([_first(r, n, w, 0.0)[0] for r in rows if r["answerable"]]))

    base = {name: success(rows, 1, 0.0) for name, rows in sets.items()}
    gains = {(n, w): [success(rows, n, w) - base[name] for name, rows in sets.items()]
             for n in READ_TOPS for w in WEIGHTS}
    top = max(min(g) for g in gains.values())
    best = min((key for key, g in gains.items() if min(g) >= top - TIE),
               key=lambda key: (key[0], -float(np.mean(gains[key]))))
    n, w = best
    return (n, w, *decision(sets, n, w))


def decision(sets: dict[str, list[dict]], n: int, w: float,
             grid: tuple[float, ...] = CLOSENESS) -> tuple[float, float]:
    """(closeness, threshold): for each closeness weight, the highest threshold whose refusals
    cost at most LOSS_BUDGET of Success@1 on average (each set weighing the same); of those,
    the closeness refusing the largest share of unanswerable questions (mean over the sets that
    have them), the smallest weight among equals."""
    thresholds = np.asarray(THRESHOLDS)
    best = None
    for c in grid:
        losses, refusals = [], []
        for rows in sets.values():
            firsts = [(r["answerable"], *_first(r, n, w, c)) for r in rows]
            right = np.array([f[1] for f in firsts if f[0]], dtype=bool)
            score = np.array([f[2] for f in firsts if f[0]])
            losses.append((right[:, None] & (score[:, None] < thresholds[None, :])).mean(axis=0))
            unanswerable = np.array([f[2] for f in firsts if not f[0]])
            if len(unanswerable):
                refusals.append((unanswerable[:, None] < thresholds[None, :]).mean(axis=0))
        allowed = np.flatnonzero(np.mean(losses, axis=0) <= LOSS_BUDGET)
        i = int(allowed.max()) if len(allowed) else 0
        refused = float(np.mean([r[i] for r in refusals])) if refusals else 0.0
        if best is None or refused > best[0] + 1e-9:
            best = (refused, c, float(thresholds[i]))
    return best[1], best[2]


def _first(row: dict, n: int, w: float, c: float) -> tuple[bool, float]:
    """Whether the first passage after the mix is right, and its answer score."""
    fused, logit = np.asarray(row["fused"][:n], dtype=float), np.asarray(row["logit"][:n], dtype=float)
    if len(fused) == 0:
        return False, -np.inf
    i = int(np.argmax(fused + w * logit))  # argmax takes the first of equals, as the stable sort does
    return bool(row["label"][i]), answer_score(float(logit[i]), float(row["dense"][i]), c)


def main(argv: list[str]) -> int:
    sets = load([Path(a) for a in argv])
    n, w, c, t = fit(sets)
    keys = ("read_top", "weight", "closeness", "threshold")
    report = {"fitted_on_all": dict(zip(keys, (n, w, c, t))),
              "logit_only": dict(zip(("closeness", "threshold"), decision(sets, n, w, grid=(0.0,)))),
              "sets": {}}
    t0 = report["logit_only"]["threshold"]
    for name, rows in sorted(sets.items()):
        others = {k: v for k, v in sets.items() if k != name}
        held = fit(others) if others else (n, w, c, t)
        report["sets"][name] = {
            "questions": len(rows),
            "retrieval_only": scores(rows, n, 0.0, 0.0, -1e9),
            "fitted_on_all": scores(rows, n, w, c, t),
            "fitted_on_all_logit_only": scores(rows, n, w, 0.0, t0),
            "left_out": {"mix": dict(zip(keys, held)), **scores(rows, *held)},
        }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
