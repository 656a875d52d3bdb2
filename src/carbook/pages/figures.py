"""Figures of a therapy's facts, drawn with matplotlib and returned as reproducible SVG.

Every figure draws only what its data states: boxes hold phrases copied from the source, gaps are
drawn as dashed "Not stated in the source" boxes, and no axis carries days or doses the source does
not give. Backgrounds are opaque white so figures stay legible in a dark theme.
"""

from __future__ import annotations

import hashlib
import io
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from carbook.data.models import Therapy

from carbook.data.facts import NOT_STATED, SEQUENCE_WORDS, SIDE_BY_SIDE_WORDS, AgeRange, NotStated, Step, format_number
from carbook.data.sources import normalise
from carbook.pages.myst import Drawing  # defined there: a Drawing kept between builds loads without matplotlib
from carbook.pages.tables import display_value, plural, regimen_stages

if TYPE_CHECKING:
    from matplotlib.figure import Figure

INK = "#1a1a1a"
STATED = "#dbe9f6"
STATED_EDGE = "#1f4e79"
GAP = "#f2f2f2"
GAP_EDGE = "#6b6b6b"
ACCENT = "#1f4e79"
FIGURE_WIDTH = 4.8  # inches: narrow enough that text stays legible when a phone scales the figure down
BOX_CHARS = 34

STYLE = {
    "svg.hashsalt": "carbook",  # fixed ids: the same data gives the same bytes
    "svg.fonttype": "path",  # text drawn as paths: no fonts needed, no markup from data in the SVG
    "text.parse_math": False,  # a "$" in the data is a dollar sign, never mathtext
    "font.family": "DejaVu Sans",
    "font.size": 11,
    "text.color": INK,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
}


def _new_figure(**kwargs: Any) -> Figure:
    """Give a new matplotlib figure drawn in the book's style. matplotlib is imported by the first figure
    drawn, so a page whose figures are all kept (:class:`Drawings`) never loads it."""
    import matplotlib

    if matplotlib.rcParams["svg.hashsalt"] != STYLE["svg.hashsalt"]:
        matplotlib.use("Agg")  # no display here: draw straight to files
        matplotlib.rcParams.update(STYLE)
    from matplotlib.figure import Figure

    return Figure(**kwargs)


class Drawings:
    """Finished figures kept between builds, one file each under ``_build/.carbook/drawings/`` of the book,
    by a digest of what the figure draws (its boxes, labels, arrows and alt text), of this package's code
    and of matplotlib's version. A page executed again with a figure unchanged takes it as it was drawn.
    Without a book root (``root=None``) nothing is kept."""

    def __init__(self, root: Path | None):
        from carbook.data import kept

        self.folder = None if root is None else root / kept.FOLDER / "drawings"

    def get(self, kind: str, inputs: tuple[Any, ...], draw: Callable[[], Drawing]) -> Drawing:
        """Give the drawing of this ``kind`` made from ``inputs``: as kept, or from ``draw()`` (then kept)."""
        if self.folder is None:
            return draw()
        from carbook.data import kept

        key = hashlib.sha256(repr((kind, inputs, _matplotlib_version())).encode()).hexdigest()[:32]
        path = self.folder / f"{key}.pickle"
        drawn = kept.load(path)
        if isinstance(drawn, Drawing):
            return drawn
        made = draw()
        kept.save(path, made)  # kernels draw side by side: each file is written whole
        return made


@cache
def _matplotlib_version() -> str:
    from importlib.metadata import version

    return version("matplotlib")


NOT_KEPT = Drawings(None)


def to_svg(figure: Figure) -> bytes:
    """Give the figure as SVG bytes with no date or random id, so equal data gives equal bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", facecolor="white", metadata={"Date": None}, bbox_inches="tight")
    return buffer.getvalue()


def drawn_texts(figure: Figure) -> tuple[str, ...]:
    """Give every non-empty text the figure draws, line breaks of wrapping undone.

    An invisible artist draws nothing inside it, and an axes turned off (a diagram of boxes) draws no
    axis: neither is looked into, which also spares making the ticks of an axis never drawn."""
    from matplotlib.axis import Axis
    from matplotlib.text import Text

    found: list[str] = []

    def look(artist: Any) -> None:
        if not artist.get_visible() or (isinstance(artist, Axis) and not artist.axes.axison):
            return
        for child in artist.get_children():
            look(child)
        if isinstance(artist, Text):
            found.append(artist.get_text())

    look(figure)
    return tuple(" ".join(t.split()) for t in found if t.strip())


def drawing(figure: Figure, alt: str) -> Drawing:
    """Give the finished figure as a :class:`Drawing`."""
    texts = drawn_texts(figure)  # before saving: saving draws, and tick labels read only then are the ones set
    return Drawing(to_svg(figure), alt, texts)


def _wrap(text: str, width: int) -> str:
    """Give ``text`` in lines of about ``width`` characters, never cutting a word."""
    return textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)


def _box(ax, x: float, y: float, w: float, h: float, text: str, *, stated: bool, width_chars: int,
         fontsize: float = 11) -> None:
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2), w, h,
            boxstyle="round,pad=0.02,rounding_size=0.04",
            facecolor=STATED if stated else GAP,
            edgecolor=STATED_EDGE if stated else GAP_EDGE,
            linestyle="-" if stated else (0, (4, 3)),
            linewidth=1.4,
        )
    )
    ax.text(x, y, _wrap(text, width_chars), ha="center", va="center", fontsize=fontsize,
            color=INK if stated else "#404040", style="normal" if stated else "italic")


def _arrow(ax, start: tuple[float, float], end: tuple[float, float]) -> None:
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=16, color=ACCENT, linewidth=1.6))


def _line(ax, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Join two rows by a plain line: they belong together, and no order or cause is stated."""
    ax.plot([start[0], end[0]], [start[1], end[1]], color=GAP_EDGE, linewidth=1.2, solid_capstyle="butt")


@dataclass(frozen=True)
class Link:
    """What joins a row of a flow figure to the row before it: an ``arrow`` (the source states an order or a
    cause), a plain ``line`` (a relative clause: it describes what the row before names) or ``none``; the
    ``label`` drawn beside it (the source's own words, or empty); and the ``words`` and ``passage`` that
    license it, which a test checks."""

    kind: str
    label: str = ""
    words: str = ""
    passage: str = ""


def _flow(rows: list[tuple[str, list[str], bool]], label_width: float, links: list[Link] | None = None) -> Figure:
    """Draw rows of boxes top to bottom: each row is (label at left, box texts side by side, stated?);
    ``links[i]`` says what joins row ``i`` to the next (default: nothing)."""
    width = FIGURE_WIDTH
    links = links or [Link("none")] * (len(rows) - 1)
    area_w = width - label_width - 0.1

    def chars_for(count: int) -> int:  # what fits on a line of a box, at 11 pt
        return max(8, int((area_w / count - 0.15) * 8.4))

    heights = []
    for _, texts, _ in rows:
        lines = max(len(_wrap(text, chars_for(len(texts))).splitlines()) for text in texts)
        heights.append(0.24 + 0.22 * lines)
    gaps = [0.32] * len(links)
    total = sum(heights) + sum(gaps)
    figure = _new_figure(figsize=(width, 0.25 + total * 0.7), facecolor="white")
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(-0.05, total + 0.05)
    ax.axis("off")
    area_x = label_width + 0.05
    box_x = area_x + area_w / 2
    top = total
    for index, ((label, texts, stated), height) in enumerate(zip(rows, heights)):
        y = top - height / 2
        count = len(texts)
        chars = chars_for(count)
        each = area_w / count
        for k, text in enumerate(texts):
            _box(ax, area_x + each * (k + 0.5), y, each - 0.08, height, text, stated=stated, width_chars=chars)
        if label:
            ax.text(label_width - 0.12, y, _wrap(label, 12), ha="right", va="center", fontsize=11,
                    weight="bold", color=ACCENT)
        top -= height
        if index < len(rows) - 1:
            link, gap = links[index], gaps[index]
            start, end = (box_x, top), (box_x, top - gap)
            if link.kind == "arrow":
                _arrow(ax, start, end)
            elif link.kind == "line":
                _line(ax, start, end)
            if link.label:
                ax.text(box_x + 0.12, top - gap / 2, link.label, ha="left", va="center", fontsize=10,
                        style="italic", color=ACCENT if link.kind == "arrow" else "#404040")
            top -= gap
    return figure


def mechanism_groups(therapy: Therapy) -> list[tuple[list[str], Link]]:
    """Give the statements of how the cells act as rows to draw: each row the statements side by side (joined
    by "while" or "and"), and what joins it to the row before: an arrow only where the source's word states an
    order or a cause (labelled with the source's words before the statement, "After infusion"), a plain line
    labelled with the relative pronoun where a relative clause describes the cells ("which", "that")."""
    rows: list[tuple[list[str], Link]] = []
    for step in therapy.mechanism.actions():
        if rows and step.joined in SIDE_BY_SIDE_WORDS:
            rows[-1][0].append(step.value)
        elif not rows or step.joined is None:
            rows.append(([step.value], Link("none")))
        elif step.joined in SEQUENCE_WORDS:
            rows.append(([step.value], Link("arrow", step.lead_in() or step.joined.capitalize(), step.joined, step.quote)))
        else:  # a relative clause: it describes what the row before names
            rows.append(([step.value], Link("line", step.joined, step.joined, step.quote)))
    return rows


def _flow_drawing(rows: list[tuple[str, list[str], bool]], label_width: float, links: list[Link] | None, alt: str,
                  kept: Drawings) -> Drawing:
    """Give the :func:`_flow` of ``rows`` with its ``alt`` text, kept in ``kept`` by exactly these inputs; the
    drawing records each arrow's licensing words and passage."""
    inputs = (repr(rows), label_width, repr(links), alt)
    arrows = tuple((link.words, link.passage) for link in links or [] if link.kind == "arrow")
    return kept.get("flow", inputs, lambda: replace(drawing(_flow(rows, label_width, links), alt), arrows=arrows))


def mechanism_flow(therapy: Therapy, kept: Drawings = NOT_KEPT) -> Drawing:
    """Give how the cells act, as the source states it: boxes top to bottom in the source's order, an arrow
    only where it states an order or a cause, a plain line where a relative clause describes the cells,
    statements it joins by "while" or "and" side by side."""
    groups = mechanism_groups(therapy)
    links = [link for _, link in groups[1:]]
    described = []
    for index, (texts, link) in enumerate(groups):
        joint = ("" if index == 0 else f"then, {link.label} (arrow): " if link.kind == "arrow"
                 else f"joined by “{link.label}” (a line: it describes, it states no step): " if link.kind == "line"
                 else "next, with no order stated: ")
        described.append(joint + " — side by side with — ".join(texts))
    alt = (f"Flow diagram of how the cells of {therapy.name.value} act, in the words of the source: "
           + "; ".join(described) + ".")
    return _flow_drawing([("", texts, True) for texts, _ in groups], 0.05, links, alt, kept)


def regimen_timeline(therapy: Therapy, kept: Drawings = NOT_KEPT) -> Drawing | None:
    """Give the regimen as its three stages top to bottom, gaps dashed, joined by an arrow where the source
    states their order in words that say so ("before", "after"); ``None`` where the source gives no order (no
    sequence is drawn that it does not state)."""
    if isinstance(therapy.regimen.order, NotStated):
        return None
    stages = regimen_stages(therapy)
    rows = []
    for _, label, stage in stages:
        stated = isinstance(stage, Step)
        rows.append((label, [display_value(stage) if stated else NOT_STATED], stated))
    links = [_stage_link(therapy, stages[i][2], stages[i + 1][2]) for i in range(len(stages) - 1)]
    described = "; ".join(f"{label}: {texts[0]}" for label, texts, _ in rows)
    alt = f"Regimen of {therapy.name.value} as three stages in the order the source gives, without days or doses: {described}."
    return _flow_drawing(rows, 1.35, links, alt, kept)


# An order word standing as a word: "first-in-human" or "after-care" orders nothing.
_BEFORE_WORDS = re.compile(r"\b(before|first)\b(?!-)", re.IGNORECASE)
_AFTER_WORDS = re.compile(r"\b(after|then|leads to)\b(?!-)", re.IGNORECASE)


def _stage_link(therapy: Therapy, earlier: Any, later: Any) -> Link:
    """Give the arrow from one stated stage to the next, licensed by an order word of a passage that states it:
    "before" or "first" in the earlier stage's passage, "after" or "then" in the later stage's, else an order
    word in the regimen's order; no link where none does."""
    if not (isinstance(earlier, Step) and isinstance(later, Step)):
        return Link("none")
    order = therapy.regimen.order.quote
    for passage, words in ((earlier.what.quote, _BEFORE_WORDS), (later.what.quote, _AFTER_WORDS),
                           (order, _BEFORE_WORDS), (order, _AFTER_WORDS)):
        match = words.search(normalise(passage))
        if match:
            return Link("arrow", "", match.group(1).lower(), passage)
    return Link("none")


def age_range(therapy: Therapy, kept: Drawings = NOT_KEPT) -> Drawing | None:
    """Give the eligible ages as a bar on an age axis, or ``None`` when the source states no ages."""
    ages = therapy.eligibility.ages
    if not isinstance(ages, AgeRange):
        return None
    return kept.get("ages", (ages.minimum, ages.maximum, ages.unit), lambda: _age_bar(ages))


def _age_bar(ages: AgeRange) -> Drawing:
    low, high = ages.minimum, ages.maximum
    figure = _new_figure(figsize=(FIGURE_WIDTH, 1.2), facecolor="white")
    ax = figure.add_axes((0.06, 0.42, 0.9, 0.5))
    ax.barh([0], [high - low], left=[low], height=0.5, color=STATED, edgecolor=STATED_EDGE, linewidth=1.4)
    ax.set_xlim(0, high * 1.15 if high else 1)
    ax.set_ylim(-0.6, 0.6)
    ax.set_yticks([])
    ax.set_xticks([low, high], [format_number(low), format_number(high)])
    ax.set_xlabel(f"Age ({plural(ages.unit, 2)})")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    label = f"{format_number(low)} to {format_number(high)} {plural(ages.unit, high)}"
    ax.text((low + high) / 2, 0, label, ha="center", va="center", fontsize=11, weight="bold", color=INK)
    alt = f"Horizontal bar on an age axis showing that the source admits ages {label}."
    return drawing(figure, alt)


def stated_counts(counts: Mapping[str, int], total: int) -> Drawing:
    """Give, per facet, a bar of how many of the ``total`` therapies' sources state it, the rest of the row
    dashed: which facts sources give and which they leave out (``counts``: by facet label, a mapping or a
    series). The figure's size does not grow with the book."""
    facets = list(counts.keys())
    values = [int(counts[facet]) for facet in facets]
    figure = _new_figure(figsize=(FIGURE_WIDTH, 0.6 + 0.3 * len(facets)), facecolor="white")
    ax = figure.add_axes((0.42, 0.08 + 0.3 / (0.6 + 0.3 * len(facets)), 0.5, 1 - 0.5 / (0.6 + 0.3 * len(facets))))
    y = list(range(len(facets)))
    ax.barh(y, [total] * len(facets), color=GAP, edgecolor=GAP_EDGE, linestyle=(0, (3, 2)), linewidth=0.8, height=0.62)
    ax.barh(y, values, color=STATED, edgecolor=STATED_EDGE, linewidth=1.1, height=0.62)
    ax.set_yticks(y, [_wrap(f, 26) for f in facets], fontsize=9.5)
    ax.invert_yaxis()
    ax.set_xlim(0, total)
    ax.set_xticks([0, total], ["0", str(total)])
    ax.set_xlabel(f"therapies whose source states it (of {total})", fontsize=9.5)
    for index, count in enumerate(values):
        ax.text(total * 0.02, index, str(int(count)), va="center", ha="left", fontsize=9.5, weight="bold", color=INK)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    listing = "; ".join(f"{facet}: {int(count)} of {total}" for facet, count in counts.items())
    alt = f"Bar chart of how many of the {total} therapies’ sources state each facet: {listing}."
    return drawing(figure, alt)
