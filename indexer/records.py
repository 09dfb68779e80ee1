"""The record of one report: metadata with its evidence, the section outline, the passages.

Records are plain data: everything downstream (index, search, pages, JSON) reads them and
nothing reads the file again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

METADATA_FIELDS = ("title", "town", "county", "province", "year")


@dataclass(frozen=True)
class Evidence:
    """Where a metadata value came from: the phrase, its character offset, and how it was read."""

    phrase: str
    start: int
    # "title", "document name", "opening", "body", "addressee", "court", "superiors",
    # "page" and "path" (start -1: not in the text), "override" (a sidecar).
    source: str


@dataclass(frozen=True)
class Section:
    """A heading of the outline; `start`/`end` are character offsets into `Record.text`."""

    heading: str
    level: int
    path: tuple[str, ...]
    categories: tuple[str, ...]
    start: int
    end: int


@dataclass(frozen=True)
class Passage:
    """A paragraph of body text and the section it sits under (-1: before the first heading)."""

    text: str
    start: int
    section: int


@dataclass
class Record:
    file: str
    text: str
    title: str | None = None
    town: str | None = None
    county: str | None = None
    province: str | None = None
    year: int | None = None
    evidence: dict[str, Evidence] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)

    def section_path(self, index: int) -> tuple[str, ...]:
        """The headings above and including section `index`; () for the preamble."""
        if index < 0:
            return ()
        section = self.sections[index]
        return (*section.path, section.heading)

    def section_categories(self, index: int) -> tuple[str, ...]:
        return self.sections[index].categories if index >= 0 else ("other",)

    def to_json(self) -> dict:
        """The record as the JSON object `indexer inspect --json` prints."""
        return {
            "file": self.file,
            **{name: getattr(self, name) for name in METADATA_FIELDS},
            "sections": [
                {
                    "heading": s.heading,
                    "level": s.level,
                    "path": list(s.path),
                    "categories": list(s.categories),
                    "start": s.start,
                    "end": s.end,
                }
                for s in self.sections
            ],
            "passages": [
                {"text": p.text, "start": p.start, "section": p.section} for p in self.passages
            ],
            "evidence": {name: asdict(ev) for name, ev in self.evidence.items()},
            "encoding": self.encoding,
            "warnings": self.warnings,
        }

    @classmethod
    def from_json(cls, data: dict) -> Record:
        """The record `to_json` wrote, as the index stores it."""
        passages = [Passage(p["text"], p["start"], p["section"]) for p in data["passages"]]
        return cls(
            file=data["file"],
            text="\n".join(p.text for p in passages),
            **{name: data[name] for name in METADATA_FIELDS},
            evidence={name: Evidence(**ev) for name, ev in data["evidence"].items()},
            sections=[
                Section(
                    s["heading"],
                    s["level"],
                    tuple(s["path"]),
                    tuple(s["categories"]),
                    s["start"],
                    s["end"],
                )
                for s in data["sections"]
            ],
            passages=passages,
            encoding=data["encoding"],
            warnings=data["warnings"],
        )
