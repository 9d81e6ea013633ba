"""Feedback votes in a real feedback.sqlite: once per user and message, no user ids kept, and the summary."""

from __future__ import annotations

import argparse
import io
import json
import stat
import threading
from datetime import datetime, timedelta, timezone

import pytest

from bot.cli_feedback import run_feedback
from bot.feedback import FEEDBACK_FILE, SALT_BYTES, SALT_FILE, FeedbackStore, ShownPassage, StoredVote, Vote, read_votes
from bot.feedback_summary import NO_FEEDBACK, summarise, summary_json, summary_text
from retrieval.errors import ConfigError, IndexFolderError

MONDAY = datetime(2026, 12, 7, 9, 30, tzinfo=timezone.utc)  # 2026-W50
SHOWN = (ShownPassage("p1", 1, "Kompas"), ShownPassage("p2", 2, "Tempo"), ShownPassage("p3", 3, "Kompas"))


def vote(message: str = "m1", user: int = 7, up: bool = True, question: str = "Who won?",
         shown: tuple[ShownPassage, ...] = SHOWN, at: datetime = MONDAY) -> Vote:
    return Vote(message, user, up, question, shown, at)


def stored(up: bool, question: str = "q", outlets: tuple[str, ...] = ("Kompas",),
           at: datetime = MONDAY) -> StoredVote:
    return StoredVote(up, question, tuple(ShownPassage(f"p{i}", i, o) for i, o in enumerate(outlets, 1)), at)


@pytest.fixture
def store(tmp_path):
    with FeedbackStore(tmp_path / "index") as feedback:
        yield feedback


def test_a_vote_is_stored_with_what_it_showed(store):
    assert store.record(vote(up=False))
    (only,) = store.votes()
    assert only == StoredVote(False, "Who won?", SHOWN, MONDAY)
    assert only.at.tzinfo is not None


@pytest.mark.parametrize("second_up", [True, False])
def test_a_second_press_by_the_same_user_changes_nothing(store, second_up):
    assert store.record(vote(up=True, question="first"))
    assert not store.record(vote(up=second_up, question="second", at=MONDAY + timedelta(minutes=1)))
    assert [(v.up, v.question) for v in store.votes()] == [(True, "first")]


def test_other_messages_and_other_users_each_count(store):
    assert store.record(vote(message="m1", user=7))
    assert store.record(vote(message="m2", user=7))
    assert store.record(vote(message="m1", user=8))
    assert len(store.votes()) == 3


def test_no_user_id_is_written(tmp_path):
    folder = tmp_path / "index"
    with FeedbackStore(folder) as feedback:
        assert feedback.record(vote(message="123456789:42", user=123456789))
        written = b"".join(p.read_bytes() for p in folder.iterdir() if p.name.startswith(FEEDBACK_FILE))
    assert b"Who won?" in written  # the vote is there
    assert b"123456789" not in written
    assert (folder / FEEDBACK_FILE).exists()


def test_the_salt_is_private_and_kept_across_reopening(tmp_path):
    folder = tmp_path / "index"
    with FeedbackStore(folder) as feedback:
        assert feedback.record(vote())
    salt = folder / SALT_FILE
    assert stat.S_IMODE(salt.stat().st_mode) == 0o600
    assert len(salt.read_bytes()) == SALT_BYTES
    before = salt.read_bytes()
    with FeedbackStore(folder) as feedback:
        assert not feedback.record(vote(up=False))
        assert feedback.record(vote(user=8))
    assert salt.read_bytes() == before
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_two_stores_opened_at_once_share_one_salt(tmp_path):
    folder = tmp_path / "index"
    stores = [FeedbackStore(folder) for _ in range(2)]
    try:
        assert stores[0].record(vote())
        assert not stores[1].record(vote())
    finally:
        for feedback in stores:
            feedback.close()


@pytest.mark.parametrize("content", [b"", b"short", bytes(64)])
def test_a_damaged_salt_says_what_to_do(tmp_path, content):
    folder = tmp_path / "index"
    folder.mkdir()
    (folder / SALT_FILE).write_bytes(content)
    with pytest.raises(ConfigError, match="delete it to start a new salt"):
        FeedbackStore(folder)


def test_an_unreadable_salt_says_what_to_do(tmp_path):
    folder = tmp_path / "index"
    (folder / SALT_FILE).mkdir(parents=True)  # a folder cannot be read as one
    with pytest.raises(ConfigError, match="make it readable.*or delete it"):
        FeedbackStore(folder)


def test_a_file_that_is_not_sqlite_says_what_to_do(tmp_path):
    folder = tmp_path / "index"
    folder.mkdir()
    (folder / FEEDBACK_FILE).write_bytes(b"these are not the votes you are looking for\n" * 100)
    with pytest.raises(IndexFolderError, match="not a SQLite database.*move it aside"):
        FeedbackStore(folder)
    with pytest.raises(IndexFolderError, match="not a SQLite database"):
        read_votes(folder)


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        vote(at=datetime(2026, 12, 7, 9, 30))


def test_two_threads_voting_at_once_store_one_vote(tmp_path):
    folder = tmp_path / "index"
    FeedbackStore(folder).close()  # the salt exists before the race
    stores = [FeedbackStore(folder) for _ in range(2)]
    shared = FeedbackStore(folder)
    barrier = threading.Barrier(4)
    results: list[bool] = []

    def press(feedback: FeedbackStore, up: bool) -> None:
        barrier.wait()
        results.append(feedback.record(vote(up=up)))

    threads = [threading.Thread(target=press, args=args)
               for args in [(stores[0], True), (stores[1], False), (shared, True), (shared, False)]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    assert len(shared.votes()) == 1
    for feedback in [*stores, shared]:
        feedback.close()


def test_outlets_count_once_per_vote_and_sort_by_share_of_down():
    summary = summarise([stored(True, outlets=("Kompas", "Tempo", "Kompas")), stored(False, outlets=("Tempo",)),
                         stored(True, outlets=("Antara",)), stored(True, outlets=("Antara",)),
                         stored(False, outlets=("Detik",)), stored(True, outlets=("Kompas",))])
    assert (summary.votes, summary.up, summary.down) == (6, 4, 2)
    assert [(r.outlet, r.votes, r.down, r.down_share) for r in summary.by_outlet] == [
        ("Detik", 1, 1, 1.0), ("Tempo", 2, 1, 0.5), ("Antara", 2, 0, 0.0), ("Kompas", 2, 0, 0.0)]


def test_weeks_follow_iso_weeks_across_the_new_year():
    days = [datetime(2026, 12, 31, tzinfo=timezone.utc), datetime(2027, 1, 3, 23, tzinfo=timezone.utc),
            datetime(2027, 1, 4, tzinfo=timezone.utc), datetime(2026, 12, 27, tzinfo=timezone.utc)]
    summary = summarise([stored(False, at=days[0]), stored(True, at=days[1]), stored(True, at=days[2]),
                         stored(True, at=days[3])])
    assert [(r.week, r.votes, r.down, r.down_share) for r in summary.by_week] == [
        ("2026-W52", 1, 0, 0.0), ("2026-W53", 2, 1, 0.5), ("2027-W01", 1, 0, 0.0)]


def test_questions_voted_down_most_come_first_grouped_by_case_and_spacing():
    summary = summarise([stored(False, "Who won the  election?"), stored(False, "who won the election? "),
                         stored(True, "WHO WON THE ELECTION?"), stored(False, "Rice prices"),
                         stored(False, "Flood in Jakarta"), stored(True, "Only liked"),
                         stored(False, "rice  prices")], top=2)
    assert [(r.question, r.down, r.up) for r in summary.most_down] == [
        ("Rice prices", 2, 0), ("Who won the election?", 2, 1)]
    assert [r.question for r in summarise([stored(False, "b"), stored(False, "a")]).most_down] == ["b", "a"]
    with pytest.raises(ValueError, match="top"):
        summarise([], top=-1)


def test_summary_text_without_votes_says_how_they_come():
    assert summary_text(summarise([])) == NO_FEEDBACK
    assert "👍" in NO_FEEDBACK


def test_summary_text_shows_the_tables():
    text = summary_text(summarise([stored(False, "Who won?", ("Kompas", "Tempo")), stored(True, "Who won?"),
                                   stored(True, "x" * 100, ("Tempo",))]))
    assert text.startswith("3 votes: 2 up (👍), 1 down (👎), 33% down\n")
    assert "  Kompas      2     1     50%\n  Tempo       2     1     50%\n" in text
    assert "  2026-W50      3     1     33%" in text
    assert "  Who won?     1   1" in text
    assert "x" * 100 not in text


def test_summary_json_is_plain_json():
    data = summary_json(summarise([stored(False, outlets=("Kompas",)), stored(True, outlets=("Kompas",)),
                                   stored(True, outlets=("Kompas",))]))
    assert json.loads(json.dumps(data)) == data
    assert data["down_share"] == 0.3333
    assert data["by_outlet"] == [{"outlet": "Kompas", "votes": 3, "down": 1, "down_share": 0.3333}]
    assert data["most_down"] == [{"question": "q", "down": 1, "up": 2}]


@pytest.mark.parametrize("as_json", [True, False])
def test_run_feedback_on_a_folder_without_votes_creates_nothing(tmp_path, as_json):
    out = io.StringIO()
    assert run_feedback(argparse.Namespace(index=tmp_path, json=as_json), out) == 0
    assert list(tmp_path.iterdir()) == []
    if as_json:
        assert json.loads(out.getvalue()) == {"votes": 0, "up": 0, "down": 0, "down_share": 0.0, "by_outlet": [],
                                              "by_week": [], "most_down": []}
    else:
        assert out.getvalue() == NO_FEEDBACK


def test_run_feedback_reports_the_votes(tmp_path):
    with FeedbackStore(tmp_path) as feedback:
        feedback.record(vote(up=False, question="Harga beras naik?"))
        feedback.record(vote(user=8))
    out = io.StringIO()
    assert run_feedback(argparse.Namespace(index=tmp_path, json=True), out) == 0
    data = json.loads(out.getvalue())
    assert (data["votes"], data["down"]) == (2, 1)
    assert data["most_down"] == [{"question": "Harga beras naik?", "down": 1, "up": 0}]
    out = io.StringIO()
    run_feedback(argparse.Namespace(index=tmp_path, json=False), out)
    assert "Harga beras naik?" in out.getvalue()


def test_stores_opened_together_on_a_new_folder_agree_on_the_salt(tmp_path):
    folder = tmp_path / "index"
    barrier = threading.Barrier(4)
    results: list[bool] = []

    def open_and_press() -> None:
        barrier.wait()
        with FeedbackStore(folder) as feedback:
            results.append(feedback.record(vote()))

    threads = [threading.Thread(target=open_and_press) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
