"""Load the book's data: read each therapy file, validate it, and check every quote against its source.

Every problem is collected, located (file, line, field path) and reported at once, so an editor fixes
a file in one pass. :func:`load_library` is what the chapters call; :func:`check` is what the
``carbook check`` command and the build run first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from pydantic import ValidationError

from carbook.data import editorial
from carbook.data.messages import from_pydantic, located, one_per_empty_fact
from carbook.data.models import Glossary, GlossaryEntry, SourcePassage, Therapy
from carbook.data.facts import SOURCE_UNAVAILABLE, value_in_quote
from carbook.data.paths import GLOSSARY, SOURCE_DIR, THERAPY_DIR
from carbook.data.problems import DataProblems, Loc, Problem, display_path
from carbook.data.provenance import (
    CHANGES_DIR,
    Change,
    ChangeLog,
    Provenance,
    check_bytes,
    provenance_file,
)
from carbook.data.quotes import (
    as_changed,
    check_against_source,
    check_framing,
    check_steps,
    coverage_problems,
    not_found,
)
from carbook.data.sources import SourceDocument, read_source
from carbook.data.toc import check_chapters, project_root, therapy_files
from carbook.data.yamlfile import dotted, field_lines, nearest_line, read_yaml


@dataclass
class Library:
    """All therapies of the book, validated, with the source documents they quote."""

    root: Path
    therapies: dict[str, Therapy] = field(default_factory=dict)
    sources: dict[str, SourceDocument] = field(default_factory=dict)
    glossary: Glossary | None = None
    provenance: dict[str, Provenance] = field(default_factory=dict)  # by source file name (data/provenance/)
    changes: dict[str, list[Change]] = field(default_factory=dict)  # each therapy's change log, by id
    _by_source: tuple[int, dict[str, list[Therapy]]] | None = field(default=None, init=False, repr=False, compare=False)

    def source_title(self, name: str) -> str:
        """Give a source document's title: as its provenance gives it, else, for a record, the product it names
        (typed once, in the record), else its file name."""
        known, document = self.provenance.get(name), self.sources.get(name)
        record = document.record if document is not None and document.format == "record" else {}
        return (known.title if known is not None and known.title else None) or record.get("drug_name") or name

    def provenance_of(self, therapy: Therapy) -> Provenance | None:
        """Give where ``therapy``'s source comes from and which version the book holds."""
        return self.provenance.get(therapy.source)

    def built_from(self, source: str) -> list[Therapy]:
        """Give the therapies built from source document ``source``, in book order (worked out once for
        the library as it is)."""
        by_source = self._by_source
        if by_source is None or by_source[0] != len(self.therapies):
            index: dict[str, list[Therapy]] = {}
            for therapy in self.therapies.values():
                index.setdefault(therapy.source, []).append(therapy)
            by_source = self._by_source = (len(self.therapies), index)
        return by_source[1].get(source, [])

    def source_of(self, therapy: Therapy) -> SourceDocument:
        """Give the source document ``therapy`` is built from."""
        return self.sources[therapy.source]

    def data_file(self, therapy_id: str) -> Path:
        """Give the path of a therapy's data file."""
        return self.root / THERAPY_DIR / f"{therapy_id}.yaml"


def load_library(root: Path | None = None, only: list[str] | None = None, kept: bool = False) -> Library:
    """Give every therapy of the book (or those named in ``only``) with the glossary, validated;
    raise :class:`DataProblems` listing all problems. With ``kept``, the library the last build checked
    is taken instead where it was made from the files as they are now (the build's own pages ask for it);
    without, the files are always read: what a caller gets never depends on an earlier build."""
    root = project_root() if root is None else root
    if only is None and kept:
        from carbook.data import snapshot

        checked = snapshot.load(root)  # the library this build checked, if no file changed since
        if checked is not None:
            return checked
    files = therapy_files(root) if only is None else [root / THERAPY_DIR / f"{therapy_id}.yaml" for therapy_id in only]
    library, problems = _load(root, files)
    if problems:
        raise DataProblems(problems)
    return library


def check_library(root: Path, checked: dict[str, Any] | None = None) -> tuple[Library, list[Problem]]:
    """Give every valid therapy with the glossary, and every problem of the data and the book's structure.

    ``checked`` (from :func:`carbook.data.snapshot.checked_files`) gives therapies already checked: one
    whose data file and source still have the same bytes is taken as it is, not read and checked again."""
    library, problems = _load(root, therapy_files(root), checked=checked, every_source=True)
    return library, problems + check_chapters(root)


def check(root: Path, paths: list[Path] | None = None) -> list[Problem]:
    """Give every problem in the named data files (default: all of them, the glossary and the book's structure)."""
    if not paths:
        return check_library(root)[1]
    glossary = (root / GLOSSARY).resolve()
    files = [Path(p) for p in paths if Path(p).resolve() != glossary]
    _, problems = _load(root, files, with_glossary=len(files) < len(paths), whole_book=True,
                        every_source=len(files) < len(paths))
    return problems


# --- reading -----------------------------------------------------------------------------------


def _load(root: Path, files: list[Path], with_glossary: bool = True, checked: dict[str, Any] | None = None,
          every_source: bool = False, whole_book: bool = False) -> tuple[Library, list[Problem]]:
    """Give the library of ``files`` (with the glossary if ``with_glossary``) and every problem found. The
    glossary's editorial definitions are checked against the therapies read, or, with ``whole_book``, against
    every therapy of the book; with ``every_source``, every document of data/sources/ has its version checked,
    else those of the therapies read."""
    from carbook.data import snapshot

    library = Library(root=root)
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for path in files:
        name = display_path(path, root)
        known = (checked or {}).get(name)
        if known is not None and known.key == snapshot.file_key(root, path, known.therapy.source):
            therapy, file_problems, lines = known.therapy, [], {}  # the same bytes as when it was checked
            library.sources.setdefault(therapy.source, known.source)
        else:
            therapy, file_problems, lines = _load_therapy(path, name, root, library.sources)
        problems += file_problems
        if therapy is None:
            continue
        if therapy.id in seen:
            problems.append(Problem(name, lines.get(("id",)), "id", f"therapy id {therapy.id!r} is already used by {seen[therapy.id]}",
                                    "give each therapy its own id, the same as its file name"))
            continue
        seen[therapy.id] = name
        if not file_problems:
            library.therapies[therapy.id] = therapy
    if with_glossary:
        therapies = _therapies_for_glossary(root, files, library) if whole_book else library.therapies
        library.glossary, glossary_problems = _load_glossary(root, library.sources, therapies)
        problems += glossary_problems
    # A chapter's kernel reads its own therapy's source alone: every file of data/sources/ is the whole check's
    # (hashing all of them for each of 2,000 chapters made a cold build grow with the square of the book).
    library.provenance, provenance_problems = _load_provenance(root, library, every_source=every_source)
    problems += provenance_problems + _change_log_problems(root, list(library.therapies))
    for therapy_id, therapy in library.therapies.items():
        known = library.provenance.get(therapy.source)
        taken = {known.sha256, *(v.sha256 for v in known.history)} if known else set()
        log = [change for change in _change_log(root, therapy_id) if change.new in taken]  # not an update left unfinished
        if log:
            library.changes[therapy_id] = log
    return library, problems


def _load_provenance(root: Path, library: Library, every_source: bool) -> tuple[dict[str, Provenance], list[Problem]]:
    """Give the provenance of the library's sources (with ``every_source``, of each file of data/sources/) and
    its problems: the bytes of each source must be the version recorded for it."""
    used = {t.source for t in library.therapies.values()}
    if every_source:
        used |= {p.name for p in (root / SOURCE_DIR).glob("*") if p.is_file() and not p.name.endswith(".new")}
    provenances, problems = {}, []
    for source in sorted(used):
        path = root / provenance_file(source)
        name = provenance_file(source).as_posix()
        found: list[Problem] = []
        known = None
        if path.is_file():
            data, lines, found = read_yaml(path, name, "see the Editor's guide")
            if data is not None:
                try:
                    known = provenances[source] = Provenance.model_validate(data)
                except ValidationError as error:
                    found = [from_pydantic(e, name, lines, Provenance) for e in error.errors()]
        else:
            lines = {}
        if found:
            problems += found
            continue
        if known is None:
            continue  # a to-do for an editor (`check` lists it): the book builds, `make publish` refuses
        for message, fix in check_bytes(root, source, known):
            problems.append(Problem(name, lines.get(("sha256",)), "sha256", message, fix))
    return provenances, problems


def _change_log(root: Path, therapy_id: str) -> list[Change]:
    """Give a therapy's change log (``data/changes/<id>.yaml``), oldest first; empty where it has none."""
    path = root / CHANGES_DIR / f"{therapy_id}.yaml"
    if not path.is_file():
        return []
    data, _, found = read_yaml(path, display_path(path, root), "`python -m carbook update` writes it")
    try:
        return [] if found or data is None else ChangeLog.model_validate(data).changes
    except ValidationError:
        return []  # reported by _change_log_problems


def _change_log_problems(root: Path, therapy_ids: list[str]) -> list[Problem]:
    """Give the problems of the therapies' change logs (each read as YAML and checked against its model)."""
    problems = []
    for therapy_id in therapy_ids:
        path = root / CHANGES_DIR / f"{therapy_id}.yaml"
        if not path.is_file():
            continue
        name = display_path(path, root)
        data, lines, found = read_yaml(path, name, "`python -m carbook update` writes it")
        problems += found
        if data is not None:
            try:
                ChangeLog.model_validate(data)
            except ValidationError as error:
                problems += [from_pydantic(e, name, lines, ChangeLog) for e in error.errors()]
    return problems


def _therapies_for_glossary(root: Path, files: list[Path], library: Library) -> dict[str, Therapy]:
    """Give every valid therapy of the book, which the glossary's editorial definitions are checked against:
    those of ``library``, and those of the data files not among ``files`` (read here, their problems left to
    their own check)."""
    named = {path.resolve() for path in files}
    others = [path for path in therapy_files(root) if path.resolve() not in named]
    if not others:
        return library.therapies
    rest, _ = _load(root, others, with_glossary=False)
    return {**rest.therapies, **library.therapies}


def _load_glossary(root: Path, sources: dict[str, SourceDocument],
                   therapies: dict[str, Therapy] | None = None) -> tuple[Glossary | None, list[Problem]]:
    """Give the glossary and its problems: each passage checked against its source, and each editorial
    definition against the therapies (:mod:`carbook.data.editorial`)."""
    name = GLOSSARY.as_posix()
    if not (root / GLOSSARY).is_file():
        return None, [Problem(name, None, "", "the glossary file is missing", "restore data/glossary.yaml")]
    data, lines, found = read_yaml(root / GLOSSARY, name, "see the Editor's guide")
    if data is None:
        return None, found
    try:
        glossary = Glossary.model_validate(data)
    except ValidationError as error:
        return None, [from_pydantic(e, name, lines, Glossary) for e in error.errors()]

    def passages(index: int, entry: GlossaryEntry) -> Iterator[tuple[Loc, SourcePassage]]:
        if entry.definition is not None:
            yield ("terms", index, "definition"), entry.definition
        for used, passage in enumerate(entry.used_in):
            yield ("terms", index, "used_in", used), passage

    for index, entry in enumerate(glossary.terms):
        for loc, passage in passages(index, entry):
            line = lines.get(loc) or nearest_line(lines, loc)
            source, source_problem = _source(root, passage.source, "text", sources)
            if source_problem:
                found.append(Problem(name, line, dotted((*loc, "source")), *source_problem))
            elif not source.contains(passage.quote):
                found.append(Problem(name, line, dotted((*loc, "quote")), *not_found(source, "quote", passage.quote)))
            elif not any(value_in_quote(form, passage.quote) for form in entry.forms()):
                found.append(Problem(name, line, dotted(loc), f"the term {entry.term!r} is not written in this quote",
                                     "quote a passage that uses the term, or add the form it uses under matches:"))
    found += located(name, lines, editorial.check_glossary(glossary, therapies or {}))
    return (None if found else glossary), found


def _load_therapy(
    path: Path, name: str, root: Path, sources: dict[str, SourceDocument]
) -> tuple[Therapy | None, list[Problem], dict[Loc, int]]:
    """Give the therapy (None if it could not be validated), its problems and the line of each field."""
    def problem(line: int | None, fld: str, message: str, fix: str) -> list[Problem]:
        return [Problem(name, line, fld, message, fix)]

    data, lines, found = read_yaml(path, name, "`python -m carbook new` writes a skeleton")
    if data is None:
        return None, found, lines

    source_name = data.get("source")
    source_format = data.get("source_format", "text")
    source = None
    if isinstance(source_name, str) and source_name:
        source, source_problem = _source(root, source_name, source_format, sources)
        if source_problem:
            found += problem(lines.get(("source",), 1), "source", *source_problem)
    if source is not None:
        found += as_changed(located(name, lines, check_against_source(data, source)), _change_log(root, path.stem), source)
    context = {
        "record": source.record if source is not None and source.format == "record" else {},
        "source_unavailable": source is None and bool(source_name),
    }
    try:
        therapy = Therapy.model_validate(data, context=context)
    except ValidationError as error:
        errors = [e for e in error.errors() if e["type"] != SOURCE_UNAVAILABLE]
        pydantic_problems = [from_pydantic(e, name, lines, Therapy) for e in errors]
        return None, found + one_per_empty_fact(pydantic_problems, source_format == "record"), lines
    if therapy.id != path.stem:
        found += problem(lines.get(("id",), 1), "id", f"id {therapy.id!r} differs from the file name {path.name!r}",
                         f"rename the file to {therapy.id}.yaml or set id: {path.stem}")
    found += located(name, lines, check_steps(therapy))
    if source is not None and not found:
        found += located(name, lines, check_framing(therapy, source))
        found += coverage_problems(therapy, source, name, lines)
    return therapy, found, lines


def _source(
    root: Path, name: str, format: str, cache: dict[str, SourceDocument]
) -> tuple[SourceDocument | None, tuple[str, str] | None]:
    if name in cache:
        return cache[name], None
    path = root / SOURCE_DIR / name
    if not path.is_file():
        # Another therapy's document is never offered: a fact checked against the wrong source would pass.
        return None, (f"source document {name!r} does not exist in {SOURCE_DIR.as_posix()}/",
                      "correct the file name to this therapy's own document, or bring the document in with "
                      "`python -m carbook new <id> --source <file>`, which copies it byte for byte")
    try:
        source = read_source(path, format)
        source.record  # parse now, so a malformed record is reported here
    except UnicodeDecodeError:
        return None, (f"source document {name!r} is not UTF-8", "convert it to UTF-8")
    except ValueError as error:
        return None, (f"source document {name!r} is not a field/value record ({error})",
                      "set source_format: text, or fix the record")
    cache[name] = source
    return source, None


# --- checks against the source ---------------------------------------------------------------


# --- the book's structure ------------------------------------------------------------------------


# --- locating problems ---------------------------------------------------------------------------


__all__ = ["Library", "check", "field_lines", "load_library", "project_root", "therapy_files", "DataProblems"]
