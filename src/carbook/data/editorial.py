"""Editorial glossary definitions under the quotes' rule: general, and never more than the sources say.

An entry of ``data/glossary.yaml`` either quotes a source's definition or gives an ``editorial`` one in
the book's words, beside passages of the sources that use the term (``used_in``). An editorial
definition says what a trainee needs to know of the term in general. It is refused when it

* speaks of one therapy of the book: names its id, its product name, its study, its trial identifiers
  or its NCI concept (code or preferred term), or points at one therapy's source with the words
  "the study page", "the record", "this chapter" or "here a/an" (:data:`POINTERS`);
* states what a chapter quoting the same source marks as not stated: for each source the entry quotes,
  the therapies built from that source (``therapy.source``) are read, and for each of their facts that is
  a gap (:class:`~carbook.data.facts.NotStated`) the words that would state that facet
  (:data:`FACETS`) may not appear in the definition. A generic entry such as "Phase I" may still say
  "phase" where its sources state the phase: only a source whose therapy marks a facet not stated matters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Mapping

from pydantic import BaseModel

from carbook.data.models import Glossary, GlossaryEntry, Therapy

from carbook.data.facts import NotStated
from carbook.data.problems import Loc
from carbook.data.sources import normalise

#: Words that point at one therapy's source rather than define a term in general.
POINTERS = re.compile(r"\b(?:the study page|the record|this chapter|here,? an?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Facet:
    """A fact a source may leave unstated, and the words a definition would state it with."""

    path: str  # the fact's dotted path in a therapy's data
    label: str  # its name on the pages
    without: str  # how the fix names what to leave out
    words: re.Pattern[str]


#: The facets an editorial definition may not state where a chapter quoting the same source marks them
#: not stated. Kept small and explicit: each pattern lists the words that would state its facet.
FACETS: tuple[Facet, ...] = (
    Facet("regimen.route", "Route", "the route", re.compile(
        r"(?i:\b(?:veins?|intravenous(?:ly)?|subcutaneous(?:ly)?|intramuscular(?:ly)?|intrathecal(?:ly)?|"
        r"intratumou?ral(?:ly)?|oral(?:ly)?|by mouth)\b)|(?<![Pp]hase )\bIV\b")),
    Facet("cell_source", "Cell source", "whose cells they are", re.compile(
        r"(?i:\b(?:autologous|allogeneic|donors?|patient's own|patients' own)\b)")),
    Facet("regimen.dose", "Dose", "a dose", re.compile(
        r"(?i:\b\d+(?:\.\d+)?\s*(?:x\s*10\^?\d+\s*)?(?:(?:thousand|million|billion|trillion)\s+)?(?:CAR\+?\s+)?"
        r"(?:cells?|mg|mcg|µg|g|kg|ml|units?)\b)")),
    Facet("trial.phase", "Phase", "the trial's phase", re.compile(r"\b[Pp]hase\s+(?:III|II|IV|I|[1-4])\b")),
    Facet("regimen.conditioning", "Conditioning", "conditioning", re.compile(
        r"(?i:\b(?:lymphodeplet\w*|conditioning)\b)")),
    Facet("eligibility.ages", "Ages", "an age", re.compile(
        r"(?i:\b\d+\s*(?:(?:-|to)\s*\d+\s*)?(?:years?|yrs?)(?:\s+old)?\b)")),
)


def check_glossary(glossary: Glossary, therapies: Mapping[str, Therapy]) -> Iterator[tuple[Loc, str, str]]:
    """Give ``(location, message, fix)`` for each editorial definition that speaks of one therapy or states
    what a chapter quoting the same source marks as not stated (located at ``terms[i].editorial``)."""
    generic = generic_words(glossary)
    names = _names(therapies, generic)  # once for all entries: a book of thousands has tens of thousands of names
    for index, entry in enumerate(glossary.terms):
        if not entry.editorial:
            continue
        loc: Loc = ("terms", index, "editorial")
        for message, fix in (*names_a_therapy(entry, therapies, generic, names), *states_a_gap(entry, therapies)):
            yield loc, message, fix


def generic_words(glossary: Glossary) -> set[str]:
    """Give the glossary's terms and matches in the form names are compared in: words a therapy's name may
    share without being named by them (a made-up product called "CAR T cells")."""
    return {_plain(form) for entry in glossary.terms for form in entry.forms()}


def _plain(text: str) -> str:
    """Give ``text`` as names are compared: case, spacing, typographic variants and a plural ``s`` aside."""
    plain = " ".join(normalise(text).lower().split())
    return plain[:-1] if plain.endswith("s") and len(plain) > 2 else plain


def therapy_names(therapy: Therapy) -> list[tuple[str, str]]:
    """Give ``(text, what it is)`` for each name and identifier of a therapy: its product name, study, trial
    identifiers, NCI concept code and preferred term, and its id."""
    facts = [("its product name", therapy.name), ("its study", therapy.study), ("its trial identifier", therapy.trial.nct_id),
             *(("its trial identifier", one) for one in therapy.trial.other_ids)]
    if not isinstance(therapy.nci_concept, NotStated):
        facts += [("its NCI concept code", therapy.nci_concept.code),
                  ("its NCI preferred term", therapy.nci_concept.preferred_term)]
    facts.append(("its id", therapy.id))
    named = []
    for what, fact in facts:
        text = fact if isinstance(fact, str) else getattr(fact, "value", None)
        if isinstance(text, str) and len(text.strip()) > 2:
            named.append((text.strip(), what))
    return named


def _says(text: str, words: str, normalised: bool = False) -> str | None:
    """Give ``words`` as ``text`` writes them, as whole words, case and typographic variants aside; None
    when it does not (``normalised``: ``text`` is already in the plain form of :func:`normalise`)."""
    needle, haystack = normalise(words), text if normalised else normalise(text)
    if needle.casefold() not in haystack.casefold():
        return None  # the common case, without compiling a pattern (a book of thousands has thousands of names)
    pattern = rf"(?<![A-Za-z0-9]){re.escape(needle)}(?![A-Za-z0-9])"
    found = re.search(pattern, haystack, re.IGNORECASE)
    return found.group(0) if found else None


def _names(therapies: Mapping[str, Therapy], generic: set[str] | frozenset[str]) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Give, for each therapy, its id and its names that are no general term (``(name, what it is, its plain
    form case-folded)``), the fullest first."""
    named = []
    for therapy in therapies.values():
        general = generic | {_plain(therapy.modality.value), _plain(therapy.cell_type.value)}
        forms = [(name, what, normalise(name).casefold())
                 for name, what in sorted(therapy_names(therapy), key=lambda named: -len(named[0]))
                 if _plain(name) not in general]
        named.append((therapy.id, forms))
    return named


def names_a_therapy(entry: GlossaryEntry, therapies: Mapping[str, Therapy], generic: set[str] = frozenset(),
                    names: list[tuple[str, list[tuple[str, str, str]]]] | None = None) -> Iterator[tuple[str, str]]:
    """Give ``(message, fix)`` for each therapy an editorial definition names, and for words that point at one
    therapy's source. A name that is a general term (one of ``generic``, or the therapy's modality or cell
    type) names no one therapy. ``names``: the therapies' names as :func:`_names` gives them, if already known."""
    text = entry.editorial or ""
    plain = normalise(text)
    folded = plain.casefold()
    for therapy_id, forms in names if names is not None else _names(therapies, generic):
        for name, what, needle in forms:
            said = _says(plain, name, normalised=True) if needle in folded else None
            if said:
                yield (f"the editorial definition of {entry.term!r} names “{said}”, {what} of {therapy_id}",
                       "define the term in general, naming no therapy of the book; the chapter says what concerns it")
                break
    pointer = POINTERS.search(normalise(text))
    if pointer:
        yield (f"the editorial definition of {entry.term!r} says “{pointer.group(0)}”, which speaks of one therapy's source",
               "define the term in general; an editorial definition speaks of no one study page, record or chapter")


def quoted_sources(entry: GlossaryEntry) -> list[str]:
    """Give the file names of the sources an entry quotes (its definition and its ``used_in`` passages), each once."""
    passages = ([entry.definition] if entry.definition else []) + list(entry.used_in)
    return list(dict.fromkeys(passage.source for passage in passages))


def is_gap(therapy: Therapy, path: str) -> bool:
    """Tell whether the therapy marks the fact at ``path`` not stated (itself, or the group it belongs to)."""
    item: object = therapy
    for part in path.split("."):
        if isinstance(item, NotStated):
            return True
        if not isinstance(item, BaseModel) or part not in type(item).model_fields:
            return False
        item = getattr(item, part)
    return isinstance(item, NotStated)


def states_a_gap(entry: GlossaryEntry, therapies: Mapping[str, Therapy]) -> Iterator[tuple[str, str]]:
    """Give ``(message, fix)`` for each facet an editorial definition states that a chapter quoting one of the
    same sources marks as not stated (once per facet and source)."""
    text = normalise(entry.editorial or "")
    for source in quoted_sources(entry):
        built = [t for t in therapies.values() if t.source == source]
        for facet in FACETS:
            silent = [t.id for t in built if is_gap(t, facet.path)]
            said = facet.words.search(text)
            if silent and said:
                several = len(silent) > 1
                chapters = (f"the {_and(silent)} chapters, which quote the same source ({source}), mark" if several
                            else f"the {silent[0]} chapter, which quotes the same source ({source}), marks")
                yield (f"the editorial definition of {entry.term!r} says “{said.group(0)}”, but {chapters} "
                       f"{facet.label} as not stated",
                       f"define the term in general, without {facet.without}")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
