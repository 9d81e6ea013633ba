"""Article ages in words, in Indonesian and English: in minutes or hours when the time is known and the
article is less than a day old, else in whole days; and dates as cards show them."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from bot.ages import NEWS_TIMEZONE, age_text, date_text, news_now

TODAY = date(2024, 6, 18)
NOW = datetime(2024, 6, 18, 12, 0, tzinfo=NEWS_TIMEZONE)


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
                                 "20240618", "2024-06-18x", "2024-06-19T10:00:00+07:00", "kemarin"])
def test_no_age_for_missing_future_or_unreadable_days(day):
    assert age_text(day, TODAY, "id") is None
    assert age_text(day, TODAY, "en") is None


def test_other_languages_get_the_default():
    assert age_text("2024-06-17", TODAY, "fr") == "kemarin"
    assert age_text("2024-06-10", TODAY, "xx") == "1 minggu yang lalu"


def test_today_is_counted_in_western_indonesia_time():
    assert NEWS_TIMEZONE.utcoffset(None).total_seconds() == 7 * 3600
    assert news_now().utcoffset().total_seconds() == 7 * 3600
    assert news_now().date() == datetime.now(timezone.utc).astimezone(NEWS_TIMEZONE).date()


@pytest.mark.parametrize(("value", "indonesian", "english"), [
    ("2024-06-18T11:59:30+07:00", "baru saja", "just now"),
    ("2024-06-18T12:03:00+07:00", "baru saja", "just now"),  # a few minutes ahead of our clock
    ("2024-06-18T11:59:00+07:00", "1 menit yang lalu", "1 minute ago"),
    ("2024-06-18T11:35:00+07:00", "25 menit yang lalu", "25 minutes ago"),
    ("2024-06-18T11:00:01+07:00", "59 menit yang lalu", "59 minutes ago"),
    ("2024-06-18T11:00:00+07:00", "1 jam yang lalu", "1 hour ago"),
    ("2024-06-18T09:30:00+07:00", "2 jam yang lalu", "2 hours ago"),  # whole hours: 2.5 is 2
    ("2024-06-18T02:30:00Z", "2 jam yang lalu", "2 hours ago"),
    ("2024-06-17T12:00:01+07:00", "23 jam yang lalu", "23 hours ago"),  # yesterday, but under a day ago
    ("2024-06-17T12:00:00+07:00", "kemarin", "yesterday"),  # a whole day: counted in days
    ("2024-06-16T23:00:00+07:00", "2 hari yang lalu", "2 days ago"),
    ("2024-06-18T13:00:00+07:00", "hari ini", "today"),  # later today than now: its day
    ("2024-06-18T00:00:00+07:00", "hari ini", "today"),  # midnight: a day only
    ("2024-06-18", "hari ini", "today"),
    ("2024-06-17", "kemarin", "yesterday"),
])
def test_recent_articles_with_a_time_are_aged_in_minutes_or_hours(value, indonesian, english):
    assert age_text(value, NOW, "id") == indonesian
    assert age_text(value, NOW, "en") == english


def test_now_in_another_zone_or_without_one():
    assert age_text("2024-06-18T09:30:00+07:00", NOW.astimezone(timezone.utc), "id") == "2 jam yang lalu"
    assert age_text("2024-06-18T09:30:00+07:00", NOW.replace(tzinfo=None), "en") == "2 hours ago"  # taken as WIB
    assert age_text("2024-06-17", datetime(2024, 6, 17, 17, 30, tzinfo=timezone.utc), "en") == "yesterday"  # 00:30 WIB


def test_a_day_alone_counts_days_with_a_time_too():
    assert age_text("2024-06-18T09:30:00+07:00", TODAY, "id") == "hari ini"
    assert age_text("2024-06-17T23:30:00+07:00", TODAY, "en") == "yesterday"


@pytest.mark.parametrize(("value", "shown"), [
    ("2024-06-18", "2024-06-18"),
    ("2024-06-18T09:30:00+07:00", "2024-06-18 09:30 WIB"),
    ("2024-06-18T02:30:00Z", "2024-06-18 09:30 WIB"),
    ("2024-06-18T00:00:00+07:00", "2024-06-18"),
    (None, None), ("kemarin", None),
])
def test_cards_show_the_day_and_the_time_in_wib(value, shown):
    assert date_text(value) == shown
