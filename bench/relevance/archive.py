"""The evaluation archive: real report openings, the samples and a generated corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.corpus import generate_corpus
from indexer import ArchiveIndex

from .judged import Passage

REPO = Path(__file__).resolve().parents[2]
GENERATED, SEED = 300, 12
SOURCES = ("real", "samples", "generated")  # the archive's top folders


def build_archive(workdir: Path, real: Path, samples: Path = REPO / "archive") -> Path:
    """The evaluation archive, made anew under `workdir`: real/, samples/, generated/."""
    archive = workdir / "archive"
    shutil.rmtree(archive, ignore_errors=True)
    for source, folder in ((real, "real"), (samples, "samples")):
        (archive / folder).mkdir(parents=True)
        for path in sorted(source.glob("*.txt")):
            shutil.copy(path, archive / folder / path.name)
    generate_corpus(archive / "generated", n=GENERATED, seed=SEED)
    return archive


def check_against_index(passages: list[Passage], archive_index: ArchiveIndex) -> None:
    """The judged passages are the indexed ones, at the same (file, position): a result's
    PassageHit.position counts within its report, while the text index numbers passages
    across reports (report_passage_start), so a slip here would grade the wrong passage."""
    with archive_index.snapshot() as snapshot:
        text = snapshot.text
        starts = text.report_passage_start.tolist()
        indexed = {
            (file, position): text.passage_text(starts[report] + position)
            for report, file in enumerate(text.files)
            for position in range(starts[report + 1] - starts[report])
        }
    judged = {(p.file, p.position): p.text for p in passages}
    if indexed != judged:
        differ = sorted(set(indexed.items()) ^ set(judged.items()))[:3]
        raise SystemExit(f"the index and the judged passages differ, e.g. {differ}")
