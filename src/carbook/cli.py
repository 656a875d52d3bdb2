"""Command line: ``python -m carbook check [PATH...]`` validates the data files;
``python -m carbook new ID --source PATH`` adds a therapy."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from carbook.data.coverage import coverage_report
from carbook.data.load import check, check_library, project_root
from carbook.data.paths import THERAPY_DIR
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
        todo = [f"{THERAPY_DIR.as_posix()}/{t.id}.yaml: to do: {item}" for t in library.therapies.values() for item in t.review]
        for line in todo:
            print(line)
        if todo:
            print(f"{len(todo)} item{'s' if len(todo) != 1 else ''} for an editor to judge (the book builds as it is).")
    print("All data files are valid.")
    return 0


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
