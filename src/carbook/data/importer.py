"""Import a field/value drug record into a complete therapy data file, with nothing retyped.

Every fact the record states is taken from its field (``record_field``) or quoted from the sentence or
clause that states it; every fact it does not state is ``not_stated``, with a nearby passage where one
helps; placeholders ("NCI thesaurus definition not available.") are gaps, never values. Free-text
fields become statements of their kind, and a hedge frames its own clause: a mechanism sentence whose
later clause is hedged ("…, and the NK cells may also secrete cytokines") becomes a statement and a
hedged step, joined by the record's word. A sequence the record states ("given … after lymphodepleting
chemotherapy with fludarabine and cyclophosphamide") becomes the regimen's order, with the stage and
agents it names. A passage that gives a value only as an example ("often targeting CD19") is never used
for a fact about the product: every candidate passes the same checks :mod:`carbook.data.framing`
applies at build time. What needs an editor's judgement is listed under ``review``, which ``carbook
check`` prints as a to-do; where the importer is unsure whether the record states something, it asks
there rather than call it not stated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from carbook.data.doses import DoseStatement, find_doses
from carbook.data.framing import FRAMES, GENERIC, check_fact, record_spans, sentences
from carbook.data.facts import JOINING_WORDS, NCIT_PATTERN, NCT_PATTERN, value_in_quote
from carbook.data.records import is_placeholder
from carbook.data.sources import PLAIN_FORMS, SourceDocument

#: Fields read for prose facts, in the order they are searched.
TEXT_FIELDS = ("nci_thesaurus_preferred_term", "drug_description", "nci_thesaurus_definition",
               "drug_mechanism_of_action", "intervention_type", "drug_name")
#: Fields that describe how the cells act, the first one given being the mechanism.
MECHANISM_FIELDS = ("drug_mechanism_of_action", "drug_description")

MODALITY = re.compile(r"\bCAR[\s-](?:T|NK)(?:[\s-]cells?)?\b|\bCAR (?:monocytes|macrophages)\b", re.IGNORECASE)
CELL_TYPE = re.compile(r"\b(?:natural killer \(NK\) cells|NK cells|T cells|T lymphocytes|monocytes|macrophages)\b")
CELL_SOURCE = re.compile(r"\b(?:autologous|allogeneic)\b", re.IGNORECASE)
_ANTIGEN = r"([A-Z][A-Z0-9]{1,9})"
TARGET = re.compile(rf"\banti-{_ANTIGEN}\b|\bspecific for (?:the [\w\s-]+? )?(?:antigen )?{_ANTIGEN}\b"
                    rf"|\b(?:targeting|directed against|directed to) (?:the )?(?:antigen )?{_ANTIGEN}\b"
                    rf"|\b{_ANTIGEN}-(?:directed|specific|targeted|targeting)\b")
INFUSION = re.compile(r"\b(?:(?:a |one |single |three weekly |weekly )?(?:IV |intravenous )?infusions?)\b"
                      r"|\b(?:administered|given|infused) intravenously\b", re.IGNORECASE)
CONDITIONING = re.compile(r"\blymphodeplet\w+(?: chemotherapy)?\b|\bconditioning(?: chemotherapy| regimen)?\b", re.IGNORECASE)
EFFECTOR = re.compile(r"\bvia ([^,.;]+?)(?=,| while\b|\.|;|$)")
#: Named parts of a receptor: a known domain name followed by what kind of part it is.
COMPONENT = re.compile(r"\b(?:CD28|4-1BB|CD3(?:ζ|-?zeta| zeta)|OX40|ICOS|DAP10|DAP12|2B4|CD27|CD8α?|IgG4)"
                       r"(?:[\s-]+(?:costimulatory|co-stimulatory|signaling|signalling|activation|transmembrane|hinge))?"
                       r"[\s-]+(?:domain|hinge|spacer|region)\b")
#: Lymphodepleting agents a record may name for its conditioning.
AGENT = re.compile(r"\b(?:fludarabine|cyclophosphamide|bendamustine|melphalan|busulfan|alemtuzumab|cytarabine|etoposide)\b",
                   re.IGNORECASE)
#: Words that state a sequence ("given after …", "followed by", "then", "first").
SEQUENCE = re.compile(r"\b(?:after|before|followed by|then|first)\b", re.IGNORECASE)
#: A stage of conditioning (by its name or its agents) and the giving of the cells, as a sequence names them.
_CONDITIONING_STAGE = re.compile(rf"{CONDITIONING.pattern}|{AGENT.pattern}", re.IGNORECASE)
_INFUSION_STAGE = re.compile(r"\b(?:infusions?|infused|administered|given)\b", re.IGNORECASE)
COMBINATION = re.compile(r"\b(?:in combination with|combined with|together with)\s+([^,.;()]+)", re.IGNORECASE)
#: Where a sentence divides into clauses: a semicolon, a comma before a joining word, or "and" before a hedge.
_CLAUSE_BREAK = re.compile(r";\s+|,\s+(?=(?:and|while|whereas|which|but|with|then|thereby|thus)\b)"
                           r"|\s+(?=and\s+(?:may|might|could|potentially|possibly|likely)\b)", re.IGNORECASE)

#: One character for each typographic character with a one-character plain form (U+2011 for "-", a
#: non-breaking space for " "): patterns match on the plain text, values are cut from the record's own.
_ONE_FOR_ONE = str.maketrans({**{c: f for c, f in PLAIN_FORMS.items() if len(f) == 1},
                              **dict.fromkeys("\u00a0\u2007\u2009\u202f", " ")})


def plain(text: str) -> str:
    """Give ``text`` with each typographic character in its plain form, position for position
    (``anti‑CD70`` with U+2011 gives ``anti-CD70``), so a match on it cuts the same span of ``text``."""
    return text.translate(_ONE_FOR_ONE)


@dataclass
class Imported:
    """A therapy's data as imported: the mapping to write, and what an editor still has to judge."""

    data: dict[str, Any]
    review: list[str] = field(default_factory=list)


#: What a value may rest on, tried in this order: a plain statement, else the frame its sentence gives it.
_KINDS = ("statement", "hedged", "aim", "finding")


def _fact(source: SourceDocument, value: str, quote: str, kinds: tuple[str, ...] = _KINDS) -> dict[str, Any] | None:
    """Give ``{value, quote}`` (with ``rests_on`` where a frame governs it) if the checks accept it on one of
    ``kinds``, else None."""
    for kind in kinds:
        if value and not list(check_fact(source, quote, value, kind)):
            return {"value": value, "quote": quote, **({"rests_on": kind} if kind != "statement" else {})}
    return None


class _Record:
    """The record's sentences by field, and the search for a fact's value in them that the checks accept."""

    def __init__(self, source: SourceDocument):
        self.source = source
        self.parsed = source.parsed_record
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

    def find(self, pattern: re.Pattern[str], names: tuple[str, ...] = TEXT_FIELDS) -> dict[str, Any] | None:
        """Give the first ``{value, quote}`` whose value ``pattern`` finds in a sentence (typographic variants
        aside) and that passes every check a fact must pass (no dropped hedge, no example wording): a plain
        statement where any sentence makes one, else one its sentence frames, with that ``rests_on``; else None."""
        for kinds in (_KINDS[:1], _KINDS[1:]):
            for _, sentence in self.field_sentences(names):
                for match in pattern.finditer(plain(sentence)):
                    group = next((i for i, g in enumerate(match.groups(), start=1) if g), 0)
                    found = _fact(self.source, sentence[match.start(group):match.end(group)].strip(), sentence, kinds)
                    if found:
                        return found
        return None

    def mentions(self, pattern: re.Pattern[str], names: tuple[str, ...] = TEXT_FIELDS) -> str | None:
        """Give the first sentence in which ``pattern`` finds anything, checks aside; else None."""
        return next((s for _, s in self.field_sentences(names) if pattern.search(plain(s))), None)

    def nearby(self, *words: str) -> str | None:
        """Give the first sentence that uses the first of ``words`` any sentence uses, to show beside a gap."""
        for word in words:
            for _, sentence in self.field_sentences():
                if re.search(rf"\b{re.escape(word)}", plain(sentence), re.IGNORECASE):
                    return sentence
        return None

    def empty(self, name: str) -> bool:
        """Tell whether the record names field ``name`` and leaves its value empty."""
        return name in self.source.record and not self.source.record[name].strip()


def _gap(note: str, nearby: str | None = None) -> dict[str, Any]:
    return {"not_stated": note, **({"nearby": nearby} if nearby else {})}


#: Words that speak of how the cells are given, and of whose cells they are, where the importer reads no fact.
_GIVEN = re.compile(r"\b(?:administered|given|infused|injected)\b", re.IGNORECASE)
_WHOSE = re.compile(r"\b(?:donors?|patient-derived|patient's own|the patient’s own|own (?:T|NK) cells|off-the-shelf)\b", re.IGNORECASE)


def _unread(record: _Record, review: list[str], path: str, words: re.Pattern[str], what: str,
            gap: dict[str, Any]) -> dict[str, Any]:
    """Give ``gap``; where a sentence of the record speaks of ``what`` in words the importer does not read as a
    fact, ask the editor about it (``review``) and show that sentence beside the gap."""
    mention = record.mentions(words)
    if mention is None:
        return gap
    review.append(f"{path}: the record may say {what} in “{mention}”; write it from there (value and quote), or "
                  "confirm that it does not")
    return {**gap, "nearby": mention}


def _rests_on(sentence: str, default: str) -> str:
    for family in ("hedged", "aim", "finding"):
        if FRAMES[family].search(plain(sentence)):
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
        "cell_source": record.find(CELL_SOURCE) or _unread(record, review, "cell_source", _WHOSE, "whose cells are used",
                                                           _gap("The record does not say whose cells are used.")),
        "target_antigen": target or _gap("The record does not name the target antigen.", record.nearby("target", "antigen")),
        "car_components": _components(record, review),
    }
    nct = record.fields.get("nct_id_drug_ref", "")
    data["trial"] = {
        "nct_id": ({"kind": "NCT", "record_field": "nct_id_drug_ref", "rests_on": "identifier"}
                   if NCT_PATTERN.fullmatch(nct) else
                   _gap("The record's nct_id_drug_ref field is empty." if record.empty("nct_id_drug_ref") else
                        "The record names no trial.")),
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
    repeated, placeholders = _repeated(record, review)
    if repeated:
        data["also_stated"] = repeated
    data["not_used"] = [{"quote": value, "reason": "A placeholder of the database, not content."}
                        for value in dict.fromkeys([*(v for v in source.record.values() if is_placeholder(v) and v.strip()),
                                                    *placeholders])]
    data["questions"] = _questions(data)
    if not cell_type.get("value") and "record_field" not in cell_type:
        review.append("cell_type: the record names no engineered cell type the importer recognises; write it from the record")
    review += _unknown_fields(record)
    data["review"] = review
    if not data["not_used"]:
        del data["not_used"]
    return Imported(data, review)


def _repeated(record: _Record, review: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Give the passages of the fields the record gives a second time (shown as also stated), and those that
    are placeholders (listed as not used); ask the editor which giving the data should take."""
    shown, placeholders = [], []
    for again in record.parsed.repeated if record.parsed else ():
        first_line = record.parsed.name_lines[again.name]
        first = record.source.record[again.name]
        review.append(f"{again.name}: the record gives this field twice (line {first_line}: “{first}”; line "
                      f"{again.name_line}: “{again.value}”); the data takes the first and shows the second as also "
                      "stated — judge which one the record means")
        if is_placeholder(again.value):
            if again.value.strip():
                placeholders.append(again.value)
            continue
        shown.append({"quote": again.value, "rests_on": _rests_on(again.value, "statement"),
                      "note": f"The record's {again.name} field, given a second time (line {again.name_line})."})
    return shown, placeholders


def _unknown_fields(record: _Record) -> list[str]:
    """Give a review item for each field of the record the importer does not read."""
    parsed = record.parsed
    return [f"{name}: a field the importer does not read (line {parsed.name_lines[name]} of the record); the chapter shows "
            "it as a field of the record — if it states a fact of this therapy (a phase, a status, a criterion), take "
            "that fact from it" for name in (parsed.unknown if parsed else []) if record.fields.get(name)]


def _components(record: _Record, review: list[str]) -> Any:
    """Give the parts of the receptor the record names, each quoted; a gap where it names none (asking the
    editor where it mentions a domain the importer cannot read)."""
    found: list[dict[str, Any]] = []
    for _, sentence in record.field_sentences():
        for match in COMPONENT.finditer(plain(sentence)):
            fact = _fact(record.source, sentence[match.start():match.end()], sentence)
            if fact and all(fact["value"].casefold() != f["value"].casefold() for f in found):
                found.append(fact)
    if found:
        return found
    mention = record.mentions(re.compile(r"\bdomains?\b|\bcostimulat\w*", re.IGNORECASE))
    if mention and not GENERIC.search(plain(mention)):
        review.append(f"car_components: the record mentions a part of the receptor in “{mention}”; list the parts it "
                      "names (value and quote), or confirm it names none")
    return _gap("The record names none of the receptor's parts.", record.nearby("domain", "costimulat"))


# --- the mechanism ---------------------------------------------------------------------------------


def _mechanism(record: _Record, review: list[str]) -> dict[str, Any]:
    field_name = next((n for n in MECHANISM_FIELDS if record.fields.get(n)), None)
    found = record.sentences.get(field_name, []) if field_name else []
    steps = [step for sentence in found for step in _sentence_steps(record, sentence, review)]
    if not steps:
        intervention = record.fields.get("intervention_type")
        steps = [{"record_field": "intervention_type", "rests_on": "description"}] if intervention else [{"value": "", "quote": ""}]
        review.append("mechanism.steps: the record gives no mechanism; the steps need an editor")
    elif len(found) > 1:
        review.append("mechanism.steps: say how the record joins its statements (joined: after, then, which, that, "
                      "while or and) where it does; until then they are drawn without arrows")
    effector = record.find(EFFECTOR, MECHANISM_FIELDS)
    if effector is None:
        review.append("mechanism.effector: confirm that the record names no effector mechanism")
    return {"steps": steps, "effector": effector or _gap("The record does not name an effector mechanism; see its mechanism statements.",
                                                         record.nearby("eliminat", "kill", "lysis", "cytotox")),
            "becomes": _becomes(record, field_name, review)}


def _sentence_steps(record: _Record, sentence: str, review: list[str]) -> list[dict[str, Any]]:
    """Give the steps of one mechanism sentence: the sentence whole, unless a hedge stands in a later clause;
    then the clauses before it as one statement and the hedged clause, from its joining word on, as a step
    of its own with ``rests_on: hedged`` and the record's ``joined:`` word. Where the hedged step must hold
    more than the hedged clause, the editor is asked."""
    hedge = FRAMES["hedged"].search(plain(sentence))
    whole = [{"value": sentence, "quote": sentence, "rests_on": _rests_on(sentence, "description")}]
    if hedge is None:
        return whole
    breaks = list(_CLAUSE_BREAK.finditer(plain(sentence)))
    before = [b for b in breaks if b.end() <= hedge.start()]
    split = _split_at(record, sentence, before[-1]) if before else None
    if (before and split is None) or any(b.start() > hedge.end() for b in breaks):
        review.append(f"mechanism.steps: “{hedge.group(0)}” hedges part of “{sentence}”; the checks read a hedge as framing "
                      "the rest of its sentence, so the clauses around it are kept hedged with it — judge whether the "
                      "record states any of them outright")
    return split or whole


def _split_at(record: _Record, sentence: str, cut: re.Match[str]) -> list[dict[str, Any]] | None:
    """Give a sentence cut where ``cut`` stands into a statement and a hedged step joined by the record's word,
    if the checks accept both; else None."""
    head, tail = sentence[:cut.start()].rstrip(" ,;"), sentence[cut.end():].strip()
    word = next((w for w in JOINING_WORDS if re.match(rf"{w}\b", tail, re.IGNORECASE)), None)
    value = (tail[len(word):].strip() if word else tail).rstrip(".;, ")
    first = {"value": head, "quote": head, "rests_on": _rests_on(head, "description")}
    hedged = {"value": value, "quote": tail, "rests_on": "hedged", **({"joined": word.lower()} if word else {})}
    steps = [first, hedged]
    accepted = value and all(not list(check_fact(record.source, s["quote"], s["value"], s["rests_on"])) for s in steps)
    return steps if accepted else None


#: A statement that the cells turn into other cells: "differentiate into macrophages".
_BECOMES = re.compile(r"\bdifferentiat\w* into ((?:[A-Za-z0-9+-]+ )?(?:cells|[A-Za-z0-9+-]+(?:cytes|phages|cells)))\b")


def _becomes(record: _Record, field_name: str | None, review: list[str]) -> dict[str, Any]:
    """Give what the record says the infused cells become, quoted from the clause that says it, else a gap
    (asking the editor where a clause says it in a way the checks refuse)."""
    for sentence in record.sentences.get(field_name, []) if field_name else []:
        match = _BECOMES.search(plain(sentence))
        if match:
            clause = re.split(r"[,;]\s", sentence[match.start():], maxsplit=1)[0]
            start = sentence.rfind(",", 0, match.start())
            value = sentence[match.start(1):match.end(1)]
            found = (_fact(record.source, value, (sentence[start + 1:match.start()] + clause).strip())
                     or _fact(record.source, value, sentence))  # a clause its sentence frames is quoted with the frame
            if found:
                return found
            review.append(f"mechanism.becomes: the record says the cells “{match.group(0)}” in “{sentence}”, in a way "
                          "the checks do not accept as quoted; write what they become from it (value and quote)")
            return _gap("The importer could not quote what the record says the cells become; see review.", sentence)
    return _gap("The record does not say that the cells turn into other cells.")


# --- the regimen -----------------------------------------------------------------------------------


def _regimen(record: _Record, review: list[str]) -> dict[str, Any]:
    conditioning = record.find(CONDITIONING)
    infusion = record.find(INFUSION)
    dose, joined = _doses(record, review)
    regimen: dict[str, Any] = {
        "conditioning": _conditioning(record, conditioning, review),
        "cell_infusion": {"what": infusion} if infusion else _unread(
            record, review, "regimen.cell_infusion", _GIVEN, "how the cells are given",
            _gap("The record does not describe how the cells are given.", record.nearby("administer", "given"))),
        "combination": _combination(record, review),
        "order": _order(record, review),
        "dose": dose,
    }
    if joined:
        regimen["dose_joined_by"] = joined
    regimen["route"] = ({"record_field": "drug_delivery_route"} if record.fields.get("drug_delivery_route")
                        else _gap("The record's drug_delivery_route field is empty." if record.empty("drug_delivery_route")
                                  else "The record gives no route."))
    return regimen


def _conditioning(record: _Record, what: dict[str, Any] | None, review: list[str]) -> dict[str, Any]:
    """Give the conditioning stage with the agents its sentence names (as the record joins them), else a gap."""
    if what is None:
        mention = record.mentions(AGENT)
        if mention:
            review.append(f"regimen.conditioning: the record names {AGENT.search(plain(mention)).group(0)} in “{mention}” "
                          "without calling it conditioning; write the stage from it if it is one")
        return _gap("The record does not mention conditioning (lymphodepletion).", mention)
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
    agents = [fact for name in names if (fact := _fact(source, name, quote))]
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


def _combination(record: _Record, review: list[str]) -> dict[str, Any]:
    """Give what the record says is given with the cells ("in combination with …"), else a gap."""
    for _, sentence in record.field_sentences():
        match = COMBINATION.search(plain(sentence))
        if match:
            found = _fact(record.source, sentence[match.start(1):match.end(1)].strip(), sentence)
            if found:
                review.append(f"regimen.combination: read from “{sentence}”; confirm that it names a drug given with the "
                              "cells (else write not_stated), and name its agents")
                return {"what": found}
    return _gap("The record mentions no drug given with the cells.")


def _clauses(sentence: str) -> list[str]:
    return [c for c in re.split(r";\s+", sentence) if c.strip()]


def _order(record: _Record, review: list[str]) -> dict[str, Any]:
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
                found = _fact(record.source, value, clause.strip()) or _fact(record.source, value, sentence)
                if found:
                    return found
            unsure = unsure or clause.strip()
    if unsure:
        review.append(f"regimen.order: the record states a sequence in “{unsure}” that the importer could not read as "
                      "conditioning before the cells; write order: from it (value and quote), or confirm it states none")
        return _gap("The importer could not read the record's sequence of stages; see review.", unsure)
    return _gap("The record gives no sequence of steps.")


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


__all__ = ["Imported", "import_record", "plain", "to_yaml"]
