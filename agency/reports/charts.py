"""The report's charts as small SVG documents, drawn on the server (a few milliseconds each).

Each chart is one self-contained SVG with presentation attributes only (no CSS classes, no script, no
external references), shown as ``<img src="data:image/svg+xml;base64,…" alt="…">``: the same bytes in the
web view and the PDF, allowed by the strict CSP (``img-src data:``), and the ``alt`` text reaches the PDF's
tag tree. Series differ in lightness and carry their values as text, so the charts read in black and white.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import escape

FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
GRID = "#d9dde3"
TEXT = "#33373d"


@dataclass(frozen=True)
class Chart:
    """An SVG chart with its text alternative."""

    svg: str
    alt: str

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def _shade(color: str, factor: float) -> str:
    """``color`` mixed with white (factor 0 … 1 = colour … white): the lighter series of a stacked chart."""
    red, green, blue = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    mix = [round(c + (255 - c) * factor) for c in (red, green, blue)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def _safe_color(color: str | None) -> str:
    if color and len(color) == 7 and color.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in color[1:]):
        return color
    return "#2f5d8a"


def _open(width: int, height: int, title: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" font-family="{FONT}" font-size="11" role="img">', f"<title>{escape(title)}</title>"]


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def column_chart(labels: Sequence[str], values: Sequence[float], *, title: str, alt: str, color: str | None = None,
                 width: int = 640, height: int = 200, label_every: int = 1) -> Chart:
    """Vertical bars (interactions per day): every ``label_every``-th label under the axis."""
    color = _safe_color(color)
    pad_left, pad_right, pad_top, pad_bottom = 34, 8, 10, 24
    inner_w, inner_h = width - pad_left - pad_right, height - pad_top - pad_bottom
    top = max([*values, 1])
    step = inner_w / max(1, len(values))
    parts = _open(width, height, title)
    for fraction in (0, 0.5, 1):
        y = pad_top + inner_h * (1 - fraction)
        parts.append(f'<line x1="{pad_left}" x2="{width - pad_right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{pad_left - 5}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT}">'
                     f'{escape(_number(top * fraction))}</text>')
    for index, value in enumerate(values):
        bar_h = inner_h * value / top
        x = pad_left + index * step + step * 0.15
        parts.append(f'<rect x="{x:.1f}" y="{pad_top + inner_h - bar_h:.1f}" width="{step * 0.7:.1f}" '
                     f'height="{bar_h:.1f}" fill="{color}"/>')
        if index % label_every == 0:
            parts.append(f'<text x="{x + step * 0.35:.1f}" y="{height - 8}" text-anchor="middle" fill="{TEXT}">'
                         f'{escape(labels[index])}</text>')
    parts.append("</svg>")
    return Chart("".join(parts), alt)


def bar_list_chart(rows: Sequence[tuple[str, float, str]], *, title: str, alt: str, color: str | None = None,
                   width: int = 640, row_height: int = 26, reference: Sequence[float | None] = ()) -> Chart:
    """Horizontal bars, one per row of (label, value, value text); ``reference`` draws a budget mark per row."""
    color = _safe_color(color)
    label_w, value_w = 190, 90
    inner_w = width - label_w - value_w - 10
    height = max(1, len(rows)) * row_height + 8
    top = max([r[1] for r in rows] + [v or 0 for v in reference] + [1])
    parts = _open(width, height, title)
    for index, (label, value, value_text) in enumerate(rows):
        y = 4 + index * row_height
        text = label if len(label) <= 30 else label[:29] + "…"
        parts.append(f'<text x="{label_w - 8}" y="{y + row_height * 0.62:.1f}" text-anchor="end" fill="{TEXT}">'
                     f'{escape(text)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{inner_w:.1f}" height="{row_height - 10}" '
                     f'fill="{_shade(color, 0.88)}"/>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{inner_w * value / top:.1f}" '
                     f'height="{row_height - 10}" fill="{color}"/>')
        mark = reference[index] if index < len(reference) else None
        if mark:
            x = label_w + inner_w * mark / top
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 1}" y2="{y + row_height - 3}" stroke="{TEXT}" '
                         f'stroke-width="2" stroke-dasharray="3 2"/>')
        parts.append(f'<text x="{label_w + inner_w + 8}" y="{y + row_height * 0.62:.1f}" fill="{TEXT}" '
                     f'font-weight="bold">{escape(value_text)}</text>')
    parts.append("</svg>")
    return Chart("".join(parts), alt)


def stacked_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *, title: str, alt: str,
                  color: str | None = None, width: int = 640, height: int = 210) -> Chart:
    """100 % stacked columns (sentiment per week): each series a lighter shade, with a legend and percentages."""
    color = _safe_color(color)
    shades = [_shade(color, f) for f in (0.0, 0.45, 0.8, 0.93)][: len(series)]
    pad_left, pad_top, pad_bottom, legend_h = 34, 8, 22, 22
    inner_w, inner_h = width - pad_left - 8, height - pad_top - pad_bottom - legend_h
    step = inner_w / max(1, len(labels))
    parts = _open(width, height, title)
    for index, label in enumerate(labels):
        total = sum(values[index] for _name, values in series) or 1
        y = pad_top + inner_h
        x = pad_left + index * step + step * 0.15
        for (_name, values), shade in zip(series, shades, strict=False):
            share = values[index] / total
            bar_h = inner_h * share
            y -= bar_h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{bar_h:.1f}" '
                         f'fill="{shade}" stroke="#ffffff" stroke-width="1"/>')
            if bar_h >= 14:
                ink = "#ffffff" if shade == color else TEXT
                parts.append(f'<text x="{x + step * 0.35:.1f}" y="{y + bar_h / 2 + 4:.1f}" text-anchor="middle" '
                             f'fill="{ink}">{round(share * 100)} %</text>')
        parts.append(f'<text x="{x + step * 0.35:.1f}" y="{pad_top + inner_h + 15}" text-anchor="middle" '
                     f'fill="{TEXT}">{escape(label)}</text>')
    legend_y = height - 8
    x = pad_left
    for (name, _values), shade in zip(series, shades, strict=False):
        parts.append(f'<rect x="{x}" y="{legend_y - 10}" width="12" height="12" fill="{shade}" stroke="{TEXT}" '
                     f'stroke-width="0.5"/>')
        parts.append(f'<text x="{x + 17}" y="{legend_y}" fill="{TEXT}">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    parts.append("</svg>")
    return Chart("".join(parts), alt)
