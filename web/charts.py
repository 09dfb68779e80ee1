"""Bar charts as plain geometry, which a template draws as inline SVG.

Server-drawn SVG needs no script and no library, prints, and reads at a glance: one
horizontal bar per value, its label on the left, its count at the bar's end, a <title>
tooltip, and a link to the search that the bar stands for.
"""

from __future__ import annotations

from dataclasses import dataclass

ROW = 28  # px per bar, label included
BAR = 20
FONT = 14  # px, as in style.css; a CJK character is about one em wide
BAR_AREA = 300
COUNT_WIDTH = 50


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
    label_width: int
    unit: str = "份"
    bar_height: int = BAR

    @property
    def width(self) -> int:
        return self.label_width + BAR_AREA + COUNT_WIDTH

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
    # Wide enough for the longest label (Latin digits take about half a CJK character).
    longest = max(
        (sum(1 if ord(c) > 0x2E80 else 0.6 for c in label) for label, _, _ in rows), default=2
    )
    return BarChart(title, bars, label_width=round(longest * FONT) + 12)
