"""The reader at run time: reads a question against candidate passages, scores and finds answers.

All windows of all candidates run in one batch. A passage's reading is that of its best
window (highest answerability logit); its answer is that window's best span, offsets into
the passage text.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.errors import ModelBuildError
from retrieval.reader.reader_inputs import MAX_TOKENS, Window, batch_arrays, specials, tokens, windows
from retrieval.reader.reader_spans import best_span, char_span, clean_answer

log = logging.getLogger(__name__)

# One question at a time, as fast as it can go; float32 where the graph is not int8 (the CPU's
# default, bfloat16 where it has it, rounded logits by up to 0.1 and was no faster here).
COMPILE_CONFIG = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32"}


@dataclass(frozen=True)
class Reading:
    """What the reader makes of one passage: answerability logit, best answer span and its text."""

    logit: float
    start: int
    end: int
    text: str
    margin: float


FORMS = ("int8", "openvino-f32", "torch")


def reader_for(settings, weights: Path | None = None) -> Reader | None:
    """The reader the settings ask for (NEWSBOT_READER=on, the default), or None: on OpenVINO,
    int8 where the CPU multiplies int8 fast and float32 elsewhere; float32 on torch with
    NEWSBOT_ENCODER=float32. ``weights``: other trained weights than the shipped ones (benchmarks)."""
    if settings.reader != "on":
        return None
    return Reader(settings.model_cache, weights, form=fast_form() if settings.encoder == "int8" else "torch")


def fast_form() -> str:
    """The OpenVINO form that reads fastest on this CPU."""
    from retrieval.model.cpu_features import fast_int8

    return "int8" if fast_int8() else "openvino-f32"


def ready_reader(settings) -> Reader | None:
    """``reader_for``, built and loaded now: a long-running process is ready only once it can read."""
    reader = reader_for(settings)
    if reader is not None:
        reader.warm_up()
    return reader


class Reader:
    """The trained reader in one of ``FORMS`` (int8 or float32 on OpenVINO, float32 on torch),
    loaded on first use."""

    def __init__(self, model_cache: Path, weights: Path | None = None, *, form: str = "int8") -> None:
        if form not in FORMS:
            raise ValueError(f"unknown reader form {form!r}; one of {', '.join(FORMS)}")
        self._cache = model_cache
        self._weights = weights
        self.form = form
        self._run = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Build what is missing (once) and load the model; idempotent."""
        with self._lock:
            if self._run is None:
                from retrieval.model.model_build import ensure_default_model
                from retrieval.reader.reader_model import WEIGHTS

                folder = ensure_default_model(self._cache).path
                weights = self._weights or WEIGHTS
                self._tokenizer = _tokenizer(folder)
                self._run = (_torch_runner(folder, weights) if self.form == "torch"
                             else _openvino_runner(folder, weights, quantised=self.form == "int8"))

    def read(self, question: str, passages: list[str]) -> list[Reading]:
        """One reading per passage, in the order given."""
        if not passages:
            return []
        self.warm_up()
        with self._lock:
            sp = specials(self._tokenizer)
            q = tokens(self._tokenizer, question)
            per_passage = [windows(q, tokens(self._tokenizer, text), sp) for text in passages]
            flat = [(i, w) for i, wins in enumerate(per_passage) for w in wins]
            # Always MAX_TOKENS wide: OpenVINO reshapes its graph for every new input width, which
            # cost more than the padding (3 candidates: p50 103 ms instead of 262 ms).
            ids, mask = batch_arrays([w.ids for _, w in flat], sp.pad, width=MAX_TOKENS)
            start, end, logit = self._run(ids, mask)
        return best_readings(passages, flat, start, end, logit)


def _tokenizer(folder: Path):
    from tokenizers import Tokenizer

    try:
        return Tokenizer.from_file(str(folder / "tokenizer.json"))
    except Exception as exc:  # tokenizers raises plain Exception on a bad file
        raise ModelBuildError(f"cannot load the reader's tokenizer from {folder}: {exc}; "
                              "delete that folder and newsbot builds it again") from exc


def _torch_runner(folder: Path, weights: Path):
    import torch

    from retrieval.reader.reader_model import network_from_weights

    net, _ = network_from_weights(folder, weights)

    def run(ids: np.ndarray, mask: np.ndarray):
        with torch.inference_mode():
            return tuple(t.numpy() for t in net(torch.from_numpy(ids), torch.from_numpy(mask)))

    return run


def _openvino_runner(folder: Path, weights: Path, *, quantised: bool = True):
    import openvino as ov

    from retrieval.reader.reader_build import GRAPH, ensure_reader_graph
    from retrieval.model.word_table import mapped_word_embeddings

    built = ensure_reader_graph(folder, weights, quantise=quantised)
    table = mapped_word_embeddings(folder)
    try:
        compiled = ov.Core().compile_model(str(built / GRAPH), "CPU", COMPILE_CONFIG)
    except Exception as exc:  # OpenVINO raises RuntimeError and others on a damaged file
        raise ModelBuildError(f"cannot load the reader's graph in {built} ({exc.__class__.__name__}: "
                              f"{str(exc).strip()[:200]}); delete that folder and newsbot builds it again, "
                              "or set NEWSBOT_ENCODER=float32") from exc

    def run(ids: np.ndarray, mask: np.ndarray):
        out = compiled({"inputs_embeds": table[ids], "attention_mask": mask})
        return tuple(np.asarray(out[i]) for i in range(3))

    return run


def best_readings(passages: list[str], flat: list[tuple[int, Window]], start: np.ndarray, end: np.ndarray,
                  logit: np.ndarray) -> list[Reading]:
    """Each passage's best window, its answer span mapped back to characters."""
    best: dict[int, int] = {}
    for row, (i, _) in enumerate(flat):
        if i not in best or logit[row] > logit[best[i]]:
            best[i] = row
    out = []
    for i, text in enumerate(passages):
        row = best[i]
        window = flat[row][1]
        span = best_span(start[row], end[row], window.first, window.last)
        s, e = clean_answer(text, *char_span(window, span))
        out.append(Reading(float(logit[row]), s, e, text[s:e], span.margin))
    return out
