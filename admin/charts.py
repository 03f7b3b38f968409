"""Indicator charts as inline SVG, drawn server-side by pygal.

pygal's tooltip script is left out (``js=[]``): it would be fetched from outside, and
the page must work on a town hall's closed network; the inline configuration script it
still embeds (read only by that tooltip script) is removed, so the admin serves no
script at all. Each chart stands above the table of the same figures, which screen
readers and the CSV export use.
"""

from __future__ import annotations

import re

import pygal
from markupsafe import Markup
from pygal.style import Style

INLINE_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
MARIANNE_BLUE = "#000091"
STYLE = Style(background="transparent", plot_background="transparent",
              foreground="#161616", foreground_strong="#161616", foreground_subtle="#929292",
              font_family="system-ui, sans-serif", colors=(MARIANNE_BLUE,))
TREND_STYLE = Style(background="transparent", plot_background="transparent",
                    foreground="#161616", foreground_strong="#161616",
                    foreground_subtle="#929292", font_family="system-ui, sans-serif",
                    colors=(MARIANNE_BLUE, "#CE0500"), label_font_size=13,
                    major_label_font_size=13, legend_font_size=14, value_font_size=13)


def _svg(chart: pygal.graph.graph.Graph) -> Markup:
    svg = INLINE_SCRIPT.sub("", chart.render(is_unicode=True))
    return Markup(svg.replace("<svg ", '<svg role="img" aria-hidden="true" ', 1))


def trend_chart(caption: str, points: list[tuple[str, float | None]],
                target: float | None = None) -> Markup:
    """A line of ``(month, value)`` points, with the target as a dashed line; a month
    with no data is a gap, not a zero."""
    chart = pygal.Line(
        js=[], style=TREND_STYLE, disable_xml_declaration=True, height=300, width=720,
        explicit_size=False, title=None, show_legend=target is not None, legend_at_bottom=True,
        allow_interruptions=True, range=(0, 100), x_label_rotation=30, truncate_legend=-1,
        truncate_label=-1)
    chart.x_labels = [month for month, _ in points]
    chart.add(caption, [value for _, value in points])
    if target is not None:
        chart.add("Objectif", [round(target * 100, 1)] * len(points), show_dots=False,
                  stroke_style={"dasharray": "6, 4"})
    return _svg(chart)


def bar_chart(caption: str, rows: list[tuple[str, float]]) -> Markup:
    """A horizontal bar chart of ``(label, value)`` rows; empty markup without data."""
    if not rows:
        return Markup("")
    chart = pygal.HorizontalBar(
        js=[], style=STYLE, show_legend=False, disable_xml_declaration=True,
        height=max(160, 28 * len(rows) + 60), width=640, print_values=True,
        explicit_size=False, title=None)
    top_down = rows[::-1]  # pygal draws the first bar at the bottom; the table reads down
    chart.x_labels = [label for label, _ in top_down]
    chart.add(caption, [value for _, value in top_down])
    return _svg(chart)
