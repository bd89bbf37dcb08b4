"""The report document: figures turned into words, tables and charts in the workspace's language.

``document_context`` builds everything ``templates/reports/document.html`` shows; the same context renders
the web view and the PDF. Numbers and dates are formatted with Babel in the workspace's locale; the
executive summary is written from the figures (the address form — *Sie* by default — where the text
speaks to the client).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from typing import Any

import nh3
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from agency.reports.charts import Chart, bar_list_chart, column_chart, stacked_chart

#: What the account manager's commentary may contain (everything else is removed, text kept).
COMMENTARY_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4", "blockquote", "a"}


def sanitize_commentary(source: str) -> str:
    """The commentary (Markdown; raw HTML is escaped) as safe HTML: a few text tags, links only to http(s) and
    mailto, no images, no styles — sanitized a second time with the report's own, narrower list of tags."""
    from agency.community.markup import render_markdown

    return nh3.clean(str(render_markdown(source or "")), tags=COMMENTARY_TAGS, attributes={"a": {"href"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")


@dataclass
class Formats:
    """Babel formatting in one locale."""

    locale: str

    def number(self, value: float | int | None, digits: int = 0) -> str:
        if value is None:
            return "–"
        return format_decimal(round(value, digits), format="#,##0" + ("." + "0" * digits if digits else ""),
                              locale=self.locale)

    def percent(self, rate: float | None, digits: int = 0) -> str:
        if rate is None:
            return "–"
        return format_percent(rate, format="#,##0" + ("." + "0" * digits if digits else "") + " %",
                              locale=self.locale)

    def duration(self, seconds: float | None) -> str:
        """Minutes below 90 minutes, hours above (``42 min``, ``2.5 h``)."""
        if seconds is None:
            return "–"
        minutes = seconds / 60
        if minutes < 90:
            return _("%(n)s min", n=self.number(minutes))
        return _("%(n)s h", n=self.number(minutes / 60, 1))

    def hours(self, minutes: int | None) -> str:
        if minutes is None:
            return "–"
        return _("%(n)s h", n=self.number(minutes / 60, 1))

    def month(self, month: date) -> str:
        return format_date(month, "MMMM yyyy", locale=self.locale)

    def day(self, day: date) -> str:
        return format_date(day, "medium", locale=self.locale)

    def money(self, cents: int, currency: str) -> str:
        return format_currency(cents / 100, currency, locale=self.locale)


def _change(current: float | None, previous: float | None) -> float | None:
    if current is None or previous in (None, 0):
        return None
    return (current - previous) / previous


def _addressed(formal, informal, address_form: str, **values) -> str:
    """The text in the client's address form (German *du* only; English has one form). ``formal`` and ``informal``
    are marked with ``_l`` where they are written, so that the catalogue has them."""
    informal_german = address_form == "du" and str(get_locale() or "de").startswith("de")
    text = str(informal if informal_german else formal)
    return text % values if values else text


def summary_sentences(figures: dict[str, Any], fmt: Formats, address_form: str) -> list[str]:
    """The executive summary: a few sentences written from the month's figures against the previous month."""
    current, previous = figures["current"], figures["previous"]
    sentences = []
    received, before = current["interactions"], previous["interactions"]
    change = _change(received, before)
    if received == 0:
        sentences.append(_("No interactions arrived on your channels this month."))
    elif change is None:
        sentences.append(_("Your channels received %(n)s interactions.", n=fmt.number(received)))
    elif change >= 0:
        sentences.append(_("Your channels received %(n)s interactions, %(p)s more than in the previous month.",
                           n=fmt.number(received), p=fmt.percent(change)))
    else:
        sentences.append(_("Your channels received %(n)s interactions, %(p)s fewer than in the previous month.",
                           n=fmt.number(received), p=fmt.percent(-change)))
    median, median_before = (current["first_response_business"]["median"],
                             previous["first_response_business"]["median"])
    change = _change(median, median_before)
    if median is not None and change is not None and abs(change) >= 0.01:
        if change < 0:
            sentences.append(_("The median response time fell by %(p)s to %(t)s.", p=fmt.percent(-change),
                               t=fmt.duration(median)))
        else:
            sentences.append(_("The median response time rose by %(p)s to %(t)s.", p=fmt.percent(change),
                               t=fmt.duration(median)))
    elif median is not None:
        sentences.append(_("The median response time was %(t)s.", t=fmt.duration(median)))
    compliance = current["compliance"].get("first_response", {}).get("rate")
    if compliance is not None:
        sentences.append(_("%(p)s of enquiries were answered within the agreed time.", p=fmt.percent(compliance)))
    if current["answer_rate"] is not None:
        sentences.append(_("We answered %(p)s of all enquiries.", p=fmt.percent(current["answer_rate"])))
    negative, negative_before = current["negative_share"], previous["negative_share"]
    if negative is not None:
        if negative_before is not None and negative > negative_before + 0.05:
            sentences.append(_("The mood was more critical than in the previous month: %(p)s of the messages were "
                               "negative.", p=fmt.percent(negative)))
        else:
            sentences.append(_("%(p)s of the messages were positive, %(n)s negative.",
                               p=fmt.percent(current["positive_share"]), n=fmt.percent(negative)))
    incidents = figures["community"]["incidents"]
    if incidents:
        sentences.append(_("There were %(n)s crisis incidents; details follow in their section.",
                           n=fmt.number(len(incidents))))
    hours = figures["hours"]
    if hours["contracted"]:
        sentences.append(_addressed(
            _l("Of your %(available)s hours this month we used %(used)s."),
            _l("informal: Of your %(available)s hours this month we used %(used)s."), address_form,
            available=fmt.hours(hours["available"]), used=fmt.hours(hours["used"])))
    # A figure that ends a sentence may end in an abbreviation's point ("42 Min."): one point closes both.
    return [sentence[:-1] if sentence.endswith("..") else sentence for sentence in sentences]


def kpi_rows(figures: dict[str, Any], fmt: Formats) -> list[dict[str, str]]:
    """The KPI table: this month, the previous month, the three-month average, and the change."""
    current, previous, average = figures["kpis"], figures["previous_kpis"], figures["average3"]
    rows = [
        ("interactions", _("Interactions"), lambda v: fmt.number(v), None),
        ("answer_rate", _("Answer rate"), lambda v: fmt.percent(v), True),
        ("first_response_business.median", _("Median first response (service hours)"), fmt.duration, False),
        ("first_response_business.p90", _("9 in 10 answered within (service hours)"), fmt.duration, False),
        ("first_response_wall.median", _("Median first response (clock time)"), fmt.duration, False),
        ("compliance.first_response.rate", _("Answered within the agreed time"), lambda v: fmt.percent(v), True),
        ("negative_share", _("Negative messages"), lambda v: fmt.percent(v), False),
    ]
    result = []
    for key, label, show, higher_is_better in rows:
        change = _change(current.get(key), previous.get(key))
        trend = ""
        if change is not None and abs(change) >= 0.005:
            trend = ("+" if change > 0 else "−") + fmt.percent(abs(change))
        verdict = ""
        if change is not None and higher_is_better is not None and abs(change) >= 0.005:
            verdict = "better" if (change > 0) == higher_is_better else "worse"
        result.append({"label": label, "current": show(current.get(key)), "previous": show(previous.get(key)),
                       "average": show(average.get(key)), "change": trend, "verdict": verdict})
    return result


def charts(figures: dict[str, Any], fmt: Formats, color: str) -> dict[str, Chart]:
    """The report's charts with their text alternatives."""
    found: dict[str, Chart] = {}
    by_day = figures["volume"]["by_day"]
    days = sorted(by_day)
    if days:
        values = [by_day[d] for d in days]
        busiest = max(range(len(values)), key=lambda i: values[i])
        found["daily"] = column_chart(
            [d[8:10] for d in days], values, color=color, label_every=3 if len(days) > 16 else 1,
            title=_("Interactions per day"),
            alt=_("Interactions per day: %(total)s in the month, most on %(day)s (%(n)s).",
                  total=fmt.number(sum(values)), day=fmt.day(date.fromisoformat(days[busiest])),
                  n=fmt.number(values[busiest])))
    channels = figures["volume"]["by_channel"]
    if channels:
        found["channels"] = bar_list_chart(
            [(c["name"] or c["platform"], c["count"], fmt.number(c["count"])) for c in channels[:8]], color=color,
            title=_("Interactions by channel"),
            alt=_("Interactions by channel: %(list)s.",
                  list=", ".join(f"{c['name'] or c['platform']} {fmt.number(c['count'])}" for c in channels[:8])))
    weeks = figures["sentiment_weeks"]
    if weeks:
        names = (_("positive"), _("neutral"), _("negative"))
        series = [(names[i], [w[key] for w in weeks]) for i, key in enumerate(("positive", "neutral", "negative"))]
        found["sentiment"] = stacked_chart(
            [_("W%(n)s", n=w["week"][-2:]) for w in weeks], series, color=color, title=_("Sentiment per week"),
            alt=_("Sentiment per week, share of positive / neutral / negative messages: %(list)s.",
                  list="; ".join(f"{_('W%(n)s', n=w['week'][-2:])}: {w['positive']}/{w['neutral']}/{w['negative']}"
                                 for w in weeks)))
    activities = figures["hours"]["by_activity"]
    if activities:
        found["hours"] = bar_list_chart(
            [(a["name"], a["minutes"], fmt.hours(a["minutes"])) for a in activities], color=color,
            reference=[a["budget"] for a in activities], title=_("Hours by activity"),
            alt=_("Hours by activity: %(list)s.",
                  list=", ".join(f"{a['name']} {fmt.hours(a['minutes'])}" for a in activities)))
    words = figures["topics"]["words"]
    if words:
        found["topics"] = bar_list_chart(
            [(w["word"], w["count"], fmt.number(w["count"])) for w in words[:8]], color=color,
            title=_("Frequent words"),
            alt=_("Most frequent words: %(list)s.", list=", ".join(f"{w['word']} ({w['count']})" for w in words[:8])))
    return found


def logo_data_uri(agency) -> str | None:
    """The agency's raster logo as a ``data:`` URL (PNG or JPEG only, as stored)."""
    data, mimetype = getattr(agency, "logo_data", None), getattr(agency, "logo_mimetype", None)
    if not data or mimetype not in ("image/png", "image/jpeg"):
        return None
    return f"data:{mimetype};base64,{base64.b64encode(data).decode()}"


def document_context(figures: dict[str, Any], *, workspace, agency, month: date, commentary: str = "",
                     next_steps: str = "", author_name: str = "", status: str = "draft") -> dict[str, Any]:
    """Everything the report template needs, in the workspace's language (call inside ``force_locale``)."""
    locale = workspace.locale or agency.default_locale or "de"
    fmt = Formats(locale)
    color = agency.primary_color or "#2f5d8a"
    address_form = workspace.address_form or "sie"
    return {
        "figures": figures, "fmt": fmt, "workspace": workspace, "agency": agency, "month": month,
        "month_label": fmt.month(month), "locale": locale, "brand_color": color, "logo": logo_data_uri(agency),
        "summary": summary_sentences(figures, fmt, address_form), "kpis": kpi_rows(figures, fmt),
        "charts": charts(figures, fmt, color), "address_form": address_form, "status": status,
        "commentary": Markup(sanitize_commentary(commentary)),  # noqa: S704 - sanitized by nh3 above
        "next_steps": Markup(sanitize_commentary(next_steps)),  # noqa: S704 - sanitized by nh3 above
        "author_name": author_name,
        "we_need": _addressed(_l("What we need from you"), _l("informal: What we need from you"),
                              address_form),
    }


def page_css(locale: str, color: str) -> str:
    """The PDF's page furniture in the document's language: "Seite X von Y" / "Page X of Y", the brand colour."""
    with force_locale(locale):
        page, of = _("Page"), _("of")
    page = page.replace('"', "")
    of = of.replace('"', "")
    color = color if len(color) == 7 and color.startswith("#") else "#2f5d8a"
    return (f'@page {{ @bottom-right {{ content: "{page} " counter(page) " {of} " counter(pages); }} }}'
            f"@page :first {{ @bottom-right {{ content: none; }} }}"
            f":root {{ --brand: {color}; }}")
