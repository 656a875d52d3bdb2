"""Import a field/value drug record into a complete therapy data file, with nothing retyped.

Every fact the record states is taken from its field (``record_field``) or quoted from the sentence
that states it; every fact it does not state is ``not_stated``, with a nearby passage where one
helps; placeholders ("NCI thesaurus definition not available.") are gaps, never values. Free-text
fields become statements of their kind, hedges and examples kept as written, and a passage that
gives a value only as an example ("often targeting CD19") is never used for a fact about the product:
every candidate passes the same checks :mod:`carbook.data.framing` applies at build time. What needs an
editor's judgement is listed under ``review``, which ``carbook check`` prints as a to-do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from carbook.data.doses import DoseStatement, find_doses
from carbook.data.framing import FRAMES, check_fact, record_spans, sentences
from carbook.data.models import NCIT_PATTERN, NCT_PATTERN
from carbook.data.records import is_placeholder
from carbook.data.sources import SourceDocument

#: Fields read for prose facts, in the order they are searched.
TEXT_FIELDS = ("nci_thesaurus_preferred_term", "drug_description", "nci_thesaurus_definition",
               "drug_mechanism_of_action", "intervention_type", "drug_name")

MODALITY = re.compile(r"\bCAR[\s-](?:T|NK)(?:[\s-]cells?)?\b|\bCAR (?:monocytes|macrophages)\b", re.IGNORECASE)
CELL_TYPE = re.compile(r"\b(?:natural killer \(NK\) cells|NK cells|T cells|T lymphocytes|monocytes|macrophages)\b")
CELL_SOURCE = re.compile(r"\b(?:autologous|allogeneic)\b", re.IGNORECASE)
TARGET = re.compile(r"\banti-([A-Z][A-Z0-9]{1,9})\b|\bspecific for (?:the [\w\s-]+? )?(?:antigen )?([A-Z][A-Z0-9]{1,9})\b")
INFUSION = re.compile(r"\b(?:(?:a |one |single |three weekly |weekly )?(?:IV |intravenous )?infusions?)\b", re.IGNORECASE)
CONDITIONING = re.compile(r"\blymphodeplet\w+(?: chemotherapy)?\b", re.IGNORECASE)
EFFECTOR = re.compile(r"\bvia ([^,.;]+?)(?=,| while\b|\.|;|$)")


@dataclass
class Imported:
    """A therapy's data as imported: the mapping to write, and what an editor still has to judge."""

    data: dict[str, Any]
    review: list[str] = field(default_factory=list)


class _Record:
    """The record's sentences by field, and the search for a fact's value in them that the checks accept."""

    def __init__(self, source: SourceDocument):
        self.source = source
        self.fields = {name: value for name, value in source.record.items() if not is_placeholder(value)}
        spans = record_spans(source)
        self.sentences: dict[str, list[str]] = {name: [] for name in source.record}
        for sentence in sentences(source):
            for name, (start, end) in spans.items():
                if start <= sentence.start < end:  # in the record's own characters (its dashes, its ×)
                    self.sentences[name].append(source.shown(sentence.start, sentence.end))

    def field_sentences(self, names: tuple[str, ...] = TEXT_FIELDS) -> list[tuple[str, str]]:
        ordered = [*names, *(n for n in self.fields if n not in names)]
        return [(name, text) for name in ordered if name in self.fields for text in self.sentences.get(name, [])]

    def find(self, pattern: re.Pattern[str], names: tuple[str, ...] = TEXT_FIELDS, rests_on: str = "statement",
             group: int | None = None) -> dict[str, Any] | None:
        """Give the first ``{value, quote}`` whose value ``pattern`` finds in a sentence and that passes every
        check a fact must pass (no dropped hedge, no example wording), else None."""
        for _, sentence in self.field_sentences(names):
            for match in pattern.finditer(sentence):
                value = next((g for g in match.groups() if g), None) if group is None and match.groups() else match.group(0)
                value = value.strip()
                if value and not list(check_fact(self.source, sentence, value, rests_on)):
                    return {"value": value, "quote": sentence}
        return None

    def nearby(self, *words: str) -> str | None:
        """Give the first sentence that uses the first of ``words`` any sentence uses, to show beside a gap."""
        for word in words:
            for _, sentence in self.field_sentences():
                if re.search(rf"\b{re.escape(word)}", sentence, re.IGNORECASE):
                    return sentence
        return None


def _gap(note: str, nearby: str | None = None) -> dict[str, Any]:
    return {"not_stated": note, **({"nearby": nearby} if nearby else {})}


def _rests_on(sentence: str, default: str) -> str:
    for family in ("hedged", "aim", "finding"):
        if FRAMES[family].search(sentence):
            return family
    return default


def _doses(record: _Record, review: list[str]) -> tuple[Any, str | None]:
    for _, sentence in record.field_sentences():
        for found in find_doses(sentence):
            if isinstance(found, DoseStatement):
                doses = []
                for dose in found.doses:
                    item: dict[str, Any] = {"value": _number(dose.low)}
                    if dose.high is not None:
                        item["high"] = _number(dose.high)
                    item["unit"] = dose.unit
                    if dose.approximate:
                        item["approximate"] = True
                    item["quote"] = sentence
                    doses.append(item)
                return doses, found.joined_by if len(doses) > 1 else None
            review.append(f"regimen.dose: the record's dose “{found.text}” could not be read unambiguously "
                          f"({found.reason}); it is a gap with its passage")
            return _gap("The record's dose could not be read as a number with its unit.", sentence), None
    return _gap("The record gives no dose.", record.nearby("dose", "infusion")), None


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def import_record(therapy_id: str, source: SourceDocument) -> Imported:
    """Give the complete data of therapy ``therapy_id`` from the field/value record ``source``."""
    record, review = _Record(source), []
    has = record.fields.__contains__

    def field_or_gap(name: str, note: str, **extra: Any) -> dict[str, Any]:
        return {"record_field": name, **extra} if has(name) else _gap(note)

    name = ({"record_field": "drug_name"} if has("drug_name") else
            {"record_field": "nci_thesaurus_preferred_term"} if has("nci_thesaurus_preferred_term") else {"value": "", "quote": ""})
    modality = record.find(MODALITY) or ({"record_field": "drug_category"} if has("drug_category") else {"value": "", "quote": ""})
    if "record_field" in modality:
        review.append("modality: taken from the record's drug_category field; quote a sentence that names the modality if one does")
    cell_type = record.find(CELL_TYPE) or {"value": "", "quote": ""}
    target = record.find(TARGET)
    if target is None:
        review.append("target_antigen: the record names no target antigen the checks accept; confirm it is not disclosed")
    data: dict[str, Any] = {
        "id": therapy_id,
        "source": source.name,
        "source_format": "record",
        "name": name,
        "study": _gap("The record names a trial but no study name." if has("nct_id_drug_ref") else "The record names no study."),
        "title": _gap("The record gives no study title."),
        "modality": modality,
        "cell_type": cell_type,
        "cell_source": record.find(CELL_SOURCE) or _gap("The record does not say whose cells are used."),
        "target_antigen": target or _gap("The record does not name the target antigen.", record.nearby("target", "antigen")),
        "car_components": _gap("The record names none of the receptor's parts.", record.nearby("domain", "costimulat")),
    }
    nct = record.fields.get("nct_id_drug_ref", "")
    data["trial"] = {
        "nct_id": ({"kind": "NCT", "record_field": "nct_id_drug_ref", "rests_on": "identifier"}
                   if NCT_PATTERN.fullmatch(nct) else _gap("The record names no trial.")),
        "phase": _gap("The record does not give the trial's phase."),
        "status": _gap("The record does not give the trial's status."),
    }
    data["mechanism"] = _mechanism(record, review)
    data["regimen"] = _regimen(record, review)
    data["eligibility"] = {
        "condition": _gap("The record names no disease or condition for eligibility."),
        "ages": _gap("The record gives no age limits."),
        "criteria": _gap("The record gives no eligibility criteria."),
    }
    data["nci_concept"] = _concept(record)
    data["not_used"] = [{"quote": value, "reason": "A placeholder of the database, not content."}
                        for value in dict.fromkeys(v for v in source.record.values() if is_placeholder(v) and v.strip())]
    data["questions"] = _questions(data)
    if not cell_type.get("value") and "record_field" not in cell_type:
        review.append("cell_type: the record names no engineered cell type the importer recognises; write it from the record")
    data["review"] = review
    if not data["not_used"]:
        del data["not_used"]
    return Imported(data, review)


def _mechanism(record: _Record, review: list[str]) -> dict[str, Any]:
    field_name = next((n for n in ("drug_mechanism_of_action", "drug_description") if record.fields.get(n)), None)
    steps = [{"value": s, "quote": s, "rests_on": _rests_on(s, "description")}
             for s in (record.sentences.get(field_name, []) if field_name else [])]
    if not steps:
        intervention = record.fields.get("intervention_type")
        steps = [{"record_field": "intervention_type", "rests_on": "description"}] if intervention else [{"value": "", "quote": ""}]
        review.append("mechanism.steps: the record gives no mechanism; the steps need an editor")
    elif len(steps) > 1:
        review.append("mechanism.steps: say how the record joins its statements (joined: after, then, which, that, "
                      "while or and) where it does; until then they are drawn without arrows")
    effector = record.find(EFFECTOR, ("drug_mechanism_of_action", "drug_description"))
    if effector is None:
        review.append("mechanism.effector: confirm that the record names no effector mechanism")
    return {"steps": steps, "effector": effector or _gap("The record does not name an effector mechanism; see its mechanism statements.",
                                                         record.nearby("eliminat", "kill", "lysis", "cytotox")),
            "becomes": _becomes(record, field_name)}


#: A statement that the cells turn into other cells: "differentiate into macrophages".
_BECOMES = re.compile(r"\bdifferentiat\w* into ((?:[A-Za-z0-9+-]+ )?(?:cells|[A-Za-z0-9+-]+(?:cytes|phages|cells)))\b")


def _becomes(record: _Record, field_name: str | None) -> dict[str, Any]:
    """Give what the record says the infused cells become, quoted from the clause that says it, else a gap."""
    for sentence in record.sentences.get(field_name, []) if field_name else []:
        match = _BECOMES.search(sentence)
        if match:
            clause = re.split(r"[,;]\s", sentence[match.start():], maxsplit=1)[0]
            start = sentence.rfind(",", 0, match.start())
            return {"value": match.group(1), "quote": (sentence[start + 1:match.start()] + clause).strip()}
    return _gap("The record does not say that the cells turn into other cells.")


def _regimen(record: _Record, review: list[str]) -> dict[str, Any]:
    conditioning = record.find(CONDITIONING)
    infusion = record.find(INFUSION)
    dose, joined = _doses(record, review)
    regimen: dict[str, Any] = {
        "conditioning": {"what": conditioning} if conditioning else _gap("The record does not mention conditioning (lymphodepletion)."),
        "cell_infusion": {"what": infusion} if infusion else _gap("The record does not describe how the cells are given.",
                                                                  record.nearby("administer", "given")),
        "combination": _gap("The record mentions no drug given with the cells."),
        "order": _gap("The record gives no sequence of steps."),
        "dose": dose,
    }
    if joined:
        regimen["dose_joined_by"] = joined
    regimen["route"] = ({"record_field": "drug_delivery_route"} if record.fields.get("drug_delivery_route")
                        else _gap("The record gives no route."))
    if conditioning:
        review.append("regimen.conditioning: name its agents (agents:, agents_joined_by:) if the record does")
    return regimen


def _concept(record: _Record) -> dict[str, Any]:
    fields = record.fields
    code = fields.get("nci_thesaurus_concept_id", "")
    if not any(fields.get(n) for n in ("nci_thesaurus_concept_id", "nci_thesaurus_preferred_term", "nci_thesaurus_definition")):
        return _gap("The record names no NCI Thesaurus concept.")
    concept: dict[str, Any] = {
        "code": ({"kind": "NCI Thesaurus", "record_field": "nci_thesaurus_concept_id", "rests_on": "identifier"}
                 if NCIT_PATTERN.fullmatch(code) else _gap("The record gives no NCI Thesaurus concept code.")),
        "preferred_term": ({"record_field": "nci_thesaurus_preferred_term", "rests_on": "naming"}
                           if fields.get("nci_thesaurus_preferred_term") else _gap("The record gives no preferred term.")),
        "definition": ({"record_field": "nci_thesaurus_definition", "rests_on": "definition"}
                       if fields.get("nci_thesaurus_definition") else _gap("The record gives no definition.")),
    }
    claims = record.sentences.get("nci_thesaurus_definition", []) if fields.get("nci_thesaurus_definition") else []
    if len(claims) > 1:
        concept["claims"] = [{"value": s, "quote": s, "rests_on": _rests_on(s, "definition")} for s in claims]
    return concept


def _questions(data: dict[str, Any]) -> list[dict[str, str]]:
    def stated(item: Any) -> bool:
        return isinstance(item, (dict, list)) and not (isinstance(item, dict) and "not_stated" in item)

    candidates = [
        ("Which cells are engineered to carry the chimeric antigen receptor?", "cell_type", True),
        ("What does the record give as the receptor's target antigen?", "target_antigen", True),
        ("What dose does the record give?", "regimen.dose", True),
        ("By which route are the cells given?", "regimen.route", stated(data["regimen"]["route"])),
        ("What is the NCI Thesaurus concept code?", "nci_concept.code",
         stated(data["nci_concept"]) and stated(data["nci_concept"].get("code"))),
        ("Does the record say whether lymphodepletion is given first?", "regimen.conditioning", True),
    ]
    return [{"question": q, "answer": a} for q, a, ok in candidates if ok][:5]


HEADER = """\
# {therapy_id} — imported from data/sources/{source} (a field/value record) by `carbook new`.
# Every value is taken from its record field (record_field) or quoted from the sentence that states it;
# `not_stated` marks what the record does not say. `review` lists what an editor still has to judge:
# `python -m carbook check` prints it as a to-do. The Editor's guide explains each field.
"""


def to_yaml(therapy_id: str, imported: Imported) -> str:
    """Give the imported data as the text of its data file, with a header that says where it came from."""
    body = yaml.safe_dump(imported.data, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=False)
    return HEADER.format(therapy_id=therapy_id, source=imported.data["source"]) + body


__all__ = ["Imported", "import_record", "to_yaml"]
