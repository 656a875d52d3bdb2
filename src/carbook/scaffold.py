"""Add a therapy to the book: copy its source, write a data skeleton and a chapter, list it in _toc.yml."""

from __future__ import annotations

import re
import shutil
from importlib.resources import files
from pathlib import Path
from string import Template

from carbook.data.load import CHAPTER_DIR, SOURCE_DIR, THERAPY_DIR
from carbook.data.importer import import_record, to_yaml
from carbook.data.records import detect_format
from carbook.data.sources import SourceDocument, read_source

_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


class ScaffoldError(Exception):
    """The therapy cannot be added as asked; the message says why and what to do."""


def template(name: str) -> Template:
    """Give one of the package's templates (``chapter.md``, ``therapy.yaml``)."""
    return Template(files("carbook").joinpath("templates", name).read_text(encoding="utf-8"))


def chapter_text(therapy_id: str) -> str:
    """Give the chapter page of a therapy, from the one chapter template every chapter shares."""
    return template("chapter.md").substitute(therapy_id=therapy_id)


def new_therapy(root: Path, therapy_id: str, source: Path, reports: list[str] | None = None) -> list[Path]:
    """Add therapy ``therapy_id`` built from the document ``source``; give the files written or changed.

    A field/value record (debris lines before or after it aside, which are reported and never edited) is
    imported into a complete data file; prose gets a skeleton. ``reports`` receives what was chosen and why."""
    reports = [] if reports is None else reports
    if not _ID.fullmatch(therapy_id):
        raise ScaffoldError(f"{therapy_id!r} is not a valid id: use lower-case letters, digits and single hyphens")
    data_file = root / THERAPY_DIR / f"{therapy_id}.yaml"
    chapter = root / CHAPTER_DIR / f"{therapy_id}.md"
    for path in (data_file, chapter):
        if path.exists():
            raise ScaffoldError(f"{path.relative_to(root)} already exists: choose another id or edit that file")
    text = _read_source(source)
    copy = root / SOURCE_DIR / source.name
    if copy.exists() and copy.read_bytes() != source.read_bytes():
        raise ScaffoldError(f"{copy.relative_to(root)} exists with other content: rename the new source document")
    toc = root / "_toc.yml"
    new_toc = _add_to_toc(toc.read_text(encoding="utf-8"), therapy_id)

    guess = detect_format(text)
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, copy)
    data_file.parent.mkdir(parents=True, exist_ok=True)
    if guess.format == "record":
        imported = import_record(therapy_id, read_source(copy, "record"))
        data_file.write_text(to_yaml(therapy_id, imported), encoding="utf-8")
    else:
        skeleton = template("therapy.yaml").substitute(therapy_id=therapy_id, source_name=source.name, source_format="text")
        data_file.write_text(with_hints(skeleton, read_source(copy, "text")), encoding="utf-8")
    reports.append(f"{source.name}: read as {guess.reason}" if guess.format == "record" else
                   f"{source.name}: read as prose ({guess.reason}); the data file is a skeleton to fill in")
    chapter.parent.mkdir(parents=True, exist_ok=True)
    chapter.write_text(chapter_text(therapy_id), encoding="utf-8")
    toc.write_text(new_toc, encoding="utf-8")
    return [copy, data_file, chapter, toc]


#: Words that mark the passages a skeleton's field hint names, by the field's key in the skeleton.
HINT_WORDS: dict[str, tuple[str, ...]] = {
    "name": ("CAR", "cells"), "study": ("study",), "title": ("study of", "Phase"),
    "modality": ("CAR T", "CAR NK", "CAR-", "chimeric antigen receptor"),
    "cell_type": ("T cell", "NK cell", "monocyte", "macrophage"), "cell_source": ("autologous", "allogeneic", "donor"),
    "target_antigen": ("specific for", "target", "anti-"), "car_components": ("domain", "contains", "costimulat"),
    "nct_id": ("NCT",), "phase": ("Phase",), "status": ("recruit", "status", "completed"),
    "effector": ("kill", "phagocyt", "cytotox", "lysis"), "becomes": ("differentiat", "become"), "conditioning": ("lymphodeplet", "conditioning", "chemotherapy"),
    "cell_infusion": ("infusion", "infuse"), "combination": ("in combination", "inhibitor"),
    "order": ("after", "before", "then"), "dose": ("dose", "cells/kg", "billion", "million", "mg"),
    "route": ("intravenous", "IV ", "infusion"), "condition": ("patients with", "disease", "cancer"),
    "ages": ("age", "years"), "criteria": ("eligib", "inclusion", "exclusion"), "code": ("NCI Thesaurus", "concept"),
}


def with_hints(skeleton: str, source: SourceDocument, per_field: int = 2) -> str:
    """Give the skeleton with, above each field, the passages of the source that mention it (or a note that
    none does, where a gap is likely)."""
    from carbook.data.framing import sentences

    passages = [source.shown(s.start, s.end) for s in sentences(source)]
    lines = []
    for line in skeleton.splitlines():
        key = line.strip().split(":", 1)[0]
        words = HINT_WORDS.get(key) if ":" in line and not line.lstrip().startswith(("#", "-")) else None
        if words:
            found = [p for p in passages if any(w.lower() in p.lower() for w in words)][:per_field]
            indent = line[: len(line) - len(line.lstrip())]
            shown = "; ".join(f"“{p[:110]}{'…' if len(p) > 110 else ''}”" for p in found)
            lines.append(f"{indent}# {'passages that mention it: ' + shown if found else 'no passage mentions it: likely not_stated'}")
        lines.append(line)
    return "\n".join(lines) + "\n"


def _read_source(source: Path) -> str:
    if not source.is_file():
        raise ScaffoldError(f"source document {source} does not exist")
    try:
        return source.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise ScaffoldError(f"source document {source} is not UTF-8 (byte {error.start}): convert it first") from None


def _add_to_toc(toc: str, therapy_id: str) -> str:
    entries = list(re.finditer(rf"^(\s*)- file: {re.escape(CHAPTER_DIR.as_posix())}/\S+\s*$", toc, re.MULTILINE))
    if not entries:
        raise ScaffoldError(f"_toc.yml lists no chapter under {CHAPTER_DIR.as_posix()}/: add the first one by hand")
    last = entries[-1]
    line = f"\n{last.group(1).lstrip(chr(10))}- file: {CHAPTER_DIR.as_posix()}/{therapy_id}"
    return toc[: last.end()] + line + toc[last.end():]
