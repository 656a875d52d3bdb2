"""Add a therapy to the book: copy its source, write its data file and chapter, list it in _toc.yml.

:func:`new_therapy` adds one therapy from one document; :mod:`carbook.folder_import` adds one for every
document of a folder.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import Any

import yaml

from carbook.data.importer import import_record, to_yaml
from carbook.data.paths import CHAPTER_DIR, SOURCE_DIR, THERAPY_DIR
from carbook.data.records import (FormatGuess, ParsedRecord, RecordFormatError, detect_format, is_placeholder, known_field_lines,
                                  read_record, record_notes)
from carbook.data.sources import SourceDocument, normalise, read_source

_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_PLAIN_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")


class ScaffoldError(Exception):
    """The therapy cannot be added as asked; the message says why and what to do."""


def template(name: str) -> Template:
    """Give one of the package's templates (``chapter.md``, ``therapy.yaml``)."""
    return Template(files("carbook").joinpath("templates", name).read_text(encoding="utf-8"))


def chapter_text(therapy_id: str) -> str:
    """Give the chapter page of a therapy, from the one chapter template every chapter shares."""
    return template("chapter.md").substitute(therapy_id=therapy_id)


def slug(text: str) -> str:
    """Give ``text`` as an id: lower-case ASCII letters and digits joined by single hyphens (``CT-0525`` gives
    ``ct-0525``, ``CAR T‑cell therapy`` gives ``car-t-cell-therapy``); empty when it has no letter or digit."""
    ascii_text = unicodedata.normalize("NFKD", normalise(text)).encode("ascii", "ignore").decode("ascii")
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))


def new_therapy(root: Path, therapy_id: str, source: Path, reports: list[str] | None = None,
                name: str | None = None) -> list[Path]:
    """Add therapy ``therapy_id`` built from the document ``source``; give the files written or changed (the
    stored source, the data file, the chapter and ``_toc.yml``).

    A field/value record, whatever its shape (debris lines, a byte-order mark, CR LF line ends, empty,
    repeated or unknown fields), is imported into a complete data file; prose gets a skeleton. The source
    is stored in ``data/sources/`` byte for byte, under ``name`` if given, else for a record under a name
    made from its drug name and the kind of document (``<drug-name>-drug-record.txt``), for prose under
    the document's own file name. ``reports`` receives how the document was read: the format and why,
    each line skipped with its number and the reason, and the name it is stored under.

    Raises :class:`ScaffoldError`, having written nothing, when the id is taken or not valid, the document
    is not UTF-8, it reads like a record but cannot be read as one (line and reason), it repeats a therapy
    already in the book (same trial and same name; the message names both files), or ``name`` is taken
    by another document."""
    reports = [] if reports is None else reports
    data_file, chapter = _free_files(root, therapy_id)
    text = read_document(source)
    guess = detect_format(text)
    record = record_or_refuse(source, text, guess)
    if record is not None:
        refuse_a_repeat(root, source, record)
    copy = _copy_of(root, source, record, name)
    toc = root / "_toc.yml"
    new_toc = _add_to_toc(toc.read_text(encoding="utf-8"), therapy_id)

    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, copy)
    _write_data(data_file, therapy_id, copy, record)
    reports += _how_read(source, guess, record)
    reports.append(f"  stored as {copy.relative_to(root).as_posix()}{_named_from(record, name)}")
    chapter.parent.mkdir(parents=True, exist_ok=True)
    chapter.write_text(chapter_text(therapy_id), encoding="utf-8")
    toc.write_text(new_toc, encoding="utf-8")
    return [copy, data_file, chapter, toc]


def _free_files(root: Path, therapy_id: str) -> tuple[Path, Path]:
    """Give the data file and the chapter of a new therapy; refuse an id that is not valid or already taken."""
    if not _ID.fullmatch(therapy_id):
        raise ScaffoldError(f"{therapy_id!r} is not a valid id: use lower-case letters, digits and single hyphens")
    data_file = root / THERAPY_DIR / f"{therapy_id}.yaml"
    chapter = root / CHAPTER_DIR / f"{therapy_id}.md"
    for path in (data_file, chapter):
        if path.exists():
            raise ScaffoldError(f"{path.relative_to(root)} already exists: choose another id or edit that file")
    return data_file, chapter


def _copy_of(root: Path, source: Path, record: ParsedRecord | None, name: str | None) -> Path:
    """Give where the source is stored in ``data/sources/``; refuse a name that is not plain, or that another
    document already has."""
    copy = root / SOURCE_DIR / (name or stored_name(root, source, record))
    if not _PLAIN_FILE_NAME.fullmatch(copy.name):
        raise ScaffoldError(f"{copy.name!r} is not a plain file name: use letters, digits, '.', '_' and '-'")
    if copy.exists() and copy.read_bytes() != source.read_bytes():
        raise ScaffoldError(f"{copy.relative_to(root)} exists with other content: give the new source document another name")
    return copy


def _write_data(data_file: Path, therapy_id: str, copy: Path, record: ParsedRecord | None) -> None:
    """Write the data file of a therapy from its stored source: a record imported whole, prose as a skeleton."""
    data_file.parent.mkdir(parents=True, exist_ok=True)
    if record is not None:
        data_file.write_text(to_yaml(therapy_id, import_record(therapy_id, read_source(copy, "record"))), encoding="utf-8")
    else:
        skeleton = template("therapy.yaml").substitute(therapy_id=therapy_id, source_name=copy.name, source_format="text")
        data_file.write_text(with_hints(skeleton, read_source(copy, "text")), encoding="utf-8")


def _how_read(source: Path, guess: FormatGuess, record: ParsedRecord | None) -> list[str]:
    """Give the report of how a document was read: its format and why, then (for a record) each line skipped
    and each field set aside, with its line and the reason."""
    if record is None:
        return [f"{source.name}: read as prose ({guess.reason}); the data file is a skeleton to fill in"]
    return [f"{source.name}: read as {guess.reason}", *(f"  {note}" for note in record_notes(record))]


def record_or_refuse(source: Path, text: str, guess: FormatGuess) -> ParsedRecord | None:
    """Give the parsed record of a document read as a record; None for prose. A document that reads like a
    record (several lines are field names) but cannot be read as one is refused, never imported as prose."""
    if guess.format == "record":
        return read_record(text)
    names = known_field_lines(text)
    if names < 2:
        return None
    try:
        return read_record(text)
    except RecordFormatError as error:
        problem = str(error)
    raise ScaffoldError(f"{source.name} reads like a field/value record ({names} lines are field names of a drug record) "
                        f"but cannot be read as one: {problem} — it is not imported as prose, which would leave its "
                        "fields unread; get a clean copy of the record, or ask for the parser to read this shape")


# --- names -----------------------------------------------------------------------------------------


def record_name(record: ParsedRecord) -> str:
    """Give what a record calls its product: its drug name, else its preferred term; empty when it gives neither."""
    fields = record.fields
    return next((fields[n] for n in ("drug_name", "nci_thesaurus_preferred_term") if not is_placeholder(fields.get(n, ""))), "")


def source_title(path: Path) -> str:
    """Give the title of a source document as the book names it: for a record, the product it names (its drug
    name, else its preferred term); for prose, or a record that names no product, the file's name without its
    suffix."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return path.stem
    record = read_record(text) if detect_format(text).format == "record" else None
    return (record_name(record) if record is not None else "") or path.stem


def record_trial(record: ParsedRecord) -> str:
    """Give the trial identifier a record gives (``nct_id_drug_ref``); empty when it gives none."""
    value = record.fields.get("nct_id_drug_ref", "")
    return "" if is_placeholder(value) else value.strip()


def _kind(record: ParsedRecord) -> str:
    return "drug-record" if any(name.startswith("drug_") for name in record.fields) else "record"


def stored_name(root: Path, source: Path, record: ParsedRecord | None) -> str:
    """Give the file name a source is stored under in ``data/sources/``: for a record, its product's name and
    the kind of document (``ct-0525-drug-record.txt``), with its trial added (then a number) where another
    document has that name; for prose, the document's own file name (made plain if it is not)."""
    if record is None and _PLAIN_FILE_NAME.fullmatch(source.name):
        return source.name
    suffix = source.suffix.lower() or ".txt"
    stem = (slug(record_name(record)) if record is not None else "") or slug(source.stem) or "source"
    kind = f"-{_kind(record)}" if record is not None else ""
    trial = slug(record_trial(record)) if record is not None else ""
    candidates = [f"{stem}{kind}{suffix}", *([f"{stem}-{trial}{kind}{suffix}"] if trial else []),
                  *(f"{stem}-{n}{kind}{suffix}" for n in range(2, 1000))]
    content, folder = source.read_bytes(), root / SOURCE_DIR
    return next(c for c in candidates if not (folder / c).exists() or (folder / c).read_bytes() == content)


def _named_from(record: ParsedRecord | None, name: str | None) -> str:
    """Give, for the report, what the stored file is named from."""
    if name or record is None:
        return ""
    product = record_name(record)
    return f" (named from the record's product, “{product}”)" if product else " (the record names no product)"


# --- the therapies already in the book ------------------------------------------------------------


@dataclass(frozen=True)
class BookTherapy:
    """A therapy of the book as a repeated record is told from it: its product name and trial identifier, and
    its data file and source (paths from the book's root)."""

    therapy_id: str
    name: str
    trial: str
    data_file: str
    source: str


def _key(text: str) -> str:
    return normalise(text).casefold()


def book_therapies(root: Path) -> list[BookTherapy]:
    """Give each therapy of the book with its product name and trial identifier, as its data file gives them
    (values taken from record fields are read from its source); a data file that cannot be read is left out."""
    found = []
    for path in sorted((root / THERAPY_DIR).glob("*.yaml")):
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if not isinstance(data, dict):
            continue
        source = str(data.get("source") or "")
        fields = _fields_of(root / SOURCE_DIR / source) if data.get("source_format") == "record" and source else {}
        trial = data.get("trial") if isinstance(data.get("trial"), dict) else {}
        found.append(BookTherapy(path.stem, _value(data.get("name"), fields), _value(trial.get("nct_id"), fields),
                                  f"{THERAPY_DIR.as_posix()}/{path.name}", f"{SOURCE_DIR.as_posix()}/{source}"))
    return found


def _fields_of(path: Path) -> dict[str, str]:
    try:
        return read_record(path.read_bytes().decode("utf-8")).fields
    except (OSError, UnicodeDecodeError, ValueError):
        return {}


def _value(fact: Any, fields: dict[str, str]) -> str:
    if not isinstance(fact, dict):
        return ""
    if "record_field" in fact:
        return fields.get(str(fact["record_field"]), "")
    return str(fact.get("value") or "")


def repeated_therapy(root: Path, record: ParsedRecord) -> BookTherapy | None:
    """Give the therapy of the book that ``record`` repeats: the same trial identifier and the same product name
    (a name shared by different trials is a different therapy); None when it repeats none."""
    name, trial = _key(record_name(record)), _key(record_trial(record))
    if not (name and trial):
        return None
    return next((t for t in book_therapies(root) if _key(t.name) == name and _key(t.trial) == trial), None)


def refuse_a_repeat(root: Path, source: Path, record: ParsedRecord) -> None:
    found = repeated_therapy(root, record)
    if found is not None:
        raise ScaffoldError(f"{source} repeats therapy {found.therapy_id}, already in the book from {found.source} "
                            f"({found.data_file}): the same trial {record_trial(record)} and the same name "
                            f"“{record_name(record)}”; not imported — edit {found.data_file} if the new record is a newer version")


# --- prose skeletons ---------------------------------------------------------------------------------


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


def read_document(source: Path) -> str:
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
