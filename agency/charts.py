"""Server-side SVG charts (no JavaScript, nothing inline that the CSP forbids): the burn-down of a budget.

Used by time tracking (a retainer month) and the monthly reports (hours against budget). Output is
escaped markup; colours come from CSS classes (``chart-*`` in static/css/app.css), so the same chart
follows the agency's branding and prints well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class BurnDown:
    """A budget burning down over a period.

    ``labels`` name each step (days); ``used`` holds what was used in each step up to today (shorter than
    ``labels`` while the period runs); ``available`` is the budget at the start; ``forecast_total`` is where
    the current pace ends (drawn as a dashed line from today to the end).
    """

    labels: Sequence[str]
    used: Sequence[float]
    available: float
    forecast_total: float | None = None
    unit: str = "h"


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def burndown_svg(chart: BurnDown, *, width: int = 640, height: int = 240, title: str = "",
                 labels_text: dict[str, str] | None = None) -> Markup:
    """The burn-down as an ``<svg>`` element: ideal line, remaining budget, forecast, zero line."""
    texts = {"ideal": "ideal", "remaining": "remaining", "forecast": "forecast", **(labels_text or {})}
    steps = max(1, len(chart.labels))
    remaining, left = [], chart.available
    for value in chart.used:
        left -= value
        remaining.append(left)
    lowest = min([0.0, *remaining])
    if chart.forecast_total is not None:
        lowest = min(lowest, chart.available - chart.forecast_total)
    highest = max(chart.available, 1.0, *(remaining or [0.0]))
    pad_left, pad_right, pad_top, pad_bottom = 44, 12, 12, 28
    inner_w, inner_h = width - pad_left - pad_right, height - pad_top - pad_bottom
    span = (highest - lowest) or 1.0

    def x(index: float) -> float:
        return pad_left + inner_w * index / steps

    def y(value: float) -> float:
        return pad_top + inner_h * (highest - value) / span

    parts = [f'<svg class="chart chart-burndown" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">']
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        value = lowest + span * fraction
        parts.append(f'<line class="chart-grid" x1="{pad_left}" x2="{width - pad_right}" y1="{y(value):.1f}" '
                     f'y2="{y(value):.1f}"/>')
        parts.append(f'<text class="chart-axis" x="{pad_left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">'
                     f'{escape(_fmt(value))}</text>')
    parts.append(f'<line class="chart-zero" x1="{pad_left}" x2="{width - pad_right}" y1="{y(0):.1f}" '
                 f'y2="{y(0):.1f}"/>')
    tick_every = max(1, steps // 8)
    for index, label in enumerate(chart.labels):
        if index % tick_every == 0 or index == steps - 1:
            parts.append(f'<text class="chart-axis" x="{x(index + 1):.1f}" y="{height - 8}" text-anchor="middle">'
                         f'{escape(label)}</text>')
    parts.append(f'<line class="chart-ideal" x1="{x(0):.1f}" y1="{y(chart.available):.1f}" x2="{x(steps):.1f}" '
                 f'y2="{y(0):.1f}"><title>{escape(texts["ideal"])}</title></line>')
    if remaining:
        points = [f"{x(0):.1f},{y(chart.available):.1f}"] + [
            f"{x(i + 1):.1f},{y(v):.1f}" for i, v in enumerate(remaining)]
        parts.append(f'<polyline class="chart-remaining" points="{" ".join(points)}">'
                     f'<title>{escape(texts["remaining"])}</title></polyline>')
        last = remaining[-1]
        parts.append(f'<circle class="chart-dot" cx="{x(len(remaining)):.1f}" cy="{y(last):.1f}" r="3.5"/>')
        if chart.forecast_total is not None and len(remaining) < steps:
            end_value = chart.available - chart.forecast_total
            parts.append(f'<line class="chart-forecast" x1="{x(len(remaining)):.1f}" y1="{y(last):.1f}" '
                         f'x2="{x(steps):.1f}" y2="{y(end_value):.1f}"><title>{escape(texts["forecast"])}'
                         f'</title></line>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
