"""The bot's settings, read once from the environment (see .env.example)."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from retrieval.errors import ConfigError
from retrieval.settings import env_int

from bot.logs import token_secrets

DEFAULT_API_URL = "https://api.telegram.org/bot"
_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True)
class AnswerSettings:
    """How answers are shown: passages per reply page."""

    results_per_page: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AnswerSettings:
        env = os.environ if env is None else env
        return cls(results_per_page=env_int(env, "NEWSBOT_RESULTS", 3, 1, 10))


@dataclass(frozen=True)
class BotSettings:
    """Telegram connection, webhook, access and pacing settings."""

    token: str
    api_url: str
    webhook_url: str | None
    webhook_secret: str | None
    webhook_listen: str
    webhook_port: int
    allowed_ids: frozenset[int]
    questions_per_minute: int
    answers: AnswerSettings
    reload_seconds: int = 10
    state_url: str | None = None  # Redis for state shared by several workers; None: in this process
    admin_ids: frozenset[int] = frozenset()  # users who get /status and /fetch; none by default
    fetch_minutes: int = 0  # fetch the followed feeds this often; 0: never on a schedule

    def secrets(self) -> tuple[str, ...]:
        """What of these settings must never reach a log: the token, the webhook secret, the state password."""
        found = [*token_secrets(self.token), self.webhook_secret or ""]
        if self.state_url:
            found.append(urlsplit(self.state_url).password or "")
        return tuple(secret for secret in found if secret)

    def __repr__(self) -> str:  # never show the token
        return f"BotSettings(api_url={self.api_url!r}, webhook_url={self.webhook_url!r}, ...)"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> BotSettings:
        env = os.environ if env is None else env
        token = (env.get("TELEGRAM_BOT_TOKEN") or "").strip()
        if not token:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and put it in .env "
                              "(copy .env.example to .env) or export it")
        if not _TOKEN.match(token):
            raise ConfigError("TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then "
                              "letters); copy it again from @BotFather")
        webhook_url = (env.get("TELEGRAM_WEBHOOK_URL") or "").strip() or None
        secret = (env.get("TELEGRAM_WEBHOOK_SECRET") or "").strip() or None
        if webhook_url and not webhook_url.startswith("https://"):
            raise ConfigError("TELEGRAM_WEBHOOK_URL must be an https:// URL that Telegram can reach")
        if webhook_url and not (secret and _SECRET.match(secret)):
            raise ConfigError("TELEGRAM_WEBHOOK_SECRET must be set with TELEGRAM_WEBHOOK_URL: 1-256 characters "
                              "of A-Z, a-z, 0-9, _ and -")
        return cls(
            token=token,
            api_url=_api_url((env.get("TELEGRAM_API_URL") or "").strip() or DEFAULT_API_URL, token),
            webhook_url=webhook_url, webhook_secret=secret,
            webhook_listen=_listen_address((env.get("TELEGRAM_WEBHOOK_LISTEN") or "").strip() or "127.0.0.1"),
            webhook_port=env_int(env, "TELEGRAM_WEBHOOK_PORT", 8443, 1, 65535),
            allowed_ids=_ids(env.get("NEWSBOT_ALLOWED_IDS") or ""),
            admin_ids=_admin_ids(env.get("NEWSBOT_ADMIN_IDS") or ""),
            fetch_minutes=env_int(env, "NEWSBOT_FETCH_MINUTES", 0, 0, 10_080),
            questions_per_minute=env_int(env, "NEWSBOT_QUESTIONS_PER_MINUTE", 10, 1, 10_000),
            answers=AnswerSettings.from_env(env),
            reload_seconds=env_int(env, "NEWSBOT_RELOAD_SECONDS", 10, 1, 86_400),
            state_url=_state_url((env.get("NEWSBOT_STATE_URL") or "").strip()),
        )


def _api_url(url: str, token: str) -> str:
    """TELEGRAM_API_URL, or ConfigError unless it is an http(s) URL with a host (the token never shown)."""
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname) and not re.search(r"\s", url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number from 0 to 65535
    except ValueError:  # e.g. an unclosed [IPv6 address or a bad port
        usable = False
    if not usable:
        raise ConfigError(f"TELEGRAM_API_URL must be an http:// or https:// URL such as {DEFAULT_API_URL} "
                          f"(or http://localhost:8081/bot for a local Bot API server), not {_hidden(url, token)!r}")
    return url


def _hidden(text: str, token: str) -> str:
    """``text`` without the token or the secret after its colon (a token pasted into a URL, say)."""
    for secret in (token, token.partition(":")[2]):
        text = text.replace(secret, "<token>") if secret else text
    return text


def _state_url(value: str) -> str | None:
    """NEWSBOT_STATE_URL, or ConfigError unless it is a Redis URL (its password never shown)."""
    if not value:
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("redis", "rediss", "unix") or \
            (parts.scheme != "unix" and not parts.hostname) or (parts.scheme == "unix" and not parts.path):
        raise ConfigError(f"NEWSBOT_STATE_URL must be a Redis URL such as redis://localhost:6379/0, "
                          f"rediss://:password@host:6380/0 or unix:///run/redis.sock, got {shown_url(value)!r}; "
                          "leave it empty to keep the bot's state in this process")
    return value


def shown_url(url: str) -> str:
    """``url`` with its password, if any, replaced by ``***``: safe to print."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<unreadable URL>"
    if not password:
        return url
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username or ''}:***@{host}").geturl()


def _listen_address(address: str) -> str:
    """TELEGRAM_WEBHOOK_LISTEN, or ConfigError unless it is an IP address or a host name."""
    try:
        ipaddress.ip_address(address)
        return address
    except ValueError:
        pass
    labels = address.rstrip(".").split(".")
    if all(_HOST_LABEL.match(label) for label in labels) and not labels[-1].isdigit():
        return address
    raise ConfigError(f"TELEGRAM_WEBHOOK_LISTEN must be an address to listen on, such as 127.0.0.1 "
                      f"(this machine only), 0.0.0.0 (all IPv4 interfaces) or :: (all interfaces), not {address!r}")


def _id_list(raw: str, name: str, what: str) -> frozenset[int]:
    """Numeric ids separated by commas or spaces; ConfigError naming ``name`` for anything else."""
    ids = set()
    for part in re.split(r"[,\s]+", raw.strip()):
        if not part:
            continue
        if not re.fullmatch(r"-?\d+", part):
            raise ConfigError(f"{name} must list numeric {what} ids separated by commas; {part!r} is not one")
        ids.add(int(part))
    return frozenset(ids)


def _admin_ids(raw: str) -> frozenset[int]:
    """NEWSBOT_ADMIN_IDS: user ids only (a group's id would make all its members operators)."""
    ids = _id_list(raw, "NEWSBOT_ADMIN_IDS", "user")
    if any(i <= 0 for i in ids):
        raise ConfigError("NEWSBOT_ADMIN_IDS must list user ids (positive numbers), not group or channel ids: "
                          "everyone in a group would get the operator's commands")
    if raw.strip() and not ids:
        raise ConfigError(f"NEWSBOT_ADMIN_IDS is set to {raw!r}, which lists no id; list the numeric user ids "
                          "of the bot's operators, separated by commas, or remove the setting")
    return ids


def _ids(raw: str) -> frozenset[int]:
    """NEWSBOT_ALLOWED_IDS; set but listing no id is an error, never an open bot."""
    ids = _id_list(raw, "NEWSBOT_ALLOWED_IDS", "user or chat")
    if raw and not ids:
        raise ConfigError(f"NEWSBOT_ALLOWED_IDS is set to {raw!r}, which lists no id; list the numeric user "
                          "or chat ids allowed to use the bot, separated by commas, or remove the setting "
                          "to let everyone use it")
    return frozenset(ids)
