"""The reader's training recipe, run on a tiny slice: it writes loadable weights, the same twice."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys

import numpy as np
import pytest

from retrieval.reader.reader_model import network_from_weights, read_weights

from conftest import SEEDS, SHARED

pytestmark = pytest.mark.slow


def tiny_run(out, model_cache, env, *extra, logs=False):
    done = subprocess.run([sys.executable, "-m", "retrieval.reader.reader_training", "--data", str(SHARED / "training"),
                           "--out", str(out), "--cache", str(model_cache), "--limit", "4", "--max-steps", "2",
                           "--valid-limit", "4", "--layers", "2", "--checkpoint-every", "1", *extra],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return (out / "reader.safetensors", done.stderr) if logs else out / "reader.safetensors"


def test_a_tiny_training_run_is_deterministic_and_loads(tmp_path, model_cache, built_model, cli_env):
    first = tiny_run(tmp_path / "a", model_cache, cli_env)
    second = tiny_run(tmp_path / "b", model_cache, cli_env)
    a, meta = read_weights(first)
    b, _ = read_weights(second)
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    assert meta["steps"] == 2 and meta["layers"] == 2 and "CC BY-SA 4.0" in meta["licence"]
    assert meta["precision"] == "float32"
    assert set(meta["valid_idk_mrc"]) == {"questions", "answerable_auc", "exact_match"}
    assert not (tmp_path / "a" / ".reader.safetensors.tmp").exists()
    net, _ = network_from_weights(built_model.path, first)
    assert len(net.encoder.encoder.layer) == 2


def test_several_passes_keep_the_best_judged_one(tmp_path, model_cache, built_model, cli_env):
    weights, log = tiny_run(tmp_path / "c", model_cache, cli_env, "--mix", "full", "--epochs", "2", "--batch", "8",
                            "--max-steps", "1000", "--lr", "1e-3", logs=True)
    _, meta = read_weights(weights)
    judged = {int(m[1]): ast.literal_eval(m[2]) for m in re.finditer(r"pass (\d+) valid: (\{.*\})", log)}
    assert sorted(judged) == [1, 2]  # every pass was judged
    best = max(judged, key=lambda p: judged[p]["answerable_auc"] + judged[p]["exact_match"])
    assert meta["mix"] == "full" and meta["epochs"] == 2 and meta["kept_epoch"] == best
    assert meta["valid_idk_mrc"] == judged[best]


def test_no_passes_is_refused(tmp_path, cli_env):
    done = subprocess.run([sys.executable, "-m", "retrieval.reader.reader_training", "--data", str(SHARED / "training"),
                           "--out", str(tmp_path), "--epochs", "0"], capture_output=True, text=True, env=cli_env)
    assert done.returncode == 2 and "--epochs must be at least 1" in done.stderr


def test_the_news_stage_goes_on_from_trained_weights(tmp_path, model_cache, built_model, cli_env):
    from retrieval.ingest.articles import read_sources

    article = next(a for a in read_sources([SEEDS]).articles if len(a.text.split()) > 300)
    words = list(re.finditer(r"\S+", article.text))
    later = article.text[words[200].start():words[202].end()]  # words well past the lead passage
    news = tmp_path / "news.jsonl"
    news.write_text("\n".join(json.dumps(q) for q in [
        {"id": "t-1", "question": article.title, "language": "id", "article_id": article.id,
         "answers": [later], "answerable": True},
        {"id": "t-2", "question": f"Berapa harga tiket {article.title}?", "language": "id",
         "article_id": article.id, "answers": [], "answerable": False}]) + "\n", encoding="utf-8")
    first = tiny_run(tmp_path / "stage1", model_cache, cli_env)
    weights, log = tiny_run(tmp_path / "stage2", model_cache, cli_env, "--mix", "news", "--news", str(news),
                            "--corpus", str(SEEDS), "--start-from", str(first), "--layers", "4", "--listwise", "1",
                            logs=True)
    _, meta = read_weights(weights)
    assert meta["mix"] == "news" and meta["started_from"]["mix"] == "default" and meta["listwise"] == 1.0
    assert meta["examples"]["news answer"] == 1 and meta["examples"]["news:negative none"] >= 3
    assert meta["train_seconds_all_stages"] >= meta["train_seconds"]
    net, _ = network_from_weights(built_model.path, weights)
    assert meta["layers"] == 2 and len(net.encoder.encoder.layer) == 2  # the first stage's, not --layers 4


@pytest.mark.parametrize(("extra", "error"), [
    (["--mix", "news"], "--mix news needs --news FILE"),
    (["--start-from", "missing.safetensors"], "no such weights file"),
    (["--listwise", "-1"], "--listwise must be 0 (off) or more"),
])
def test_the_news_stage_refuses_what_it_cannot_use(tmp_path, cli_env, extra, error):
    done = subprocess.run([sys.executable, "-m", "retrieval.reader.reader_training", "--data", str(SHARED / "training"),
                           "--out", str(tmp_path), *extra], capture_output=True, text=True, env=cli_env)
    assert done.returncode == 2 and error in done.stderr
