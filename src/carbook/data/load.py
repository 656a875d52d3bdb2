"""Load the book's data: read each therapy file, validate it, and check every quote against its source.

Every problem is collected, located (file, line, field path) and reported at once, so an editor fixes
a file in one pass. :func:`load_library` is what the chapters call; :func:`check` is what the
``carbook check`` command and the build run first.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import yaml
from pydantic import BaseModel, ValidationError

from carbook.data import editorial, framing, paraphrase
from carbook.data.coverage import coverage
from carbook.data.models import (
    SOURCE_UNAVAILABLE,
    UNION_TAGS,
    Glossary,
    GlossaryEntry,
    NotStated,
    Passage,
    Quoted,
    SourcePassage,
    Step,
    Therapy,
    format_number,
    model_items,
    value_in_quote,
)
from carbook.data.paths import CHAPTER_DIR, GLOSSARY, SOURCE_DIR, THERAPY_DIR
from carbook.data.problems import DataProblems, Problem, display_path
from carbook.data.provenance import CHANGES_DIR, Change, ChangeLog, Provenance, check_bytes, provenance_file
from carbook.data.sources import SourceDocument, normalise, read_source

Loc = tuple[str | int, ...]


def project_root(start: Path | None = None) -> Path:
    """Give the book's root folder: ``$CARBOOK_ROOT``, else the nearest folder up from ``start``
    (default: the working directory) that holds ``_config.yml`` and ``data/``."""
    if os.environ.get("CARBOOK_ROOT"):
        return Path(os.environ["CARBOOK_ROOT"]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_config.yml").is_file() and (folder / "data").is_dir():
            return folder
    raise FileNotFoundError(f"no book root (a folder with _config.yml and data/) at or above {here}")


@dataclass
class Library:
    """All therapies of the book, validated, with the source documents they quote."""

    root: Path
    therapies: dict[str, Therapy] = field(default_factory=dict)
    sources: dict[str, SourceDocument] = field(default_factory=dict)
    glossary: Glossary | None = None
    provenance: dict[str, Provenance] = field(default_factory=dict)  # by source file name (data/provenance/)
    changes: dict[str, list[Change]] = field(default_factory=dict)  # each therapy's change log, by id

    def source_title(self, name: str) -> str:
        """Give a source document's title: as its provenance gives it, else, for a record, the product it names
        (typed once, in the record), else its file name."""
        known, document = self.provenance.get(name), self.sources.get(name)
        record = document.record if document is not None and document.format == "record" else {}
        return (known.title if known is not None and known.title else None) or record.get("drug_name") or name

    def provenance_of(self, therapy: Therapy) -> Provenance | None:
        """Give where ``therapy``'s source comes from and which version the book holds."""
        return self.provenance.get(therapy.source)

    def source_of(self, therapy: Therapy) -> SourceDocument:
        """Give the source document ``therapy`` is built from."""
        return self.sources[therapy.source]

    def data_file(self, therapy_id: str) -> Path:
        """Give the path of a therapy's data file."""
        return self.root / THERAPY_DIR / f"{therapy_id}.yaml"


def therapy_files(root: Path) -> list[Path]:
    """Give every therapy data file of the book: in the order of the chapters in ``_toc.yml``, then any
    without a chapter by name."""
    files = sorted((root / THERAPY_DIR).glob("*.yaml"))
    try:
        toc = _parse_yaml((root / "_toc.yml").read_text(encoding="utf-8"))[0]
    except (OSError, yaml.YAMLError):
        return files
    order = [Path(value).stem for value, _ in _toc_files(toc) if Path(value).parent.as_posix() == CHAPTER_DIR.as_posix()]
    rank = {therapy_id: index for index, therapy_id in enumerate(order)}
    return sorted(files, key=lambda path: (rank.get(path.stem, len(rank)), path.name))


def load_library(root: Path | None = None, only: list[str] | None = None) -> Library:
    """Give every therapy of the book (or those named in ``only``) with the glossary, validated;
    raise :class:`DataProblems` listing all problems."""
    root = project_root() if root is None else root
    if only is None:
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
    library, problems = _load(root, therapy_files(root), checked=checked)
    return library, problems + _check_chapters(root)


def check(root: Path, paths: list[Path] | None = None) -> list[Problem]:
    """Give every problem in the named data files (default: all of them, the glossary and the book's structure)."""
    if not paths:
        return check_library(root)[1]
    glossary = (root / GLOSSARY).resolve()
    files = [Path(p) for p in paths if Path(p).resolve() != glossary]
    _, problems = _load(root, files, with_glossary=len(files) < len(paths), whole_book=True)
    return problems


def field_lines(path: Path, locs: list[Loc]) -> list[int | None]:
    """Give the line of the field at each of ``locs`` in a data file (or of the nearest field that holds it);
    None where the file cannot be read."""
    lines = _read_yaml(path, path.name, "")[1]
    return [lines.get(loc) or _nearest_line(lines, loc) for loc in locs]


# --- reading -----------------------------------------------------------------------------------


def _load(root: Path, files: list[Path], with_glossary: bool = True, checked: dict[str, Any] | None = None,
          whole_book: bool = False) -> tuple[Library, list[Problem]]:
    """Give the library of ``files`` (with the glossary if ``with_glossary``) and every problem found. The
    glossary's editorial definitions are checked against the therapies read, or, with ``whole_book``, against
    every therapy of the book."""
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
    library.provenance, provenance_problems = _load_provenance(root, library, every_source=with_glossary)
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
            data, lines, found = _read_yaml(path, name, "see the Editor's guide")
            if data is not None:
                try:
                    known = provenances[source] = Provenance.model_validate(data)
                except ValidationError as error:
                    found = [_from_pydantic(e, name, lines, Provenance) for e in error.errors()]
        else:
            lines = {}
        if found:
            problems += found
            continue
        if known is None:
            continue  # a to-do for an editor (`check` lists it): the book builds, `make publish` refuses
        for message, fix in check_bytes(root, source, known):
            problems.append(Problem(name if known else f"data/sources/{source}", lines.get(("sha256",)),
                                    "sha256" if known else "", message, fix))
    return provenances, problems


def _change_log(root: Path, therapy_id: str) -> list[Change]:
    """Give a therapy's change log (``data/changes/<id>.yaml``), oldest first; empty where it has none."""
    path = root / CHANGES_DIR / f"{therapy_id}.yaml"
    if not path.is_file():
        return []
    data, _, found = _read_yaml(path, display_path(path, root), "`python -m carbook update` writes it")
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
        data, lines, found = _read_yaml(path, name, "`python -m carbook update` writes it")
        problems += found
        if data is not None:
            try:
                ChangeLog.model_validate(data)
            except ValidationError as error:
                problems += [_from_pydantic(e, name, lines, ChangeLog) for e in error.errors()]
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
    data, lines, found = _read_yaml(root / GLOSSARY, name, "see the Editor's guide")
    if data is None:
        return None, found
    try:
        glossary = Glossary.model_validate(data)
    except ValidationError as error:
        return None, [_from_pydantic(e, name, lines, Glossary) for e in error.errors()]

    def passages(index: int, entry: GlossaryEntry) -> Iterator[tuple[Loc, SourcePassage]]:
        if entry.definition is not None:
            yield ("terms", index, "definition"), entry.definition
        for used, passage in enumerate(entry.used_in):
            yield ("terms", index, "used_in", used), passage

    for index, entry in enumerate(glossary.terms):
        for loc, passage in passages(index, entry):
            line = lines.get(loc) or _nearest_line(lines, loc)
            source, source_problem = _source(root, passage.source, "text", sources)
            if source_problem:
                found.append(Problem(name, line, _dotted((*loc, "source")), *source_problem))
            elif not source.contains(passage.quote):
                found.append(Problem(name, line, _dotted((*loc, "quote")), *_not_found(source, "quote", passage.quote)))
            elif not any(value_in_quote(form, passage.quote) for form in entry.forms()):
                found.append(Problem(name, line, _dotted(loc), f"the term {entry.term!r} is not written in this quote",
                                     "quote a passage that uses the term, or add the form it uses under matches:"))
    found += _located(name, lines, editorial.check_glossary(glossary, therapies or {}))
    return (None if found else glossary), found


#: libyaml's loader where PyYAML was built with it (the usual wheels are): several times faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse_yaml(text: str, loader_class: type = _YAML_LOADER) -> tuple[yaml.Node | None, Any]:
    """Give the YAML document's node tree, as written (line numbers, repeated keys, merge keys), and its data.

    A syntax error is raised as PyYAML's own loader words it: libyaml's messages leave out the
    offending character (a tab, say), which an editor needs to see."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        # Constructing rewrites merge keys (<<) and value keys (=) in the tree it is given: then give it
        # a copy, so the tree keeps the lines as written. (Copying every file's tree is most of the time
        # it takes to read the data.)
        return node, loader.construct_document(copy.deepcopy(node) if _rewritten_by_constructing(node) else node)
    except yaml.YAMLError:
        if loader_class is yaml.SafeLoader:
            raise
        return _parse_yaml(text, yaml.SafeLoader)
    finally:
        loader.dispose()


_REWRITTEN_KEYS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


def _rewritten_by_constructing(node: yaml.Node) -> bool:
    """Say whether the tree holds a merge key or a value key, which constructing the data rewrites."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                if key.tag in _REWRITTEN_KEYS:
                    return True
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return False


def _read_yaml(path: Path, name: str, what: str) -> tuple[dict[str, Any] | None, dict[Loc, int], list[Problem]]:
    """Give a data file's mapping and the line of each field, or the problems that stop reading it."""
    def problem(line: int | None, message: str, fix: str) -> tuple[None, dict[Loc, int], list[Problem]]:
        return None, {}, [Problem(name, line, "", message, fix)]

    try:
        raw = path.read_bytes()
    except OSError as error:
        return problem(None, f"cannot be read ({error.strerror})", "check the path")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return problem(line, f"is not UTF-8 (byte 0x{raw[error.start]:02x})", "save the file as UTF-8")
    if not text.strip():
        return problem(None, "the file is empty", f"fill it in; {what}")
    try:
        node, data = _parse_yaml(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return problem(mark.line + 1 if mark else None, f"YAML syntax error: {getattr(error, 'problem', None) or error}",
                       "fix the YAML syntax at that line (indentation, a missing ':' or an unclosed quote)")
    if data is None:
        return problem(None, "the file is empty (it holds only comments)", f"fill it in; {what}")
    repeated = list(_repeated_keys(node))
    if repeated:
        # YAML keeps the last of two equal keys, which would drop a fact without a word
        return None, {}, [Problem(name, line, _dotted(loc), f"{loc[-1]!r} appears twice (first at line {first})",
                                  "keep one of them: merge the two entries") for loc, line, first in repeated]
    lines = _line_map(node)
    if not isinstance(data, dict):
        return problem(1, f"expected a mapping of fields, found {type(data).__name__}", "write the file as `field: value` lines")
    return data, lines, []


def _load_therapy(
    path: Path, name: str, root: Path, sources: dict[str, SourceDocument]
) -> tuple[Therapy | None, list[Problem], dict[Loc, int]]:
    """Give the therapy (None if it could not be validated), its problems and the line of each field."""
    def problem(line: int | None, fld: str, message: str, fix: str) -> list[Problem]:
        return [Problem(name, line, fld, message, fix)]

    data, lines, found = _read_yaml(path, name, "`python -m carbook new` writes a skeleton")
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
        found += _as_changed(_located(name, lines, _check_against_source(data, source)), _change_log(root, path.stem), source)
    context = {
        "record": source.record if source is not None and source.format == "record" else {},
        "source_unavailable": source is None and bool(source_name),
    }
    try:
        therapy = Therapy.model_validate(data, context=context)
    except ValidationError as error:
        errors = [e for e in error.errors() if e["type"] != SOURCE_UNAVAILABLE]
        pydantic_problems = [_from_pydantic(e, name, lines, Therapy) for e in errors]
        return None, found + _one_per_empty_fact(pydantic_problems, source_format == "record"), lines
    if therapy.id != path.stem:
        found += problem(lines.get(("id",), 1), "id", f"id {therapy.id!r} differs from the file name {path.name!r}",
                         f"rename the file to {therapy.id}.yaml or set id: {path.stem}")
    found += _located(name, lines, _check_steps(therapy))
    if source is not None and not found:
        found += _located(name, lines, _check_framing(therapy, source))
        found += _coverage_problems(therapy, source, name, lines)
    return therapy, found, lines


def _as_changed(problems: list[Problem], log: list[Change], source: SourceDocument) -> list[Problem]:
    """Give the problems with each quote that an update of its source changed or removed said so: the old
    passage, the closest passage of the new version and the words that differ, the update's date."""
    from carbook.data.update import closest_words, words_changed

    from carbook.data.update import fact_path

    latest = next((change for change in reversed(log) if change.source == source.name), None)
    touched = {fact.path: fact for fact in (latest.facts if latest else [])}
    out = []
    for problem in problems:
        loc = tuple(int(p) if p.isdigit() else p for p in re.sub(r"\[(\d+)\]", r".\1", problem.field.removesuffix(".quote")).split("."))
        fact = touched.get(fact_path(loc))
        if fact is None or not problem.field.endswith(".quote"):
            out.append(problem)
            continue
        closest = closest_words(source, fact.passage)[0]
        what = (f"its passage changed in the version of {latest.date}: was “{fact.passage}”, closest now “{closest}” "
                f"({words_changed(fact.passage, closest)})" if fact.status == "changed" else
                f"its passage is gone from the version of {latest.date}: was “{fact.passage}”")
        out.append(Problem(problem.file, problem.line, problem.field, what,
                           "edit the fact until it holds against the new version (value and quote), or mark it "
                           "not_stated if the new version says nothing of it"))
    return out


def _one_per_empty_fact(problems: list[Problem], record: bool) -> list[Problem]:
    """Give the problems with a fact whose value and quote are both empty reported once, at the fact, with
    every way to fill it in: its words and passage, its record field, or a gap where one is allowed."""
    empty: dict[str, list[Problem]] = {}
    for problem in problems:
        head, _, part = problem.field.rpartition(".")
        if problem.message == "is empty" and part in ("value", "quote", "unit", "question", "answer") and head:
            empty.setdefault(head, []).append(problem)
    empty = {head: group for head, group in empty.items() if len(group) > 1}
    merged: list[Problem] = []
    done: set[str] = set()
    for problem in problems:
        head = problem.field.rpartition(".")[0]
        group = empty.get(head)
        if group is None:
            merged.append(problem)
            continue
        if head in done:
            continue  # also the other complaints about an empty fact's parts (a dose of 0, say)
        done.add(head)
        if head.startswith("questions"):
            merged.append(Problem(problem.file, group[0].line, head, "is empty",
                                  "write the question, and as answer the dotted path of the fact that answers it"))
            continue
        ways = ["write its value and the passage that states it (value:, quote:)"]
        if record:
            ways.append("take it from the record with `record_field: <field>`")
        if any("not_stated" in p.fix for p in group):
            ways.append("mark it `not_stated: <what is missing>` if the source is silent")
        merged.append(Problem(problem.file, min(p.line or 0 for p in group) or None, head, "is empty", "; or ".join(ways)))
    return merged


def _located(file: str, lines: dict[Loc, int], found: Iterator[tuple[Loc, str, str]]) -> list[Problem]:
    return [Problem(file, lines.get(loc) or _nearest_line(lines, loc), _dotted(loc), message, fix)
            for loc, message, fix in found]


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


def walk(value: Any, loc: Loc = ()) -> Iterator[tuple[Loc, Any]]:
    """Give every ``(location, item)`` of data as read from YAML, the whole first, depth first."""
    yield loc, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, (*loc, index))


def _stated_values(fact: dict[str, Any]) -> list[str]:
    values = [fact[key] for key in ("value", "minimum", "maximum", "unit") if key in fact]
    return [format_number(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
            for v in values if isinstance(v, (str, int, float)) and not isinstance(v, bool)]


def _not_found(source: SourceDocument, what: str, passage: str) -> tuple[str, str]:
    """Give the message and fix for a passage that is not in ``source``: the words that differ from the
    source's closest words where a word changed ('3' → '5'), else where it parts from the source by code
    point (the two may look alike on screen); and the source's closest passage."""
    from carbook.data.update import ALIKE, closest_words, words_changed

    difference = source.difference(passage)
    closest, alike = closest_words(source, passage)
    letters = [re.sub(r"\W", "", normalise(text).casefold()) for text in (passage, closest)]
    if alike >= ALIKE and letters[0] != letters[1]:  # a word differs, not only how a character is written
        difference = f"the words differ from the source's: {words_changed(passage, closest)}"
    return (f"{what} not found in {source.name}",
            f"copy the passage exactly from the source; {difference + '; ' if difference else ''}"
            f"closest passage: “{source.closest_passage(passage)}”")


def _check_against_source(data: dict[str, Any], source: SourceDocument) -> Iterator[tuple[Loc, str, str]]:
    """Check every quote, nearby passage and quoted value of the raw file against the source; a value marked
    as a paraphrase says no more than its quote (:mod:`carbook.data.paraphrase`).

    Works on the file as read, so these problems are reported even when the file has others."""
    for loc, item in walk(data):
        if not isinstance(item, dict) or "record_field" in item:
            continue
        quote, nearby = item.get("quote"), item.get("nearby")
        if isinstance(nearby, str) and nearby.strip() and not source.contains(nearby):
            yield ((*loc, "nearby"), *_not_found(source, "nearby passage", nearby))
        if not (isinstance(quote, str) and quote.strip()):
            continue
        if not source.contains(quote):
            yield ((*loc, "quote"), *_not_found(source, "quote", quote))
        elif not item.get("paraphrase"):
            for value in _stated_values(item):
                if str(value).strip() and not value_in_quote(str(value), quote):
                    yield (loc, f"{value!r} is not written in its quote",
                           "make the value match the quote, or add `paraphrase: <why>` if the wording is editorial")
        else:
            rests_on = item.get("rests_on")
            for message, fix in paraphrase.check(source, quote, _paraphrased_text(item),
                                                 rests_on if isinstance(rests_on, str) else "statement"):
                yield (loc, message, fix)


def _paraphrased_text(fact: dict[str, Any]) -> str:
    """Give what a paraphrased fact says, as one text: its value, or its numbers followed by their unit
    (``1 25 year``), so that the unit is read as the words after a number."""
    if isinstance(fact.get("value"), str):
        return fact["value"]
    parts = [fact.get(key) for key in ("value", "high", "minimum", "maximum", "unit")]
    return " ".join(format_number(part) if isinstance(part, (int, float)) else part for part in parts
                    if isinstance(part, (str, int, float)) and not isinstance(part, bool))


def _check_framing(therapy: Therapy, source: SourceDocument) -> Iterator[tuple[Loc, str, str]]:
    """Check that no fact drops the hedge, attribution or aim of its sentence, and none rests on an example."""
    for loc, item in model_items(therapy):
        if isinstance(item, NotStated) and item.nearby:
            for message, fix in framing.check_nearby(source, item.nearby):
                yield ((*loc, "nearby"), message, fix)
        elif isinstance(item, Passage):
            for message, fix in framing.check_fact(source, item.quote, None, item.rests_on):
                yield ((*loc, "quote"), message, fix)
        elif isinstance(item, Quoted) and loc and loc[0] != "not_used":
            if loc[0] == "aims" and item.rests_on != "aim":
                yield ((*loc, "rests_on"), "an aim of the study must rest on an aim", "set rests_on: aim")
                continue
            value = getattr(item, "value", None)
            value = value if isinstance(value, str) else None
            for message, fix in framing.check_fact(source, item.quote, value, item.rests_on):
                yield (loc, message, fix)


def _coverage_problems(therapy: Therapy, source: SourceDocument, name: str, lines: dict[Loc, int]) -> list[Problem]:
    """Give a problem for each sentence of the source that the chapter neither shows nor lists as not used."""
    found = coverage(therapy, source)
    line = lines.get(("not_used",)) or lines.get(("id",))
    return [Problem(name, line, "not_used",
                    f"{source.name} says “{sentence.text[:120]}” and the chapter does not show it"
                    f" ({found.percent:.0f} % of the source accounted for)",
                    "quote it in a fact or under also_stated: (with rests_on), or list it under not_used: with the reason "
                    "(page debris, link text) if it is not content")
            for sentence in found.missing]


def _check_steps(therapy: Therapy) -> Iterator[tuple[Loc, str, str]]:
    regimen = therapy.regimen
    for name in ("conditioning", "cell_infusion", "combination"):
        step = getattr(regimen, name)
        if not isinstance(step, Step) or len(step.agents) < 2:
            continue
        phrase = step.agents_phrase()
        quotes = [step.what.quote, *(agent.quote for agent in step.agents)]
        if not any(value_in_quote(phrase, q) for q in quotes):
            yield (("regimen", name, "agents_joined_by"),
                   f"the agents as joined, {phrase!r}, are not written in any of the step's quotes",
                   "list the agents in the source's order and join them with the source's word ('and' or 'or')")
    yield from _check_doses(therapy)


_RANGE_AFTER = r"\s*(?:-|to)\s*~?\d"  # "0.5-3", "1 to 2" (dashes of every kind are "-" once normalised)


def _check_doses(therapy: Therapy) -> Iterator[tuple[Loc, str, str]]:
    # A number the quote gives as the low end of a range must be written as a range, not as one dose.
    regimen = therapy.regimen
    for index, dose in enumerate(regimen.dose if isinstance(regimen.dose, list) else []):
        number = rf"(?<![\d.]){re.escape(format_number(dose.value))}(?![\d]|\.\d)"
        if dose.high is None and re.search(number + _RANGE_AFTER, normalise(dose.quote)):
            yield (("regimen", "dose", index), f"the quote gives a range from {format_number(dose.value)}, not one dose",
                   "add high: <the range's upper number>, as the source writes it")
    # Several doses are either alternatives ("3 or 10") or all given ("3 and 10"): one of their quotes
    # must give every dose, in order, with the source's word before the last.
    phrase = regimen.dose_phrase()
    if phrase is None or not all(value_in_quote(format_number(dose.value), dose.quote) for dose in regimen.dose):
        return  # a dose not written in its quote is reported as such; its join would only repeat that
    # numbers matched whole, as value_in_quote matches them
    numbers = [rf"(?<![\d.]){re.escape(format_number(dose.value))}(?![\d]|\.\d)" for dose in regimen.dose]
    between = ".{0,80}?"
    pattern = between.join(numbers[:-1]) + rf"{between}\b{regimen.dose_joined_by}\b{between}" + numbers[-1]
    joined = re.compile(pattern)
    if not any(joined.search(normalise(dose.quote).lower()) for dose in regimen.dose):
        yield (("regimen", "dose_joined_by"),
               f"the doses as joined, {phrase!r}, are not written so in any of the doses' quotes",
               "list the doses in the source's order and join them with the source's word ('and' or 'or')")


# --- the book's structure ------------------------------------------------------------------------


def _check_chapters(root: Path) -> list[Problem]:
    toc_path = root / "_toc.yml"
    try:
        toc = _parse_yaml(toc_path.read_text(encoding="utf-8"))[0]
    except (OSError, yaml.YAMLError) as error:
        return [Problem("_toc.yml", None, "", f"cannot be read ({error})", "restore _toc.yml")]
    chapters = {Path(value).stem: line for value, line in _toc_files(toc) if Path(value).parent.as_posix() == CHAPTER_DIR.as_posix()}
    data = {p.stem for p in therapy_files(root)}
    problems = [
        Problem("_toc.yml", chapters[c], f"{CHAPTER_DIR.as_posix()}/{c}", f"chapter has no data file {THERAPY_DIR.as_posix()}/{c}.yaml",
                "add the data file (`carbook new`) or remove the chapter from _toc.yml")
        for c in sorted(set(chapters) - data)
    ]
    problems += [
        Problem(f"{THERAPY_DIR.as_posix()}/{t}.yaml", None, "", "therapy has no chapter in _toc.yml",
                f"add `- file: {CHAPTER_DIR.as_posix()}/{t}` to _toc.yml (`carbook new` does this)")
        for t in sorted(data - set(chapters))
    ]
    return problems


def _toc_files(node: yaml.Node | None) -> Iterator[tuple[str, int]]:
    """Give each page a TOC names (``file:`` or ``root:``) with its line."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value in ("file", "root") and isinstance(value, yaml.ScalarNode):
                yield value.value, value.start_mark.line + 1
            else:
                yield from _toc_files(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _toc_files(item)


# --- locating problems ---------------------------------------------------------------------------


def _line_map(node: yaml.Node | None, loc: Loc = ()) -> dict[Loc, int]:
    lines: dict[Loc, int] = {}
    if node is None:
        return lines
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines.update(_line_map(value, (*loc, key.value)))
            lines[(*loc, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(_line_map(item, (*loc, index)))
    return lines


def _repeated_keys(node: yaml.Node | None, loc: Loc = ()) -> Iterator[tuple[Loc, int, int]]:
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            if key.value in seen:
                yield (*loc, key.value), line, seen[key.value]
            seen.setdefault(key.value, line)
            yield from _repeated_keys(value, (*loc, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _repeated_keys(item, (*loc, index))


def _nearest_line(lines: dict[Loc, int], loc: Loc) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _dotted(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _from_pydantic(error: dict[str, Any], file: str, lines: dict[Loc, int], model: type[BaseModel]) -> Problem:
    loc: Loc = tuple(p for p in error["loc"] if p not in UNION_TAGS)
    kind, message = error["type"], error["msg"]
    fix = "see the Editor's guide for this field's form"
    if kind == "missing":
        gap = " (or `not_stated: <what is missing>` if the source is silent)" if _accepts_gap(model, error["loc"]) else ""
        message, fix = "required field is missing", f"add `{loc[-1]}:`{gap}"
    elif kind == "extra_forbidden":
        known = _known_fields(model, error["loc"][:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.5)
        message = f"unknown field {loc[-1]!r}"
        fix = (f"did you mean {close[0]!r}? " if close else "") + f"known fields here: {', '.join(known)}"
    elif kind == "string_too_short":
        fact = tuple(error["loc"][:-1])  # the fact whose value or quote is empty
        while fact and fact[-1] in UNION_TAGS:
            fact = fact[:-1]
        # a gap may stand for the fact, for the step it is what of, or for the list it is an item of
        def bare(at: tuple[Any, ...]) -> tuple[Any, ...]:
            while at and at[-1] in UNION_TAGS:
                at = at[:-1]
            return at

        candidates = [fact] + ([bare(fact[:-1])] if fact and (fact[-1] == "what" or isinstance(fact[-1], int)) else [])
        gap = any(len(at) and isinstance(at[-1], str) and _accepts_gap(model, at) for at in candidates)
        message, fix = "is empty", "write the value" + (", or mark the fact `not_stated: <what is missing>`" if gap else "")
    elif kind in ("string_type", "float_type", "int_type", "list_type", "model_type", "dict_type", "float_parsing"):
        found = type(error.get("input")).__name__
        message = f"wrong type: {message.lower()} (found {found})"
        fix = "write it as the Editor's guide shows for this field"
    elif kind in ("greater_than", "greater_than_equal"):
        fix = "write a positive number" if kind == "greater_than" else "write zero or a positive number"
    elif kind == "string_pattern_mismatch":
        message, fix = f"{error.get('input')!r} is not a valid id", "use lower-case letters, digits and single hyphens, e.g. ct-0525"
    elif kind == "literal_error":
        fix = f"use one of the allowed values ({error.get('ctx', {}).get('expected', '')})"
    elif kind == "too_short":
        message, fix = "is an empty list", "list at least one item, or mark it `not_stated: <what is missing>`"
    elif kind == "value_error":
        message = message.removeprefix("Value error, ")
        fix = "correct the value as the message says"
    if "fix" in error.get("ctx", {}):
        fix = error["ctx"]["fix"]
    line = lines.get(loc) or _nearest_line(lines, loc)
    return Problem(file, line, _dotted(loc), message, fix)


def _known_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    names: list[str] = []
    for candidate in _models_at(model, loc):
        names += [n for n in candidate.model_fields if n not in names]
    return names


def _accepts_gap(model: type[BaseModel], loc: tuple[Any, ...]) -> bool:
    """Tell whether the field at ``loc`` may be written as ``not_stated``."""
    return any(
        NotStated in _models_in(candidate.model_fields[loc[-1]].annotation)
        for candidate in _models_at(model, loc[:-1])
        if loc[-1] in candidate.model_fields
    )


def _models_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[type[BaseModel]]:
    """Give the models that the value at a pydantic error location ``loc`` may be."""
    candidates: list[type[BaseModel]] = [model]
    for part in loc:
        if isinstance(part, int):
            continue
        if part in UNION_TAGS:
            candidates = [m for m in candidates if (m is NotStated) == (part == "<not_stated>")] or candidates
            continue
        nxt: list[type[BaseModel]] = []
        for model in candidates:
            if part in model.model_fields:
                nxt += _models_in(model.model_fields[part].annotation)
        candidates = nxt or candidates
    return candidates


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found += _models_in(arg)
    return found


__all__ = ["Library", "check", "field_lines", "load_library", "project_root", "therapy_files", "DataProblems"]
