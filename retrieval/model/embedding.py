"""The embedder: owns the model (int8 OpenVINO or float32 torch), loads it late, encodes with prompts."""

from __future__ import annotations

import logging
import sys
import threading
from dataclasses import dataclass

import numpy as np

from retrieval.errors import ModelBuildError
from retrieval.model.encoders import Encoder, OpenVINOEncoder, SentenceTransformerEncoder
from retrieval.model.int8_build import ensure_int8_model
from retrieval.model.model_build import PROMPTS, ensure_default_model
from retrieval.model.turns import Turns
from retrieval.settings import RetrievalSettings
from retrieval.model.word_table import mapped_word_embeddings

log = logging.getLogger(__name__)

DEFAULT_MODEL_ID = "multilingual-e5-small"
_PROGRESS_THRESHOLD = 64


@dataclass(frozen=True)
class ModelInfo:
    """What an index records about the model that embedded it."""

    name: str
    dimension: int
    prompts: dict[str, str]


class Embedder:
    """Encodes questions and passages into normalised vectors.

    Nothing is loaded at construction; ``warm_up`` (called on first use) builds the
    default model if needed and loads it.
    """

    def __init__(self, settings: RetrievalSettings) -> None:
        self._settings = settings
        self._encoder: Encoder | None = None
        self._info: ModelInfo | None = None
        # The Rust tokenizer is not safe to call from several threads at once, and one encoding
        # already uses every core, so calls into the model take turns; a question goes before the
        # next batch of a long run of passages (indexing while the bot answers).
        self._loading = threading.Lock()
        self._turns = Turns()

    @property
    def settings(self) -> RetrievalSettings:
        """The settings this embedder was made with."""
        return self._settings

    @property
    def model_name(self) -> str:
        """The name recorded in index manifests (no loading needed)."""
        if self._settings.embedding_model:
            return self._settings.embedding_model
        return DEFAULT_MODEL_ID if self._settings.encoder == "float32" else f"{DEFAULT_MODEL_ID}-int8"

    def warm_up(self) -> ModelInfo:
        """Load the model (building the default one on first use); idempotent."""
        with self._loading:
            if self._info is None:
                self._encoder, prompts = self._load()
                self._info = ModelInfo(self.model_name, self._encoder.dimension, prompts)
        return self._info

    def _load(self) -> tuple[Encoder, dict[str, str]]:
        name = self._settings.embedding_model
        if name is None:
            built = ensure_default_model(self._settings.model_cache)
            if self._settings.encoder == "int8":
                quantised = ensure_int8_model(built)
                log.info("loading %s from %s", quantised.source, quantised.path)
                return OpenVINOEncoder(quantised.path, mapped_word_embeddings(built.path)), dict(PROMPTS)
            log.info("loading %s from %s", built.source, built.path)
            encoder = SentenceTransformerEncoder.load(str(built.path), local_files_only=True)
            return encoder, dict(PROMPTS)
        try:
            encoder = SentenceTransformerEncoder.load(name)
        except Exception as exc:  # the library raises many kinds for a bad name or no network
            raise ModelBuildError(
                f"cannot load embedding model {name!r} ({exc.__class__.__name__}: {exc}). "
                "NEWSBOT_EMBEDDING_MODEL must name a sentence-transformers model this machine can "
                "download, or a local model folder; unset it to use the built-in multilingual-e5-small."
            ) from exc
        return encoder, encoder.prompts

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for ``text`` as a passage, prompt and special tokens included."""
        info = self.warm_up()
        with self._turns.urgent():
            return self._encoder.count_tokens(info.prompts.get("passage", "") + text)

    @property
    def max_tokens(self) -> int:
        """The model's sequence limit."""
        self.warm_up()
        return self._encoder.max_tokens

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Normalised float32 vectors for ``texts``; shows progress for long runs on a terminal."""
        return self._encode(texts, "passage")

    def embed_query(self, text: str) -> np.ndarray:
        """One normalised float32 vector for a question."""
        return self._encode([text], "query")[0]

    def _encode(self, texts: list[str], kind: str) -> np.ndarray:
        info = self.warm_up()
        prompt, size = info.prompts.get(kind, ""), self._settings.batch_size
        if len(texts) <= size:
            with self._turns.urgent():
                vectors = self._encoder.encode(texts, prompt, size, progress=False)
            return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), info.dimension)
        return self._encode_bulk(texts, prompt, size, info.dimension)

    def _encode_bulk(self, texts: list[str], prompt: str, size: int, dimension: int) -> np.ndarray:
        """Batch by batch, longest texts first (each batch pads to similar lengths), one turn a batch."""
        from tqdm.auto import tqdm

        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        vectors = np.empty((len(texts), dimension), dtype=np.float32)
        progress = len(texts) >= _PROGRESS_THRESHOLD and sys.stderr.isatty()
        with tqdm(total=len(texts), desc="Batches", unit="passage", disable=not progress) as bar:
            for start in range(0, len(order), size):
                rows = order[start:start + size]
                with self._turns.bulk():
                    vectors[rows] = self._encoder.encode([texts[r] for r in rows], prompt, size, progress=False)
                bar.update(len(rows))
        return vectors

