"""Write MyST markdown for pages: escaped text, captioned tables and figures with alt text.

Everything from the data passes through :func:`escape`, so a value can never become markup: in MyST
every ASCII punctuation character may be backslash-escaped, and an escaped one is always literal text.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_SPACE = re.compile(r"\s+")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")  # a pipe that would end a table cell


@dataclass(frozen=True)
class Drawing:
    """A finished figure (drawn by :mod:`carbook.pages.figures`): its SVG bytes, the alt text that says what
    it shows, every text it draws (box texts, labels, tick labels) and, for each arrow, the source's words
    that state the order or cause it draws, so tests can pin that it draws stated values and relations only."""

    svg: bytes
    alt: str
    texts: tuple[str, ...] = ()
    arrows: tuple[tuple[str, str], ...] = ()  # each arrow's licensing words and the passage that holds them


class Markdown(str):
    """MyST text that a notebook cell shows as rendered markdown (``text/markdown``)."""

    def _repr_markdown_(self) -> str:
        return str(self)

    def __add__(self, other: str) -> Markdown:
        return Markdown(f"{self}\n\n{other}")


def escape(text: object) -> str:
    """Give ``text`` as MyST that renders as exactly that text: one line, all punctuation escaped."""
    return _PUNCTUATION.sub(r"\\\1", _SPACE.sub(" ", str(text)).strip())


def slug(text: str) -> str:
    """Give a label-safe form of ``text``: lower case, runs of other characters as one hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def source_label(document: str) -> str:
    """Give the cross-reference label of a source document's page in the Sources appendix."""
    return f"source-{slug(document)}"



def source_link(document: str) -> str:
    """Give a MyST link to a source document's page in the Sources appendix
    (:mod:`carbook.sphinxext.source_pages` resolves it)."""
    return f"{{ref}}`{document} <{source_label(document)}>`"


def list_table(caption: str, name: str, header: list[str], rows: list[list[str]], css: str = "carbook-table") -> Markdown:
    """Give a captioned MyST table of one-line cells already written as MyST, with a header row.

    The table is written as a pipe table inside a ``table`` directive (which gives the caption, label
    and class): Sphinx reads it in one pass, where a ``list-table`` parses each cell on its own
    (several times slower on the pages that list every therapy)."""
    def cell(text: str) -> str:
        if "\n" in text:
            raise ValueError(f"a table cell must be one line: {text!r}")
        return _UNESCAPED_PIPE.sub(r"\\|", text) or "—"

    title = f" {escape(caption)}" if caption else ""
    lines = [f"````{{table}}{title}", f":name: {name}", f":class: {css}", ""]
    lines.append("| " + " | ".join(cell(text) for text in header) + " |")
    lines.append("|" + "---|" * len(header))
    for row in rows:
        lines.append("| " + " | ".join(cell(text or "") for text in row) + " |")
    lines.append("````")
    return Markdown("\n".join(lines))


#: What separates the cells of a ``{plain-table}`` row (:mod:`carbook.sphinxext.plain_table`).
PLAIN_CELL_SEPARATOR = "\t"


def plain_table(caption: str, name: str, header: list[str], rows: list[tuple[str, list[str]]],
                css: str = "carbook-table") -> Markdown:
    """Give a captioned ``{plain-table}`` block: cells of plain text (never read as markup), set without
    parsing them, a header row, and each row's first cell a link to a page.

    ``rows`` holds, for each row, the page its first cell links to (relative to the page the table is
    on, such as ``therapies/ct-0525.md``) and its cells. A cell's whitespace (line breaks included)
    reads as one space, as HTML shows it."""
    def line(cells: list[str]) -> str:
        return PLAIN_CELL_SEPARATOR.join(" ".join(cell.split()) for cell in cells)

    lines = [f"````{{plain-table}} {escape(caption)}", f":name: {name}", f":class: {css}", ":row-links:", "",
             line(header)]
    lines.extend(line([page, *cells]) for page, cells in rows)
    lines.append("````")
    return Markdown("\n".join(lines))


def figure(drawing: Drawing, caption: str, name: str, root: Path | None = None) -> Markdown:
    """Give a MyST figure of ``drawing`` with its alt text, caption and label.

    The SVG is written once to ``_build/figures/`` of the book (at ``root``, by default the one the
    working folder is in), under a name made from its bytes, and the page refers to it: a browser
    caches a figure between pages and visits, and the page gives its width and height so that nothing
    moves when it arrives."""
    from carbook.data.toc import project_root

    digest = hashlib.sha256(drawing.svg).hexdigest()[:20]
    folder = (root or project_root()) / FIGURE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"figure-{digest}.svg"
    if not path.is_file() or path.read_bytes() != drawing.svg:
        temporary = path.with_suffix(f".{os.getpid()}.tmp")  # pages run in parallel: never a half-written file
        temporary.write_bytes(drawing.svg)
        temporary.replace(path)
    width, height = _pixel_size(drawing.svg)
    return Markdown(
        "\n".join(
            [
                f"````{{figure}} /{FIGURE_DIR.as_posix()}/{path.name}",
                "---",
                f"alt: {json.dumps(_SPACE.sub(' ', drawing.alt).strip())}",
                f"width: {width}",
                f"height: {height}",
                f"name: {name}",
                "class: carbook-figure",
                "---",
                caption if isinstance(caption, Markdown) else escape(caption),
                "````",
            ]
        )
    )


FIGURE_DIR = Path("_build/figures")  # inside the book's folder (Sphinx copies figures from there), ignored by git
_SVG_SIZE = re.compile(rb'<svg[^>]*?\swidth="([0-9.]+)(pt|px)?"[^>]*?\sheight="([0-9.]+)(pt|px)?"')


def _pixel_size(svg: bytes) -> tuple[int, int]:
    """Give the CSS pixel width and height an SVG asks for (matplotlib writes points: 1 pt = 4/3 px)."""
    match = _SVG_SIZE.search(svg)
    if match is None:
        raise ValueError("the figure's SVG gives no width and height")
    scale = {b"pt": 4 / 3, b"px": 1, None: 1}
    return (round(float(match[1]) * scale[match[2]]), round(float(match[3]) * scale[match[4]]))


def dropdown(title: str, body: str, name: str | None = None) -> Markdown:
    """Give a collapsed block: ``title`` (plain text) shows, ``body`` (MyST) opens on a click; ``name`` gives
    it an id a link can lead to."""
    option = f":name: {name}\n" if name else ""
    return Markdown(f"`````{{dropdown}} {escape(title)}\n{option}{body}\n`````")


def paragraph(*parts: str) -> Markdown:
    """Give one paragraph of already-escaped parts joined by spaces."""
    return Markdown(" ".join(parts))
