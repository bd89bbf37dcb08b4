"""The report's figures against values computed here from the seeded rows (not by the same queries)."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from agency.reports import metrics
from agency.sla import metrics as sla_metrics
from tests.reports.conftest import BERLIN, MONTH, add_item, berlin, in_month

OCT_START = datetime(2026, 10, 1, tzinfo=BERLIN)
NOV_START = datetime(2026, 11, 1, tzinfo=BERLIN)
NOW = datetime(2026, 11, 20, tzinfo=UTC)


def _october(seeded):
    return [i for i in in_month(seeded.items, OCT_START, NOV_START) if not i.is_own]


def test_month_bounds_follow_the_workspace_time_zone(world):
    world.ws_a.timezone = "Europe/Berlin"
    start, end = metrics.month_bounds(world.ws_a, date(2026, 10, 1))
    assert start == datetime(2026, 9, 30, 22, tzinfo=UTC)  # summer time
    assert end == datetime(2026, 10, 31, 23, tzinfo=UTC)  # winter time again


def test_volume_answer_rate_and_response_times(seeded):
    figures = metrics.month_figures(seeded.workspace, MONTH, now=NOW)
    october = _october(seeded)
    current = figures["current"]
    assert current["interactions"] == len(october) == 24
    in_scope = [i for i in october if not i.is_spam]
    answered = [i for i in in_scope if i.first_responded_at is not None]
    assert current["in_scope"] == len(in_scope)
    assert current["answered"] == len(answered)
    assert abs(current["answer_rate"] - len(answered) / len(in_scope)) < 1e-9
    waits = sorted((i.first_responded_at - i.platform_created_at).total_seconds() for i in answered)
    assert current["first_response_wall"]["median"] == round(statistics.median(waits), 1)
    assert abs(current["first_response_wall"]["p90"] - statistics.quantiles(waits, n=10, method="inclusive")[-1]) < 0.2
    # Channels, kinds and Berlin days.
    by_channel = Counter(i.channel_id for i in october)
    assert sorted(r["count"] for r in figures["volume"]["by_channel"]) == sorted(by_channel.values())
    assert figures["volume"]["by_kind"] == dict(Counter(i.kind for i in october))
    by_day = Counter(i.platform_created_at.astimezone(BERLIN).date().isoformat() for i in october)
    assert {d: n for d, n in figures["volume"]["by_day"].items() if n} == dict(by_day)
    assert figures["volume"]["by_day"]["2026-10-31"] == 1 and len(figures["volume"]["by_day"]) == 31


def test_compliance_sentiment_moderation_topics(seeded):
    figures = metrics.month_figures(seeded.workspace, MONTH, now=NOW)
    october = [i for i in _october(seeded) if not i.is_spam]
    due = [i for i in october if i.first_response_due_at is not None]
    met = sum(1 for i in due if i.first_responded_at and i.first_responded_at <= i.first_response_due_at)
    missed = len(due) - met
    compliance = figures["current"]["compliance"]["first_response"]
    assert (compliance["met"], compliance["missed"]) == (met, missed)
    sentiment = Counter(i.sentiment_label for i in october)
    assert figures["current"]["sentiment"]["negative"] == sentiment["negative"]
    assert figures["current"]["sentiment"]["positive"] == sentiment["positive"]
    assert abs(figures["current"]["negative_share"] - sentiment["negative"] / len(october)) < 1e-9
    assert figures["moderation"]["spam"] == 1
    tags = Counter(t for i in october for t in i.tags)
    assert [(t["tag"], t["count"]) for t in figures["topics"]["tags"]] == sorted(tags.items(), key=lambda kv: -kv[1])
    words = {w["word"]: w["count"] for w in figures["topics"]["words"]}
    assert words["lieferung"] == 4  # once per item, however often an item says it
    assert not set(words) & metrics.STOP_WORDS
    question = figures["topics"]["questions"][0]
    assert question["count"] == 4 and question["text"].startswith("Wann kommt meine Lieferung")


def test_previous_month_and_three_month_average(seeded):
    figures = metrics.month_figures(seeded.workspace, MONTH, now=NOW)
    september = in_month(seeded.items, datetime(2026, 9, 1, tzinfo=BERLIN), OCT_START)
    august = in_month(seeded.items, datetime(2026, 8, 1, tzinfo=BERLIN), datetime(2026, 9, 1, tzinfo=BERLIN))
    assert figures["previous"]["interactions"] == len(september) == 3
    # July had nothing: the average of interactions counts it as 0, response times only where there were any.
    assert abs(figures["average3"]["interactions"] - (len(september) + len(august) + 0) / 3) < 1e-9
    sept_median = statistics.median((i.first_responded_at - i.platform_created_at).total_seconds() for i in september)
    aug_median = (august[0].first_responded_at - august[0].platform_created_at).total_seconds()
    assert abs(figures["average3"]["first_response_wall.median"] - (sept_median + aug_median) / 2) < 0.2


def test_another_workspace_and_an_empty_month(seeded, world):
    empty = metrics.month_figures(world.ws_b, MONTH, now=NOW)
    assert empty["current"]["interactions"] == 0 and empty["current"]["answer_rate"] is None
    assert empty["topics"]["words"] == [] and empty["hours"]["used"] == 0


def test_grouped_figures_equal_the_sla_modules_per_item_computation(seeded):
    """The one-pass query (business time from the calendar's timeline in SQL) gives the SLA board's numbers,
    which ``agency.sla.metrics`` computes with ``calendar.between`` per item — also across a weekend, the
    end of summer time (25 Oct) and a reply that arrives a month later."""
    ws = seeded.workspace
    channel = seeded.channels[0]
    add_item(ws, channel, berlin(2026, 10, 23, 16, 30), answered_after=timedelta(days=3, hours=1))
    add_item(ws, channel, berlin(2026, 10, 9, 15, 0), answered_after=timedelta(days=33))
    add_item(ws, channel, berlin(2026, 8, 29, 10, 0), answered_after=timedelta(hours=50))
    figures = metrics.month_figures(ws, MONTH, now=NOW)
    months = [MONTH, date(2026, 9, 1), date(2026, 8, 1), date(2026, 7, 1)]
    bounds = [metrics.month_bounds(ws, m)[0] for m in reversed(months)] + [metrics.month_bounds(ws, MONTH)[1]]
    grouped = list(reversed(metrics.periods_core_figures(ws, bounds, now=NOW)))
    assert grouped[:2] == [figures["current"], figures["previous"]]
    for month, found in zip(months, grouped, strict=True):
        expected = sla_metrics.workspace_metrics(ws, *metrics.month_bounds(ws, month), now=NOW)
        assert (found["in_scope"], found["answered"], found["open"], found["breached"]) == (
            expected.received, expected.responded, expected.open, expected.breached)
        for name in ("first_response_wall", "first_response_business"):
            durations = getattr(expected, name)
            assert found[name]["count"] == durations.count
            assert found[name]["median"] == pytest.approx(durations.median, abs=0.06)
            assert found[name]["p90"] == pytest.approx(durations.p90, abs=0.06)
        for name, compliance in expected.compliance.items():
            assert (found["compliance"][name]["met"], found["compliance"][name]["missed"]) == (
                compliance.met, compliance.missed)
    august = grouped[2]  # Saturday 10:00 answered Monday 12:00: 3 business hours, 50 on the clock
    assert august["first_response_business"]["median"] < august["first_response_wall"]["median"]
    older = [metrics.core_figures(ws, *metrics.month_bounds(ws, m), now=NOW) for m in months[1:]]
    assert figures["average3"]["interactions"] == pytest.approx(sum(f["interactions"] for f in older) / 3)


@pytest.mark.parametrize(("first", "second"), [
    ("Wann öffnet ihr morgen?", "wann öffnet ihr morgen??"),
    ("Wann öffnet ihr morgen?", "Wann öffnet ihr denn morgen"),
    ("Wann öffnet ihr morgen? 😊", "@baeckerei wann  öffnet ihr morgen… https://example.test/zeiten"),
    ("Do you ship to Austria?", "do you ship to AUSTRIA?!"),
])
def test_questions_in_other_words_have_one_key(first, second):
    assert metrics.question_key(first) == metrics.question_key(second) != ""


@pytest.mark.parametrize(("first", "second"), [
    ("Wann öffnet ihr morgen?", "Wann schließt ihr morgen?"),
    ("Gibt es den Rabatt auch im Laden?", "Gibt es den Rabatt auch online?"),
])
def test_different_questions_keep_different_keys(first, second):
    assert metrics.question_key(first) != metrics.question_key(second)


def test_frequent_questions_group_wordings_and_quote_the_most_common(seeded):
    ws, channel = seeded.workspace, seeded.channels[0]
    wordings = ["Wann öffnet ihr morgen?", "wann öffnet ihr morgen??", "Wann öffnet ihr denn morgen",
                "Wann öffnet ihr morgen?", "@team Wann öffnet ihr morgen? 🙂"]
    for n, text in enumerate(wordings):
        add_item(ws, channel, berlin(2026, 10, 8, 12, n), text=text, question=True)
    add_item(ws, channel, berlin(2026, 10, 8, 13, 0), text="Wann öffnet ihr morgen?", question=False)  # no question
    add_item(ws, channel, berlin(2026, 10, 8, 13, 5), text="Wann öffnet ihr morgen?", question=True, spam=True)
    figures = metrics.month_figures(ws, MONTH, now=NOW)
    questions = figures["topics"]["questions"]
    assert questions[0] == {"text": "Wann öffnet ihr morgen?", "count": len(wordings)}
    # The seeded month's own question (asked four times in one wording) is still counted apart.
    assert {"text": "Wann kommt meine Lieferung? Die Lieferung ist spät", "count": 4} in questions
    assert "sample" not in figures["topics"]  # a small month is counted in full


def test_words_and_questions_of_a_large_month_are_estimated_from_a_sample(seeded, monkeypatch):
    monkeypatch.setattr(metrics, "TEXT_SAMPLE", 10)
    figures = metrics.month_figures(seeded.workspace, MONTH, now=NOW)
    items = sum(1 for i in _october(seeded) if not i.is_spam)
    assert figures["topics"]["sample"] == {"items": 10, "of": items}
    assert all(w["count"] <= items for w in figures["topics"]["words"])
    assert figures["topics"]["tags"][0]["count"] == Counter(  # tags stay exact
        t for i in _october(seeded) if not i.is_spam for t in i.tags).most_common(1)[0][1]
    from agency.reports import render

    html = render.render_document_html(figures, seeded.workspace, MONTH)  # the report says they are estimates
    note = html[html.index("data-topics-sample"):].split("</p>")[0]
    assert " 10 " in note and f" {items} " in note
