"""Bar charts as plain geometry, which a template draws as inline SVG.

Server-drawn SVG needs no script and no library, prints, and reads at a glance: one
horizontal bar per value, its label on the left, its count at the bar's end, a <title>
tooltip, and a link to the search that the bar stands for.
"""

from __future__ import annotations

from dataclasses import dataclass

ROW = 26  # px per bar, label included
BAR = 18
LABEL_WIDTH = 150
BAR_AREA = 420
COUNT_WIDTH = 60


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    href: str | None
    y: int
    width: float


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    unit: str = "份"
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR

    @property
    def width(self) -> int:
        return LABEL_WIDTH + BAR_AREA + COUNT_WIDTH

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * ROW

    def text_y(self, bar: Bar) -> float:
        return bar.y + BAR / 2


def bar_chart(title: str, rows: list[tuple[str, int, str | None]]) -> BarChart:
    """One bar per (label, value, link); bar lengths in proportion to the largest value."""
    largest = max((value for _, value, _ in rows), default=0) or 1
    bars = [
        Bar(
            label,
            value,
            href,
            y=i * ROW + (ROW - BAR) // 2,
            width=round(BAR_AREA * value / largest, 1),
        )
        for i, (label, value, href) in enumerate(rows)
    ]
    return BarChart(title, bars)
