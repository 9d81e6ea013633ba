"""The reader's pure pieces on small hand-made cases: windows, span decoding, combination, the decision."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from retrieval.reader.reader import Reading, best_readings
from retrieval.reader.reader_inputs import Specials, Tokens, Window, passage_room, token_span, windows
from retrieval.reader.reader_spans import best_span, char_span, clean_answer
from retrieval.reader.rerank import CLOSENESS_CENTRE, ReaderMix, answer_of, answer_score, combine, is_answered_by_reader
from retrieval.search.results import answer_sentence

SP = Specials(bos=0, eos=2, pad=1)


def word_tokens(text: str) -> Tokens:
    """One token per space-separated word, with its character span (a stand-in tokenizer)."""
    ids, offsets, pos = [], [], 0
    for word in text.split(" "):
        ids.append(100 + len(ids))
        offsets.append((pos, pos + len(word)))
        pos += len(word) + 1
    return Tokens(ids, offsets)


def test_a_short_passage_is_one_window_with_question_first():
    q, p = word_tokens("kapan dia datang"), word_tokens("Dia datang pada 19 Juni.")
    [w] = windows(q, p, SP, max_tokens=32, overlap=4)
    assert w.ids[:1] == [0] and w.ids[1:4] == q.ids and w.ids[4:6] == [2, 2]
    assert w.ids[w.first:w.last] == p.ids and w.ids[-1] == 2
    assert w.offsets == p.offsets


def test_long_passages_are_covered_by_overlapping_windows():
    p = word_tokens(" ".join(f"w{i}" for i in range(100)))
    q = word_tokens("apa")
    wins = windows(q, p, SP, max_tokens=32, overlap=8)
    room = 32 - 1 - 4
    assert all(len(w.ids) <= 32 for w in wins)
    covered = [o for w in wins for o in w.offsets]
    assert set(covered) == set(p.offsets)  # every token is read at least once
    assert wins[1].offsets[:8] == wins[0].offsets[room - 8:room]  # consecutive windows share 8 tokens
    assert passage_room(q, 32) == room


def test_token_span_finds_the_answer_tokens_or_none_past_the_edge():
    text = "Putin tiba di Hanoi pada 19 Juni"
    q, p = word_tokens("kapan"), word_tokens(text)
    [w] = windows(q, p, SP, max_tokens=64)
    start = text.index("19 Juni")
    assert token_span(w, start, start + len("19 Juni")) == (w.first + 5, w.first + 6)
    cut = Window(w.ids, w.first, w.offsets[:6])
    assert token_span(cut, start, start + len("19 Juni")) is None


def test_best_span_respects_order_length_and_window():
    start = np.array([9.0, 0, 5, 0, 1, 0])
    end = np.array([9.0, 0, 0, 4, 0, 7])
    span = best_span(start, end, first=1, last=6, max_tokens=30)
    assert (span.start, span.end) == (2, 5) and span.score == 12.0 and span.null == 18.0
    assert span.margin == -6.0
    short = best_span(start, end, first=1, last=6, max_tokens=2)
    # 2..5 is too long now; of the spans of at most two tokens, 2..3 (5 + 4) beats 4..5 (1 + 7)
    assert (short.start, short.end, short.score) == (2, 3, 9.0)


def test_best_span_never_ends_before_it_starts():
    start = np.array([0.0, 0, 0, 10])
    end = np.array([0.0, 10, 0, 0])
    span = best_span(start, end, 1, 4)
    assert span.start <= span.end
    with pytest.raises(ValueError):
        best_span(start, end, 2, 2)


def test_clean_answer_trims_spaces_and_edge_punctuation():
    text = 'pada "19-20 Juni," kata'
    s, e = clean_answer(text, 4, 18)
    assert text[s:e] == "19-20 Juni"


def test_best_readings_picks_each_passages_best_window_and_maps_offsets():
    passages = ["aa bb cc", "dd ee"]
    q = word_tokens("x")
    w0 = windows(q, word_tokens(passages[0]), SP, max_tokens=64)[0]
    w1 = windows(q, word_tokens(passages[1]), SP, max_tokens=64)[0]
    flat = [(0, w0), (1, w1), (0, w0)]
    width = max(len(w0.ids), len(w1.ids))
    start, end = np.zeros((3, width)), np.zeros((3, width))
    start[0, w0.first + 1] = end[0, w0.first + 2] = 5  # "bb cc" in the first copy of passage 0
    start[2, w0.first] = end[2, w0.first] = 5  # "aa" in the second copy, which scores higher
    readings = best_readings(passages, flat, start, end, np.array([1.0, -2.0, 3.0]))
    assert readings[0].text == "aa" and readings[0].logit == 3.0
    assert readings[1].logit == -2.0
    assert passages[0][readings[0].start:readings[0].end] == "aa"


@dataclass(frozen=True)
class FakeHit:
    """Only the fields combine() reads and writes."""

    rank: int
    score: float
    reading: float | None = None
    answer: object = None
    dense: float = 0.8


def reading(logit: float, text: str = "x") -> Reading:
    return Reading(logit, 0, len(text), text, 0.0)


def test_combine_reorders_the_read_hits_ahead_of_the_rest():
    hits = [FakeHit(1, 2.0), FakeHit(2, 1.5), FakeHit(3, 1.0), FakeHit(4, 0.5)]
    rows = np.array([10, 11, 12, 13])
    out, out_rows = combine(hits, rows, [reading(-4.0), reading(3.0), reading(0.0)], ReaderMix(3, 0.5, 0.0))
    # combined: 2 - 2 = 0, 1.5 + 1.5 = 3, 1 + 0 = 1; the unread fourth stays last
    assert list(out_rows) == [11, 12, 10, 13]
    assert [h.rank for h in out] == [1, 2, 3, 4]
    assert out[0].reading == 3.0 and out[0].answer.text == "x" and out[3].reading is None
    assert out[0].score == pytest.approx(3.0)


def test_weight_zero_keeps_retrievals_order():
    hits = [FakeHit(1, 2.0), FakeHit(2, 1.0)]
    out, rows = combine(hits, np.array([5, 6]), [reading(-9.0), reading(9.0)], ReaderMix(2, 0.0, 0.0))
    assert list(rows) == [5, 6]


def test_the_decision_follows_the_first_hits_reading():
    mix = ReaderMix(threshold=1.0)
    assert is_answered_by_reader([FakeHit(1, 0.0, reading=1.5)], mix)
    assert not is_answered_by_reader([FakeHit(1, 0.0, reading=0.5)], mix)
    assert not is_answered_by_reader([FakeHit(1, 0.0, reading=None)], mix)  # not read: fast path
    assert not is_answered_by_reader([], mix)


def test_a_passage_far_in_meaning_is_no_answer_when_closeness_counts():
    mix = ReaderMix(threshold=0.0, closeness=20.0)
    # 1.0 + 20 x (0.70 - 0.8) = -1.0: the reader likes it, but it is far from the question
    assert not is_answered_by_reader([FakeHit(1, 0.0, reading=1.0, dense=0.70)], mix)
    assert is_answered_by_reader([FakeHit(1, 0.0, reading=1.0, dense=0.85)], mix)
    # a low logit is not rescued by a small closeness weight
    small = ReaderMix(threshold=0.0, closeness=5.0)
    assert not is_answered_by_reader([FakeHit(1, 0.0, reading=-1.0, dense=0.85)], small)
    # no closeness weight: the logit alone decides, whatever the cosine
    assert is_answered_by_reader([FakeHit(1, 0.0, reading=0.5, dense=0.1)], ReaderMix(threshold=0.0, closeness=0.0))


def test_answer_score_centres_the_cosine():
    assert answer_score(-0.5, CLOSENESS_CENTRE, 40.0) == pytest.approx(-0.5)
    assert answer_score(-0.5, CLOSENESS_CENTRE + 0.05, 40.0) == pytest.approx(1.5)


def test_an_empty_span_is_no_answer_and_scores_are_probabilities():
    assert answer_of(Reading(2.0, 3, 3, "", 0.0)) is None
    answer = answer_of(Reading(0.0, 0, 2, "19", 0.0))
    assert answer.score == 0.5 and (answer.start, answer.end) == (0, 2)


def test_the_highlight_is_the_sentence_that_holds_the_answer():
    text = "Putin datang. Dia tiba pada 19 Juni di Hanoi. Lalu pulang."
    start = text.index("19 Juni")
    s, e = answer_sentence(text, start, start + 7)
    assert text[s:e] == "Dia tiba pada 19 Juni di Hanoi."
    assert answer_sentence(text, text.index("datang"), text.index("tiba")) is None  # spans two sentences


def test_char_span_maps_tokens_back_to_characters():
    text = "Dia tiba pada 19 Juni"
    [w] = windows(word_tokens("kapan"), word_tokens(text), SP, max_tokens=64)
    span = best_span(np.eye(len(w.ids))[w.first + 3] * 5, np.eye(len(w.ids))[w.first + 4] * 5, w.first, w.last)
    s, e = char_span(w, span)
    assert text[s:e] == "19 Juni"


def test_word_embeddings_are_mapped_from_the_safetensors_file_and_a_bad_file_says_how_to_rebuild(tmp_path):
    from safetensors.numpy import save_file

    from retrieval.errors import ModelBuildError
    from retrieval.model.word_table import WORD_EMBEDDINGS, mapped_word_embeddings

    table = np.arange(24, dtype=np.float32).reshape(6, 4)
    save_file({"other": np.ones(3, dtype=np.float32), WORD_EMBEDDINGS: table}, str(tmp_path / "model.safetensors"))
    mapped = mapped_word_embeddings(tmp_path)
    assert isinstance(mapped, np.memmap) and np.array_equal(mapped[[5, 0, 5]], table[[5, 0, 5]])
    (tmp_path / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    with pytest.raises(ModelBuildError, match="newsbot builds it again"):
        mapped_word_embeddings(tmp_path)
    save_file({WORD_EMBEDDINGS: table.astype(np.float16)}, str(tmp_path / "model.safetensors"))
    with pytest.raises(ModelBuildError, match="not F32"):
        mapped_word_embeddings(tmp_path)


@pytest.fixture
def cpuinfo(tmp_path):
    """A /proc/cpuinfo-like file listing the given flags."""
    def write(flags: str):
        path = tmp_path / "cpuinfo"
        path.write_text(f"processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: {flags}\n\nprocessor\t: 1\n")
        return path
    return write


def test_int8_is_chosen_only_where_the_cpu_has_int8_dot_products(tmp_path, cpuinfo):
    from retrieval.model.cpu_features import cpu_flags, fast_int8

    assert cpu_flags("processor : 0\nflags : fpu avx2 fma\n") == {"fpu", "avx2", "fma"}
    assert not fast_int8(cpuinfo("fpu sse4_2 avx avx2 fma avx512f"))
    assert fast_int8(cpuinfo("fpu avx2 avx512f avx512_vnni"))
    assert fast_int8(cpuinfo("fpu avx2 avx_vnni"))
    assert fast_int8(cpuinfo("fpu avx2 amx_tile amx_int8"))
    assert fast_int8(tmp_path / "missing")  # cannot be told: the documented default, int8


def test_bfloat16_training_is_opt_in_on_the_cpu_and_read_from_the_cpu_flags(tmp_path, cpuinfo):
    from retrieval.model.cpu_features import fast_bfloat16
    from retrieval.reader.reader_training import parse_args

    assert not fast_bfloat16(cpuinfo("fpu avx2 avx512f avx512_vnni"))
    assert fast_bfloat16(cpuinfo("fpu avx2 avx512f avx512_bf16"))
    assert fast_bfloat16(cpuinfo("fpu avx2 amx_tile amx_bf16"))
    assert not fast_bfloat16(tmp_path / "missing")  # cannot be told: not assumed
    base = ["--data", str(tmp_path), "--out", str(tmp_path)]
    assert parse_args(base).bfloat16 is False  # the shipped recipe: float32 on the CPU
    assert parse_args(base + ["--device", "cuda"]).bfloat16 is True
    assert parse_args(base + ["--device", "cuda", "--precision", "float32"]).bfloat16 is False
    assert parse_args(base + ["--precision", "bfloat16"]).bfloat16 is True


def test_bfloat16_on_a_cpu_without_it_warns_that_it_trains_slower(tmp_path, cpuinfo, monkeypatch, caplog):
    from retrieval.model import cpu_features
    from retrieval.reader.reader_training import parse_args

    base = ["--data", str(tmp_path), "--out", str(tmp_path), "--precision", "bfloat16"]
    monkeypatch.setattr(cpu_features, "CPUINFO", cpuinfo("fpu avx2 avx512f avx512_vnni"))
    with caplog.at_level("WARNING"):
        assert parse_args(base).bfloat16 is True
    assert "without bfloat16 instructions" in caplog.text and "slower than float32" in caplog.text
    caplog.clear()
    monkeypatch.setattr(cpu_features, "CPUINFO", cpuinfo("fpu avx2 avx512f avx512_bf16"))
    with caplog.at_level("WARNING"):
        parse_args(base)
    assert "bfloat16" not in caplog.text


def test_an_unknown_reader_form_is_refused_with_the_choices(tmp_path):
    from retrieval.reader.reader import Reader

    with pytest.raises(ValueError, match="int8, openvino-f32, torch"):
        Reader(tmp_path, form="int4")
