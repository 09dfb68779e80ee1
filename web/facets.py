"""The search page's filters: each facet's values with counts and links, and what is set.

Facet values come from the search (counts for the current query); a selected value is
shown with an × link that removes it, and the empty-result page offers the same links.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from indexer import CATEGORIES, SearchResults

from .state import SearchState, url_with

SHOWN_VALUES = 10  # the rest of a facet folds away under “其余 N 项” (years are all shown)
LISTED_VALUES = (
    100  # a longer facet (a thousand towns) lists the largest; a name box finds the rest
)


@dataclass
class FacetValue:
    label: str
    count: int
    url: str
    selected: bool


@dataclass
class Chosen:
    """A filter that is set, and the link that drops it."""

    label: str
    value: str
    remove_url: str


@dataclass
class FacetGroup:
    name: str
    label: str
    values: list[FacetValue] = field(default_factory=list)
    chosen: Chosen | None = None
    total: int = 0  # values the search found; only the first LISTED_VALUES get links

    @property
    def shown(self) -> list[FacetValue]:
        return self.values if self.name == "year" else self.values[:SHOWN_VALUES]

    @property
    def folded(self) -> list[FacetValue]:
        return [] if self.name == "year" else self.values[SHOWN_VALUES:LISTED_VALUES]

    @property
    def unlisted(self) -> int:
        return self.total - len(self.values)


LABELS = {"town": "镇/街道", "county": "县/区", "year": "年份", "category": "章节"}


def section_label(value: str) -> str:
    return CATEGORIES.get(value, value)


def year_span_label(state: SearchState) -> str | None:
    if state.year_from is None and state.year_to is None:
        return None
    if state.year_from == state.year_to:
        return str(state.year_from)
    return f"{state.year_from or '…'}–{state.year_to or '…'}"


def chosen_filters(state: SearchState) -> list[Chosen]:
    """Every filter that is set, in the page's order, each with its × link."""
    chosen = []
    if state.town:
        chosen.append(Chosen(LABELS["town"], state.town, url_with(town=None)))
    if state.county:
        chosen.append(Chosen(LABELS["county"], state.county, url_with(county=None)))
    if (span := year_span_label(state)) is not None:
        chosen.append(Chosen(LABELS["year"], span, url_with(year_from=None, year_to=None)))
    if state.section:
        chosen.append(
            Chosen(LABELS["category"], section_label(state.section), url_with(section=None))
        )
    return chosen


def facet_groups(results: SearchResults, state: SearchState) -> list[FacetGroup]:
    chosen = {c.label: c for c in chosen_filters(state)}
    groups = []
    for name in ("town", "county", "year", "category"):
        group = FacetGroup(name, LABELS[name], chosen=chosen.get(LABELS[name]))
        values = results.facets.get(name, [])
        if name == "year":
            values = sorted(values, key=lambda v: v.value, reverse=True)
        group.values = [_value(name, v.value, v.count, state) for v in values[:LISTED_VALUES]]
        group.total = len(values)
        groups.append(group)
    return groups


def _value(name: str, value: str, count: int, state: SearchState) -> FacetValue:
    if name == "year":
        year = int(value)
        selected = state.year_from == year and state.year_to == year
        return FacetValue(value, count, url_with(year_from=year, year_to=year), selected)
    if name == "category":
        selected = state.section == value
        return FacetValue(section_label(value), count, url_with(section=value), selected)
    return FacetValue(value, count, url_with(**{name: value}), getattr(state, name) == value)
