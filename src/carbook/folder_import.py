"""Import a whole folder of source documents: a therapy for each (:func:`carbook.scaffold.new_therapy`), an
:class:`Outcome` for each, and :func:`summary_table` to set them out for the terminal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Literal

import yaml

from carbook.data.paths import CHAPTER_DIR, THERAPY_DIR
from carbook.data.records import ParsedRecord, detect_format
from carbook.scaffold import (ScaffoldError, new_therapy, read_document, record_name, record_or_refuse, record_trial,
                              refuse_a_repeat, slug)

@dataclass(frozen=True)
class ReviewItem:
    """What an import leaves an editor to judge, and where: the data file, and the line of the fact it
    concerns (else of the item in the file's ``review:`` list)."""

    file: str
    line: int | None
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.text}" if self.line else f"{self.file}: {self.text}"


Status = Literal["imported", "to review", "refused"]


@dataclass(frozen=True)
class Outcome:
    """What importing one document gave: the document, the id of the therapy made from it, ``imported``
    (nothing left to judge), ``to review`` (with the review items and their lines) or ``refused`` (with
    the reason; nothing was written), and how the document was read."""

    file: Path
    therapy_id: str | None
    status: Status
    review: tuple[ReviewItem, ...] = ()
    reason: str = ""
    #: how the document was read, as :func:`new_therapy` reports it (the format, each line skipped and why)
    reports: tuple[str, ...] = ()
    #: the files written: the stored source, the data file, the chapter and ``_toc.yml``
    written: tuple[Path, ...] = ()


def import_folder(root: Path, folder: Path) -> list[Outcome]:
    """Add a therapy to the book at ``root`` for every document of ``folder``, in file-name order; give an
    :class:`Outcome` for each.

    Each ``.txt`` file (hidden files aside) is added as :func:`new_therapy` adds it, under an id made from
    the product name the record gives (``CT-0525`` gives ``ct-0525``; for prose, the file's name), with its
    trial identifier added, or a number, where the id is taken. A document is refused, and nothing of it
    written, when it repeats a therapy already in the book or imported before it from the folder (the same
    trial identifier and the same name; the reason names both files), when it is not UTF-8 text, or for any
    reason :func:`new_therapy` refuses it; the other documents are imported all the same. ``summary_table``
    sets the outcomes out for the terminal. Raises :class:`ScaffoldError` when ``folder`` is not a folder."""
    if not folder.is_dir():
        raise ScaffoldError(f"{folder} is not a folder")
    outcomes = []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        outcomes.append(_import_one(root, path))
    return outcomes


def _import_one(root: Path, path: Path) -> Outcome:
    """Give the outcome of adding the document ``path`` to the book."""
    if path.suffix.lower() != ".txt":
        return Outcome(path, None, "refused", reason="not a .txt document: a folder import reads UTF-8 text files (.txt)")
    try:
        text = read_document(path)
        record = record_or_refuse(path, text, detect_format(text))
        if record is not None:
            refuse_a_repeat(root, path, record)
        therapy_id = therapy_id_for(root, path, record)
        reports: list[str] = []
        written = new_therapy(root, therapy_id, path, reports)
    except ScaffoldError as error:
        return Outcome(path, None, "refused", reason=str(error))
    items = tuple(_review_items(root, therapy_id, record is None))
    return Outcome(path, therapy_id, "to review" if items else "imported", items, reports=tuple(reports), written=tuple(written))


def therapy_id_for(root: Path, path: Path, record: ParsedRecord | None) -> str:
    """Give a free id for the therapy of document ``path``: its product's name as a slug (``CT-0525`` gives
    ``ct-0525``; for prose or a record without a name, the file's name), with the record's trial identifier
    added, then a number, where a data file or chapter already has it."""
    base = (slug(record_name(record)) if record is not None else "") or slug(path.stem) or "therapy"
    trial = slug(record_trial(record)) if record is not None else ""
    candidates = [base, *([f"{base}-{trial}"] if trial else []), *(f"{base}-{n}" for n in range(2, 1000))]
    return next(c for c in candidates
                if not (root / THERAPY_DIR / f"{c}.yaml").exists() and not (root / CHAPTER_DIR / f"{c}.md").exists())


def _review_items(root: Path, therapy_id: str, prose: bool) -> list[ReviewItem]:
    """Give the review items of a therapy's data file, each at the line of the fact it names, else of the item."""
    name = f"{THERAPY_DIR.as_posix()}/{therapy_id}.yaml"
    text = (root / name).read_text(encoding="utf-8")
    if prose:
        return [ReviewItem(name, None, "the data file is a skeleton: fill in every fact from the source "
                                       "(`python -m carbook check` lists each one still empty, with its line)")]
    lines = key_lines(text)
    data = yaml.safe_load(text) or {}
    items = []
    for index, item in enumerate(data.get("review") or []):
        path = re.match(r"([a-z_]+(?:\.[a-z_]+|\[\d+\])*):", str(item))
        loc = _loc(path.group(1)) if path else ()
        items.append(ReviewItem(name, lines.get(loc) or lines.get(("review", index)), str(item)))
    return items


def _loc(dotted: str) -> tuple[str | int, ...]:
    return tuple(int(part) if part.isdigit() else part for part in re.findall(r"[a-z_]+|\d+", dotted))


def key_lines(text: str) -> dict[tuple[str | int, ...], int]:
    """Give the line of each key and list item of a YAML document, by its path (``("regimen", "order")``,
    ``("review", 0)``)."""
    found: dict[tuple[str | int, ...], int] = {}

    def walk(node: yaml.Node | None, loc: tuple[str | int, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                found[(*loc, key.value)] = key.start_mark.line + 1
                walk(value, (*loc, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                found[(*loc, index)] = item.start_mark.line + 1
                walk(item, (*loc, index))

    walk(yaml.compose(text, Loader=yaml.SafeLoader), ())
    return found


def summary_table(outcomes: Iterable[Outcome]) -> str:
    """Give one plain-text table of a folder import for the terminal: a row per document with the therapy id
    and its status, then what is left (each review item with its file and line; for a refused document, the
    reason), and a closing line counting what was imported, left to review and refused."""
    outcomes = list(outcomes)
    rows = [("document", "therapy", "status", "what is left")]
    for outcome in outcomes:
        left = ([outcome.reason] if outcome.status == "refused" else [str(item) for item in outcome.review]) or ["nothing"]
        rows.append((outcome.file.name, outcome.therapy_id or "—", outcome.status, left[0]))
        rows += [("", "", "", more) for more in left[1:]]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    lines = ["  ".join([*(cell.ljust(width) for cell, width in zip(row[:3], widths)), row[3]]).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in [*widths, len(rows[0][3])]))
    count = {status: sum(1 for o in outcomes if o.status == status) for status in ("imported", "to review", "refused")}
    items = sum(len(o.review) for o in outcomes)
    lines.append(f"{len(outcomes)} document{'s' * (len(outcomes) != 1)}: {count['imported']} imported, "
                 f"{count['to review']} left to review ({items} item{'s' * (items != 1)}), {count['refused']} refused")
    return "\n".join(lines)
