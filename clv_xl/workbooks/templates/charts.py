"""The templates' charts: one way to add a chart and its series, one look (colours, gridlines)."""

from __future__ import annotations

from typing import Any

from xlsxwriter.worksheet import Worksheet

BLUE, ORANGE, GREEN, GREY, RED = "#2F5597", "#C55A11", "#548235", "#7F7F7F", "#C00000"
GRIDLINES = {"visible": True, "line": {"color": "#D9D9D9"}}


def line(name: str, x: str, y: str, color: str, dash: str = "solid", width: float = 2) -> dict:
    """A line without markers."""
    style = {"color": color, "dash_type": dash, "width": width}
    return {"name": name, "categories": x, "values": y, "line": style, "marker": {"type": "none"}}


def dots(name: str, x: str, y: str, color: str) -> dict:
    """Points without a line (what happened, against a projected line)."""
    fill = {"color": color}
    marker = {"type": "circle", "size": 6, "fill": fill, "border": fill}
    return {"name": name, "categories": x, "values": y, "line": {"none": True}, "marker": marker}


def bars(name: str, x: str, y: str, color: str, **extra: Any) -> dict:
    """Filled bars or columns."""
    return {"name": name, "categories": x, "values": y, "fill": {"color": color}, **extra}


def add_chart(
    book: Any,
    ws: Worksheet,
    anchor: str,
    kind: str,
    series: list[dict],
    title: str | dict,
    size: tuple[int, int],
    *,
    x_axis: dict | None = None,
    y_axis: dict | None = None,
    legend: bool = True,
) -> Any:
    """A chart of ``kind`` ("bar", "line", "scatter" for straight lines) placed at ``anchor``."""
    options = {"type": "scatter", "subtype": "straight"} if kind == "scatter" else {"type": kind}
    chart = book.add_chart(options)
    for each in series:
        chart.add_series(each)
    chart.set_title(title if isinstance(title, dict) else {"name": title})
    if x_axis is not None:
        chart.set_x_axis(x_axis)
    if y_axis is not None:
        chart.set_y_axis(y_axis)
    chart.set_legend({"position": "bottom"} if legend else {"none": True})
    chart.set_size({"width": size[0], "height": size[1]})
    ws.insert_chart(anchor, chart)
    return chart
