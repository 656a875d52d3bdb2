"""What the book's pages are built from: its input files by kind, what each page depends on, and one
fingerprint of them all (by content), which tells a build whether anything changed since the last.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from carbook.data.paths import CHAPTER_DIR, SOURCE_DIR, THERAPY_DIR
from carbook.data.provenance import provenance_file
from carbook.sphinxext.freshness import Digests

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the whole carbook package: data, pages and build


def book_inputs(root: Path) -> dict[str, Any]:
    """Give the book's input files by kind, as paths relative to ``root`` (absolute for the package)."""
    def files(folder: Path, pattern: str) -> list[str]:
        return sorted(p.relative_to(root).as_posix() for p in (root / folder).glob(pattern))

    return {
        "therapies": files(THERAPY_DIR, "*.yaml"),
        "data": files(Path("data"), "*.yaml"),
        "provenance": files(Path("data/provenance"), "*.yaml"),
        "changes": files(Path("data/changes"), "*.yaml"),
        "sources": files(SOURCE_DIR, "*"),
        "code": sorted(str(p) for p in [*PACKAGE_DIR.rglob("*.py"), *PACKAGE_DIR.glob("templates/*")]),
    }


def is_chapter(docname: str) -> bool:
    return Path(docname).parent.as_posix() == CHAPTER_DIR.as_posix()


def dependencies_of(docname: str, inputs: dict[str, Any]) -> list[str]:
    code = inputs["code"]
    if is_chapter(docname):
        therapy_id = Path(docname).name
        data_file = (THERAPY_DIR / f"{therapy_id}.yaml").as_posix()
        source = inputs["therapy_sources"].get(therapy_id)
        # its source with the source's provenance, and its change log where it has one
        provenance = [p for p in ([provenance_file(Path(source).name).as_posix()] if source else [])
                      if p in inputs["provenance"]]  # a missing file would count as changed on every build
        log = (Path("data/changes") / f"{therapy_id}.yaml").as_posix()
        changes = [log] if log in inputs["changes"] else []
        return [data_file, *([source] if source else []), *provenance, *changes, *inputs["data"], *code]
    # The other pages show the data through generated text and substitutions, judged by their digest
    # (see _outdated), not by which data file changed.
    return list(code)


def fingerprint_of(inputs: dict[str, Any], digests: Digests) -> str:
    """Give a hash of every input file's name and bytes (data, sources, TOC, package code)."""
    digest = hashlib.sha256()
    names = [*inputs["therapies"], *inputs["data"], *inputs["provenance"], *inputs["changes"], *inputs["sources"],
             *inputs["code"], "_toc.yml"]
    for name in sorted(set(names)):
        digest.update(f"{name}\0{digests(name)}\0".encode())
    return digest.hexdigest()
