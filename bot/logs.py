"""The running bot's log: the token never in it, nor a password or key inside a URL (a feed's,
a page's), tracebacks only where they help, no scheduler chatter."""

from __future__ import annotations

import logging
import re

from telegram.error import InvalidToken, NetworkError

QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler")  # per-request and per-job lines at INFO
REDACTED = "<token>"
URL_SECRET = "<redacted>"
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@")
_SECRET_PARAMETER = re.compile(
    r"(?i)([?&;][\w.-]*(?:key|token|secret|passw|pwd|auth|sig|session|credential)[\w.-]*=)[^&;#\s'\"<>]+")


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every one of ``secrets`` replaced, longest first."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def redact_urls(text: str) -> str:
    """``text`` with the credentials of every URL in it hidden: the user and password before the
    host, and the values of query parameters named like a key, token, signature or password."""
    return _SECRET_PARAMETER.sub(rf"\1{URL_SECRET}", _USERINFO.sub(rf"\1{URL_SECRET}@", text))


def token_secrets(token: str) -> tuple[str, ...]:
    """What must never be shown of a bot token: all of it, and the secret after its colon."""
    return tuple(part for part in (token, token.partition(":")[2]) if part)


class RedactingFormatter(logging.Formatter):
    """Wraps a handler's formatter and redacts its whole output (message, arguments, traceback,
    stack): the secrets given, and credentials inside URLs."""

    def __init__(self, inner: logging.Formatter | None, secrets: tuple[str, ...]) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        return redact_urls(redact(self.inner.format(record), self.secrets))


class BriefTelegramErrors(logging.Filter):
    """python-telegram-bot's own records of a rejected token or an unreachable server, without the traceback.

    The traceback of a connection error or a 401 says nothing the one line does not, and the
    bot reports what to do about it when it stops."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if record.name.startswith("telegram") and isinstance(error, (InvalidToken, NetworkError)):
            record.msg, record.args = f"{record.getMessage()} ({type(error).__name__}: {error})", None
            record.exc_info, record.exc_text = None, None
        return True


def configure_logging(secrets: tuple[str, ...]) -> None:
    """Log at INFO for a long-running bot, through formatters that redact ``secrets`` everywhere."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
    root.setLevel(logging.INFO)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.captureWarnings(True)  # warnings reach stderr through the same, redacting, handlers
    redact_handlers(secrets)
    for handler in root.handlers:
        if not any(isinstance(f, BriefTelegramErrors) for f in handler.filters):
            handler.addFilter(BriefTelegramErrors())


def redact_handlers(secrets: tuple[str, ...] = ()) -> None:
    """Every root handler's output redacted (``RedactingFormatter``), once."""
    for handler in logging.getLogger().handlers:
        if not isinstance(handler.formatter, RedactingFormatter):
            handler.setFormatter(RedactingFormatter(handler.formatter, secrets))
        else:
            handler.formatter.secrets = tuple(dict.fromkeys(handler.formatter.secrets + secrets))
