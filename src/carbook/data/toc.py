"""Find the book and its chapters: its root folder, the data files in the order of the table of contents, and
the chapters the table lists.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import yaml

from carbook.data.paths import CHAPTER_DIR, THERAPY_DIR
from carbook.data.problems import Problem
from carbook.data.yamlfile import parse_yaml


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


def therapy_files(root: Path) -> list[Path]:
    """Give every therapy data file of the book: in the order of the chapters in ``_toc.yml``, then any
    without a chapter by name."""
    files = sorted((root / THERAPY_DIR).glob("*.yaml"))
    try:
        toc = parse_yaml((root / "_toc.yml").read_text(encoding="utf-8"))[0]
    except (OSError, yaml.YAMLError):
        return files
    order = [Path(value).stem for value, _ in toc_files(toc) if Path(value).parent.as_posix() == CHAPTER_DIR.as_posix()]
    rank = {therapy_id: index for index, therapy_id in enumerate(order)}
    return sorted(files, key=lambda path: (rank.get(path.stem, len(rank)), path.name))


def check_chapters(root: Path) -> list[Problem]:
    toc_path = root / "_toc.yml"
    try:
        toc = parse_yaml(toc_path.read_text(encoding="utf-8"))[0]
    except (OSError, yaml.YAMLError) as error:
        return [Problem("_toc.yml", None, "", f"cannot be read ({error})", "restore _toc.yml")]
    chapters = {Path(value).stem: line for value, line in toc_files(toc) if Path(value).parent.as_posix() == CHAPTER_DIR.as_posix()}
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


def toc_files(node: yaml.Node | None) -> Iterator[tuple[str, int]]:
    """Give each page a TOC names (``file:`` or ``root:``) with its line."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value in ("file", "root") and isinstance(value, yaml.ScalarNode):
                yield value.value, value.start_mark.line + 1
            else:
                yield from toc_files(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from toc_files(item)
