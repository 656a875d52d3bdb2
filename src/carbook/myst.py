"""Write MyST markdown for pages: escaped text, captioned tables and figures with alt text.

Everything from the data passes through :func:`escape`, so a value can never become markup: in MyST
every ASCII punctuation character may be backslash-escaped, and an escaped one is always literal text.
"""

from __future__ import annotations

import base64
import json
import re
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import pandas as pd

    from .figures import Drawing

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_SPACE = re.compile(r"\s+")


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
    """Give the cross-reference label of a source document's section in the Sources appendix."""
    return f"source-{slug(document)}"


Link = Callable[[str], str]


def source_link(document: str) -> str:
    """Give a MyST link to a source document's section of the Sources appendix."""
    return f"{{ref}}`{document} <{source_label(document)}>`"


def table(frame: pd.DataFrame, caption: str, name: str, link: Link = escape) -> Markdown:
    """Give a captioned MyST list-table of ``frame`` with a header row; ``name`` is its label.

    ``link`` turns each cell's text into MyST (default: plain escaped text)."""
    rows = [[link(str(value)) for value in row] for row in frame.itertuples(index=False)]
    return list_table(caption, name, [escape(column) for column in frame.columns], rows)


def list_table(caption: str, name: str, header: list[str], rows: list[list[str]], css: str = "carbook-table") -> Markdown:
    """Give a captioned MyST list-table of cells already written as MyST, with a header row."""
    title = f" {escape(caption)}" if caption else ""
    lines = [f"````{{list-table}}{title}", ":header-rows: 1", f":name: {name}", f":class: {css}", ""]
    lines.append("* - " + "\n  - ".join(header))
    for row in rows:
        lines.append("* - " + "\n  - ".join(cell or "—" for cell in row))
    lines.append("````")
    return Markdown("\n".join(lines))


def figure(drawing: Drawing, caption: str, name: str) -> Markdown:
    """Give a MyST figure of ``drawing`` (inline SVG data) with its alt text, caption and label."""
    data = base64.b64encode(drawing.svg).decode("ascii")
    return Markdown(
        "\n".join(
            [
                f"````{{figure}} data:image/svg+xml;base64,{data}",
                "---",
                f"alt: {json.dumps(_SPACE.sub(' ', drawing.alt).strip())}",
                f"name: {name}",
                "class: carbook-figure",
                "---",
                caption if isinstance(caption, Markdown) else escape(caption),
                "````",
            ]
        )
    )


def dropdown(title: str, body: str) -> Markdown:
    """Give a collapsed block: ``title`` (plain text) shows, ``body`` (MyST) opens on a click."""
    return Markdown(f"`````{{dropdown}} {escape(title)}\n{body}\n`````")


def paragraph(*parts: str) -> Markdown:
    """Give one paragraph of already-escaped parts joined by spaces."""
    return Markdown(" ".join(parts))
