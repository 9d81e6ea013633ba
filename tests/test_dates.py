"""Publication dates: a day, or a day and time kept in WIB; the day read the same way by everything."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from retrieval.errors import QuestionError
from retrieval.ingest.dates import (NEWS_TIMEZONE, article_day, day_range, publication_date, published_at,
                                    with_time)
from retrieval.search.filters import Filters
from retrieval.store.passage_table import NO_DATE, day_number

NOW = datetime(2024, 6, 18, 12, 0, tzinfo=NEWS_TIMEZONE)


@pytest.mark.parametrize(("value", "stored"), [
    ("2024-06-18", "2024-06-18"),
    ("2024-06-18T09:30:00+07:00", "2024-06-18T09:30:00+07:00"),
    ("2024-06-18T09:30:15.250+07:00", "2024-06-18T09:30:15+07:00"),
    ("2024-06-18T02:30:00Z", "2024-06-18T09:30:00+07:00"),  # kept in WIB
    ("2024-06-17T23:30:00+00:00", "2024-06-18T06:30:00+07:00"),  # whose day in WIB is the next one
    ("2024-06-18T10:30:00+08:00", "2024-06-18T09:30:00+07:00"),  # WITA
    ("2024-06-18T09:30:00", "2024-06-18T09:30:00+07:00"),  # no offset: WIB
    ("2024-06-18 09:30", "2024-06-18T09:30:00+07:00"),
    ("2024-06-18T00:00:00+07:00", "2024-06-18"),  # midnight: a day written as a time
    ("2024-06-18T00:00:00Z", "2024-06-18"),
    ("2024-06-18T12:04:00+07:00", "2024-06-18T12:04:00+07:00"),  # a few minutes ahead of our clock: believed
    ("2024-06-18T12:30:00+07:00", "2024-06-18"),  # later: the day
    ("2024-06-19T09:30:00+07:00", "2024-06-19"),  # a future day stays as it was, a day
    ("2024-06-18T25:00", "2024-06-18"),  # an unreadable time: the day
    ("2024-06-18T09:30 WIB", "2024-06-18"),
    ("2024-02-30T09:30:00+07:00", None),
    ("18/06/2024", None), ("20240618", None), ("2024-06-18x", None), ("", None),
])
def test_a_source_s_date_is_stored_as_a_day_or_a_time_in_wib(value, stored):
    assert publication_date(value, now=NOW) == stored


def test_the_clock_is_now_by_default():
    assert publication_date("2999-01-01T09:30:00+07:00") == "2999-01-01"
    assert publication_date("2024-06-18T09:30:00+07:00") == "2024-06-18T09:30:00+07:00"


@pytest.mark.parametrize(("value", "day"), [
    ("2024-06-18", "2024-06-18"), ("2024-06-18T09:30:00+07:00", "2024-06-18"), ("2024-06-18 09:30", "2024-06-18"),
    ("2024-02-29", "2024-02-29"), ("2024-02-30", None), ("2024-6-18", None), ("2024-06-18x", None), ("", None),
    (None, None),
])
def test_the_day_of_either_form(value, day):
    assert article_day(value) == day
    assert day_number(value) == (datetime.fromisoformat(day).toordinal() if day else NO_DATE)


def test_only_a_date_with_a_time_names_a_moment():
    assert published_at("2024-06-18T09:30:00+07:00") == datetime(2024, 6, 18, 2, 30, tzinfo=timezone.utc)
    assert published_at("2024-06-18T09:30") == datetime(2024, 6, 18, 9, 30, tzinfo=NEWS_TIMEZONE)
    assert [published_at(v) for v in ("2024-06-18", "2024-06-18T00:00:00+07:00", "2024-06-18T25:00", None)] == [
        None, None, None, None]


@pytest.mark.parametrize(("value", "moment", "expected"), [
    ("2024-06-18", "2024-06-18T02:30:00+00:00", "2024-06-18T09:30:00+07:00"),  # a day gains the time of that day
    ("2024-06-18", "2024-06-18T20:00:00+00:00", "2024-06-18"),  # 03:00 WIB the next day: not that day
    ("2024-06-18", "2024-06-18T08:00:00+00:00", "2024-06-18"),  # 15:00 WIB: after NOW, not believed
    ("2024-06-18T08:00:00+07:00", "2024-06-18T02:30:00+00:00", "2024-06-18T08:00:00+07:00"),  # a time stands
    (None, "2024-06-18T02:30:00+00:00", "2024-06-18T09:30:00+07:00"),
    (None, "2024-06-18T00:00:00+00:00", "2024-06-18"),
    (None, "kemarin", None), ("2024-06-18", None, "2024-06-18"), (None, None, None),
])
def test_a_feed_s_time_fills_in_a_day(value, moment, expected):
    assert with_time(value, moment, now=NOW) == expected


def test_date_ranges_are_of_days():
    assert day_range(["2024-06-18T09:30:00+07:00", None, "2024-06-17", "2024-06-18", "2024-06-17T23:00:00+07:00"]) == (
        "2024-06-17", "2024-06-18")
    assert day_range([None, "juni"]) == (None, None)


@pytest.mark.parametrize("value", ["2024-06-18T09:30:00+07:00", "2024-06-18 ", "2024-02-30", "18/06/2024"])
def test_filters_take_days_only_as_before(value):
    assert Filters(since="2024-06-18", until="2024-06-18").since == "2024-06-18"
    with pytest.raises(QuestionError, match="is not a date like 2024-06-18"):
        Filters(since=value)
