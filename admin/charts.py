"""Trend charts as inline SVG, drawn server-side by pygal.

pygal's tooltip script is left out (``js=[]``): it would be fetched from outside, and
the page must work on a town hall's closed network; the inline configuration script it
still embeds (read only by that tooltip script) is removed, so the admin serves no
script at all.

An SVG scales its text with its width, so a chart drawn 720 units wide and shown on a
390-pixel phone would print its labels at half their size. Each trend is therefore drawn
twice, at the two widths it is shown at (a desktop column and a phone), and the
stylesheet shows the one that fits: labels keep their size on both. Bar charts are plain
HTML (macro ``bars``), whose text never scales.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pygal
from markupsafe import Markup
from pygal.style import Style

INLINE_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
MARIANNE_BLUE = "#000091"
TARGET_RED = "#CE0500"


@dataclass(frozen=True)
class Layout:
    """One drawing of a chart: its size in SVG units (= CSS pixels when shown at that
    width) and its font sizes."""

    css_class: str
    width: int
    height: int
    font: int
    rotation: int
    month_every: int  # a label every N months: a phone has room for four


WIDE = Layout("chart-wide", 600, 280, 14, 30, 1)
NARROW = Layout("chart-narrow", 300, 260, 14, 30, 3)
PERCENT_GUIDES = [0, 25, 50, 75, 100]


def _style(layout: Layout) -> Style:
    return Style(background="transparent", plot_background="transparent",
                 foreground="#161616", foreground_strong="#161616",
                 foreground_subtle="#929292", font_family="system-ui, sans-serif",
                 colors=(MARIANNE_BLUE, TARGET_RED), label_font_size=layout.font,
                 major_label_font_size=layout.font, value_font_size=layout.font)


def _svg(chart: pygal.graph.graph.Graph, css_class: str) -> str:
    svg = INLINE_SCRIPT.sub("", chart.render(is_unicode=True))
    return svg.replace("<svg ", f'<svg role="img" aria-hidden="true" class="{css_class}" ', 1)


def _trend(layout: Layout, caption: str, points: list[tuple[str, float | None]],
           target: float | None) -> str:
    chart = pygal.Line(
        js=[], style=_style(layout), disable_xml_declaration=True, height=layout.height,
        width=layout.width, explicit_size=False, title=None, show_legend=False,
        allow_interruptions=True, range=(0, 100), y_labels=PERCENT_GUIDES,
        x_label_rotation=layout.rotation, truncate_label=-1,
        x_labels_major_every=layout.month_every, show_minor_x_labels=layout.month_every == 1)
    chart.x_labels = [month for month, _ in points]
    chart.add(caption, [value for _, value in points])
    if target is not None:
        chart.add("Objectif", [round(target * 100, 1)] * len(points), show_dots=False,
                  stroke_style={"dasharray": "6, 4"})
    return _svg(chart, layout.css_class)


def trend_chart(caption: str, points: list[tuple[str, float | None]],
                target: float | None = None) -> Markup:
    """A line of ``(month, value)`` points, with the target as a dashed line; a month
    with no data is a gap, not a zero. Drawn at the desktop and the phone width, without
    a legend: the caption names the line and says the dashed one is the target."""
    return Markup("".join(_trend(layout, caption, points, target)
                          for layout in (WIDE, NARROW)))
