"""Server-side SVG charts for the trend view: no script, readable on a wall screen,
printable, and each mark carries its number in a tooltip (<title>).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Okabe-Ito colours, distinguishable with the common colour-vision deficiencies.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
)
WIDTH, HEIGHT = 720, 260
# Characters of a share chart's row label that fit beside its bar; the tooltip and
# the table beside the chart give the whole label.
SHARE_LABEL_CHARACTERS = 42
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 48, 12, 12, 44


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]
    colour: str


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def shorten(label: str, characters: int) -> str:
    if len(label) <= characters:
        return label

    return label[: characters - 1].rstrip() + "…"


def nice_maximum(value: float) -> float:
    """Round a maximum up to 1, 2 or 5 times a power of ten, for the axis."""
    if value <= 0:
        return 1.0

    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)

    return float(10 * power)


def number(value: float) -> str:
    """Format an axis or mark value: whole numbers bare, others with one decimal, or
    two significant digits below 1 so that small values stay distinct."""
    if value == int(value):
        return f"{value:.0f}"

    if abs(value) >= 1:
        return f"{value:.1f}"

    return f"{value:.2g}"


def frame(title: str, body: list[str], top: float, x_labels: Sequence[str]) -> Markup:
    """Wrap chart marks with the value axis (0 to top) and the bucket labels."""
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for step in range(5):
        value = top * step / 4
        y = MARGIN_TOP + plot_height - plot_height * step / 4
        parts.append(
            f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{y:.1f}" '
            f'y2="{y:.1f}" stroke="#dde3ea"/>'
            f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="11">{number(value)}</text>'
        )

    slot = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / max(len(x_labels), 1)
    # Label every bucket when they fit, else every few.
    every = max(math.ceil(len(x_labels) * 60 / (WIDTH - MARGIN_LEFT)), 1)
    for index, label in enumerate(x_labels):
        if index % every:
            continue

        x = MARGIN_LEFT + slot * (index + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - MARGIN_BOTTOM + 16}" '
            f'text-anchor="middle" font-size="11">{escape(label)}</text>'
        )

    parts.extend(body)
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    title: str, x_labels: Sequence[str], series: Sequence[Series], stacked: bool
) -> Markup:
    """Draw bars per bucket: stacked (parts of a whole) or side by side."""
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    if stacked:
        totals = [sum(s.values[i] or 0 for s in series) for i in range(len(x_labels))]
    else:
        totals = [v or 0 for s in series for v in s.values]
    top = nice_maximum(max(totals, default=0))
    slot = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / max(len(x_labels), 1)
    group = slot * 0.8
    width = group if stacked else group / max(len(series), 1)
    body = []
    for index, label in enumerate(x_labels):
        base = MARGIN_TOP + plot_height
        for position, item in enumerate(series):
            value = item.values[index] or 0
            height = plot_height * value / top
            x = MARGIN_LEFT + slot * index + slot * 0.1
            if stacked:
                base -= height
                y = base
            else:
                x += width * position
                y = MARGIN_TOP + plot_height - height

            body.append(
                f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                f'height="{height:.1f}" fill="{item.colour}" '
                f'data-series="{escape(item.label)}" data-bucket="{escape(label)}" '
                f'data-value="{number(value)}"><title>{escape(item.label)}, '
                f"{escape(label)}: {number(value)}</title></rect>"
            )

    return frame(title, body, top, x_labels)


def line_chart(title: str, x_labels: Sequence[str], series: Sequence[Series]) -> Markup:
    """Draw one line per series; a None value leaves a gap."""
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    values = [v for s in series for v in s.values if v is not None]
    top = nice_maximum(max(values, default=0))
    slot = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / max(len(x_labels), 1)
    body = []
    for item in series:
        points: list[str] = []
        segments: list[list[str]] = [points]
        for index, value in enumerate(item.values):
            if value is None:
                points = []
                segments.append(points)
                continue

            x = MARGIN_LEFT + slot * (index + 0.5)
            y = MARGIN_TOP + plot_height - plot_height * value / top
            points.append(f"{x:.1f},{y:.1f}")
            body.append(
                f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3.5" '
                f'fill="{item.colour}" data-series="{escape(item.label)}" '
                f'data-bucket="{escape(x_labels[index])}" '
                f'data-value="{number(value)}"><title>{escape(item.label)}, '
                f"{escape(x_labels[index])}: {number(value)}</title></circle>"
            )

        for segment in segments:
            if len(segment) > 1:
                body.insert(
                    0,
                    f'<polyline fill="none" stroke="{item.colour}" stroke-width="2" '
                    f'points="{" ".join(segment)}"/>',
                )

    return frame(title, body, top, x_labels)


def share_chart(title: str, rows: Sequence[tuple[str, float | None]]) -> Markup:
    """Draw one horizontal bar per row for a share from 0 to 1, labelled in percent."""
    row_height = 26
    label_width = 300
    height = row_height * len(rows) + 8
    span = WIDTH - label_width - 60
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, share) in enumerate(rows):
        y = 4 + index * row_height
        short_label = shorten(label, SHARE_LABEL_CHARACTERS)
        text = "—" if share is None else f"{share * 100:.0f}%"
        width = span * (share or 0)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" '
            f'font-size="12">{escape(short_label)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{span}" height="18" '
            f'fill="#eef2f6"/>'
            f'<rect class="share" x="{label_width}" y="{y + 3}" width="{width:.1f}" '
            f'height="18" fill="{PALETTE[0]}" data-label="{escape(label)}" '
            f'data-value="{text}"><title>{escape(label)}: {text}</title></rect>'
            f'<text x="{label_width + span + 6}" y="{y + 16}" '
            f'font-size="12">{text}</text>'
        )

    parts.append("</svg>")
    return Markup("".join(parts))
