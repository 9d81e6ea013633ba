"""The ``newsbot`` command, run as a real process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, SEEDS

# Without the capabilities that let root read and write anything, file permissions apply to root too.
AS_PLAIN_USER = (["setpriv", "--inh-caps=-dac_override,-dac_read_search",
                  "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else [])

QUESTIONS = "Kapan Putin akan mengunjungi Vietnam?\n\nWho is Putin's foreign policy adviser?\n"


def newsbot(*args: str, env: dict, stdin: str = "", cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def index_run(tmp_path_factory, cli_env):
    folder = tmp_path_factory.mktemp("cli") / "index"
    return folder, newsbot("index", str(SEEDS), "--index", str(folder), env=cli_env)


@pytest.fixture()
def indexed(index_run):
    folder, result = index_run
    assert result.returncode == 0, result.stderr
    return folder


def test_index_reports_outlets_and_passages(index_run):
    _, result = index_run
    for outlet in ("Kontan", "Liputan6", "VOA Indonesia", "Tribunnews", "Eastjourneymagz"):
        assert outlet in result.stdout
    assert "Read 5 articles." in result.stdout and "Added 5, updated 0, removed 0, unchanged 0" in result.stdout
    assert "The index holds 5 articles, 20 passages, from 5 outlets" in result.stdout


def test_reindex_remove_stats_and_sync(indexed, tmp_path, cli_env):
    import shutil

    folder = tmp_path / "index"
    shutil.copytree(indexed, folder)
    again = newsbot("index", str(SEEDS), "--index", str(folder), env=cli_env)
    assert again.returncode == 0 and "passages embedded: 0" in again.stdout and "Nothing changed" in again.stdout
    removed = newsbot("remove", "000_4c66d7cb05f20b83", "missing-id", "--index", str(folder), env=cli_env)
    assert removed.returncode == 0 and "removed 1" in removed.stdout
    assert "missing-id: no article with this id in the index" in removed.stdout
    nothing = newsbot("remove", "missing-id", "--index", str(folder), env=cli_env)
    assert nothing.returncode == 1
    stats = newsbot("stats", "--json", "--index", str(folder), env=cli_env)
    assert stats.returncode == 0, stats.stderr
    facts = json.loads(stats.stdout)
    assert (facts["articles"], facts["vector_index"], facts["model"]) == (4, "exact", "multilingual-e5-small-int8")
    assert "Kontan" not in facts["outlets"] and facts["disk_bytes"] > 0
    assert (facts["first_date"], facts["last_date"]) == ("2022-08-15", "2024-06-19")
    text = newsbot("stats", "--index", str(folder), env=cli_env)
    assert "articles 4, passages 17, outlets 4" in text.stdout and "MB on disk" in text.stdout
    assert "MB of memory for its data once loaded" in text.stdout
    (tmp_path / "two").mkdir()
    for name in ("000_4c66d7cb05f20b83.txt", "001_49f180e410a81df8.txt", "metadata.json"):
        shutil.copy(SEEDS / name, tmp_path / "two" / name)
    synced = newsbot("index", "--sync", str(tmp_path / "two"), "--index", str(folder), env=cli_env)
    assert synced.returncode == 0, synced.stderr
    assert "Added 1, updated 0, removed 3, unchanged 1" in synced.stdout
    bad = newsbot("stats", "--index", str(folder), env={**cli_env, "NEWSBOT_VECTOR_INDEX": "ivf"})
    assert bad.returncode == 1 and "NEWSBOT_VECTOR_INDEX='ivf' must be one of auto, exact, hnsw" in bad.stderr


def test_ask_json_from_stdin(indexed, cli_env):
    result = newsbot("ask", "--json", "-k", "2", "--index", str(indexed), stdin=QUESTIONS, env=cli_env)
    assert result.returncode == 1  # the blank line is one unusable question
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["question"] for a in answers] == [
        "Kapan Putin akan mengunjungi Vietnam?", "", "Who is Putin's foreign policy adviser?"]
    assert "question is empty" in answers[1]["error"] and answers[1]["results"] == []
    answers = [answers[0], answers[2]]
    keys = {"rank", "score", "outlet", "title", "date", "url", "article_id", "passage_id", "text"}
    for answer in answers:
        assert len(answer["results"]) == 2
        assert all(set(r) >= keys for r in answer["results"])
        assert [r["rank"] for r in answer["results"]] == [1, 2]
    assert any("Ushakov" in r["text"] for r in answers[1]["results"])


def test_ask_text_shows_citation(indexed, cli_env):
    result = newsbot("ask", "Berapa kontainer amunisi dikirim ke Rusia?", "--index", str(indexed), env=cli_env)
    assert result.returncode == 0, result.stderr
    assert "1. " in result.stdout and " · 2024-06-18 · " in result.stdout and "11.000" in result.stdout


def test_bad_questions_fail_clearly_without_stopping_the_batch(indexed, cli_env):
    result = newsbot("ask", "--json", "--index", str(indexed), env=cli_env,
                     stdin="x" * 10_000 + "\nSiapa Yuri Ushakov?\n")
    assert result.returncode == 1
    first, second = [json.loads(line) for line in result.stdout.splitlines()]
    assert "10,000 characters" in first["error"] and first["results"] == []
    assert second["results"]
    assert "10,000 characters" in result.stderr and "Traceback" not in result.stderr
    empty = newsbot("ask", "  ", "--index", str(indexed), env=cli_env)
    assert empty.returncode == 1 and "question is empty" in empty.stderr


def test_missing_and_corrupt_index(tmp_path, cli_env):
    missing = newsbot("ask", "Putin?", "--index", str(tmp_path / "nope"), env=cli_env)
    assert missing.returncode == 1 and "newsbot index" in missing.stderr and "Traceback" not in missing.stderr
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "CURRENT").write_text("gen-gone\n")
    corrupt = newsbot("ask", "Putin?", "--index", str(tmp_path / "junk"), env=cli_env)
    assert corrupt.returncode == 1 and "damaged" in corrupt.stderr


def test_nothing_to_index_leaves_existing_index(indexed, tmp_path, cli_env):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("")
    before = sorted(p.name for p in indexed.iterdir())
    result = newsbot("index", str(tmp_path / "empty"), "--index", str(indexed), env=cli_env)
    assert result.returncode == 1 and "no articles found" in result.stderr
    assert sorted(p.name for p in indexed.iterdir()) == before


def test_bad_flags_and_env(indexed, cli_env):
    bad_k = newsbot("ask", "Putin?", "-k", "0", "--index", str(indexed), env=cli_env)
    assert bad_k.returncode == 1 and "between 1 and" in bad_k.stderr
    bad_env = newsbot("ask", "Putin?", "--index", str(indexed), env={**cli_env, "NEWSBOT_BATCH_SIZE": "lots"})
    assert bad_env.returncode == 1 and "NEWSBOT_BATCH_SIZE" in bad_env.stderr
    other_model = newsbot("ask", "Putin?", "--index", str(indexed),
                          env={**cli_env, "NEWSBOT_EMBEDDING_MODEL": "some/other-model"})
    assert other_model.returncode == 1 and "built with model" in other_model.stderr


def test_index_dir_from_environment(indexed, cli_env, tmp_path):
    result = newsbot("ask", "Ushakov", "--json", "-k", "1", env={**cli_env, "NEWSBOT_INDEX_DIR": str(indexed)},
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["results"][0]["rank"] == 1


def test_ask_filters_highlights_and_grouping(indexed, cli_env):
    questions = ("Putin mengembangkan mekanisme perdagangan alternatif yang tidak dikendalikan oleh Barat\n"
                 "How do I bake sourdough bread?\n")
    # --fast: retrieval's own highlight and grouping (the reader's are tested in test_reader.py)
    result = newsbot("ask", "--json", "--fast", "-k", "3", "--index", str(indexed), stdin=questions, env=cli_env)
    assert result.returncode == 0, result.stderr
    quote, bread = [json.loads(line) for line in result.stdout.splitlines()]
    assert quote["answered"] is True and bread["answered"] is False
    top = quote["results"][0]
    reporters = {top["outlet"]} | {o["outlet"] for o in top["also_reported_by"]}
    assert {"Kontan", "Liputan6", "Eastjourneymagz"} <= reporters
    start, end = top["highlight"]
    assert "perdagangan alternatif" in top["text"][start:end]
    only = newsbot("ask", "--json", "--outlet", "tribunnews", "-k", "5", "Putin", "--index", str(indexed), env=cli_env)
    assert {r["outlet"] for r in json.loads(only.stdout)["results"]} == {"Tribunnews"}
    since = newsbot("ask", "--json", "--since", "2024-06-19", "Putin", "--index", str(indexed), env=cli_env)
    assert {r["date"] for r in json.loads(since.stdout)["results"]} == {"2024-06-19"}
    bad = newsbot("ask", "--since", "kemarin", "Putin", "--index", str(indexed), env=cli_env)
    assert bad.returncode == 1 and "not a date like 2024-06-18" in bad.stderr


def test_chat_answers_pages_and_quits(indexed, cli_env):
    result = newsbot("chat", "--index", str(indexed), "--lang", "en", env=cli_env,
                     stdin="Kapan Putin akan mengunjungi Vietnam?\nmore\nmedia:Kontan Putin Vietnam\nquit\n")
    assert result.returncode == 0, result.stderr
    first, rest = result.stdout.split("\n4. ", 1)
    assert "1. " in first and "»" in first and "Vietnam" in first
    assert rest  # "more" shows the next page, numbered on
    assert result.stdout.count("Kontan ·") >= 1 and "Traceback" not in result.stderr


def newsbot_bytes(*args: str, env: dict, stdin: bytes = b"", prefix: list[str] = ()) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True,
                          env=env, cwd=ROOT, timeout=300)


def test_text_that_is_not_utf8_is_refused_alone(indexed, cli_env):
    lines = b"Siapa Yuri Ushakov?\n\xff\xfe Putin \xc3\n\nKapan Putin ke Vietnam?\n"
    result = newsbot_bytes("ask", "--json", "-k", "1", "--index", str(indexed), stdin=lines, env=cli_env)
    assert result.returncode == 1 and b"Traceback" not in result.stderr
    answers = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert [bool(a["results"]) for a in answers] == [True, False, False, True]
    assert "not valid UTF-8" in answers[1]["error"] and answers[1]["question"] == "\ufffd\ufffd Putin \ufffd"
    argument = newsbot_bytes("ask", "Putin \udcff", "--index", str(indexed), env=cli_env)
    assert argument.returncode == 1 and b"not valid UTF-8" in argument.stderr and b"Traceback" not in argument.stderr
    chat = newsbot_bytes("chat", "--lang", "en", "--index", str(indexed), env=cli_env,
                         stdin=b"\xff bad\nSiapa Yuri Ushakov?\n")
    assert chat.returncode == 0 and b"isn't valid UTF-8" in chat.stdout and b"Ushakov" in chat.stdout


def test_an_outlet_the_index_does_not_have_is_named(indexed, cli_env):
    result = newsbot("ask", "Putin", "--outlet", "Kompas", "--index", str(indexed), env=cli_env)
    assert result.returncode == 1
    assert "no outlet named 'Kompas' in the index; the outlets are: Eastjourneymagz, Kontan" in result.stderr
    chat = newsbot("chat", "--lang", "en", "--index", str(indexed), env=cli_env, stdin="media:Kompas Putin\n")
    assert "There is no outlet named Kompas in the index. The outlets are: Eastjourneymagz" in chat.stdout


def test_lost_current_never_costs_articles(indexed, tmp_path, cli_env):
    folder = tmp_path / "index"
    shutil.copytree(indexed, folder)
    (folder / "CURRENT").unlink()
    stats = newsbot("stats", "--json", "--index", str(folder), env=cli_env)
    assert stats.returncode == 0 and json.loads(stats.stdout)["articles"] == 5
    one = newsbot("index", str(SEEDS / "000_4c66d7cb05f20b83.txt"), "--index", str(folder), env=cli_env)
    assert one.returncode == 0, one.stderr
    assert "newest whole generation" in one.stdout and "The index holds 5 articles" in one.stdout
    assert (folder / "CURRENT").is_file()


def test_sync_with_an_unreadable_folder_removes_nothing(indexed, tmp_path, cli_env):
    folder, sources = tmp_path / "index", tmp_path / "sources"
    shutil.copytree(indexed, folder)
    (sources / "first").mkdir(parents=True)
    (sources / "second").mkdir()
    for i, name in enumerate(sorted(p.name for p in SEEDS.glob("*.txt"))):
        shutil.copy(SEEDS / name, sources / ("first" if i < 2 else "second") / name)
    (sources / "second" / "004_a09d3cab97f57f36.txt").unlink()  # really gone: yet kept while "second" is unreadable
    (sources / "second").chmod(0)
    try:
        result = newsbot_bytes("index", "--sync", str(sources), "--index", str(folder), env=cli_env,
                               prefix=AS_PLAIN_USER)
    finally:
        (sources / "second").chmod(0o755)
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 1 and "Traceback" not in err
    assert f"{sources / 'second'}: cannot be read (Permission denied)" in out
    assert "removed 0" in out and "Kept 3 indexed article(s)" in out and "The index holds 5 articles" in out
    assert "could not be read" in err
    again = newsbot("index", "--sync", str(sources), "--index", str(folder), env=cli_env)
    assert again.returncode == 0 and "removed 1" in again.stdout


def test_index_folders_that_cannot_hold_an_index(tmp_path, cli_env):
    (tmp_path / "file").write_text("")
    for command in (["index", str(SEEDS)], ["ask", "Putin"], ["stats"]):
        result = newsbot(*command, "--index", str(tmp_path / "file"), env=cli_env)
        assert result.returncode == 1 and "is a file, not an index folder" in result.stderr, result.stderr
    proc = newsbot("index", str(SEEDS), "--index", "/proc", env=cli_env)
    assert proc.returncode == 1 and "cannot write the index at /proc" in proc.stderr
    (tmp_path / "readonly").mkdir(mode=0o555)
    readonly = newsbot_bytes("index", str(SEEDS), "--index", str(tmp_path / "readonly" / "index"), env=cli_env,
                             prefix=AS_PLAIN_USER)
    assert readonly.returncode == 1 and b"Permission denied" in readonly.stderr
    assert b"cannot write the index at" in readonly.stderr and b"Traceback" not in readonly.stderr


def test_nothing_readable_says_why_without_verbose(tmp_path, cli_env):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_bytes(b"Berita caf\xe9")
    result = newsbot("index", str(tmp_path / "in"), "--index", str(tmp_path / "index"), env=cli_env)
    assert result.returncode == 1 and "a.txt: not UTF-8 text" in result.stderr and "iconv" in result.stderr
