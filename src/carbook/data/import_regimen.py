"""The regimen of an imported record: conditioning, how the cells are given, a combination, the order the
record states, and the dose, each a fact the record states or a gap with a nearby passage.
"""

from __future__ import annotations

import re
from typing import Any

from carbook.data.doses import DoseStatement, find_doses
from carbook.data.facts import value_in_quote
from carbook.data.record_reading import GIVEN, RecordReader, ask_unread, as_fact, as_gap, plain
from carbook.data.sources import SourceDocument

INFUSION = re.compile(r"\b(?:(?:a |one |single |three weekly |weekly )?(?:IV |intravenous )?infusions?)\b"
                      r"|\b(?:administered|given|infused) intravenously\b", re.IGNORECASE)
CONDITIONING = re.compile(r"\blymphodeplet\w+(?: chemotherapy)?\b|\bconditioning(?: chemotherapy| regimen)?\b", re.IGNORECASE)
AGENT = re.compile(r"\b(?:fludarabine|cyclophosphamide|bendamustine|melphalan|busulfan|alemtuzumab|cytarabine|etoposide)\b",
                   re.IGNORECASE)
SEQUENCE = re.compile(r"\b(?:after|before|followed by|then|first)\b", re.IGNORECASE)
_CONDITIONING_STAGE = re.compile(rf"{CONDITIONING.pattern}|{AGENT.pattern}", re.IGNORECASE)
_INFUSION_STAGE = re.compile(r"\b(?:infusions?|infused|administered|given)\b", re.IGNORECASE)
COMBINATION = re.compile(r"\b(?:in combination with|combined with|together with)\s+([^,.;()]+)", re.IGNORECASE)

def read_doses(record: RecordReader, review: list[str]) -> tuple[Any, str | None]:
    for _, sentence in record.field_sentences():
        for found in find_doses(sentence):
            if isinstance(found, DoseStatement):
                doses = []
                for dose in found.doses:
                    item: dict[str, Any] = {"value": as_number(dose.low)}
                    if dose.high is not None:
                        item["high"] = as_number(dose.high)
                    item["unit"] = dose.unit
                    if dose.approximate:
                        item["approximate"] = True
                    item["quote"] = sentence
                    doses.append(item)
                return doses, found.joined_by if len(doses) > 1 else None
            review.append(f"regimen.dose: the record's dose “{found.text}” could not be read unambiguously "
                          f"({found.reason}); it is a gap with its passage")
            return as_gap("The record's dose could not be read as a number with its unit.", sentence), None
    return as_gap("The record gives no dose.", record.nearby("dose", "infusion")), None


def as_number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def read_regimen(record: RecordReader, review: list[str]) -> dict[str, Any]:
    conditioning = record.find(CONDITIONING)
    infusion = record.find(INFUSION)
    dose, joined = read_doses(record, review)
    regimen: dict[str, Any] = {
        "conditioning": _conditioning(record, conditioning, review),
        "cell_infusion": {"what": infusion} if infusion else ask_unread(
            record, review, "regimen.cell_infusion", GIVEN, "how the cells are given",
            as_gap("The record does not describe how the cells are given.", record.nearby("administer", "given"))),
        "combination": _combination(record, review),
        "order": _order(record, review),
        "dose": dose,
    }
    if joined:
        regimen["dose_joined_by"] = joined
    regimen["route"] = ({"record_field": "drug_delivery_route"} if record.fields.get("drug_delivery_route")
                        else as_gap("The record's drug_delivery_route field is empty." if record.empty("drug_delivery_route")
                                  else "The record gives no route."))
    return regimen


def _conditioning(record: RecordReader, what: dict[str, Any] | None, review: list[str]) -> dict[str, Any]:
    """Give the conditioning stage with the agents its sentence names (as the record joins them), else a gap."""
    if what is None:
        mention = record.mentions(AGENT)
        if mention:
            review.append(f"regimen.conditioning: the record names {AGENT.search(plain(mention)).group(0)} in “{mention}” "
                          "without calling it conditioning; write the stage from it if it is one")
        return as_gap("The record does not mention conditioning (lymphodepletion).", mention)
    stage: dict[str, Any] = {"what": what}
    agents, joined_by = _agents(record.source, what["quote"])
    if agents:
        stage["agents"] = agents
        if joined_by:
            stage["agents_joined_by"] = joined_by
    else:
        review.append("regimen.conditioning: name its agents (agents:, agents_joined_by:) if the record does")
    return stage


def _agents(source: SourceDocument, quote: str) -> tuple[list[dict[str, Any]], str | None]:
    """Give the lymphodepleting agents ``quote`` names, each quoted, and the word that joins them (``and``,
    ``or``) where the quote lists them as one list; none where it names them in a way not read here."""
    text = plain(quote)
    matches = list(AGENT.finditer(text))
    names = list(dict.fromkeys(quote[m.start():m.end()] for m in matches))
    if not names:
        return [], None
    agents = [fact for name in names if (fact := as_fact(source, name, quote))]
    if len(agents) != len(names):
        return [], None
    if len(names) == 1:
        return agents, None
    gaps = [text[a.end():b.start()] for a, b in zip(matches, matches[1:])]
    last = re.fullmatch(r",?\s+(and|or)\s+", gaps[-1], re.IGNORECASE)
    if len(matches) != len(names) or last is None or not all(re.fullmatch(r",\s+", g) for g in gaps[:-1]):
        return [], None
    joined = last.group(1).lower()
    phrase = f"{', '.join(names[:-1])} {joined} {names[-1]}"
    return (agents, joined) if value_in_quote(phrase, quote) else ([], None)


def _combination(record: RecordReader, review: list[str]) -> dict[str, Any]:
    """Give what the record says is given with the cells ("in combination with …"), else a gap."""
    for _, sentence in record.field_sentences():
        match = COMBINATION.search(plain(sentence))
        if match:
            found = as_fact(record.source, sentence[match.start(1):match.end(1)].strip(), sentence)
            if found:
                review.append(f"regimen.combination: read from “{sentence}”; confirm that it names a drug given with the "
                              "cells (else write not_stated), and name its agents")
                return {"what": found}
    return as_gap("The record mentions no drug given with the cells.")


def _clauses(sentence: str) -> list[str]:
    return [c for c in re.split(r";\s+", sentence) if c.strip()]


def _order(record: RecordReader, review: list[str]) -> dict[str, Any]:
    """Give the order of the regimen's stages where a clause of the record states it (conditioning, then the
    cells: "given … after lymphodepleting chemotherapy", "lymphodepletion followed by …"), quoted from that
    clause; a gap where none does, and a review item where a clause states a sequence the importer cannot read."""
    unsure = None
    for _, sentence in record.field_sentences():
        for clause in _clauses(sentence):
            text = plain(clause)
            conditioning = [m.start() for m in _CONDITIONING_STAGE.finditer(text)]
            infusion = [m.start() for m in _INFUSION_STAGE.finditer(text)]
            words = list(SEQUENCE.finditer(text))
            if not (conditioning and infusion and words):
                continue
            if _conditioning_first(conditioning, infusion, words):
                value = clause.strip().rstrip(".;, ")
                found = as_fact(record.source, value, clause.strip()) or as_fact(record.source, value, sentence)
                if found:
                    return found
            unsure = unsure or clause.strip()
    if unsure:
        review.append(f"regimen.order: the record states a sequence in “{unsure}” that the importer could not read as "
                      "conditioning before the cells; write order: from it (value and quote), or confirm it states none")
        return as_gap("The importer could not read the record's sequence of stages; see review.", unsure)
    return as_gap("The record gives no sequence of steps.")


def _conditioning_first(conditioning: list[int], infusion: list[int], words: list[re.Match[str]]) -> bool:
    """Tell whether a sequence word places conditioning (named at the positions ``conditioning``) before the cells
    (named at ``infusion``): "<cells> after <conditioning>", "<conditioning> before / followed by / then <cells>",
    "first <conditioning> … <cells>"."""
    for word in words:
        kind, at = word.group(0).lower(), word.start()
        if kind == "after" and any(i < at for i in infusion) and any(c > at for c in conditioning):
            return True
        if kind in ("before", "followed by", "then") and any(c < at for c in conditioning) and any(i > at for i in infusion):
            return True
        if kind == "first" and any(at < c < i for c in conditioning for i in infusion):
            return True
    return False
