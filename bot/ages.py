"""How long ago an article appeared, in words: "hari ini", "kemarin", "3 hari yang lalu", "2 weeks ago".

Articles carry a publication day, not a time, so ages are counted in whole days. Babel words
the longer ones; today and yesterday are words of their own ("dalam 0 detik" / "24 jam yang
lalu" is what Babel would say).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from babel.dates import format_timedelta

from bot.i18n import DEFAULT_LANGUAGE

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# Articles are dated in their outlets' local days; Indonesian news is dated in Western Indonesia
# Time (UTC+7, no daylight saving), so ages are counted on that day, not on UTC's.
NEWS_TIMEZONE = timezone(timedelta(hours=7), "WIB")
_NEAR = {0: {"id": "hari ini", "en": "today"}, 1: {"id": "kemarin", "en": "yesterday"}}


def news_today() -> date:
    """Today's date where the news is dated (WIB)."""
    return datetime.now(NEWS_TIMEZONE).date()


def age_text(day: str | None, today: date, language: str) -> str | None:
    """``day`` (``YYYY-MM-DD``) as an age on ``today``: "kemarin", "5 hari yang lalu", "2 months ago".

    None for a missing or unreadable day, or one after ``today``. From one whole week, month or
    year on, that unit is used, rounded: 10 days is "1 minggu yang lalu", 11 is "2 minggu yang lalu".
    """
    if not isinstance(day, str) or not _DAY.fullmatch(day):
        return None
    try:
        days = (today - date.fromisoformat(day)).days
    except ValueError:  # a day that does not exist, such as 2024-02-30
        return None
    if days < 0:
        return None
    language = language if language in _NEAR[0] else DEFAULT_LANGUAGE
    if days in _NEAR:
        return _NEAR[days][language]
    return format_timedelta(timedelta(days=-days), granularity="day", threshold=1.0, add_direction=True,
                            locale=language)
