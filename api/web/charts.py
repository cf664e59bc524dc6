"""Charts drawn on the server (ADR 0048): bars as SVG geometry computed from a query's rows.

No chart library and no script: a chart is its bars' rectangles, its zero line and its axis
labels, computed here from the answer's amounts and drawn by ``_chart.html`` (autoescaped, every
bar with a ``<title>`` for screen readers and hover). The amounts stay the query's decimals; only
the pixels are rounded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 8, 8, 30, 28  # room for the axis labels
PIXEL = Decimal("0.1")


@dataclass(frozen=True)
class Bar:
    x: Decimal
    y: Decimal
    width: Decimal
    height: Decimal
    value: Decimal
    series: str  # the series' name: its class in keel.css and the first words of its title
    label: str  # the x axis label of its group
    negative: bool


@dataclass(frozen=True)
class Tick:
    x: Decimal
    label: str


@dataclass(frozen=True)
class Chart:
    """What ``_chart.html`` draws: the bars, the zero line, the labels, the range of the values."""

    label: str  # the chart's aria-label
    currency: str
    series: tuple[str, ...]
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    zero: Decimal  # the y of the zero line
    top: Decimal  # the largest value shown (at least 0)
    bottom: Decimal  # the smallest value shown (at most 0)
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def empty(self) -> bool:
        return not self.bars


def bars(label: str, currency: str, series: Sequence[str], groups: Sequence[tuple[str, Sequence[Decimal]]]) -> Chart:
    """Grouped bars: one group per x label, one bar per series in each (``groups``' values are in
    the order of ``series``); positive bars rise from the zero line, negative ones hang below it."""
    values = [v for _, row in groups for v in row]
    top = max([Decimal(0), *values])
    bottom = min([Decimal(0), *values])
    span = (top - bottom) or Decimal(1)
    plot = Decimal(HEIGHT - TOP - BOTTOM)
    zero = _px(TOP + plot * top / span)
    slot = Decimal(WIDTH - LEFT - RIGHT) / max(len(groups), 1)
    width = slot * Decimal("0.8") / max(len(series), 1)
    drawn: list[Bar] = []
    ticks: list[Tick] = []
    for g, (name, row) in enumerate(groups):
        start = LEFT + slot * g + slot * Decimal("0.1")
        ticks.append(Tick(_px(LEFT + slot * g + slot / 2), name))
        for s, value in enumerate(row):
            height = _px(plot * abs(value) / span)
            y = zero if value < 0 else _px(zero - height)
            drawn.append(Bar(_px(start + width * s), y, _px(width), height, value, series[s], name, value < 0))
    return Chart(label, currency, tuple(series), tuple(drawn), tuple(ticks), zero, top, bottom)


def _px(value: Decimal | int) -> Decimal:
    return Decimal(value).quantize(PIXEL, rounding=ROUND_HALF_EVEN)
