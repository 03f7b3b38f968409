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
    svg = INLINE_SCRIPT.sub("", chart.render(is_unicode=True))
    return Markup(svg.replace("<svg ", '<svg role="img" aria-hidden="true" ', 1))
