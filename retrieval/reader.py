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
from retrieval.reader_inputs import Window, batch_arrays, specials, tokens, windows
from retrieval.reader_spans import best_span, char_span, clean_answer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reading:
    """What the reader makes of one passage: answerability logit, best answer span and its text."""

    logit: float
    start: int
    end: int
    text: str
    margin: float


def reader_for(settings) -> Reader | None:
    """The reader the settings ask for (NEWSBOT_READER=on, the default), or None."""
    return Reader(settings.model_cache) if settings.reader == "on" else None


class Reader:
    """The trained reader on torch float32, loaded on first use."""

    def __init__(self, model_cache: Path, weights: Path | None = None) -> None:
        self._cache = model_cache
        self._weights = weights
        self._net = None
        self._tokenizer = None
        self._lock = threading.Lock()
        self.meta: dict = {}

    def warm_up(self) -> None:
        with self._lock:
            if self._net is None:
                import torch
                from tokenizers import Tokenizer

                from retrieval.model_build import ensure_default_model
                from retrieval.reader_model import WEIGHTS, network_from_weights

                folder = ensure_default_model(self._cache).path
                try:
                    self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
                except Exception as exc:  # tokenizers raises plain Exception on a bad file
                    raise ModelBuildError(f"cannot load the reader's tokenizer from {folder}: {exc}; "
                                          "delete that folder and newsbot builds it again") from exc
                self._net, self.meta = network_from_weights(folder, self._weights or WEIGHTS)
                self._torch = torch

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
            start, end, logit = self._run([w for _, w in flat], sp.pad)
        return best_readings(passages, flat, start, end, logit)

    def _run(self, wins: list[Window], pad: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ids, mask = batch_arrays([w.ids for w in wins], pad)
        with self._torch.inference_mode():
            s, e, a = self._net(self._torch.from_numpy(ids), self._torch.from_numpy(mask))
        return s.numpy(), e.numpy(), a.numpy()


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
