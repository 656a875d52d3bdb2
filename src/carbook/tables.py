"""Tables of facts as pandas DataFrames, one row a fact, each with the passage that supports it.

Every table has the columns of :data:`FACT_COLUMNS`: what the fact is, its value as the page shows it,
and the source passage (or, for a gap, "Not stated in the source" and what the source says nearby).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from .models import NOT_STATED, AgeRange, Fact, NotStated, Quantity, Quoted, Step, Therapy, format_number

if TYPE_CHECKING:
    import pandas as pd

FACT_COLUMNS = ["Fact", "Value", "Source passage"]


@dataclass(frozen=True)
class Passage:
    """Where a table cell's value comes from: a verbatim quote (or a gap note) and its document."""

    quote: str | None
    document: str
    record_field: str | None = None
    gap: str | None = None

    def __str__(self) -> str:
        if self.gap is not None:
            nearby = f" Nearby, the source says: “{self.quote}”" if self.quote else ""
            return f"{self.gap}{nearby}"
        field = f" (field {self.record_field})" if self.record_field else ""
        return f"“{self.quote}”{field}"


def display_value(item: Any) -> str:
    """Give a fact's value as a page shows it; "Not stated in the source" for a gap."""
    if isinstance(item, NotStated) or item is None:
        return NOT_STATED
    if isinstance(item, Quantity):
        return f"{format_number(item.value)} {item.unit}"
    if isinstance(item, AgeRange):
        return f"{format_number(item.minimum)} to {format_number(item.maximum)} {plural(item.unit, item.maximum)}"
    if isinstance(item, Step):
        agents = item.agents_phrase()
        return f"{item.what.value}: {agents}" if agents else item.what.value
    if isinstance(item, list):
        return "; ".join(display_value(i) for i in item)
    if isinstance(item, Fact):
        return item.value
    raise TypeError(f"no display for {type(item).__name__}")


def row_value(item: Any) -> str:
    """Give a fact's value as a table row of its own shows it: a step as what is given, because each of its
    agents has a row, with its passage, of its own; anything else as :func:`display_value` gives it."""
    return display_value(item.what) if isinstance(item, Step) else display_value(item)


def display_fact(therapy: Therapy, path: str, item: Any) -> str:
    """Give ``item``, the fact at ``path`` of ``therapy``, as one cell shows it: several doses joined as the
    source joins them (``3 or 10 billion CAR+ cells``), anything else as :func:`display_value` gives it."""
    if path == "regimen.dose" and (phrase := therapy.regimen.dose_phrase()):
        return phrase
    return display_value(item)


def dose_label(therapy: Therapy) -> str:
    """Give the row label of each dose: "Dose option" where the source gives one of several doses."""
    return "Dose option" if therapy.regimen.dose_joined_by == "or" else "Dose"


def passage(item: Any, document: str) -> Passage:
    """Give the passage behind a fact (for a step, its own quote; for a gap, the nearby passage)."""
    if isinstance(item, NotStated):
        return Passage(item.nearby, document, gap=item.not_stated)
    if isinstance(item, Step):
        return passage(item.what, document)
    if isinstance(item, Quoted):
        return Passage(item.quote, document, getattr(item, "record_field", None))
    raise TypeError(f"no passage for {type(item).__name__}")


def one_per_row(facts: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, Any]]:
    """Give each ``(label, fact)``; a list of facts as one pair per item, labelled ``label 1``, ``label 2``…"""
    for label, item in facts:
        items = item if isinstance(item, list) else [item]
        for index, one in enumerate(items, start=1):
            yield (f"{label} {index}" if len(items) > 1 else label), one


def fact_table(facts: Iterable[tuple[str, Any]], document: str) -> pd.DataFrame:
    """Give one row per ``(label, fact)``; a list of facts becomes one row per item."""
    import pandas as pd  # here, not at the top: pages without tables start faster

    rows = [{"Fact": label, "Value": row_value(one), "Source passage": passage(one, document)}
            for label, one in one_per_row(facts)]
    return pd.DataFrame(rows, columns=FACT_COLUMNS)


def glance_facts(therapy: Therapy) -> list[tuple[str, Any]]:
    """Give the chapter's opening facts: name, modality, cell, target, trial, phase, status and NCI concept."""
    return [
        ("Name", therapy.name),
        ("Title", therapy.title),
        ("Modality", therapy.modality),
        ("Cell type engineered", therapy.cell_type),
        ("Target antigen", therapy.target_antigen),
        ("Trial identifier", therapy.trial.nct_id),
        *((identifier.kind, identifier) for identifier in therapy.trial.other_ids),
        ("Phase", therapy.trial.phase),
        ("Status", therapy.trial.status),
        ("NCI Thesaurus concept", therapy.fact_or_gap("nci_concept.code")),
    ]


def mechanism_facts(therapy: Therapy) -> list[tuple[str, Any]]:
    """Give the mechanism as the source orders it, one step a fact, then effector and CAR components."""
    steps = [(f"Step {i}", step) for i, step in enumerate(therapy.mechanism.steps, start=1)]
    return [*steps, ("Effector mechanism", therapy.mechanism.effector), ("CAR components", therapy.car_components)]


def regimen_stages(therapy: Therapy) -> list[tuple[str, Step | NotStated]]:
    """Give the regimen's three stages, in the order a regimen gives them, stated or not."""
    regimen = therapy.regimen
    return [
        ("Conditioning", regimen.conditioning),
        ("CAR cell infusion", regimen.cell_infusion),
        ("Combination", regimen.combination),
    ]


def with_agents(label: str, item: Any) -> list[tuple[str, Any]]:
    """Give ``(label, item)`` and, for a stated step, each of its agents as ``(label: agent, agent)``."""
    agents = item.agents if isinstance(item, Step) else []
    return [(label, item), *((f"{label}: agent", agent) for agent in agents)]


def regimen_facts(therapy: Therapy) -> list[tuple[str, Any]]:
    """Give the regimen: the stages with their agents, then order, dose and route."""
    regimen = therapy.regimen
    stages = [pair for label, step in regimen_stages(therapy) for pair in with_agents(label, step)]
    return [*stages, ("Order", regimen.order), (dose_label(therapy), regimen.dose), ("Route", regimen.route)]


def eligibility_facts(therapy: Therapy) -> list[tuple[str, Any]]:
    """Give who may take part: the condition, the ages and any other criteria."""
    e = therapy.eligibility
    return [("Condition", e.condition), ("Ages", e.ages), ("Other criteria", e.criteria)]


def nci_concept_facts(therapy: Therapy) -> list[tuple[str, Any]]:
    """Give the NCI Thesaurus concept: code, preferred term, definition, category and class."""
    concept = therapy.nci_concept
    if isinstance(concept, NotStated):
        return [("NCI Thesaurus concept", concept)]
    return [
        ("Concept code", concept.code),
        ("Preferred term", concept.preferred_term),
        ("Definition", concept.definition),
        ("Drug category (a field of the record)", concept.category),
        ("Drug class (a field of the record)", concept.drug_class),
    ]


#: The tables of a chapter, by section, in page order: what each section shows.
SECTIONS = {
    "At a glance": glance_facts,
    "Mechanism": mechanism_facts,
    "Regimen": regimen_facts,
    "Eligibility": eligibility_facts,
    "NCI concept": nci_concept_facts,
}


def section_table(therapy: Therapy, section: str) -> pd.DataFrame:
    """Give one section's table of a therapy's chapter (a key of :data:`SECTIONS`)."""
    return fact_table(SECTIONS[section](therapy), therapy.source)


def plural(unit: str, count: float) -> str:
    """Give ``unit`` in the plural for counts other than one (``year`` → ``years``)."""
    return unit if count == 1 or unit.endswith("s") else f"{unit}s"
