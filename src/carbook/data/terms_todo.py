"""Terms a chapter's lead shows that no glossary entry defines: to-do items for an editor.

A trainee reading a chapter's lead meets its terms first; each should have an entry in
``data/glossary.yaml``. A term without one is not a fault (the book still builds), so
``python -m carbook check`` lists it as a ``to do:`` line. This module gives those terms.

The lead shows the product name, cell type, modality, cell source, target antigen, the study's phase,
the condition, the ages' unit, each regimen stage, the doses' units, the route, the mechanism
statements, what the cells become, the effector, the CAR components the source names, the hedged
claims of an NCI Thesaurus definition, and the NCI preferred term (:func:`lead_values`). Its
candidate terms (:func:`candidates`) are

* the values of ``cell_type``, ``cell_source`` and ``target_antigen``, each as a whole;
* the effector split at "and", "," and "via" (``phagocytosis``, ``cytotoxic effector functions``);
* within every value shown, acronym and code tokens (``NK``, ``CD19``, ``CTL``, ``HER2``, ``4-1BB``),
  and words with a technical ending (-cyte, -phage, -kine, -zyme, -genic, -logous, -cytosis).

Not candidates: ``CAR``, ``IV``, roman numerals, NCT numbers and NCI codes, the therapy's own names and
identifiers (a glossary names no therapy), the study's name, and drug names (the agents of a stage).
A candidate is covered when a glossary entry's term or one of its ``matches`` is it (case and a plural
``s`` aside), its acronym (``NK`` of ``natural killer (NK) cells``), its acronym with its last word
(``NK cells``), or the words it ends with (``T cells`` covers ``the patient's own T cells``); a code is
also covered by a form that begins with it (``NK cell`` covers ``NK``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from carbook.data.editorial import therapy_names
from carbook.data.models import Glossary, Therapy
from carbook.data.facts import NotStated, Step
from carbook.data.problems import Loc
from carbook.data.sources import normalise

#: The fields whose values are candidates as wholes.
WHOLE_FIELDS = ("cell_type", "cell_source", "target_antigen")
_WORD = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\+?")
_TECHNICAL = re.compile(r"\b(?:[A-Za-z]+-)*[A-Za-z]+(?:cytes?|phages?|kines?|zymes?|genic|logous|cytosis)\b", re.IGNORECASE)
#: Tokens that are never glossary candidates: the book's own CAR, a route, roman numerals, trial and NCI codes.
_NOT_TERMS = re.compile(r"CAR|IV|I{1,3}|V|NCT\d+|C\d+")
_EFFECTOR_SPLIT = re.compile(r"\s+and\s+|\s*,\s*|\s+via\s+", re.IGNORECASE)
_LEADING = re.compile(r"^(?:(?:other|the|a|an|its|their|by|through)\s+)+", re.IGNORECASE)


@dataclass(frozen=True)
class MissingTerm:
    """A term of the chapter's lead, and the fact that shows it (its location in the data file)."""

    term: str
    loc: Loc
    shown_in: str = field(default="", compare=False)  # the value the lead shows it in

    @property
    def path(self) -> str:
        """Give the dotted path of the fact, list positions left out (``mechanism.steps``)."""
        return ".".join(str(part) for part in self.loc if not isinstance(part, int))


def lead_values(therapy: Therapy) -> list[tuple[Loc, str]]:
    """Give ``(location, value)`` of each fact the chapter's lead shows whose words may be glossary terms, in
    the lead's order (names, identifiers and drug names left out)."""
    t, regimen = therapy, therapy.regimen
    facts: list[tuple[Loc, Any]] = [(("name",), t.name), (("cell_type",), t.cell_type), (("modality",), t.modality),
                                    (("cell_source",), t.cell_source), (("target_antigen",), t.target_antigen),
                                    (("trial", "phase"), t.trial.phase), (("eligibility", "condition"), t.eligibility.condition)]
    if not isinstance(t.eligibility.ages, NotStated):
        facts.append((("eligibility", "ages"), t.eligibility.ages.unit))
    for stage in ("conditioning", "cell_infusion", "combination"):
        step = getattr(regimen, stage)
        if isinstance(step, Step):
            facts.append((("regimen", stage, "what"), step.what))
    if isinstance(regimen.dose, list):
        facts += [(("regimen", "dose", i), dose.unit) for i, dose in enumerate(regimen.dose)]
    facts.append((("regimen", "route"), regimen.route))
    facts += [(("mechanism", "steps", i), step) for i, step in enumerate(t.mechanism.steps)]
    facts.append((("mechanism", "becomes"), getattr(t.mechanism, "becomes", None)))
    facts.append((("mechanism", "effector"), t.mechanism.effector))
    if isinstance(t.car_components, list):
        facts += [(("car_components", i), part) for i, part in enumerate(t.car_components)]
    if not isinstance(t.nci_concept, NotStated):
        facts += [(("nci_concept", "claims", i), claim) for i, claim in enumerate(t.nci_concept.claims)
                  if claim.rests_on == "hedged"]
        facts.append((("nci_concept", "preferred_term"), t.nci_concept.preferred_term))
    values = []
    for loc, fact in facts:
        text = fact if isinstance(fact, str) else getattr(fact, "value", None)
        if isinstance(text, str) and text.strip():
            values.append((loc, normalise(text)))
    return values


def _codes(text: str) -> Iterator[str]:
    """Give the acronym and code tokens of ``text`` (``CD19`` and ``NK`` of ``CD19-CAR NK cells``; ``4-1BB``
    and ``CT-0525`` whole, as a hyphen joins a code's parts)."""
    for match in _WORD.finditer(text):
        token = match.group(0).rstrip("+")
        parts = token.split("-")
        whole = len(parts) > 1 and any(part.isdigit() or len(part) == 1 for part in parts)
        for piece in [token] if whole else parts:
            if _is_code(piece):
                yield piece


def _is_code(token: str) -> bool:
    """Tell whether a token is an acronym or a code: capitals and digits, with two capitals or a capital and
    a digit (``NK``, ``CD19``, ``4-1BB``; a plural ``CTLs`` too)."""
    core = token[:-1] if re.fullmatch(r"[A-Z0-9-]+s", token) else token
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9-]*", core):
        return False
    letters = sum(c.isalpha() for c in core)
    return letters >= 2 or (letters >= 1 and any(c.isdigit() for c in core))


def effector_pieces(effector: str) -> list[str]:
    """Give the effector's parts, split at "and", "," and "via", without a leading "other" or article."""
    pieces = (_LEADING.sub("", piece.strip()) for piece in _EFFECTOR_SPLIT.split(normalise(effector)))
    return [piece for piece in pieces if piece]


def _as_term(word: str) -> str:
    """Give a word as a glossary term writes it: lower case where only a sentence's start capitalises it."""
    return word.lower() if re.fullmatch(r"[A-Z][a-z]+", word) else word


def _acronym(term: str) -> str | None:
    """Give the acronym a term writes in brackets (``NK`` of ``natural killer (NK) cells``), if any."""
    found = re.search(r"\(([A-Za-z0-9-]+)\)", term)
    return found.group(1) if found else None


def candidates(therapy: Therapy) -> list[MissingTerm]:
    """Give the terms of the therapy's lead a trainee may need defined, each once, with the fact that shows it:
    whole values first, then the effector's parts, then acronyms, codes and technical words in the lead's order."""
    excluded = {term_key(name) for name, _ in therapy_names(therapy)}
    for stage in ("conditioning", "cell_infusion", "combination"):
        step = getattr(therapy.regimen, stage)
        excluded |= {term_key(agent.value) for agent in step.agents} if isinstance(step, Step) else set()
    found: list[MissingTerm] = []
    for name in WHOLE_FIELDS:
        fact = getattr(therapy, name)
        if not isinstance(fact, NotStated):
            found.append(MissingTerm(_as_term(normalise(fact.value)), (name,), normalise(fact.value)))
    excluded |= {term_key(a) for a in (_acronym(term.term) for term in found) if a}
    effector = therapy.mechanism.effector
    if not isinstance(effector, NotStated):
        found += [MissingTerm(piece, ("mechanism", "effector"), normalise(effector.value))
                  for piece in effector_pieces(effector.value)]
    for loc, value in lead_values(therapy):
        if loc[0] in WHOLE_FIELDS:
            continue  # its words are a candidate as a whole, and an entry for it covers them
        found += [MissingTerm(code, loc, value) for code in _codes(value) if not _NOT_TERMS.fullmatch(code)]
        found += [MissingTerm(_as_term(word.group(0)), loc, value) for word in _TECHNICAL.finditer(value)]
    unique: dict[str, MissingTerm] = {}
    for term in found:
        if term_key(term.term) not in excluded:
            unique.setdefault(term_key(term.term), term)
    return list(unique.values())


def term_key(text: str) -> str:
    """Give the form terms are compared in: lower case, single spaces, without a plural ``s`` at the end."""
    key = re.sub(r"\s+", " ", normalise(text)).lower().strip()
    return key[:-1] if key.endswith("s") and len(key) > 2 else key


def glossary_forms(glossary: Glossary | None) -> list[str]:
    """Give every term and match of the glossary."""
    return [form for entry in (glossary.terms if glossary else []) for form in entry.forms()]


def covered(term: str, keys: set[str]) -> bool:
    """Tell whether a glossary entry covers ``term``, given the glossary's forms as :func:`term_key` gives them: by
    the term itself, its acronym, its acronym with its last word, the words it ends with, or (for a code) a
    form that begins with it."""
    plain = re.sub(r"\s*\([^)]*\)", "", term).strip()
    words = plain.split()
    variants = {term, plain, *(" ".join(words[i:]) for i in range(len(words)))}
    acronym = _acronym(term)
    if acronym:
        variants |= {acronym, f"{acronym} {words[-1]}" if words else acronym}
    if any(term_key(v) in keys for v in variants if v):
        return True
    return len(words) == 1 and _is_code(term) and any(key.split(" ")[0] == term_key(term) for key in keys)


def linked_within(term: MissingTerm, forms: list[str]) -> bool:
    """Tell whether the lead shows ``term`` inside a longer glossary term, which links it to that entry
    (``T-lymphocyte`` in ``cytotoxic T-lymphocyte``)."""
    word = rf"(?<![A-Za-z0-9]){re.escape(term.term)}"
    for form in forms:
        for found in re.finditer(rf"(?<![\w-]){re.escape(form)}(?![\w-])", term.shown_in, re.IGNORECASE):
            if re.search(word, found.group(0), re.IGNORECASE):
                return True
    return False


def missing_terms(therapy: Therapy, glossary: Glossary | None) -> list[MissingTerm]:
    """Give the terms the therapy's lead shows that no glossary entry covers, each with the fact that shows it."""
    forms = glossary_forms(glossary)
    keys = {term_key(form) for form in forms}
    return [term for term in candidates(therapy) if not covered(term.term, keys) and not linked_within(term, forms)]
