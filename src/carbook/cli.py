"""Command line: ``python -m carbook check [PATH...]`` validates the data files;
``python -m carbook new ID --source PATH`` adds a therapy."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from carbook.data.coverage import coverage_report
from carbook.data.load import Library, check, check_library, field_lines, project_root
from carbook.data.models import Therapy
from carbook.data.paths import GLOSSARY, THERAPY_DIR
from carbook.data.terms_todo import missing_terms, term_key
from carbook.pages.labels import label
from carbook.scaffold import ScaffoldError, new_therapy


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
    if library is not None:
        for line in coverage_report(library):
            print(line)
        listed: set[str] = set()  # a term missing from several chapters is listed once, where it is first used
        todo = [line for therapy in library.therapies.values() for line in _todo(library, therapy, listed)]
        for line in todo:
            print(line)
        if todo:
            print(f"{len(todo)} item{'s' if len(todo) != 1 else ''} for an editor to judge (the book builds as it is).")
    print("All data files are valid.")
    return 0


def _todo(library: Library, therapy: Therapy, listed: set[str]) -> list[str]:
    """Give the to-do lines of a therapy: what its data file's ``review:`` list asks an editor to judge, then
    each term its chapter's lead shows that has no glossary entry and is not yet in ``listed`` (which it adds
    to), at the line of the fact that shows it."""
    name = f"{THERAPY_DIR.as_posix()}/{therapy.id}.yaml"
    lines = [f"{name}: to do: {item}" for item in therapy.review]
    if therapy.mechanism.becomes is None:
        lines.append(f"{name}: to do: mechanism.becomes: say what the infused cells become where the source says they "
                     "turn into other cells (value and quote), else `not_stated: <what the source leaves out>`; until "
                     "then the comparison shows it as not stated")
    missing = [term for term in missing_terms(therapy, library.glossary) if term_key(term.term) not in listed]
    listed |= {term_key(term.term) for term in missing}
    at = field_lines(library.data_file(therapy.id), [term.loc for term in missing])
    located = sorted(zip((line or 0 for line in at), missing), key=lambda pair: pair[0])
    for line, term in located:
        where = f"{name}:{line}" if line else name
        lines.append(f"{where}: to do: glossary: {term.term!r} ({_what(term.path)}) is used in the chapter's lead but has no "
                     f"entry in {GLOSSARY.as_posix()} — add one (an editorial definition says what a trainee needs in "
                     "general, nothing about this therapy)")
    return lines


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
    reports: list[str] = []
    try:
        written = new_therapy(root, args.therapy_id, Path(args.source), reports)
    except ScaffoldError as error:
        print(f"carbook new: {error}", file=sys.stderr)
        return 2
    for line in reports:
        print(line)
    for path in written:
        print(f"wrote {path.relative_to(root)}")
    print(f"Next: run `python -m carbook check`; it lists what data/therapies/{args.therapy_id}.yaml still needs.")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; give the exit status (0 when all is well)."""
    parser = argparse.ArgumentParser(prog="python -m carbook", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check_parser = commands.add_parser("check", help="validate data files and report every problem")
    check_parser.add_argument("paths", nargs="*", help="data files to check (default: all, plus _toc.yml chapters)")
    check_parser.set_defaults(run=_check)
    new_parser = commands.add_parser("new", help="add a therapy: copy its source, scaffold its data file and chapter")
    new_parser.add_argument("therapy_id", help="id of the new therapy, e.g. ct-0525 (lower case, digits, hyphens)")
    new_parser.add_argument("--source", required=True, help="path of the therapy's source document (UTF-8 text)")
    new_parser.set_defaults(run=_new)
    args = parser.parse_args(argv)
    return args.run(args)
