"""Compare therapies side by side: one row a question a trainee asks of a modality, one column a therapy.

A cell holds what that therapy's source states, each part with what it rests on (an aim, an earlier
finding, a hedged claim) and links to every passage that states its words, in the therapy's chapter.
Where the source is silent the cell says so and is set apart; such a row is never marked as a
difference. The same cells make the table the comparison page shows without JavaScript (a default set
of therapies, :func:`default_set`) and the per-therapy files its script loads to compare any 2 to 4
(:func:`column_json`), so the page stays small however many therapies the book holds.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from carbook.data.load import Library
from carbook.data.models import Therapy
from carbook.data.facts import NOT_STATED, RESTS_ON_PREFIX, SEQUENCE_WORDS, SIDE_BY_SIDE_WORDS, NotStated, Step
from carbook.data.sources import normalise
from carbook.pages.labels import label, modality_label
from carbook.pages.myst import escape
from carbook.pages.substitutions import short_name
from carbook.pages.terms import escape_keep_edges
from carbook.pages.tables import display_fact, display_value

if TYPE_CHECKING:
    import pandas as pd

#: The facets the "What the sources state" figure counts, by dotted path; their labels come from the registry.
FACET_PATHS: list[str] = [
    "modality",
    "cell_type",
    "cell_source",
    "mechanism.becomes",
    "mechanism.effector",
    "target_antigen",
    "car_components",
    "regimen.conditioning",
    "regimen.combination",
    "regimen.dose",
    "regimen.route",
    "trial.phase",
    "eligibility.ages",
    "trial.nct_id",
    "nci_concept.code",
]

#: The facets as ``(label, path)``.
FACETS: list[tuple[str, str]] = [(label(path), path) for path in FACET_PATHS]

#: What a statement may rest on that says nothing certain of the therapy: never a difference between two.
FRAMED = ("aim", "finding", "hedged")

#: How many therapies a reader may compare at once, and at least.
MOST, FEWEST = 4, 2


@dataclass(frozen=True)
class Facet:
    """A row of the comparison: its key (in the page's files), its label, the facts it shows by dotted path
    (``acts`` shows how the cells act, statement by statement), and whether different values in it are
    marked as a difference (identifiers always differ, and are not)."""

    key: str
    label: str
    paths: tuple[str, ...]
    compared: bool = True


ROWS: list[Facet] = [
    Facet("cell", label("cell_type"), ("cell_type",)),
    Facet("source", label("cell_source"), ("cell_source",)),
    Facet("becomes", label("mechanism.becomes"), ("mechanism.becomes",)),
    Facet("acts", "How the cells act, as stated", ("mechanism.steps",)),
    Facet("effector", label("mechanism.effector"), ("mechanism.effector",)),
    Facet("target", label("target_antigen"), ("target_antigen",)),
    Facet("parts", label("car_components"), ("car_components",)),
    Facet("before", label("regimen.conditioning"), ("regimen.conditioning",)),
    Facet("with", label("regimen.combination"), ("regimen.combination",)),
    Facet("dose", label("regimen.dose"), ("regimen.dose",)),
    Facet("route", label("regimen.route"), ("regimen.route",)),
    Facet("phase", label("trial.phase"), ("trial.phase",)),
    Facet("who", "Who may take part", ("eligibility.condition", "eligibility.ages")),
    Facet("trial", label("trial.nct_id"), ("trial.nct_id",), compared=False),
    Facet("nci", label("nci_concept.code"), ("nci_concept.code",), compared=False),
]
ROW_KEYS = {row.key: row for row in ROWS}


@dataclass(frozen=True)
class Part:
    """One statement of a cell: its words as shown, the passages that state them, what it rests on (shown
    before it: ``Aim:``), the source's word joining it to the part before, and for a gap the note."""

    text: str
    passages: tuple[str, ...]
    frame: str = ""
    joint: str = ""
    label: str = ""
    gap: str | None = None
    framed: bool = False  # an aim, an earlier finding or a hedged claim: not a statement of fact about the therapy


@dataclass(frozen=True)
class Cell:
    """What one therapy's source states for one row."""

    parts: tuple[Part, ...]

    @property
    def silent(self) -> bool:
        """True where the source states nothing of the row."""
        return all(part.gap is not None for part in self.parts)

    @property
    def whole(self) -> bool:
        """True where the source states every part of the row as a fact (a row can be compared only then: an
        aim, an earlier finding or a hedged claim says nothing certain of the therapy either way)."""
        return all(part.gap is None and not part.framed for part in self.parts)

    @property
    def key(self) -> str:
        """Give the cell's words in the form two cells are compared in (case, spacing and typography aside)."""
        return " ".join(" ".join(normalise(f"{p.label} {p.frame} {p.joint} {p.text}").casefold().split()) for p in self.parts)


def _quotes(item: Any) -> tuple[str, ...]:
    if isinstance(item, NotStated):
        return (item.nearby,) if item.nearby else ()
    if isinstance(item, Step):
        return tuple(dict.fromkeys([item.what.quote, *(agent.quote for agent in item.agents)]))
    if isinstance(item, list):
        return tuple(dict.fromkeys(q for one in item for q in _quotes(one)))
    return (item.quote,) if hasattr(item, "quote") else ()


def _fact(therapy: Therapy, path: str, named: bool = False) -> list[Part]:
    item = therapy.fact_or_gap(path) if getattr(therapy, path.split(".")[0], None) is not None else None
    caption = label(path) if named else ""
    if item is None or isinstance(item, NotStated):
        return [Part(NOT_STATED, _quotes(item) if item else (), label=caption,
                     gap=item.not_stated if item else "The data holds no such fact.")]
    if path == "car_components":
        return [Part(part.value, (part.quote,), joint="; " if index else "") for index, part in enumerate(item)]
    rests_on = getattr(item[0] if isinstance(item, list) else item, "rests_on", "")
    frame = RESTS_ON_PREFIX.get(rests_on, "")
    text = display_fact(therapy, path, item) if path == "regimen.dose" else display_value(item)
    return [Part(text, _quotes(item), frame=frame if path != "trial.nct_id" else "", label=caption,
                 framed=rests_on in FRAMED)]


def _acts(therapy: Therapy) -> list[Part]:
    """Give how the cells act as the source states it: every mechanism statement in its order, each with what
    it rests on and the source's joining word, then the hedged claims of the NCI definition it carries."""
    parts = []
    for index, step in enumerate(therapy.mechanism.steps):
        if index == 0:
            joint = ""
        elif step.joined in SIDE_BY_SIDE_WORDS:
            joint = " while " if step.joined == "while" else " and "
        elif step.joined in SEQUENCE_WORDS:
            joint = f"; {step.lead_in() or step.joined}, "
        elif step.joined:
            joint = f" {step.joined} "
        else:
            joint = "; "
        frame = RESTS_ON_PREFIX.get(step.rests_on, "") if step.rests_on not in ("statement", "description") else ""
        parts.append(Part(step.value, (step.quote,), frame=frame, joint=joint, framed=step.rests_on in FRAMED))
    concept = therapy.nci_concept
    hedged = [] if isinstance(concept, NotStated) else [c for c in concept.claims if c.rests_on == "hedged"]
    for claim in hedged:
        parts.append(Part(claim.value, (claim.quote,), frame="Hedged, in the NCI Thesaurus definition: ", joint="; ",
                          framed=True))
    return parts


def cell(therapy: Therapy, row: Facet) -> Cell:
    """Give what ``therapy``'s source states for ``row``."""
    if row.key == "acts":
        return Cell(tuple(_acts(therapy)))
    named = len(row.paths) > 1
    parts = [part for path in row.paths for part in _fact(therapy, path, named)]
    if named and all(p.gap is not None for p in parts):
        parts = [Part(NOT_STATED, tuple(q for p in parts for q in p.passages), gap="; ".join(p.gap for p in parts))]
    elif named:
        parts = [Part(p.text, p.passages, p.frame, "; " if i else "", p.label, p.gap) for i, p in enumerate(parts)]
    return Cell(tuple(parts))


def differs(cells: list[Cell], row: Facet) -> bool:
    """Tell whether a row is a difference between these therapies: every source states it, and not alike.
    A row where any source is silent is never a difference: silence says nothing of the therapy."""
    return row.compared and len(cells) > 1 and all(c.whole for c in cells) and len({c.key for c in cells}) > 1


def default_set(library: Library) -> list[Therapy]:
    """Give the therapies the comparison shows without a reader's choice: the first of each modality in book
    order (at most :data:`MOST`), topped up in book order to at least :data:`FEWEST`."""
    chosen: dict[str, Therapy] = {}
    for therapy in library.therapies.values():
        chosen.setdefault(modality_key(therapy.modality.value), therapy)
    picked = list(chosen.values())[:MOST]
    for therapy in library.therapies.values():
        if len(picked) >= FEWEST:
            break
        if therapy not in picked:
            picked.append(therapy)
    return picked


# --- as HTML: the table, and one therapy's column as the page's script loads it ------------------------


# A marker's accessible name; the page's script gives a loaded column's markers the same (index.json).
MARKER_LABEL = "Source passage, in the {name} chapter"


def _markers_html(therapy: Therapy, library: Library, passages: tuple[str, ...], name: str, short: bool = False) -> str:
    from carbook.pages.citations import passage_anchors

    source = library.source_of(therapy)
    anchors = list(dict.fromkeys(a for p in passages for a in passage_anchors(source, p)))
    if short:  # the page's script adds the chapter's address and the label
        return "".join(f'<a class="cb-to" href="#p-{a}">↗</a>' for a in anchors)
    label = html.escape(MARKER_LABEL.format(name=name))
    return "".join(f'<a class="cb-to" href="therapies/{therapy.id}.html#p-{a}" aria-label="{label}">↗</a>' for a in anchors)


def cell_html(therapy: Therapy, library: Library, one: Cell, name: str, short: bool = False) -> str:
    """Give a cell's inner HTML: each part with what it rests on and its markers; a gap as "Not stated in the
    source", with the passage nearby where there is one. With ``short``, a marker's link is only the
    passage's place in its chapter (``#p-…``) and has no label, as a column file holds it."""
    out = []
    for part in one.parts:
        marks = _markers_html(therapy, library, part.passages, name, short)
        caption = f'<span class="cb-part-label">{html.escape(part.label)}:</span> ' if part.label else ""
        if part.gap is not None:
            nearby = f' <span class="cb-nearby">(nearby {marks})</span>' if marks else ""
            out.append(f'{html.escape(part.joint)}{caption}<span class="cb-silent-text">{html.escape(NOT_STATED)}</span>{nearby}')
        else:
            frame = f'<span class="cb-frame">{html.escape(part.frame)}</span>' if part.frame else ""
            out.append(f'{html.escape(part.joint)}{caption}{frame}<span class="cb-value">{html.escape(part.text)}</span>{marks}')
    return "".join(out)


def _td(therapy: Therapy, library: Library, row: Facet, name: str) -> str:
    one = cell(therapy, row)
    css = ' class="cb-silent"' if one.silent else ""
    return f"<td{css}>{cell_html(therapy, library, one, name)}</td>"


def table_html(library: Library, therapies: list[Therapy]) -> str:
    """Give the comparison of ``therapies`` as one HTML table: a column each, a row per :data:`ROWS`; a row
    whose sources all state it, differently, is marked as a difference."""
    names = column_names(library)
    head = "".join(f'<th scope="col" data-id="{t.id}"><a href="therapies/{t.id}.html">{html.escape(names[t.id])}</a>'
                   f'<span class="cb-col-modality">{html.escape(modality_label(t.modality.value))}</span></th>'
                   for t in therapies)
    body = []
    for row in ROWS:
        cells = [cell(t, row) for t in therapies]
        mark = differs(cells, row)
        tag = '<span class="cb-differs-tag">differs</span>' if mark else ""
        tds = "".join(_td(t, library, row, names[t.id]) for t in therapies)
        css = ' class="cb-differs"' if mark else ""
        body.append(f'<tr data-row="{row.key}"{css}><th scope="row">{html.escape(row.label)}{tag}</th>{tds}</tr>')
    return ('<div class="cb-compare-scroll"><table class="carbook-table carbook-comparison" id="tbl-comparison" '
            'aria-label="The therapies side by side">'
            f'<thead><tr><th scope="col">Facet</th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def column_json(library: Library, therapy: Therapy, name: str | None = None) -> dict[str, Any]:
    """Give one therapy's column as the comparison page's script loads it: its name (``name``, its column
    heading, where the caller has the book's already), link and modality, and for each row its cell's HTML
    (its markers short: the script completes them), whether the source is silent or states it whole, and
    its words to compare."""
    name = name or column_names(library)[therapy.id]
    cells = {}
    for row in ROWS:
        one = cell(therapy, row)
        cells[row.key] = {"html": cell_html(therapy, library, one, name, short=True), "silent": one.silent, "whole": one.whole,
                          "key": one.key}
    return {"id": therapy.id, "name": name, "modality": modality_label(therapy.modality.value), "cells": cells}


def index_json(library: Library) -> dict[str, Any]:
    """Give the list a reader chooses therapies from: each therapy's id, name and modality, the rows (their
    key, label and whether a difference in them is marked), and the label of a marker (``{name}``: the
    therapy's)."""
    names = column_names(library)
    return {"rows": [{"key": r.key, "label": r.label, "compared": r.compared} for r in ROWS], "marker": MARKER_LABEL,
            "therapies": [[t.id, names[t.id], modality_label(t.modality.value)] for t in library.therapies.values()],
            "default": [t.id for t in default_set(library)]}


# --- as MyST: the contrast of the modalities, and the answers of the page's questions ------------------


def cell_myst(therapy: Therapy, library: Library, one: Cell, name: str) -> str:
    """Give a cell as one line of MyST (text escaped, markers as inline HTML)."""
    out = []
    for part in one.parts:
        marks = _markers_html(therapy, library, part.passages, name)  # inline HTML, the same in MyST
        caption = f"{escape(part.label)}: " if part.label else ""
        joint = escape_keep_edges(part.joint)
        if part.gap is not None:
            out.append(f"{joint}{caption}*{escape(NOT_STATED)}*" + (f" (nearby {marks})" if marks else ""))
        else:
            out.append(f"{joint}{caption}{escape(part.frame)}{' ' if part.frame else ''}“{escape(part.text)}”{marks}")
    return "".join(out)


def contrast(library: Library) -> list[str]:
    """Give, for each modality of the default set, one line a trainee can set against the others: which cells
    are engineered and whose, what they become, how the source says they act (the effector where it names
    one, else what it gives with its frame), and what the regimen gives besides the cells; each statement
    with its markers."""
    names = column_names(library)
    lines = []
    for therapy in default_set(library):
        name = names[therapy.id]

        def said(key: str) -> str:
            return cell_myst(therapy, library, cell(therapy, ROW_KEYS[key]), name)

        acts = f"effector, {said('effector')}" if not isinstance(therapy.mechanism.effector, NotStated) else said("acts")
        statements = [f"cells engineered: {said('cell')}", f"whose cells: {said('source')}",
                      f"what the infused cells become: {said('becomes')}", f"how they act: {acts}",
                      f"conditioning: {said('before')}", f"combination: {said('with')}"]
        lines.append(f"- **{escape(modality_label(therapy.modality.value))}**, in {escape(name)}: "
                     + "; ".join(statements) + ".")
    return lines


def answer(library: Library, keys: list[str]) -> str:
    """Give the answer of a comparison question: for each therapy of the default set, its cells for the rows
    ``keys``, each with markers (a gap as "Not stated in the source", its passage only as nearby)."""
    unknown = [key for key in keys if key not in ROW_KEYS]
    if unknown:
        raise KeyError(f"no comparison row {unknown[0]!r}; rows: {', '.join(ROW_KEYS)}")
    names = column_names(library)
    lines = []
    for therapy in default_set(library):
        cells = "; ".join(f"{escape(ROW_KEYS[k].label)}: {cell_myst(therapy, library, cell(therapy, ROW_KEYS[k]), names[therapy.id])}"
                          for k in keys)
        lines.append(f"- **{escape(names[therapy.id])}** ({escape(modality_label(therapy.modality.value))}): {cells}.")
    return "\n".join(lines)


# --- names, groups and counts -----------------------------------------------------------------------


def column_names(library: Library) -> dict[str, str]:
    """Give each therapy's column heading, by id: its name with its study. Therapies named alike (records use
    generic names such as "CAR T-cell therapy") are told apart by their trial identifier, else their id."""
    names = {t.id: short_name(t) for t in library.therapies.values()}
    counts = Counter(names.values())
    for t in library.therapies.values():
        if counts[names[t.id]] > 1:
            trial = t.trial.nct_id
            names[t.id] += f" · {trial.value}" if not isinstance(trial, NotStated) else f" · {t.id}"
    return names


def modality_key(modality: str) -> str:
    """Give the form under which modalities written differently group together ("CAR-T cell", "CAR T cells")."""
    key = re.sub(r"[\s\-\u2010-\u2015]+", " ", modality.casefold()).strip()
    return re.sub(r" cells?$", "", key).removesuffix("s")


def comparison_frame(library: Library, therapies: list[Therapy] | None = None) -> pd.DataFrame:
    """Give the side-by-side table as plain text: a row per :data:`ROWS`, a column per therapy (keyed by id;
    default: the default set)."""
    import pandas as pd

    chosen = therapies if therapies is not None else default_set(library)
    columns = {t.id: [_plain(cell(t, row)) for row in ROWS] for t in chosen}
    return pd.DataFrame(columns, index=[row.label for row in ROWS]).rename_axis("Facet").reset_index()


def _plain(one: Cell) -> str:
    return "".join(f"{p.joint}{p.label + ': ' if p.label else ''}{p.frame}{p.text}" for p in one.parts)


def _stated(therapy: Therapy, path: str) -> bool:
    return not isinstance(therapy.fact_or_gap(path), NotStated)


def stated_totals(library: Library) -> dict[str, int]:
    """Give, for each facet by label, how many therapies' sources state it (out of all therapies)."""
    return {lbl: sum(_stated(therapy, path) for therapy in library.therapies.values()) for lbl, path in FACETS}


def stated_counts(library: Library) -> pd.Series:
    """Give :func:`stated_totals` as a series, indexed by facet label."""
    import pandas as pd

    return pd.Series(stated_totals(library))


def stated_matrix(library: Library) -> pd.DataFrame:
    """Give True where a therapy's source states a facet and False where it is silent; columns keyed by id."""
    import pandas as pd

    columns = {t.id: [_stated(t, path) for _, path in FACETS] for t in library.therapies.values()}
    return pd.DataFrame(columns, index=[lbl for lbl, _ in FACETS])
