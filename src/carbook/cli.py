"""Command line: ``python -m carbook check [PATH...]`` validates the data files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .load import check, project_root


def _check(args: argparse.Namespace) -> int:
    root = project_root()
    problems = check(root, [Path(p).resolve() for p in args.paths] or None)
    for problem in problems:
        print(problem)
    count = len(problems)
    if count:
        print(f"{count} problem{'s' if count != 1 else ''} found.")
        return 1
    print("All data files are valid.")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; give the exit status (0 when all is well)."""
    parser = argparse.ArgumentParser(prog="python -m carbook", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check_parser = commands.add_parser("check", help="validate data files and report every problem")
    check_parser.add_argument("paths", nargs="*", help="data files to check (default: all, plus _toc.yml chapters)")
    check_parser.set_defaults(run=_check)
    args = parser.parse_args(argv)
    return args.run(args)
