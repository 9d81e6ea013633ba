"""Article ages in words, in Indonesian and English, counted in whole days."""

from __future__ import annotations

from datetime import date

import pytest

from bot.ages import age_text

TODAY = date(2024, 6, 18)


@pytest.mark.parametrize(("day", "indonesian", "english"), [
    ("2024-06-18", "hari ini", "today"),
    ("2024-06-17", "kemarin", "yesterday"),
    ("2024-06-16", "2 hari yang lalu", "2 days ago"),
    ("2024-06-12", "6 hari yang lalu", "6 days ago"),
    ("2024-06-11", "1 minggu yang lalu", "1 week ago"),
    ("2024-06-04", "2 minggu yang lalu", "2 weeks ago"),
    ("2024-05-18", "1 bulan yang lalu", "1 month ago"),
    ("2024-03-10", "3 bulan yang lalu", "3 months ago"),
    ("2023-06-18", "1 tahun yang lalu", "1 year ago"),
    ("2016-08-22", "8 tahun yang lalu", "8 years ago"),
])
def test_ages_in_both_languages(day, indonesian, english):
    assert age_text(day, TODAY, "id") == indonesian
    assert age_text(day, TODAY, "en") == english


def test_leap_day_and_month_ends_count_whole_days():
    assert age_text("2024-02-29", date(2024, 3, 1), "id") == "kemarin"
    assert age_text("2023-12-31", date(2024, 1, 2), "en") == "2 days ago"


@pytest.mark.parametrize("day", [None, "", "2024-06-19", "2030-01-01", "2024-02-30", "18/06/2024", "2024-6-1",
                                 "20240618", "2024-06-18T10:00", "kemarin"])
def test_no_age_for_missing_future_or_unreadable_days(day):
    assert age_text(day, TODAY, "id") is None
    assert age_text(day, TODAY, "en") is None


def test_other_languages_get_the_default():
    assert age_text("2024-06-17", TODAY, "fr") == "kemarin"
    assert age_text("2024-06-10", TODAY, "xx") == "1 minggu yang lalu"


def test_today_is_counted_in_western_indonesia_time():
    from datetime import datetime, timezone

    from bot.ages import NEWS_TIMEZONE, news_today

    assert NEWS_TIMEZONE.utcoffset(None).total_seconds() == 7 * 3600
    assert news_today() == datetime.now(timezone.utc).astimezone(NEWS_TIMEZONE).date()
