"""Cards are valid Telegram HTML within the limits, whatever the passage holds."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.ingest.chunking import Passage
from retrieval.search.search import Hit

from bot.answers import card_data
from bot.formatting import (MAX_ENTITIES, MAX_MESSAGE, CardData, card_html, card_plain, inline_description,
                            inline_title, split_messages, utf16_len)

from fake_telegram import check_html

NASTY = st.text(alphabet=st.sampled_from(list("<>&\"'*_`[]()#/\\ \n abcXYZ😀é\u200b&lt;")), max_size=300)
ANY_TEXT = st.one_of(st.text(max_size=9000), NASTY, st.text(alphabet="<&>", min_size=3000, max_size=6000))


def data(text: str, *, title: str = "Judul", url: str | None = None, outlet: str = "Kontan") -> CardData:
    return CardData(outlet=outlet, date="2024-06-18", title=title, url=url, text=text)


def test_card_shows_outlet_date_title_and_escaped_text():
    card = card_html(data("Putin <b>bilang</b> & \"pergi\"", url="https://example.com/a?b=1&c=2"), "id")
    assert card.html == ('<b>Kontan</b> · 2024-06-18 · <a href="https://example.com/a?b=1&amp;c=2">Judul</a>\n'
                         'Putin &lt;b&gt;bilang&lt;/b&gt; &amp; "pergi"')
    assert check_html(card.html)[1] == card.entities == 2


def test_card_without_url_or_date():
    card = card_html(CardData("VOA Indonesia", None, "Kim & Putin", None, "Teks."), "en")
    assert card.html == "<b>VOA Indonesia</b> · date unknown · <i>Kim &amp; Putin</i>\nTeks."
    assert card_plain(CardData("VOA Indonesia", None, "Kim", None, "A.\n\nB."), "id") == (
        "VOA Indonesia · tanggal tidak diketahui · Kim\nA.\nB.")


def test_non_http_urls_are_not_linked():
    assert "<a" not in card_html(data("x", url="javascript:alert(1)"), "id").html


@settings(max_examples=150, deadline=None)
@given(text=ANY_TEXT, title=st.text(max_size=400), outlet=st.text(min_size=1, max_size=60))
def test_any_passage_gives_valid_html_within_limits(text, title, outlet):
    card = card_html(data(text or "x", title=title, outlet=outlet), "id")
    length, entities = check_html(card.html)
    assert utf16_len(card.html) <= MAX_MESSAGE and length <= MAX_MESSAGE
    assert entities == card.entities


@settings(max_examples=80, deadline=None)
@given(texts=st.lists(ANY_TEXT, min_size=1, max_size=12))
def test_split_keeps_every_card_whole_and_within_limits(texts):
    cards = [card_html(data(t or "x"), "en") for t in texts]
    messages = split_messages(cards, header="<b>Hasil</b>")
    for message in messages:
        length, entities = check_html(message)
        assert utf16_len(message) <= MAX_MESSAGE and entities <= MAX_ENTITIES
    joined = "\n\n".join(messages)
    assert all(card.html in joined for card in cards)
    assert joined.count("<b>Kontan</b>") == len(cards)


def test_many_small_cards_split_on_entity_limit():
    cards = [card_html(data(f"p{i}"), "id") for i in range(60)]
    messages = split_messages(cards)
    assert len(messages) == 2
    assert all(check_html(m)[1] <= MAX_ENTITIES for m in messages)


def test_inline_pieces_are_short():
    card = data("kata " * 500, title="T" * 300)
    assert len(inline_title(card)) <= 120 and inline_title(card).startswith("Kontan: ")
    assert len(inline_description(card)) <= 160


def test_card_shows_the_age_after_the_date():
    card = CardData("Kontan", "2024-06-16", "Judul", "https://example.com/a", "Teks.", age="2 hari yang lalu")
    assert card_html(card, "id").html == ('<b>Kontan</b> · 2024-06-16 · 2 hari yang lalu · '
                                          '<a href="https://example.com/a">Judul</a>\nTeks.')
    assert card_plain(card, "id").startswith("Kontan · 2024-06-16 · 2 hari yang lalu · Judul\n")
    assert check_html(card_html(replace(card, age="<1 & 2>"), "en").html)[1] == 2


def test_an_age_without_a_date_is_not_shown():
    card = CardData("Kontan", None, "Judul", None, "Teks.", age="kemarin")
    assert "kemarin" not in card_html(card, "id").html and "kemarin" not in card_plain(card, "id")


def test_card_data_counts_the_age_on_the_day_given():
    passage = Passage(id="p", article_id="a", outlet="Kontan", title="T", date="2024-06-17", url=None, start=0,
                      end=5, text="Teks.")
    hit = Hit(rank=1, score=1.0, passage=passage)
    assert card_data(hit, now=date(2024, 6, 18)).age == "kemarin"
    assert card_data(hit, language="en", now=date(2024, 6, 25)).age == "1 week ago"
    wib_today = datetime.now(timezone(timedelta(hours=7))).date()  # Western Indonesia Time (Asia/Jakarta)
    dated_today = replace(hit, passage=replace(passage, date=wib_today.isoformat()))
    assert card_data(dated_today).age == "hari ini"  # by default counted on today's WIB date, not UTC's
    assert card_data(dated_today, language="en").age == "today"
    assert card_data(replace(hit, passage=replace(passage, date=None)), now=date(2024, 6, 18)).age is None


def test_a_card_of_a_recent_article_shows_its_time_and_age_in_hours():
    wib = timezone(timedelta(hours=7))
    passage = Passage(id="p", article_id="a", outlet="Kontan", title="Judul", date="2024-06-18T09:30:00+07:00",
                      url="https://example.com/a", start=0, end=5, text="Teks.")
    hit = Hit(rank=1, score=1.0, passage=passage)
    later = datetime(2024, 6, 18, 11, 45, tzinfo=wib)
    card = card_data(hit, now=later)
    assert (card.date, card.age) == ("2024-06-18 09:30 WIB", "2 jam yang lalu")
    assert card_html(card, "id").html.startswith('<b>Kontan</b> · 2024-06-18 09:30 WIB · 2 jam yang lalu · <a ')
    assert card_plain(card, "id").startswith("Kontan · 2024-06-18 09:30 WIB · 2 jam yang lalu · Judul\n")
    english = card_data(hit, language="en", now=datetime(2024, 6, 18, 9, 55, tzinfo=wib))
    assert english.age == "25 minutes ago"
    assert card_data(hit, now=datetime(2024, 6, 19, 10, 0, tzinfo=wib)).age == "kemarin"  # over a day: in days
    assert card_data(hit, now=datetime(2024, 6, 18, 9, 30, 20, tzinfo=wib)).age == "baru saja"
    day_only = card_data(replace(hit, passage=replace(passage, date="2024-06-18")), now=later)
    assert (day_only.date, day_only.age) == ("2024-06-18", "hari ini")


@settings(max_examples=100, deadline=None)
@given(text=ANY_TEXT, title=st.text(max_size=400), age=st.sampled_from(["hari ini", "11 bulan yang lalu",
                                                                        "12 months ago", "<&>"]))
def test_cards_with_ages_stay_within_limits(text, title, age):
    card = card_html(replace(data(text or "x", title=title, url="https://example.com/" + "x" * 300), age=age), "id")
    length, entities = check_html(card.html)
    assert utf16_len(card.html) <= MAX_MESSAGE and length <= MAX_MESSAGE
    assert entities == card.entities
    messages = split_messages([card] * 60, header="<b>Hasil</b>")
    assert all(utf16_len(m) <= MAX_MESSAGE and check_html(m)[1] <= MAX_ENTITIES for m in messages)


def test_status_shows_network_values_escaped_and_clipped_within_telegram_limits():
    from bot.status import StatusReport, status_html
    from retrieval.fetch.feed_list import Feed

    long_url = "https://a.id/rss?" + "x" * 5000
    feeds = [Feed(url=long_url, outlet="<b>Kontan</b> & co", added="2026-12-04T00:00:00+00:00",
                  last_fetch="2026-12-04T10:00:00+00:00", new=2, failed=1, last_error="<script>" + "y" * 5000)
             for _ in range(40)]
    report = StatusReport(articles=10, passages=30, outlets=[("A & <B>", 10)], model="m<1>", feeds=feeds,
                          uptime_s=3725, fetch_minutes=30)
    messages = status_html(report, "en")
    for text in messages:
        check_html(text)
        assert utf16_len(text) <= 4096 and "<script>" not in text and "<b>Kontan" not in text
    assert "&lt;b&gt;Kontan&lt;/b&gt; &amp; co" in messages[0] and "Up for 1h 2m" in messages[0]
    assert sum(text.count("last fetch 2026-12-04 10:00 UTC: 2 new, 1 failed") for text in messages) == 40
