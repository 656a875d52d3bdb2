"""The facts of a therapy as rows: what each fact is (one label, from :mod:`carbook.pages.labels`), its value as
a page shows it, what it rests on, and the passages that state it (or, for a gap, the note and the
passage nearby). Chapters, the comparison and ``facts.csv`` all read facts through these rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

from carbook.pages.labels import label, record_field_label
from carbook.data.models import Therapy
from carbook.data.facts import NOT_STATED, RESTS_ON_PREFIX, AgeRange, Fact, NotStated, Quantity, Quoted, Step, format_number

if TYPE_CHECKING:
    from carbook.data.sources import SourceDocument

#: The columns of a chapter's fact table: what the fact is, its value, and the marker of its passage.
FACT_COLUMNS = ["Fact", "Value", "Source"]


@dataclass(frozen=True)
class Row:
    """One fact as a page shows it."""

    path: str
    label: str
    value: str
    passages: tuple[str, ...]
    rests_on: str = "statement"
    gap: str | None = None
    record_field: str | None = None
    number: str | None = None
    unit: str | None = None
    paraphrase: str | None = None  # why the value is the editors' wording, where it is not the passage's

    @property
    def stated(self) -> bool:
        return self.gap is None

    @property
    def shown_value(self) -> str:
        """Give the value with what it rests on before it (``Aim: …``), as a table cell shows it."""
        return RESTS_ON_PREFIX.get(self.rests_on, "") + self.value


def plural(unit: str, count: float) -> str:
    """Give ``unit`` in the plural for counts other than one (``year`` → ``years``)."""
    return unit if count == 1 or unit.endswith("s") else f"{unit}s"


def display_value(item: Any) -> str:
    """Give a fact's value as a page shows it; "Not stated in the source" for a gap."""
    if isinstance(item, NotStated) or item is None:
        return NOT_STATED
    if isinstance(item, Quantity):
        return f"{item.amount()} {item.unit}"
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


def display_fact(therapy: Therapy, path: str, item: Any) -> str:
    """Give the fact at ``path`` as one cell shows it: several doses joined as the source joins them
    (``3 or 10 billion CAR+ cells``), anything else as :func:`display_value` gives it."""
    if path == "regimen.dose" and (phrase := therapy.regimen.dose_phrase()):
        return phrase
    return display_value(item)


def _passages(item: Any) -> tuple[str, ...]:
    if isinstance(item, NotStated):
        return (item.nearby,) if item.nearby else ()
    if isinstance(item, Step):
        return (item.what.quote,)
    if isinstance(item, list):
        return tuple(dict.fromkeys(q for one in item for q in _passages(one)))
    if isinstance(item, Quoted):
        return (item.quote,)
    return ()


def row(therapy: Therapy, path: str, item: Any) -> Row:
    """Give the fact ``item`` at ``path`` as a row."""
    if isinstance(item, NotStated):
        return Row(path, label(path), NOT_STATED, _passages(item), gap=item.not_stated)
    number = unit = None
    if isinstance(item, Quantity):
        number, unit = format_number(item.value), item.unit
    elif isinstance(item, AgeRange):
        unit = item.unit
    value = display_fact(therapy, path, item) if not isinstance(item, Step) else item.what.value
    first = item[0] if isinstance(item, list) and item else item
    return Row(path, label(path), value, _passages(item), getattr(first, "rests_on", "statement"),
               record_field=getattr(first, "record_field", None), number=number, unit=unit,
               paraphrase=getattr(first, "paraphrase", None))


def _agents_row(therapy: Therapy, path: str, step: Any) -> list[Row]:
    if not isinstance(step, Step) or not step.agents:
        return []
    return [Row(f"{path}.agents", label(f"{path}.agents"), step.agents_phrase(), _passages(step.agents))]


def _each(therapy: Therapy, path: str, items: Any) -> list[Row]:
    if isinstance(items, list):
        return [row(therapy, f"{path}.{i}", one) for i, one in enumerate(items)]
    return [row(therapy, path, items)]


def summary_rows(therapy: Therapy) -> list[Row]:
    """Give the facts of the chapter's lead: product, modality, cell type, cell source and target."""
    return [row(therapy, p, therapy.fact_at(p)) for p in ("name", "modality", "cell_type", "cell_source", "target_antigen")]


def mechanism_rows(therapy: Therapy) -> list[Row]:
    """Give the mechanism's statements that its figure does not draw (aims, findings, namings, hedged claims),
    then the effector, what the infused cells become and the named parts of the CAR."""
    drawn = set(map(id, therapy.mechanism.actions()))
    rows = [row(therapy, f"mechanism.steps.{i}", s) for i, s in enumerate(therapy.mechanism.steps) if id(s) not in drawn]
    return [*rows, row(therapy, "mechanism.effector", therapy.mechanism.effector),
            row(therapy, "mechanism.becomes", therapy.fact_or_gap("mechanism.becomes")),
            *_each(therapy, "car_components", therapy.car_components)]


def regimen_stages(therapy: Therapy) -> list[tuple[str, str, Step | NotStated]]:
    """Give the regimen's three stages as ``(path, label, stage)``, in the order a regimen gives them."""
    regimen = therapy.regimen
    return [(p, label(p), getattr(regimen, p.split(".")[1]))
            for p in ("regimen.conditioning", "regimen.cell_infusion", "regimen.combination")]


def regimen_rows(therapy: Therapy, agents_apart: bool = True) -> list[Row]:
    """Give the regimen: each stage and its agents (a row of their own, or with the stage: ``lymphodepletion:
    cyclophosphamide and fludarabine``), then order, dose and route."""
    rows: list[Row] = []
    for path, _, stage in regimen_stages(therapy):
        if agents_apart:
            rows += [row(therapy, path, stage), *_agents_row(therapy, path, stage)]
        else:
            one = row(therapy, path, stage)
            agents = _agents_row(therapy, path, stage)
            if agents:
                one = Row(one.path, one.label, display_value(stage), tuple(dict.fromkeys([*one.passages, *agents[0].passages])),
                          one.rests_on)
            rows.append(one)
    regimen = therapy.regimen
    order = row(therapy, "regimen.order", regimen.order)
    if order.stated:
        stated = [lbl for _, lbl, stage in regimen_stages(therapy) if isinstance(stage, Step)]
        order = Row(order.path, order.label, ", then ".join(stated) + " (in the source’s order)", order.passages,
                    order.rests_on)
    return [*rows, order, row(therapy, "regimen.dose", regimen.dose), row(therapy, "regimen.route", regimen.route)]


def eligibility_rows(therapy: Therapy) -> list[Row]:
    """Give who may take part: the condition, the ages and any other criteria."""
    e = therapy.eligibility
    return [row(therapy, "eligibility.condition", e.condition), row(therapy, "eligibility.ages", e.ages),
            *_each(therapy, "eligibility.criteria", e.criteria)]


def nci_concept_rows(therapy: Therapy, definition_with_claims: bool = True) -> list[Row]:
    """Give the NCI Thesaurus concept: code, preferred term, definition and its claims one by one (a chapter
    leaves out the definition's row where its claims give it sentence by sentence)."""
    concept = therapy.nci_concept
    if isinstance(concept, NotStated):
        return [row(therapy, "nci_concept", concept)]
    parts = ("code", "preferred_term", "definition") if definition_with_claims or not concept.claims else ("code", "preferred_term")
    rows = [row(therapy, f"nci_concept.{p}", getattr(concept, p)) for p in parts]
    return [*rows, *_each(therapy, "nci_concept.claims", concept.claims)]


def study_rows(therapy: Therapy) -> list[Row]:
    """Give the study: its name and title, the trial's identifiers, phase and status."""
    t = therapy.trial
    return [row(therapy, "study", therapy.study), row(therapy, "title", therapy.title),
            row(therapy, "trial.nct_id", t.nct_id), *_each(therapy, "trial.other_ids", t.other_ids),
            row(therapy, "trial.phase", t.phase), row(therapy, "trial.status", t.status)]


def aim_rows(therapy: Therapy) -> list[Row]:
    """Give what the study aims to learn, as the source states it."""
    return _each(therapy, "aims", therapy.aims)


def record_field_rows(therapy: Therapy, source: SourceDocument) -> list[Row]:
    """Give each field of a record source that no fact takes, as the record states it, labelled as its field."""
    from carbook.data.coverage import unused_record_fields

    return [Row(f"record_fields.{name}", record_field_label(name), source.record[name], (source.record[name],),
                record_field=name)
            for name in unused_record_fields(therapy, source)]


#: The rows of each part of a chapter, in page order.
SECTIONS = {
    "Summary": summary_rows,
    "Mechanism": mechanism_rows,
    "Regimen": regimen_rows,
    "Eligibility": eligibility_rows,
    "NCI concept": nci_concept_rows,
    "Study": study_rows,
    "Aims": aim_rows,
}


def all_rows(therapy: Therapy, source: SourceDocument) -> Iterator[tuple[str, Row]]:
    """Give every fact the chapter shows as ``(section, row)``, in page order, record fields last."""
    for section, rows in SECTIONS.items():
        for one in rows(therapy):
            yield section, one
    for one in record_field_rows(therapy, source):
        yield "Record fields", one

