"""How long ago an article appeared, in words, and its date as a card shows it.

An article published less than a day ago at a known time is aged in minutes or hours ("baru saja",
"25 menit yang lalu", "2 hours ago"); otherwise ages are counted in whole days ("hari ini",
"kemarin", "3 hari yang lalu", "2 weeks ago"). Babel words the minutes, hours and the longer day
counts; today, yesterday and "just now" are words of their own ("dalam 0 detik" / "24 jam yang
lalu" is what Babel would say). Ages are counted in Western Indonesia Time (WIB, UTC+7), where
Indonesian news is dated, not in UTC (``retrieval/ingest/dates.py``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from babel.dates import format_timedelta

from retrieval.ingest.dates import CLOCK_SKEW, NEWS_TIMEZONE, article_day, published_at

from bot.i18n import DEFAULT_LANGUAGE

_NEAR = {0: {"id": "hari ini", "en": "today"}, 1: {"id": "kemarin", "en": "yesterday"}}
_JUST_NOW = {"id": "baru saja", "en": "just now"}
_MINUTE, _HOUR, _DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


def news_now() -> datetime:
    """The time now where the news is dated (WIB)."""
    return datetime.now(NEWS_TIMEZONE)


def age_text(value: str | None, now: date | datetime, language: str) -> str | None:
    """A date (``YYYY-MM-DD``, or with its time) as an age at ``now``: "2 jam yang lalu", "kemarin", "2 months ago".

    With a time, and ``now`` a datetime (one without an offset is in WIB), an article less than a
    day old is aged in whole minutes or hours, "baru saja"/"just now" under a minute. Otherwise
    the days from its day to ``now``'s day in WIB count: from one whole week, month or year on,
    that unit is used, rounded: 10 days is "1 minggu yang lalu", 11 is "2 minggu yang lalu".
    None for a missing or unreadable date, or one after ``now``.
    """
    language = language if language in _NEAR[0] else DEFAULT_LANGUAGE
    if isinstance(now, datetime):
        now = now if now.tzinfo else now.replace(tzinfo=NEWS_TIMEZONE)
        recent = _recent(value, now, language)
        if recent is not None:
            return recent
        now = now.astimezone(NEWS_TIMEZONE).date()
    day = article_day(value)
    if day is None:
        return None
    days = (now - date.fromisoformat(day)).days
    if days < 0:
        return None
    if days in _NEAR:
        return _NEAR[days][language]
    return format_timedelta(timedelta(days=-days), granularity="day", threshold=1.0, add_direction=True,
                            locale=language)


def _recent(value: str | None, now: datetime, language: str) -> str | None:
    """The age of a timed date less than a day old, in minutes or hours; None for any other."""
    moment = published_at(value)
    if moment is None or not -CLOCK_SKEW <= now - moment < _DAY:
        return None
    elapsed = max(now - moment, timedelta(0))
    if elapsed < _MINUTE:
        return _JUST_NOW[language]
    unit = _HOUR if elapsed >= _HOUR else _MINUTE
    return format_timedelta(-(elapsed // unit) * unit, granularity="minute", threshold=1.0, add_direction=True,
                            locale=language)


def date_text(value: str | None) -> str | None:
    """A date as a card shows it: the day, and the time in WIB when known ("2024-06-18 09:30 WIB")."""
    day = article_day(value)
    moment = published_at(value)
    if moment is None:
        return day
    local = moment.astimezone(NEWS_TIMEZONE)
    return f"{local.date().isoformat()} {local:%H:%M} WIB"
