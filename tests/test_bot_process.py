"""``newsbot run`` and ``newsbot chat`` as real processes."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
import time

import pytest

from retrieval.store.indexing import update_index

from bot_harness import TOKEN
SECRET = TOKEN.split(":")[1]
from conftest import ROOT, SEEDS
from fake_telegram import FakeBotApi, button, message


@contextlib.contextmanager
def bot_process(env: dict, **popen):
    """``newsbot run`` as a child process, killed if a test leaves it running."""
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], env=env, cwd=ROOT, **popen)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)


def stop_cleanly(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    assert process.wait(60) == 0


def test_run_without_token_fails_fast_with_advice(cli_env):
    env = {**cli_env, "TELEGRAM_BOT_TOKEN": ""}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "run"], capture_output=True, text=True, env=env,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 1
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and ".env.example" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_builds_index_answers_and_stops_cleanly_on_sigterm(cli_env, tmp_path):
    api = FakeBotApi().start()
    env = {**cli_env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.base_url,
           "NEWSBOT_INDEX_DIR": str(tmp_path / "index")}
    log: list[str] = []
    with bot_process(env, stderr=subprocess.PIPE, text=True) as process:
        reader = threading.Thread(target=lambda: log.extend(iter(process.stderr.readline, "")), daemon=True)
        reader.start()
        deadline = time.monotonic() + 240
        while not any("ready" in line for line in log):
            assert process.poll() is None, "".join(log)
            assert time.monotonic() < deadline, "".join(log)
            time.sleep(0.2)
        api.push(message("Siapa Yuri Ushakov?", uid=31337))
        api.wait_for(lambda calls: any(m == "sendMessage" and p.get("chat_id") == 31337 for m, p in calls), 60)
        assert "Ushakov" in api.sent("sendMessage", 31337)[0]["text"]
        stop_cleanly(process)
    api.stop()
    reader.join(5)
    output = "".join(log)
    assert "building it from seeds" in output and "newsbot is ready as @newsbot_test_bot" in output
    assert TOKEN not in output and TOKEN.split(":")[1] not in output
    assert (tmp_path / "index" / "CURRENT").is_file()


@pytest.fixture(scope="module")
def chat_index(embedder, tmp_path_factory):
    folder = tmp_path_factory.mktemp("chat") / "index"
    update_index([SEEDS], folder, embedder, sync=True)
    return folder


def test_chat_answers_pages_and_explains(cli_env, chat_index):
    script = "Siapa Yuri Ushakov?\nlagi\n😀😀\nHow do I bake sourdough bread?\nquit\nnot reached\n"
    result = subprocess.run([sys.executable, "-m", "bot.cli", "chat", "--index", str(chat_index)], input=script,
                            capture_output=True, text=True, env=cli_env, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "1. " in out and "Ushakov" in out and "4. " in out
    assert "hanya bisa menjawab pertanyaan berupa kata-kata" in out
    assert "tidak menemukan kutipan" in out
    assert "<b>" not in out


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_webhook_mode_checks_the_secret_token(cli_env, chat_index):
    import httpx

    api, port = FakeBotApi().start(), free_port()
    env = {**cli_env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.base_url,
           "NEWSBOT_INDEX_DIR": str(chat_index), "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg/hook",
           "TELEGRAM_WEBHOOK_SECRET": "s3cret-Token_1", "TELEGRAM_WEBHOOK_PORT": str(port)}
    with bot_process(env, stderr=subprocess.DEVNULL) as process:
        api.wait_for(lambda calls: any(m == "setWebhook" for m, _ in calls), 120)
        hook = api.sent("setWebhook")[0]
        assert hook["url"] == "https://bot.example.org/tg/hook" and hook["secret_token"] == "s3cret-Token_1"
        update = {"update_id": 1, **message("Siapa Yuri Ushakov?", uid=4040)}
        url = f"http://127.0.0.1:{port}/tg/hook"
        for _ in range(100):
            try:
                wrong = httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
                break
            except httpx.ConnectError:
                time.sleep(0.2)
        assert wrong.status_code == 403
        right = httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"})
        assert right.status_code == 200
        api.wait_for(lambda calls: any(m == "sendMessage" and p.get("chat_id") == 4040 for m, p in calls), 60)
        assert len(api.sent("sendMessage", 4040)) == 1
        stop_cleanly(process)
    api.stop()


def _assert_stopped_with_one_clear_line(result: subprocess.CompletedProcess, expected: str) -> None:
    """Exit 1, one ``newsbot: error:`` line (the last) saying ``expected``, no traceback, no token."""
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert TOKEN not in output and SECRET not in output
    assert "Traceback" not in output
    errors = [line for line in result.stderr.splitlines() if line.startswith("newsbot: error:")]
    assert len(errors) == 1 and result.stderr.rstrip().splitlines()[-1] == errors[0], result.stderr
    assert expected in errors[0], errors[0]


@pytest.mark.parametrize(("failure", "expected"), [
    ("401", "Telegram rejected the bot token"),
    ("404", "Telegram rejected the bot token"),
    ("closed port", "could not reach the Telegram Bot API at http://127.0.0.1:"),
])
def test_start_up_failures_stop_with_one_line_and_never_show_the_token(cli_env, chat_index, failure, expected):
    api = FakeBotApi().start()
    url = api.base_url
    if failure == "closed port":
        url = f"http://127.0.0.1:{free_port()}/bot"
    else:
        api.fail("getMe", int(failure), times=None)
    env = {**cli_env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": url, "NEWSBOT_INDEX_DIR": str(chat_index)}
    try:
        result = subprocess.run([sys.executable, "-m", "bot.cli", "run"], capture_output=True, text=True, env=env,
                                cwd=ROOT, timeout=300)
    finally:
        api.stop()
    _assert_stopped_with_one_clear_line(result, expected)
    assert "TELEGRAM_BOT_TOKEN" in result.stderr or "TELEGRAM_API_URL" in result.stderr


@pytest.mark.parametrize(("name", "value"), [
    ("TELEGRAM_API_URL", "localhost:8081/bot"), ("TELEGRAM_API_URL", "ftp://x"), ("TELEGRAM_API_URL", "not a url"),
    ("TELEGRAM_WEBHOOK_LISTEN", "0.0.0.0.0"), ("TELEGRAM_WEBHOOK_LISTEN", "example com"),
    ("NEWSBOT_ALLOWED_IDS", " , ,"),
])
def test_unusable_settings_stop_with_one_line_naming_them(cli_env, tmp_path, name, value):
    env = {**cli_env, "TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_INDEX_DIR": str(tmp_path / "index"), name: value}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "run"], capture_output=True, text=True, env=env,
                            cwd=ROOT, timeout=120)
    _assert_stopped_with_one_clear_line(result, name)
    assert not (tmp_path / "index").exists()  # refused before any work


def test_revoked_token_while_running_stops_the_process_and_the_scheduler_stays_quiet(cli_env, chat_index):
    api = FakeBotApi().start()
    env = {**cli_env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.base_url,
           "NEWSBOT_INDEX_DIR": str(chat_index), "NEWSBOT_RELOAD_SECONDS": "1"}
    log: list[str] = []
    with bot_process(env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        reader = threading.Thread(target=lambda: log.extend(iter(process.stdout.readline, "")), daemon=True)
        reader.start()
        deadline = time.monotonic() + 240
        while not any("ready" in line for line in log):
            assert process.poll() is None, "".join(log)
            assert time.monotonic() < deadline, "".join(log)
            time.sleep(0.2)
        api.push(message("Siapa Yuri Ushakov?", uid=4141))
        api.wait_for(lambda calls: any(m == "sendMessage" and p.get("chat_id") == 4141 for m, p in calls), 60)
        time.sleep(3.5)  # a few index reload intervals go by
        api.fail("getUpdates", 401, times=None)
        assert process.wait(60) == 1
    api.stop()
    reader.join(5)
    output = "".join(log)
    assert TOKEN not in output and SECRET not in output and "Traceback" not in output
    assert output.rstrip().splitlines()[-1].startswith("newsbot: error: Telegram rejected the bot token"), output
    assert "apscheduler" not in output and "Running job" not in output and "executed successfully" not in output


def _post_update(port: int, update: dict, secret: str) -> None:
    """Deliver ``update`` to the webhook worker on ``port``, as Telegram (through a load balancer) would."""
    import httpx

    for _ in range(300):
        try:
            response = httpx.post(f"http://127.0.0.1:{port}/tg/hook", json=update,
                                  headers={"X-Telegram-Bot-Api-Secret-Token": secret})
            assert response.status_code == 200, response.text
            return
        except httpx.ConnectError:
            time.sleep(0.2)
    raise AssertionError(f"no webhook worker listening on port {port}")


def test_two_webhook_workers_share_pages_and_limits_through_redis(cli_env, chat_index, redis_url):
    api, secret = FakeBotApi().start(), "shared-Secret_2"
    ports = [free_port(), free_port()]
    base = {**cli_env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.base_url,
            "NEWSBOT_INDEX_DIR": str(chat_index), "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg/hook",
            "TELEGRAM_WEBHOOK_SECRET": secret, "NEWSBOT_STATE_URL": redis_url, "NEWSBOT_QUESTIONS_PER_MINUTE": "3"}
    uid = 5050
    replies = lambda: api.sent("sendMessage", uid)  # noqa: E731
    with bot_process({**base, "TELEGRAM_WEBHOOK_PORT": str(ports[0])}, stderr=subprocess.DEVNULL) as first, \
            bot_process({**base, "TELEGRAM_WEBHOOK_PORT": str(ports[1])}, stderr=subprocess.DEVNULL) as second:
        api.wait_for(lambda calls: sum(m == "setWebhook" for m, _ in calls) == 2, 180)
        _post_update(ports[0], {"update_id": 1, **message("Apa isi surat Putin untuk Kim Jong Un?", uid=uid)}, secret)
        api.wait_for(lambda calls: len(replies()) == 1, 120)
        more = replies()[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        press = button(more, uid=uid, query_id="press-on-second")
        _post_update(ports[1], {"update_id": 2, **press}, secret)  # the other worker has the page too
        api.wait_for(lambda calls: len(replies()) == 2, 120)
        answered = next(p for p in api.sent("answerCallbackQuery") if p["callback_query_id"] == "press-on-second")
        assert "text" not in answered  # not "expired"
        assert "<b>" in replies()[1]["text"] and replies()[1]["text"] != replies()[0]["text"]
        _post_update(ports[0], {"update_id": 3, **message("Siapa Yuri Ushakov?", uid=uid)}, secret)  # 3rd of 3
        api.wait_for(lambda calls: len(replies()) == 3, 120)
        _post_update(ports[1], {"update_id": 4, **message("Siapa Yuri Ushakov?", uid=uid)}, secret)  # over, told
        api.wait_for(lambda calls: len(replies()) == 4, 120)
        assert "Pelan-pelan" in replies()[3]["text"]
        _post_update(ports[0], {"update_id": 5, **message("Siapa Yuri Ushakov?", uid=uid)}, secret)  # over, quiet
        time.sleep(2)
        assert len(replies()) == 4
        stop_cleanly(first)
        stop_cleanly(second)
    api.stop()


def test_an_unreachable_state_server_stops_the_bot_with_one_line(cli_env, chat_index):
    api = FakeBotApi().start()
    url = f"redis://:Hidden-Pass-9@127.0.0.1:{free_port()}/0"
    env = {**cli_env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.base_url,
           "NEWSBOT_INDEX_DIR": str(chat_index), "NEWSBOT_STATE_URL": url}
    try:
        result = subprocess.run([sys.executable, "-m", "bot.cli", "run"], capture_output=True, text=True, env=env,
                                cwd=ROOT, timeout=300)
    finally:
        api.stop()
    _assert_stopped_with_one_clear_line(result, "could not reach Redis at redis://:***@127.0.0.1:")
    assert "Hidden-Pass-9" not in result.stdout + result.stderr and "NEWSBOT_STATE_URL" in result.stderr
