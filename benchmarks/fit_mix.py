"""Fit the reader mix (candidates read, reader weight, answer threshold) and cross-validate it.

Usage: python benchmarks/fit_mix.py FEATURES.jsonl [FEATURES.jsonl ...]

Feature files come from ``reader_features.py`` and ``bench_news.py --features`` (dev split).
N and the weight are chosen on a grid to maximise the smallest Success@1 gain across the sets;
the threshold is then the highest that costs at most 2 points of Success@1 on average.
Then each set is left out in turn: fitted on the others, scored on it. Both are printed.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

WEIGHTS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 100.0]
THRESHOLDS = [round(x, 2) for x in np.arange(-4.0, 4.01, 0.1)]
READ_TOPS = [3, 5, 10]
TIE = 0.003  # Success@1 gains this close count as equal; the smaller N then wins
LOSS_BUDGET = 0.02  # Success@1 that refusing may cost (answerable questions refused though right)


def load(paths: list[Path]) -> dict[str, list[dict]]:
    sets = defaultdict(list)
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            sets[row["set"]].append(row)
    return dict(sets)


def outcome(row: dict, n: int, w: float, t: float) -> dict:
    """First passage after the mix, whether it is right, and whether the reader answers."""
    fused, logit, label = (np.asarray(row[k][:n], dtype=float) for k in ("fused", "logit", "label"))
    if len(fused) == 0:
        return {"right": False, "answered": False, "rr": 0.0}
    order = np.argsort(-(fused + w * logit), kind="stable")
    ranked = [bool(label[i]) for i in order] + [bool(x) for x in row["label"][n:]]
    first = next((r for r, ok in enumerate(ranked[:10], start=1) if ok), None)
    return {"right": ranked[0], "answered": bool(logit[order[0]] >= t), "rr": 1.0 / first if first else 0.0}


def scores(rows: list[dict], n: int, w: float, t: float) -> dict:
    out = [(row, outcome(row, n, w, t)) for row in rows]
    ans = [o for r, o in out if r["answerable"]]
    una = [o for r, o in out if not r["answerable"]]
    s1 = float(np.mean([o["right"] for o in ans])) if ans else float("nan")
    return {
        "success@1": round(s1, 4),
        "mrr@10": round(float(np.mean([o["rr"] for o in ans])), 4) if ans else None,
        "answered_success@1": round(float(np.mean([o["right"] and o["answered"] for o in ans])), 4) if ans else None,
        "abstention": round(float(np.mean([not o["answered"] for o in una])), 4) if una else None,
        "utility": utility(out),
    }


def utility(out: list) -> float:
    good = [(o["right"] and o["answered"]) if r["answerable"] else not o["answered"] for r, o in out]
    return float(np.mean(good)) if good else 0.0


def fit(sets: dict[str, list[dict]]) -> tuple[int, float, float]:
    """(N, weight) whose smallest Success@1 gain over retrieval alone, across the sets given, is
    largest (a mix must help every kind of question, not the average); among mixes within
    TIE of the best, the one reading fewest candidates (fastest), then the largest mean gain.
    Then the highest threshold whose abstentions cost at most LOSS_BUDGET of Success@1 on
    average (each set weighing the same)."""
    def success(rows: list[dict], n: int, w: float) -> float:
        return float(np.mean([_first(r, n, w)[0] for r in rows if r["answerable"]]))

    base = {name: success(rows, 1, 0.0) for name, rows in sets.items()}
    gains = {(n, w): [success(rows, n, w) - base[name] for name, rows in sets.items()]
             for n in READ_TOPS for w in WEIGHTS}
    top = max(min(g) for g in gains.values())
    best = min((key for key, g in gains.items() if min(g) >= top - TIE),
               key=lambda key: (key[0], -float(np.mean(gains[key]))))
    n, w = best
    thresholds = np.asarray(THRESHOLDS)
    losses = []
    for rows in sets.values():
        firsts = [_first(r, n, w) for r in rows if r["answerable"]]
        right = np.array([f[0] for f in firsts])
        logit = np.array([f[1] for f in firsts])
        losses.append((right[:, None] & (logit[:, None] < thresholds[None, :])).mean(axis=0))
    allowed = thresholds[np.mean(losses, axis=0) <= LOSS_BUDGET]
    return n, w, float(allowed.max() if len(allowed) else thresholds.min())


def _first(row: dict, n: int, w: float) -> tuple[bool, float]:
    fused, logit = np.asarray(row["fused"][:n], dtype=float), np.asarray(row["logit"][:n], dtype=float)
    if len(fused) == 0:
        return False, -np.inf
    i = int(np.argmax(fused + w * logit))  # argmax takes the first of equals, as the stable sort does
    return bool(row["label"][i]), float(logit[i])


def main(argv: list[str]) -> int:
    sets = load([Path(a) for a in argv])
    n, w, t = fit(sets)
    report = {"fitted_on_all": {"read_top": n, "weight": w, "threshold": t}, "sets": {}}
    for name, rows in sorted(sets.items()):
        others = {k: v for k, v in sets.items() if k != name}
        held = fit(others) if others else (n, w, t)
        report["sets"][name] = {
            "questions": len(rows),
            "retrieval_only": scores(rows, n, 0.0, -1e9),
            "fitted_on_all": scores(rows, n, w, t),
            "left_out": {"mix": dict(zip(("read_top", "weight", "threshold"), held)), **scores(rows, *held)},
        }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
