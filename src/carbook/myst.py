"""Write MyST markdown for pages: escaped text, captioned tables and figures with alt text.

Everything from the data passes through :func:`escape`, so a value can never become markup: in MyST
every ASCII punctuation character may be backslash-escaped, and an escaped one is always literal text.
"""

from __future__ import annotations

import base64
import json
import re
from typing import TYPE_CHECKING, Callable

from .tables import Passage

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


def cite(passage: Passage, link: Link = escape) -> str:
    """Give a passage as MyST: the quote (or gap note) and a link to the source document."""
    return f"{link(str(passage))} ({source_link(passage.document)})"


def cell(value: object, link: Link = escape) -> str:
    return cite(value, link) if isinstance(value, Passage) else link(str(value))


def table(frame: pd.DataFrame, caption: str, name: str, link: Link = escape) -> Markdown:
    """Give a captioned MyST list-table of ``frame`` with a header row; ``name`` is its label.

    ``link`` turns each cell's text into MyST (default: plain escaped text)."""
    lines = [f"````{{list-table}} {escape(caption)}", ":header-rows: 1", f":name: {name}", ":class: carbook-table", ""]
    lines.append("* - " + "\n  - ".join(escape(column) for column in frame.columns))
    for row in frame.itertuples(index=False):
        lines.append("* - " + "\n  - ".join(cell(value, link) for value in row))
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
                escape(caption),
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
