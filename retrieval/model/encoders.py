"""The two ways newsbot runs its embedding model: OpenVINO int8 and sentence-transformers.

Both take texts with their prompt already chosen and return normalised float32 vectors, and
both count tokens the way the model sees them (special tokens included, no truncation) so
the chunker can keep passages within the model's limit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from retrieval.errors import ModelBuildError
from retrieval.model.model_build import MAX_SEQ_LENGTH

# The files of an int8 model folder (written by ``int8_build``).
GRAPH = "model.xml"
TOKENIZER = "tokenizer.json"


class Encoder(Protocol):
    dimension: int
    max_tokens: int

    def encode(self, texts: list[str], prompt: str, batch_size: int, progress: bool) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


class SentenceTransformerEncoder:
    """A sentence-transformers model on torch, float32."""

    def __init__(self, model) -> None:
        self._model = model
        self.dimension = int(model.get_embedding_dimension())
        self.max_tokens = int(model.max_seq_length)

    @classmethod
    def load(cls, name: str, **kwargs) -> SentenceTransformerEncoder:
        """Load a sentence-transformers model by name or folder, on the CPU."""
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        return cls(SentenceTransformer(name, device="cpu", **kwargs))

    @property
    def prompts(self) -> dict[str, str]:
        """The model's own query and passage prompts."""
        return {k: v for k, v in (self._model.prompts or {}).items() if k in ("query", "passage") and v}

    def encode(self, texts: list[str], prompt: str, batch_size: int, progress: bool) -> np.ndarray:
        return self._model.encode(texts, prompt=prompt, batch_size=batch_size, normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=progress)

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(text, add_special_tokens=True)["input_ids"])


def fit(ids: list[int]) -> list[int]:
    """Token ids cut to the model's limit the way the tokenizer's own truncation cuts one text:
    the text's tokens are shortened and the closing special token is kept."""
    return ids if len(ids) <= MAX_SEQ_LENGTH else ids[:MAX_SEQ_LENGTH - 1] + ids[-1:]


# Batches are padded to a multiple of this many tokens: OpenVINO keeps memory for every input shape
# it has run, and fewer widths keep the bot's memory about 200 MB lower once it has indexed while
# answering; bulk embedding costs about 9% more time (the attention mask hides the padding).
WIDTH_STEP = 32


class OpenVINOEncoder:
    """The int8 OpenVINO graph built by ``int8_build``; its output is already the sentence vector.

    The graph takes word embeddings, looked up here in ``word_embeddings`` (the float32 model's
    table, memory-mapped by ``word_table``).

    Texts are sorted by length and batched so that each batch pads to its own longest text.
    One tokenizer, without truncation, serves both counting and encoding (each loaded copy of
    this vocabulary holds about 300 MB).
    """

    def __init__(self, folder: Path, word_embeddings: np.ndarray) -> None:
        import openvino as ov
        from tokenizers import Tokenizer

        try:
            self._tokenizer = Tokenizer.from_file(str(folder / TOKENIZER))
            self._model = ov.Core().compile_model(str(folder / GRAPH), "CPU")
        except Exception as exc:  # tokenizers and OpenVINO raise plain Exception/RuntimeError on bad files
            raise ModelBuildError(
                f"cannot load the int8 model in {folder} ({exc.__class__.__name__}: {str(exc).strip()[:200]}); "
                "delete that folder and newsbot builds it again, or set NEWSBOT_ENCODER=float32") from exc
        self._table = word_embeddings
        self._pad = self._tokenizer.token_to_id("<pad>")
        self.dimension = int(self._model.output(0).get_partial_shape()[1].get_length())
        self.max_tokens = MAX_SEQ_LENGTH

    def encode(self, texts: list[str], prompt: str, batch_size: int, progress: bool) -> np.ndarray:
        from tqdm.auto import tqdm

        encoded = [fit(e.ids) for e in self._tokenizer.encode_batch([prompt + t for t in texts])]
        order = sorted(range(len(encoded)), key=lambda i: -len(encoded[i]))
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        with tqdm(total=len(texts), desc="Batches", unit="passage", disable=not progress) as bar:
            for start in range(0, len(order), batch_size):
                rows = order[start:start + batch_size]
                vectors[rows] = self._run([encoded[r] for r in rows])
                bar.update(len(rows))
        return vectors

    def _run(self, batch: list[list[int]]) -> np.ndarray:
        width = -(-max(len(ids) for ids in batch) // WIDTH_STEP) * WIDTH_STEP
        input_ids = np.full((len(batch), width), self._pad, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, ids in enumerate(batch):
            input_ids[row, :len(ids)] = ids
            mask[row, :len(ids)] = 1
        return self._model({"inputs_embeds": self._table[input_ids], "attention_mask": mask})[0]

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.encode(text).ids)
