"""Figures of a therapy's facts, drawn with matplotlib and returned as reproducible SVG.

Every figure draws only what its data states: boxes hold phrases copied from the source, gaps are
drawn as dashed "Not stated in the source" boxes, and no axis carries days or doses the source does
not give. Backgrounds are opaque white so figures stay legible in a dark theme.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")  # no display here: draw straight to files

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from .models import NOT_STATED, AgeRange, NotStated, Step, Therapy, format_number  # noqa: E402
from .tables import display_value, dose_label, plural, regimen_stages  # noqa: E402

if TYPE_CHECKING:
    import pandas as pd

INK = "#1a1a1a"
STATED = "#dbe9f6"
STATED_EDGE = "#1f4e79"
GAP = "#f2f2f2"
GAP_EDGE = "#6b6b6b"
ACCENT = "#1f4e79"
FIGURE_WIDTH = 4.6  # inches: narrow enough that text stays legible when a phone scales the figure down
BOX_CHARS = 34

matplotlib.rcParams.update(
    {
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
)


@dataclass(frozen=True)
class Drawing:
    """A finished figure: its SVG bytes and the alt text that says what it shows."""

    svg: bytes
    alt: str


def to_svg(figure: Figure) -> bytes:
    """Give the figure as SVG bytes with no date or random id, so equal data gives equal bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", facecolor="white", metadata={"Date": None}, bbox_inches="tight")
    return buffer.getvalue()


def _box(ax, x: float, y: float, w: float, h: float, text: str, *, stated: bool, width_chars: int) -> None:
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
    ax.text(x, y, textwrap.fill(text, width_chars), ha="center", va="center", fontsize=11,
            color=INK if stated else "#404040", style="normal" if stated else "italic")


def _arrow(ax, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=16, color=ACCENT, linewidth=1.6))


def _flow(rows: list[tuple[str, str, bool]], label_width: float, arrows: list[bool] | None = None) -> Figure:
    """Draw boxes top to bottom: each row is (label at left, box text, stated?); ``arrows[i]`` says whether an
    arrow joins box ``i`` to the next (default: every box)."""
    width, box_h, gap = FIGURE_WIDTH, 0.95, 0.42
    heights = [box_h + 0.22 * max(0, len(textwrap.wrap(text, BOX_CHARS)) - 2) for _, text, _ in rows]
    total = sum(heights) + gap * (len(rows) - 1)
    figure = Figure(figsize=(width, 0.25 + total * 0.7), facecolor="white")
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(-0.05, total + 0.05)
    ax.axis("off")
    box_x = label_width + (width - label_width) / 2
    box_w = width - label_width - 0.1
    top = total
    for index, ((label, text, stated), height) in enumerate(zip(rows, heights)):
        y = top - height / 2
        _box(ax, box_x, y, box_w, height, text, stated=stated, width_chars=BOX_CHARS)
        ax.text(label_width - 0.12, y, textwrap.fill(label, 12), ha="right", va="center", fontsize=11,
                weight="bold", color=ACCENT)
        if index < len(rows) - 1 and (arrows is None or arrows[index]):
            _arrow(ax, (box_x, top - height), (box_x, top - height - gap))
        top -= height + gap
    return figure


def mechanism_flow(therapy: Therapy) -> Drawing:
    """Give the mechanism as a top-to-bottom flow of numbered boxes, one per stated step."""
    steps = [step.value for step in therapy.mechanism.steps]
    figure = _flow([(str(i), text, True) for i, text in enumerate(steps, start=1)], label_width=0.45)
    listing = "; ".join(f"{i}. {s}" for i, s in enumerate(steps, start=1))
    alt = (f"Flow diagram of the mechanism of {therapy.name.value} as {len(steps)} statements of the source, "
           f"top to bottom in the source's order: {listing}.")
    return Drawing(to_svg(figure), alt)


def regimen_timeline(therapy: Therapy) -> Drawing:
    """Give the regimen as its three stages top to bottom, gaps dashed; no days or durations are drawn.

    An arrow joins two stages only where the source states both and gives the order: without it, the
    stages are listed, not put in a sequence the source does not give."""
    rows = []
    for label, stage in regimen_stages(therapy):
        stated = isinstance(stage, Step)
        rows.append((label, display_value(stage) if stated else NOT_STATED, stated))
    ordered = not isinstance(therapy.regimen.order, NotStated)
    arrows = [ordered and rows[i][2] and rows[i + 1][2] for i in range(len(rows) - 1)]
    figure = _flow(rows, label_width=1.35, arrows=arrows)
    described = "; ".join(f"{label}: {text}" for label, text, _ in rows)
    sequence = ("listed top to bottom, without arrows: the source gives no order" if not ordered else
                "in the order the source gives, joined by arrows" if all(arrows) else
                "listed top to bottom; arrows join only neighbouring stages the source states")
    alt = f"Regimen of {therapy.name.value} as three stages, {sequence}, without days or doses: {described}."
    return Drawing(to_svg(figure), alt)


def age_range(therapy: Therapy) -> Drawing | None:
    """Give the eligible ages as a bar on an age axis, or ``None`` when the source states no ages."""
    ages = therapy.eligibility.ages
    if not isinstance(ages, AgeRange):
        return None
    low, high = ages.minimum, ages.maximum
    figure = Figure(figsize=(FIGURE_WIDTH, 1.9), facecolor="white")
    ax = figure.add_axes((0.06, 0.38, 0.9, 0.5))
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
    alt = f"Horizontal bar on an age axis showing that {therapy.name.value} admits ages {label}."
    return Drawing(to_svg(figure), alt)


def dose_levels(therapy: Therapy) -> Drawing | None:
    """Give the stated dose levels as labelled bars, or ``None`` when the source states no dose."""
    doses = therapy.regimen.dose
    if isinstance(doses, NotStated):
        return None
    units = {dose.unit for dose in doses}
    figure = Figure(figsize=(FIGURE_WIDTH, 1.1 + 0.6 * len(doses)), facecolor="white")
    ax = figure.add_axes((0.18, 0.32 if len(doses) > 1 else 0.4, 0.78, 0.6))
    label = dose_label(therapy)
    labels = [f"{label} {i}" for i in range(1, len(doses) + 1)] if len(doses) > 1 else [label]
    values = [dose.value for dose in doses]
    ax.barh(labels, values, color=STATED, edgecolor=STATED_EDGE, linewidth=1.4, height=0.55)
    ax.invert_yaxis()
    ax.set_xlim(0, max(values) * 2.1)
    ax.set_xticks([0, *values], ["0", *(format_number(v) for v in values)])  # ticks only at stated levels
    for index, dose in enumerate(doses):
        ax.text(dose.value, index, f"  {display_value(dose)}", va="center", fontsize=10.5, color=INK)
    ax.set_xlabel(" / ".join(sorted(units)))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    listing = "; ".join(f"{label}: {display_value(d)}" for label, d in zip(labels, doses))
    stated = therapy.regimen.dose_phrase() or display_value(doses)
    counted = "dose" if len(doses) == 1 else f"{len(doses)} {label.lower()}s"  # "2 dose options": alternatives
    alt = f"Bar chart of the {counted} stated for {therapy.name.value}, {stated}: {listing}."
    return Drawing(to_svg(figure), alt)


def stated_grid(matrix: pd.DataFrame) -> Drawing:
    """Give a grid of facets (rows) by therapies (columns): filled and "stated" where the source states
    the facet, dashed and "not stated" where it is silent (text as well as colour)."""
    rows, columns = list(matrix.index), list(matrix.columns)
    cell_w, cell_h, label_w = 1.15, 0.42, 2.5
    figure = Figure(figsize=(label_w + cell_w * len(columns) + 0.2, 0.8 + cell_h * len(rows)), facecolor="white")
    ax = figure.add_axes((0, 0, 1, 1))
    width, height = label_w + cell_w * len(columns), cell_h * (len(rows) + 1.4)
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")
    for j, column in enumerate(columns):
        ax.text(label_w + cell_w * (j + 0.5), height - cell_h * 0.6, textwrap.fill(column, 10), ha="center", va="center",
                fontsize=10.5, weight="bold", color=ACCENT)
    for i, row in enumerate(rows):
        y = height - cell_h * (i + 1.9)
        ax.text(label_w - 0.1, y, textwrap.fill(row, 24), ha="right", va="center", fontsize=10, color=INK)
        for j, column in enumerate(columns):
            stated = bool(matrix.loc[row, column])
            x = label_w + cell_w * (j + 0.5)
            ax.add_patch(FancyBboxPatch((x - cell_w * 0.45, y - cell_h * 0.4), cell_w * 0.9, cell_h * 0.8,
                                        boxstyle="round,pad=0,rounding_size=0.05",
                                        facecolor=STATED if stated else GAP, edgecolor=STATED_EDGE if stated else GAP_EDGE,
                                        linestyle="-" if stated else (0, (3, 2)), linewidth=1.1))
            ax.text(x, y, "stated" if stated else "not stated", ha="center", va="center", fontsize=10,
                    color=INK if stated else "#404040", style="normal" if stated else "italic")
    counts = "; ".join(f"{c}: {int(matrix[c].sum())} of {len(rows)} facets stated" for c in columns)
    gaps = "; ".join(f"{c}'s source does not state: " + (", ".join(r for r in rows if not matrix.loc[r, c]) or "(nothing)")
                     for c in columns)
    alt = f"Grid of {len(rows)} facets by {len(columns)} therapies showing which facts each source states. {counts}. {gaps}."
    return Drawing(to_svg(figure), alt)
