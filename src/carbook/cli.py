"""Command line: ``python -m carbook check [PATH...]`` validates the data files;
``python -m carbook new ID --source PATH`` adds a therapy."""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path
from typing import Any

from carbook.data.coverage import coverage_report
from carbook.data.load import Library, check, check_library
from carbook.data.toc import project_root
from carbook.data.yamlfile import field_lines
from carbook.data.models import Therapy
from carbook.data.paths import GLOSSARY, SOURCE_DIR, THERAPY_DIR
from carbook.data.provenance import RECORD_KIND, missing, provenance_file, write_new
from carbook.data.terms_todo import missing_terms, term_key
from carbook.pages.labels import label
from carbook.data.update import UpdateError, update
from carbook.folder_import import import_folder, summary_table
from carbook.scaffold import ScaffoldError, new_therapy, source_title


def _check(args: argparse.Namespace) -> int:
    root = project_root()
    if args.paths:
        problems, library = check(root, [Path(p).resolve() for p in args.paths]), None
    else:
        library, problems = check_library(root)
    for problem in problems:
        print(problem)
    count = len(problems)
    if count:
        print(f"{count} problem{'s' if count != 1 else ''} found.")
        return 1
    todo: list[str] = []
    if library is not None:
        for line in coverage_report(library):
            print(line)
        todo = todo_lines(library)
        for line in todo:
            print(line)
        if todo:
            print(f"{len(todo)} item{'s' if len(todo) != 1 else ''} for an editor to judge (the book builds as it is).")
    print("All data files are valid.")
    if todo and args.strict:
        print("Not ready to publish: judge each item above, then remove it from the data file's review: list "
              "(or add what it asks for).")
        return 1
    return 0


def _pdf(args: argparse.Namespace) -> int:
    from carbook.edition import EditionError, publish

    root = project_root()
    try:
        path = publish(root, args.paper)
    except EditionError as error:
        print(f"carbook pdf: {error}", file=sys.stderr)
        return 1
    print(f"Wrote {path.relative_to(root)} ({path.stat().st_size / 2**20:.1f} MiB).")
    return 0


def todo_lines(library: Library, pieces: Any = None) -> list[str]:
    """Give every item an editor still has to judge, one line each with its file (and line): each data file's
    ``review:`` list, terms a chapter's lead uses without a glossary entry, facts the data leaves out, and
    provenance not yet recorded. ``pieces`` (:class:`carbook.pages.pieces.Pieces`, in a build) keeps each
    therapy's lines between builds, by its data file and the glossary."""
    listed: set[str] = set()  # a term missing from several chapters is listed once, where it is first used
    todo: list[str] = []
    for therapy in library.therapies.values():
        if pieces is None:
            own, terms = _todo(library, therapy)
        else:
            text = library.data_file(therapy.id).read_text(encoding="utf-8")
            inputs = (therapy.id, pieces.of(text), pieces.of(therapy), pieces.of(library.glossary))
            own, terms = pieces.get("todo", inputs, lambda therapy=therapy: _todo(library, therapy))
        todo += own
        for key, line in terms:
            if key not in listed:
                listed.add(key)
                todo.append(line)
    todo += [f"{provenance_file(source).as_posix()}: to do: {name}: record who publishes the document and the "
             "address where it is published" for source, known in sorted(library.provenance.items())
             for name in missing(known)]
    todo += [f"data/sources/{source}: to do: provenance: write {provenance_file(source).as_posix()} with the "
             "document's title, publisher, kind, address, retrieved date and sha256"
             for source in sorted({t.source for t in library.therapies.values()} - set(library.provenance))]
    return todo


def _todo(library: Library, therapy: Therapy) -> tuple[list[str], list[tuple[str, str]]]:
    """Give the to-do lines of a therapy: what its data file's ``review:`` list asks an editor to judge, and
    then, with the key of each term, each term its chapter's lead shows that has no glossary entry, at the
    line of the fact that shows it."""
    name = f"{THERAPY_DIR.as_posix()}/{therapy.id}.yaml"
    fields = [_review_loc(item) for item in therapy.review]
    at_lines = field_lines(library.data_file(therapy.id), [loc for loc in fields if loc]) if any(fields) else []
    found = iter(at_lines)
    where = [(next(found) if loc else None) for loc in fields]  # the line of the field each item names, if any
    lines = [f"{name}:{line}: to do: {item}" if line else f"{name}: to do: {item}" for item, line in zip(therapy.review, where)]
    if therapy.mechanism.becomes is None:
        lines.append(f"{name}: to do: mechanism.becomes: say what the infused cells become where the source says they "
                     "turn into other cells (value and quote), else `not_stated: <what the source leaves out>`; until "
                     "then the comparison shows it as not stated")
    missing_here = missing_terms(therapy, library.glossary)
    at = field_lines(library.data_file(therapy.id), [term.loc for term in missing_here]) if missing_here else []
    located = sorted(zip((line or 0 for line in at), missing_here), key=lambda pair: pair[0])
    terms = []
    for line, term in located:
        where = f"{name}:{line}" if line else name
        terms.append((term_key(term.term),
                      f"{where}: to do: glossary: {term.term!r} ({_what(term.path)}) is used in the chapter's lead but has no "
                      f"entry in {GLOSSARY.as_posix()} — add one (an editorial definition says what a trainee needs in "
                      "general, nothing about this therapy)"))
    return lines, terms


def _review_loc(item: str) -> tuple[str | int, ...] | None:
    """Give the field a review item names at its start (``regimen.order: …``) as a location, or None."""
    head = item.split(":", 1)[0].strip()
    if not head or " " in head or ":" not in item:
        return None
    return tuple(int(part) if part.isdigit() else part for part in head.replace("]", "").replace("[", ".").split("."))


def _what(path: str) -> str:
    """Give what a fact is called on the pages, its first letter in lower case unless it begins an acronym
    (its dotted path where it has no label)."""
    try:
        name = label(path)
    except KeyError:
        return path
    first = name.split(" ")[0]
    return name if first.isupper() and len(first) > 1 else name[:1].lower() + name[1:]


def _new(args: argparse.Namespace) -> int:
    root = project_root()
    if args.folder:
        return _new_from(root, Path(args.folder))
    if not (args.therapy_id and args.source):
        print("carbook new: give a therapy id and --source FILE, or --from FOLDER", file=sys.stderr)
        return 2
    reports: list[str] = []
    try:
        written = new_therapy(root, args.therapy_id, Path(args.source), reports, name=args.name)
    except ScaffoldError as error:
        print(f"carbook new: {error}", file=sys.stderr)
        return 2
    for line in reports:
        print(line)
    for path in written:
        print(f"wrote {path.relative_to(root)}")
    for path in written:
        if path.parent == root / SOURCE_DIR:
            print(f"wrote {_provenance_of_new(root, path.name, args.therapy_id).relative_to(root)}")
    print(f"Next: run `python -m carbook check`; it lists what data/therapies/{args.therapy_id}.yaml still needs.")
    return 0


def _new_from(root: Path, folder: Path) -> int:
    """Add a therapy for every document of ``folder`` and print one summary table; give the exit status (1
    when a document was refused)."""
    if not folder.is_dir():
        print(f"carbook new: {folder} is not a folder", file=sys.stderr)
        return 2
    outcomes = import_folder(root, folder)
    for outcome in outcomes:
        for path in outcome.written:
            if path.parent == root / SOURCE_DIR and outcome.therapy_id:
                _provenance_of_new(root, path.name, outcome.therapy_id)
    print(summary_table(outcomes))
    return 1 if any(outcome.status == "refused" for outcome in outcomes) else 0


def _provenance_of_new(root: Path, source: str, therapy_id: str) -> Path:
    """Write the provenance of a source just added for ``therapy_id`` (unless the book has it already):
    titled by the product a record names, of the kind the therapy's data file says it is."""
    import yaml

    data = yaml.safe_load((root / THERAPY_DIR / f"{therapy_id}.yaml").read_text(encoding="utf-8")) or {}
    kind = RECORD_KIND if data.get("source_format") == "record" else "document"
    return write_new(root, source, source_title(root / SOURCE_DIR / source), kind, datetime.date.today())


def _update(args: argparse.Namespace) -> int:
    root = project_root()
    try:
        retrieved = datetime.date.fromisoformat(args.retrieved) if args.retrieved else None
        report = update(root, args.therapy_id, Path(args.source), retrieved)
    except (UpdateError, ValueError, OSError) as error:
        print(f"carbook update: {error}", file=sys.stderr)
        return 2
    for line in report.lines:
        print(line)
    if report.unchanged:
        return 0
    if report.to_resolve:
        print(f"{report.to_resolve} to resolve in data/therapies/{args.therapy_id}.yaml: edit each fact until it holds "
              "against the new version; `python -m carbook check` and the build fail until then.")
        return 1
    print("Every fact holds against the new version; the change is logged in "
          f"data/changes/{args.therapy_id}.yaml and shown on the chapter.")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; give the exit status (0 when all is well)."""
    parser = argparse.ArgumentParser(prog="python -m carbook", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check_parser = commands.add_parser("check", help="validate data files and report every problem")
    check_parser.add_argument("paths", nargs="*", help="data files to check (default: all, plus _toc.yml chapters)")
    check_parser.add_argument("--strict", action="store_true",
                              help="also fail while any item is left for an editor to judge (before publishing)")
    check_parser.set_defaults(run=_check)
    new_parser = commands.add_parser("new", help="add a therapy: copy its source, scaffold its data file and chapter")
    new_parser.add_argument("therapy_id", nargs="?", help="id of the new therapy, e.g. ct-0525 (lower case, digits, hyphens)")
    new_parser.add_argument("--source", help="path of the therapy's source document (UTF-8 text)")
    new_parser.add_argument("--name", help="the file name to keep the source under (default: from the record's product name)")
    new_parser.add_argument("--from", dest="folder", help="import every document of this folder, one therapy each")
    new_parser.set_defaults(run=_new)
    pdf_parser = commands.add_parser("pdf", help="print the built book as one PDF (after `make book`) and put it into the site")
    pdf_parser.add_argument("--paper", choices=("A4", "Letter"), default="A4", help="paper size (default A4)")
    pdf_parser.set_defaults(run=_pdf)
    update_parser = commands.add_parser("update", help="bring in a newer version of a therapy's source and check every fact against it")
    update_parser.add_argument("therapy_id", help="id of the therapy whose source has a new version, e.g. heros-3")
    update_parser.add_argument("--source", required=True, help="path of the new version of the source document")
    update_parser.add_argument("--retrieved", help="the date the new copy was taken, YYYY-MM-DD (default: today)")
    update_parser.set_defaults(run=_update)
    args = parser.parse_args(argv)
    return args.run(args)
