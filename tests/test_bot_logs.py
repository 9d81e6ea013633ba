"""The running bot's log: the token redacted from every part of a record, PTB's network tracebacks kept short."""

from __future__ import annotations

import io
import logging

import pytest
from telegram.error import InvalidToken, NetworkError

from bot.logs import (QUIET_LOGGERS, BriefTelegramErrors, RedactingFormatter, configure_logging, redact,
                      redact_handlers, redact_urls, token_secrets)

TOKEN = "123456789:AAEtestTOKENtestTOKENtestTOKEN"
SECRET = TOKEN.split(":")[1]


def _handler(stream: io.StringIO) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"),
                                            token_secrets(TOKEN)))
    handler.addFilter(BriefTelegramErrors())
    return handler


@pytest.fixture()
def captured():
    stream = io.StringIO()
    logger = logging.getLogger("newsbot-test-logs")
    handler = _handler(stream)
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_secrets_are_the_token_and_its_part_after_the_colon():
    assert token_secrets(TOKEN) == (TOKEN, SECRET)
    assert redact(f"url /bot{TOKEN}/getMe and %3A{SECRET}", token_secrets(TOKEN)) == \
        "url /bot<token>/getMe and %3A<token>"


def test_token_is_redacted_from_message_arguments_traceback_and_stack(captured):
    logger, stream = captured
    logger.warning("calling %s", f"https://api.telegram.org/bot{TOKEN}/getMe")
    try:
        raise ValueError(f"The token `{TOKEN}` was rejected")
    except ValueError:
        logger.exception("failed with %s", SECRET)
    logger.error("here", stack_info=True, extra={"x": TOKEN})

    def deep_frame(token=TOKEN):  # a stack whose source line holds the secret
        logger.error("deep", stack_info=True)  # AAEtestTOKENtestTOKENtestTOKEN

    deep_frame()
    text = stream.getvalue()
    assert "Traceback" in text and "ValueError" in text and "<token>" in text
    assert TOKEN not in text and SECRET not in text


def test_telegram_network_errors_are_logged_without_traceback(captured):
    stream = io.StringIO()
    logger = logging.getLogger("telegram.ext._utils.networkloop")
    handler = _handler(stream)
    logger.addHandler(handler)
    try:
        for error in (InvalidToken(f"The token `{TOKEN}` was rejected by the server."),
                      NetworkError("httpx.ConnectError: All connection attempts failed")):
            try:
                raise error
            except Exception:
                logger.exception("Network Retry Loop (Bootstrap Initialize): Failed run. Aborting.")
        logging.getLogger("bot.handlers").addHandler(handler)
        try:
            raise NetworkError("x")
        except NetworkError:
            logging.getLogger("bot.handlers").exception("our own code keeps its traceback")
    finally:
        logger.removeHandler(handler)
        logging.getLogger("bot.handlers").removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert lines[0] == ("ERROR telegram.ext._utils.networkloop: Network Retry Loop (Bootstrap Initialize): Failed "
                        "run. Aborting. (InvalidToken: The token `<token>` was rejected by the server.)")
    assert lines[1].endswith("(NetworkError: httpx.ConnectError: All connection attempts failed)")
    assert lines[2] == "ERROR bot.handlers: our own code keeps its traceback" and lines[3] == "Traceback (most recent call last):"


@pytest.fixture()
def root_handler():
    """The root logger with one plain handler writing to a string; levels, handlers and the
    warnings capture put back afterwards."""
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    saved = root.handlers[:], root.level, {n: logging.getLogger(n).level for n in QUIET_LOGGERS}
    root.handlers[:] = [handler]
    yield handler, stream
    root.handlers[:], root.level = saved[0], saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)
    logging.captureWarnings(False)


def test_configure_logging_wraps_root_handlers_once_and_quiets_the_scheduler(root_handler):
    handler, stream = root_handler
    configure_logging(token_secrets(TOKEN))
    configure_logging(token_secrets(TOKEN))
    logging.getLogger("apscheduler.executors.default").info("Running job reload-index")
    logging.getLogger("bot.app").info("ready with %s", TOKEN)
    assert not isinstance(handler.formatter.inner, RedactingFormatter)
    assert sum(isinstance(f, BriefTelegramErrors) for f in handler.filters) == 1
    assert stream.getvalue() == "bot.app: ready with <token>\n"


@pytest.mark.parametrize(("text", "shown"), [
    ("feed https://reader:hunter2@example.org/rss.xml: HTTP 404",
     "feed https://<redacted>@example.org/rss.xml: HTTP 404"),
    ("http://only-user@example.org/feed", "http://<redacted>@example.org/feed"),
    ("https://example.org/rss?api_key=s3cr3t&section=news&utm_source=x",
     "https://example.org/rss?api_key=<redacted>&section=news&utm_source=x"),
    ("https://example.org/a?token=abc#top and https://example.org/b?X-Amz-Signature=f00d&page=2",
     "https://example.org/a?token=<redacted>#top and https://example.org/b?X-Amz-Signature=<redacted>&page=2"),
    ("https://example.org/feed?password=pw;sessionid=42", "https://example.org/feed?password=<redacted>;sessionid=<redacted>"),
    ("https://example.org/berita/2024/06/18/banjir?page=2", "https://example.org/berita/2024/06/18/banjir?page=2"),
    ("no address here: user@example.org wrote key=value", "no address here: user@example.org wrote key=value"),
])
def test_credentials_inside_urls_are_redacted_and_the_rest_kept(text, shown):
    assert redact_urls(text) == shown


def test_url_credentials_are_redacted_from_every_log_line(captured):
    logger, stream = captured
    logger.warning("reading the feed %s failed: %s", "https://reader:hunter2@example.org/rss.xml?apikey=s3cr3t",
                   "HTTP 401")
    text = stream.getvalue()
    assert "hunter2" not in text and "s3cr3t" not in text
    assert "the feed https://<redacted>@example.org/rss.xml?apikey=<redacted> failed: HTTP 401" in text


def test_the_tokens_secrets_are_added_to_a_handler_that_already_redacts(root_handler):
    _, stream = root_handler
    redact_handlers()  # as the command line does first, before the bot knows its token
    configure_logging(token_secrets(TOKEN))
    logging.getLogger("bot.app").info("token %s at https://u:pw@example.org/", TOKEN)
    assert stream.getvalue() == "bot.app: token <token> at https://<redacted>@example.org/\n"
