"""Publication dates: a day (``2024-06-18``), or a day and time (``2024-06-18T09:30:00+07:00``).

An article's date is kept as its source gives it: a day when only the day is known, the day and
time when the time is too. Times are stored in Western Indonesia Time (WIB, UTC+7, no daylight
saving), the time zone Indonesian news is dated in, so a stored time's day is the news day; a time
without an offset is taken to be WIB already. Whatever needs only the day (filters, recency,
date ranges) reads it with ``article_day``, so day-only dates sort and filter as they always have.

A time exactly at midnight is read as no time (sites and exports write day-only dates that way),
and one later than now by more than ``CLOCK_SKEW``, or one that cannot be read, leaves the day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone

NEWS_TIMEZONE = timezone(timedelta(hours=7), "WIB")
CLOCK_SKEW = timedelta(minutes=5)  # a publication time this far ahead of our clock is still believed
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}(?=$|[T ])")


def article_day(value: str | None) -> str | None:
    """The day of a date (``YYYY-MM-DD``, optionally followed by a time), or None if it has no real day."""
    if not isinstance(value, str) or _ISO_DAY.match(value) is None:
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:  # a day that does not exist, such as 2024-02-30
        return None


def published_at(value: str | None) -> datetime | None:
    """The moment a date with a time names (aware; no offset means WIB); None for a day only, or none."""
    if article_day(value) is None or len(value) == 10:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=NEWS_TIMEZONE)
    return None if moment.time() == time.min else moment


def publication_date(value: str, *, now: datetime | None = None) -> str | None:
    """A source's date as stored: its day and time in WIB when it has a believable time, else its day.

    None when ``value`` does not start with a real ``YYYY-MM-DD`` day.
    """
    day = article_day(value)
    moment = published_at(value)
    if moment is None or moment > (now or datetime.now(timezone.utc)) + CLOCK_SKEW:
        return day
    return moment.astimezone(NEWS_TIMEZONE).isoformat(timespec="seconds")


def with_time(value: str | None, moment: str | None, *, now: datetime | None = None) -> str | None:
    """``value`` with the time ``moment`` gives when ``value`` is a day only and ``moment`` falls on that
    day (in WIB); ``moment``'s date when ``value`` is None."""
    if published_at(value) is not None or not moment:
        return value
    timed = publication_date(moment, now=now)
    if value is None:
        return timed
    return timed if published_at(timed) is not None and article_day(timed) == article_day(value) else value


def day_range(values: Iterable[str | None]) -> tuple[str | None, str | None]:
    """The first and last day among dates (either form); (None, None) when none has a day."""
    days = sorted(day for day in map(article_day, values) if day)
    return (days[0], days[-1]) if days else (None, None)
