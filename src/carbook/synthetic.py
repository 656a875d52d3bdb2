"""Copies of the book grown to any size, for measuring the build (``benchmarks/bench.py``) and for tests at scale.

A grown book holds the real therapies plus distinct clones of one of them (``ct-0525``): each clone
has a source of its own, that therapy's record with the drug's name, NCI code and trial identifier
renumbered, and a data file that quotes it; no two therapies share a name or an identifier, so no
page can merge clones and hide the work of one.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import yaml

from carbook.data import paths
from carbook.data.provenance import PROVENANCE_DIR, digest

#: The therapy cloned, its data file, and what makes a clone a therapy of its own: its name, NCI code and
#: trial identifier, renumbered.
CLONED = "ct-0525"
CLONED_FILE = paths.THERAPY_DIR / f"{CLONED}.yaml"
RENUMBERED = {"CT-0525": "CT-{:04d}S", "C205637": "C9{:05d}", "NCT06254807": "NCT9{:07d}"}
ID_TEMPLATE = "synthetic-{:03d}"
CHAPTER_TEMPLATE = Path(__file__).parent / "templates/chapter.md"


def recording(provenance: str, data: bytes) -> str:
    """Give a provenance file's text with its ``sha256`` line recording the digest of ``data``."""
    return re.sub(r"(?m)^sha256: \w+$", f"sha256: {digest(data)}", provenance)


def grow(root: Path, total: int) -> list[str]:
    """Add clones to the book at ``root`` until it holds ``total`` therapies: their sources and data, and,
    where the book has chapter pages, their chapters in the Therapies part of ``_toc.yml``. Give the
    clones' ids. Raise ValueError where the book already holds more, or no longer holds what is renumbered."""
    real = len(list((root / paths.THERAPY_DIR).glob("*.yaml")))
    if total < real:
        raise ValueError(f"cannot grow to {total} therapies: the book already has {real}")
    data = (root / CLONED_FILE).read_text(encoding="utf-8")
    source_name = yaml.safe_load(data)["source"]
    source = (root / paths.SOURCE_DIR / source_name).read_text(encoding="utf-8")
    for needle in (f"\nid: {CLONED}\n", f"\nsource: {source_name}\n", *RENUMBERED):
        if needle not in data and needle not in source:
            raise ValueError(f"{CLONED_FILE} and its source no longer contain {needle!r}; update {__name__}")
    provenance_path = root / PROVENANCE_DIR / f"{source_name}.yaml"
    provenance = provenance_path.read_text(encoding="utf-8") if provenance_path.is_file() else None
    chapters = (root / paths.CHAPTER_DIR).is_dir()
    chapter = string.Template(CHAPTER_TEMPLATE.read_text(encoding="utf-8"))
    ids = [ID_TEMPLATE.format(number) for number in range(1, total - real + 1)]
    for number, therapy_id in enumerate(ids, start=1):
        def renumber(text: str) -> str:
            for needle, pattern in RENUMBERED.items():
                text = text.replace(needle, pattern.format(number))
            return text
        clone_source = f"{therapy_id}.txt"
        text = renumber(source)
        (root / paths.SOURCE_DIR / clone_source).write_text(text, encoding="utf-8")
        if provenance is not None:  # where the clone's source comes from: its own digest and address
            told = recording(provenance, text.encode("utf-8"))
            told = re.sub(r"(?m)^(address: \S+?)/?(\d+)$", lambda m: f"{m[1]}/9{number:05d}", told)
            (root / PROVENANCE_DIR / f"{clone_source}.yaml").write_text(told, encoding="utf-8")
        clone = renumber(data).replace(f"\nid: {CLONED}\n", f"\nid: {therapy_id}\n")
        clone = clone.replace(f"\nsource: {source_name}\n", f"\nsource: {clone_source}\n")
        (root / paths.THERAPY_DIR / f"{therapy_id}.yaml").write_text(clone, encoding="utf-8")
        if chapters:
            (root / paths.CHAPTER_DIR / f"{therapy_id}.md").write_text(chapter.substitute(therapy_id=therapy_id),
                                                                       encoding="utf-8")
    if chapters:
        toc_path = root / "_toc.yml"
        toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
        part = next(p for p in toc["parts"] if p.get("caption") == "Therapies")
        part["chapters"] += [{"file": f"book/therapies/{therapy_id}"} for therapy_id in ids]
        toc_path.write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    return ids
