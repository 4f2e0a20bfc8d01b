"""Charts drawn on the server as SVG (matplotlib, Agg): the same picture in the page and the PDF,
no JavaScript. The SVG is inlined without inline style (the page's content security policy
allows none): its <style> element is dropped and style attributes become SVG presentation
attributes."""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

_STYLE = re.compile(r"<style[^>]*>.*?</style>", re.DOTALL)
_STYLE_ATTRIBUTE = re.compile(r'style="([^"]*)"')
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
COLOURS = ("#1f5f8b", "#c77c1e")


def _svg(figure: Figure, title: str) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = _PROLOGUE.sub("", _STYLE.sub("", buffer.getvalue()))
    svg = _STYLE_ATTRIBUTE.sub(_presentation_attributes, svg)
    # A title for screen readers.
    return svg.replace(">", f' role="img" aria-label="{_escape(title)}">', 1)


def _presentation_attributes(match: re.Match) -> str:
    """style="fill: #fff; stroke: #000" as fill="#fff" stroke="#000": the page's content
    security policy refuses inline style, while SVG presentation attributes are markup."""
    attributes = []
    for declaration in match.group(1).split(";"):
        name, _colon, value = declaration.partition(":")
        if name.strip() and value.strip():
            attributes.append(f'{name.strip()}="{value.strip()}"')
    return " ".join(attributes)


def _escape(text: str) -> str:
    return (
        str(text)
        .replace("&", "&amp;")
        .replace('"', "&quot;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def _figure(width=7.0, height=2.8) -> Figure:
    import matplotlib as mpl

    mpl.rcParams["svg.fonttype"] = "none"  # text stays text (readable, extractable from the PDF)
    mpl.rcParams["font.size"] = 9
    mpl.rcParams["font.family"] = "DejaVu Sans"
    mpl.rcParams["svg.hashsalt"] = "resettle"  # the same ids each time: the same picture
    return Figure(figsize=(width, height))


def has_values(series: list[tuple[str, list[int]]]) -> bool:
    return any(v for _name, values in series for v in values)


def bar_chart(
    *, title: str, labels: list[str], series: list[tuple[str, list[int]]], horizontal=False
) -> str:
    """Bars for one or two series over the same labels."""
    figure = _figure(height=max(2.8, 0.3 * len(labels)) if horizontal else 2.8)
    axes = figure.subplots()
    count = max(len(series), 1)
    width = 0.8 / count
    positions = list(range(len(labels)))
    for n, (name, values) in enumerate(series):
        offsets = [p + (n - (count - 1) / 2) * width for p in positions]
        if horizontal:
            axes.barh(offsets, values, height=width, label=name, color=COLOURS[n % 2])
        else:
            axes.bar(offsets, values, width=width, label=name, color=COLOURS[n % 2])
    # Counts are whole numbers, and nothing counted is an axis from 0 to 1, not -0.04 to 0.04.
    value_axis = axes.xaxis if horizontal else axes.yaxis
    value_axis.set_major_locator(MaxNLocator(integer=True))
    if not has_values(series):
        (axes.set_xlim if horizontal else axes.set_ylim)(0, 1)
    if horizontal:
        axes.set_yticks(positions, labels)
        axes.invert_yaxis()
    else:
        axes.set_xticks(positions, labels)
    axes.spines[["top", "right"]].set_visible(False)
    if len(series) > 1:
        axes.legend(frameon=False)
    axes.set_title(title, loc="left")
    return _svg(figure, title)
