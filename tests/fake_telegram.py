"""A small fake Telegram Bot API server on 127.0.0.1, for end-to-end tests of the real bot.

It speaks the Bot API's JSON for the methods newsbot uses, records every call, serves
updates that tests push through long-polling ``getUpdates``, and rejects what Telegram
rejects: text over 4096 characters (UTF-16 units, after entity parsing), more than 100
entities, HTML it cannot parse, and callback data over 64 bytes. Tests can also make any
method, ``getUpdates`` included, fail as Telegram and networks do (``FakeBotApi.fail``):
401/404 for a rejected token, 429 with ``retry_after``, 5xx, or a slow answer.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Newsbot", "username": "newsbot_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True}
_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "blockquote",
         "tg-spoiler", "span", "tg-emoji"}
_JSON_FIELDS = {"reply_markup", "commands", "results", "allowed_updates", "link_preview_options",
                "reply_parameters", "entities", "scope"}
_INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "cache_time"}


class TelegramHTMLError(ValueError):
    """Telegram would answer 'Bad Request: can't parse entities'."""


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.entities = 0
        self.visible: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in _TAGS:
            raise TelegramHTMLError(f"unsupported start tag \"{tag}\"")
        if tag == "a" and not dict(attrs).get("href"):
            raise TelegramHTMLError("a tag without href")
        self.stack.append(tag)
        self.entities += 1

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            raise TelegramHTMLError(f"unmatched end tag \"{tag}\"")
        self.stack.pop()

    def handle_data(self, data):
        self.visible.append(data)


def check_html(text: str) -> tuple[int, int]:
    """Visible length (UTF-16 units) and entity count of Telegram HTML, or TelegramHTMLError."""
    for match in re.finditer(r"&", text):
        if not re.match(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);", text[match.start():]):
            raise TelegramHTMLError("unescaped & or unsupported entity")
    for match in re.finditer(r"<", text):
        if not re.match(r"</?[a-zA-Z-]+[\s>/]", text[match.start():]):
            raise TelegramHTMLError("unescaped <")
    if ">" in re.sub(r"<[^<>]*>", "", text):
        raise TelegramHTMLError("unescaped >")
    checker = _Checker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        raise TelegramHTMLError(f"unclosed tag \"{checker.stack[-1]}\"")
    visible = "".join(checker.visible)
    return len(visible.encode("utf-16-le")) // 2, checker.entities


_DESCRIPTIONS = {400: "Bad Request: message can't be sent", 401: "Unauthorized", 404: "Not Found",
                 429: "Too Many Requests: retry after {retry_after}", 500: "Internal Server Error",
                 502: "Bad Gateway"}


@dataclass
class Fault:
    """How the next ``times`` calls of a method fail (``times=None``: until cleared).

    ``status=None`` answers normally, only after ``delay`` seconds."""

    status: int | None = 500
    times: int | None = 1
    retry_after: int | None = None
    delay: float = 0.0
    description: str | None = None  # Telegram's words for the failure (default: a usual one for the status)

    def payload(self) -> dict:
        usual = _DESCRIPTIONS.get(self.status, "Error").format(retry_after=self.retry_after)
        payload = {"ok": False, "error_code": self.status, "description": self.description or usual}
        if self.retry_after is not None:
            payload["parameters"] = {"retry_after": self.retry_after}
        return payload


class _Server(ThreadingHTTPServer):
    # Telegram accepts many connections at once; http.server's default backlog of 5 drops some
    # when a test floods the bot with updates, which python-telegram-bot then sees as a ReadError
    request_queue_size = 256


class FakeBotApi:
    """Threaded HTTP server; ``base_url`` is what python-telegram-bot's ``base_url`` expects."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.updates: list[dict] = []
        self.errors: list[tuple[str, str]] = []
        self.failed: list[tuple[str, int | None]] = []
        self._faults: dict[str, list[Fault]] = {}
        self._cond = threading.Condition()
        self._message_ids = itertools.count(1000)
        self._update_ids = itertools.count(1)
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    def start(self) -> FakeBotApi:
        self.thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._cond.notify_all()
        self.server.shutdown()
        self.server.server_close()

    # -- what tests use -------------------------------------------------------------------
    def push(self, update: dict) -> int:
        with self._cond:
            update = {"update_id": next(self._update_ids), **update}
            self.updates.append(update)
            self._cond.notify_all()
            return update["update_id"]

    def wait_for(self, predicate, timeout: float = 30.0) -> list[tuple[str, dict]]:
        """Wait until ``predicate(calls)`` is true; return the calls."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self.calls):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out; calls so far: {[m for m, _ in self.calls]}")
                self._cond.wait(remaining)
            return list(self.calls)

    def fail_next(self, method: str) -> None:
        """Answer the next call of ``method`` with a server error, as Telegram sometimes does."""
        self.fail(method, 500)

    def fail(self, method: str, status: int | None = 500, *, times: int | None = 1, retry_after: int | None = None,
             delay: float = 0.0, description: str | None = None) -> None:
        """Queue a Fault for ``method``: faults queued for one method apply in order."""
        with self._cond:
            self._faults.setdefault(method, []).append(Fault(status, times, retry_after, delay, description))

    def clear_faults(self, method: str) -> None:
        with self._cond:
            self._faults.pop(method, None)

    def sent(self, method: str, chat_id: int | None = None) -> list[dict]:
        with self._cond:
            return [p for m, p in self.calls if m == method and (chat_id is None or p.get("chat_id") == chat_id)]

    # -- the Bot API ----------------------------------------------------------------------
    def _take_fault(self, method: str) -> Fault | None:
        with self._cond:
            faults = self._faults.get(method)
            if not faults:
                return None
            fault = faults[0]
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    faults.pop(0)
            self.failed.append((method, fault.status))
            return fault

    def _answer(self, method: str, params: dict) -> tuple[int, dict]:
        fault = self._take_fault(method)
        if fault and fault.delay:
            time.sleep(fault.delay)
        if method == "getUpdates":
            if fault and fault.status is not None:
                return fault.status, fault.payload()
            return 200, {"ok": True, "result": self._get_updates(params)}
        with self._cond:
            self.calls.append((method, params))
            self._cond.notify_all()
        if fault and fault.status is not None:
            return fault.status, fault.payload()
        try:
            result = self._result(method, params)
        except TelegramHTMLError as exc:
            self.errors.append((method, str(exc)))
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
        return 200, {"ok": True, "result": result}

    def _result(self, method: str, params: dict):
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "editMessageText"):
            self._check_message(params)
            message_id = params.get("message_id") or next(self._message_ids)
            return {"message_id": message_id, "date": int(time.time()), "text": params.get("text", ""),
                    "chat": {"id": params.get("chat_id", 1), "type": "private"}, "from": BOT_USER}
        if method == "answerInlineQuery":
            for result in params.get("results", []):
                self._check_message(result["input_message_content"] | {"reply_markup": result.get("reply_markup")})
            if len(params.get("results", [])) > 50:
                raise TelegramHTMLError("too many inline results")
        if method == "editMessageReplyMarkup":
            return {"message_id": params.get("message_id"), "date": int(time.time()),
                    "chat": {"id": params.get("chat_id", 1), "type": "private"}}
        return True

    def _check_message(self, params: dict) -> None:
        text = params.get("text") or params.get("message_text") or ""
        if params.get("parse_mode") == "HTML":
            length, entities = check_html(text)
        else:
            length, entities = len(text.encode("utf-16-le")) // 2, 0
        if not text.strip():
            raise TelegramHTMLError("message text is empty")
        if length > 4096:
            raise TelegramHTMLError("message is too long")
        if entities > 100:
            raise TelegramHTMLError("too many entities")
        for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if len(button.get("callback_data", "").encode()) > 64:
                    raise TelegramHTMLError("BUTTON_DATA_INVALID")

    def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 2.0)
        with self._cond:
            while True:
                ready = [u for u in self.updates if u["update_id"] >= offset]
                if ready or time.monotonic() >= deadline:
                    return ready
                self._cond.wait(max(deadline - time.monotonic(), 0.01))

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                method = self.path.rsplit("/", 1)[-1]
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                status, payload = api._answer(method, _decode(body, self.headers.get("Content-Type", "")))
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a long poll cancelled at shutdown)

            def log_message(self, *args):
                pass

        return Handler


def _decode(body: str, content_type: str) -> dict:
    if "json" in content_type:
        return json.loads(body or "{}")
    params: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        if key in _JSON_FIELDS:
            params[key] = json.loads(value)
        elif key in _INT_FIELDS and re.fullmatch(r"-?\d+", value):
            params[key] = int(value)
        else:
            params[key] = value
    return params


_ids = itertools.count(1)


def user(uid: int = 111, language: str = "id") -> dict:
    return {"id": uid, "is_bot": False, "first_name": f"User{uid}", "language_code": language}


def message(text: str | None, *, uid: int = 111, chat_id: int | None = None, chat_type: str = "private",
            language: str = "id", entities: list[dict] | None = None, anonymous: bool = False, **extra) -> dict:
    """A ``message`` update body (push it with FakeBotApi.push).

    ``anonymous``: sent on behalf of the chat (an anonymous group admin, a linked channel): no ``from``."""
    chat = {"id": chat_id or uid, "type": chat_type}
    if chat_type != "private":
        chat["title"] = "Grup Berita"
    sender = {"sender_chat": chat} if anonymous else {"from": user(uid, language)}
    msg = {"message_id": next(_ids), "date": int(time.time()), "chat": chat, **sender, **extra}
    if text is not None:
        msg["text"] = text
    if entities:
        msg["entities"] = entities
    return {"message": msg}


def button(data: str | None, *, uid: int = 111, query_id: str | None = None, language: str = "id",
           chat_message: bool = True) -> dict:
    """A ``callback_query`` update: a press on a button under the bot's message, or under a message
    sent inline (``chat_message=False``: no ``message``, only ``inline_message_id``)."""
    query = {"id": query_id or f"cb{next(_ids)}", "from": user(uid, language), "chat_instance": "ci"}
    if data is not None:
        query["data"] = data
    if chat_message:
        query["message"] = {"message_id": next(_ids), "date": int(time.time()),
                            "chat": {"id": uid, "type": "private"}, "text": "old", "from": BOT_USER}
    else:
        query["inline_message_id"] = f"inline-{next(_ids)}"
    return {"callback_query": query}


def inline(text: str, *, uid: int = 111, query_id: str | None = None) -> dict:
    """An ``inline_query`` update: ``@bot text`` typed in any chat."""
    return {"inline_query": {"id": query_id or f"iq{next(_ids)}", "from": user(uid), "query": text, "offset": ""}}


def command(name: str, args: str = "", **kwargs) -> dict:
    text = f"/{name}" + (f" {args}" if args else "")
    return message(text, entities=[{"type": "bot_command", "offset": 0, "length": len(name) + 1}], **kwargs)
