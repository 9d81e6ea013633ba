"""The operator's view: index size, articles per outlet, each feed's last fetch, model, uptime.

Pure: a ``StatusReport`` is gathered by the caller and rendered here, as Telegram HTML for
``/status`` or as plain text for ``newsbot feeds list``, with the same lines in both.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from retrieval.fetch.feed_list import Feed

from bot.formatting import Card, split_messages
from bot.i18n import text as t
from bot.logs import redact_urls

SHOWN_OUTLETS = 15  # outlets listed by name; the rest are counted
_ERROR_CHARS = 300  # of a feed's last error shown
_NAME_CHARS = 200  # of a feed's address or an outlet's name shown


@dataclass(frozen=True)
class StatusReport:
    """What the operator sees; ``uptime_s`` is None outside a running bot."""

    articles: int
    passages: int
    outlets: list[tuple[str, int]]  # (outlet, articles), most articles first
    model: str
    feeds: list[Feed]
    uptime_s: float | None = None
    fetch_minutes: int = 0
    fetching: bool = False
    fetch_error: str | None = None  # why the bot's last fetch failed as a whole


def status_html(report: StatusReport, language: str) -> list[str]:
    """``/status`` as Telegram messages (split like any reply)."""
    head, lines = status_lines(report, language, html.escape)
    return split_messages([Card(line, line.count("<b>")) for line in lines], header=f"<b>{head}</b>")


def status_plain(report: StatusReport) -> str:
    """The same in English plain text, for the terminal."""
    head, lines = status_lines(report, "en", str)
    return "\n".join([head, *lines]) + "\n"


def status_lines(report: StatusReport, language: str, shown: Callable[[str], str]) -> tuple[str, list[str]]:
    """The heading and the lines of a status; ``shown`` makes a value safe to show (escapes it for HTML)."""
    lines = [t("status_index", language, articles=report.articles, passages=report.passages,
               model=shown(report.model))]
    names = [f"{shown(_clip(outlet, _NAME_CHARS))} {count}" for outlet, count in report.outlets[:SHOWN_OUTLETS]]
    if len(report.outlets) > SHOWN_OUTLETS:
        names.append(t("status_more_outlets", language, count=len(report.outlets) - SHOWN_OUTLETS))
    if names:
        lines.append(t("status_outlets", language, outlets=", ".join(names)))
    if report.uptime_s is not None:
        lines.append(t("status_uptime", language, uptime=duration(report.uptime_s)))
        lines.append(_schedule_line(report, language, shown))
    if not report.feeds:
        lines.append(t("status_no_feeds", language))
    lines.extend(feed_line(feed, language, shown) for feed in report.feeds)
    return t("status_head", language), lines


def feed_line(feed: Feed, language: str, shown: Callable[[str], str]) -> str:
    """One feed: its address (without a password or key it holds) and outlet, its last fetch with
    new and failed pages, its last error, the pages that kept failing."""
    outlet = shown(_clip(feed.outlet, _NAME_CHARS)) if feed.outlet else t("status_site_outlet", language)
    if feed.last_fetch:
        fetched = t("status_fetched", language, when=_when(feed.last_fetch), new=feed.new, failed=feed.failed)
    else:
        fetched = t("status_not_fetched", language)
    line = f"{shown(_clip(redact_urls(feed.url), _NAME_CHARS))}  ({outlet})  {fetched}"
    if feed.last_error:
        line += "\n  " + t("status_last_error", language, error=shown(_clip(redact_urls(feed.last_error))))
    if feed.resting:
        line += "\n  " + t("status_resting", language, count=feed.resting)
    return line


def duration(seconds: float) -> str:
    """``3d 4h``, ``2h 5m``, ``7m``: the two largest units."""
    minutes = int(seconds // 60)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {mins}m" if hours else f"{mins}m"


def _schedule_line(report: StatusReport, language: str, shown: Callable[[str], str]) -> str:
    line = (t("status_schedule", language, minutes=report.fetch_minutes) if report.fetch_minutes
            else t("status_schedule_off", language))
    if report.fetching:
        line += " " + t("status_fetching", language)
    if report.fetch_error:
        line += "\n  " + t("status_last_error", language, error=shown(_clip(redact_urls(report.fetch_error))))
    return line


def _when(stamp: str) -> str:
    """An ISO UTC time as ``2026-12-04 19:30 UTC``."""
    return stamp[:16].replace("T", " ") + " UTC" if len(stamp) >= 16 else stamp


def _clip(text: str, limit: int = _ERROR_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
