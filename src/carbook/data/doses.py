"""Read cell doses out of a source's passage, where the passage writes them in an unambiguous form.

A dose statement is one or more amounts followed by what they count, for example
``0.5–3×10^9 CAR-positive natural killer (NK) cells``, ``~1–2×10^6 cells/kg`` or
``3 or 10 billion CAR+ cells``. An amount is a number or a range (``1-2``, ``1 to 2``, ``between 1
and 2``), optionally scaled (``×10^9``, ``x 10^6``, ``× 10⁶``, ``10e6`` after a times sign, ``1e6``,
``million``, ``billion``); several amounts may be alternatives (``or``) or all given (``and``).

Anything that could be read two ways is not guessed at: it is reported as an :class:`UnclearDose`
with the reason, and :func:`parse_doses` gives ``None``, so that an importer leaves a gap beside the
passage for an editor to judge. Bounds (``up to 5×10^8``, ``at least``, ``<``) are not doses either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

_DASHES = r"\-\u2010\u2011\u2012\u2013\u2014\u2212"  # for a character class
_TIMES = "×xX*\u00b7\u22c5"
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_FROM_SUPERSCRIPT = str.maketrans(_SUPERSCRIPTS + "⁺⁻", "0123456789+-")

_WORD_SCALES = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12}

#: One amount: a number with its scale, if any. Not part of a word or of another number ("CD19",
#: "IL-15", "4-1BB", "1.5" read from its "5").
_AMOUNT = re.compile(
    rf"""
    (?<![\w.,^]) (?<![A-Za-z][{_DASHES}])
    (?:
        (?P<power>10\s*(?:\^|\*\*)\s*(?P<power_exp>[+-]?\d{{1,2}}) | 10(?P<power_sup>[⁺⁻]?[{_SUPERSCRIPTS}]{{1,2}}))
      | (?P<number>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)? | \d+(?:\.\d+)?)
        (?:
            (?P<e>[eE](?P<e_exp>[+-]?\d{{1,2}}))
          | (?P<times>\s*[{_TIMES}]\s*
              (?: 10\s*(?:\^|\*\*|[eE])\s*(?P<times_exp>[+-]?\d{{1,2}})
                | 10(?P<times_sup>[⁺⁻]?[{_SUPERSCRIPTS}]{{1,2}})
                | 10(?P<flat>\d{{1,2}}) ))
          | \s+(?P<word>thousand|million|billion|trillion)\b
        )?
    )
    (?![\w^%{_SUPERSCRIPTS}]|[.,]\d)
    """,
    re.VERBOSE | re.IGNORECASE,
)

_RANGE_GAP = re.compile(rf"\s*[{_DASHES}]\s*|\s+to\s+", re.IGNORECASE)
_LIST_GAP = re.compile(r"\s*,\s*(?:(?P<comma_word>or|and)\s+)?|\s+(?P<word>or|and)\s+", re.IGNORECASE)

#: What the amounts count: a few words ending in "cells", then "/kg" or "per kg" when per body weight.
_COUNTED = re.compile(
    rf"""
    \s*
    (?P<counted>(?:(?:[A-Za-z][\w+{_DASHES}]*\+? | \([^()\s][^()]{{0,20}}\))\s+){{0,7}}? cells?)
    (?![\w{_DASHES}])
    (?P<per_kg>\s*(?:/\s*kg | per\s+(?:kg|kilogram))\b (?:\s+(?:of\s+)?body\s*weight\b)?)?
    """,
    re.VERBOSE | re.IGNORECASE,
)
#: Words that end a description of cells: after them, the number counts something else ("3 doses of").
_NOT_IN_COUNTED = frozenset(
    "of and or to in with per for at from the a an that which who than by on over after before each every "
    "dose doses infusion infusions day days week weeks month months year years cycle cycles".split())

_APPROXIMATE = re.compile(r"(?:[~∼≈]\s*|\b(?:approximately|approx\.|about|around|circa|ca\.)\s+)$", re.IGNORECASE)
_BOUND = re.compile(
    r"(?:\bup\s+to|\bat\s+(?:least|most)|\b(?:no|not)\s+(?:more|less|fewer)\s+than|\b(?:more|less|fewer|greater)\s+than"
    r"|\bmaximum(?:\s+of)?|\bminimum(?:\s+of)?|\bexceeding|\bbelow|\babove|[<>≤≥⩽⩾]=?)\s*$",
    re.IGNORECASE,
)
_BETWEEN = re.compile(r"\bbetween\s+$", re.IGNORECASE)
#: A number joined to the amount's start by a sign ("1,5 × 10^6": a decimal comma the amount cannot include)
_NUMBER_BEFORE = re.compile(rf"\d(?:[.,:/^]|\s*[{_TIMES}]\s*)$")


@dataclass(frozen=True)
class Dose:
    """One dose: a number or a range, as written, and what it counts.

    ``0.5–3×10^9 CAR-positive natural killer (NK) cells`` gives ``low=0.5, high=3, exponent=9``,
    ``unit="×10^9 CAR-positive natural killer (NK) cells"`` (all the text after the last number, as
    written, so that ``low``, ``high`` and ``unit`` are each written in the passage) and
    ``cells="CAR-positive natural killer (NK) cells"``; ``low_value`` and ``high_value`` have the power
    of ten applied (5e8 and 3e9)."""

    low: float
    high: float | None  # None for a single number
    exponent: int  # the power of ten the numbers are multiplied by: 9 for "×10^9" and for "billion"
    unit: str
    cells: str  # what is counted, without scale or "per kg"
    per_kg: bool
    approximate: bool
    text: str  # the whole dose statement, exactly as the passage writes it

    @property
    def low_value(self) -> float:
        """The low (or only) number with its power of ten applied."""
        return self.low * 10**self.exponent

    @property
    def high_value(self) -> float | None:
        """The high end of a range with its power of ten applied; ``None`` for a single number."""
        return None if self.high is None else self.high * 10**self.exponent


@dataclass(frozen=True)
class DoseStatement:
    """The doses a passage states in one place, and how they are joined.

    ``joined_by`` is ``"or"`` when the doses are alternatives (``3 or 10 billion CAR+ cells``), ``"and"``
    when all are given, ``None`` for a single dose. ``start``/``end`` locate ``text`` in the passage."""

    doses: tuple[Dose, ...]
    joined_by: str | None
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class UnclearDose:
    """Dose-like text whose form can be read more than one way, with the reason it is not read."""

    text: str
    start: int
    end: int
    reason: str


@dataclass(frozen=True)
class _Amount:
    number: float
    exponent: int | None  # None when the amount is not scaled itself
    start: int
    number_end: int  # where the number itself ends (the unit, as written, starts here)
    end: int
    unclear: str | None = None


def _amount(match: re.Match[str]) -> _Amount:
    start, end = match.start(), match.end()
    if match["power"]:  # a bare power of ten, "10^6 cells": one times ten to the six
        exponent = match["power_exp"] or match["power_sup"].translate(_FROM_SUPERSCRIPT)
        return _Amount(1.0, int(exponent), start, start, end)
    number = float(match["number"].replace(",", ""))
    number_end = match.end("number")
    unclear = None
    exponent: str | int | None = None
    if match["e"]:
        exponent = match["e_exp"]
        if match["number"] == "10":
            unclear = f"{match[0]!r} may mean 10×10^{int(exponent)} or 10^{int(exponent)}"
    elif match["times"]:
        if match["flat"] is not None:
            unclear = f"{match[0]!r} has lost the power of ten's raised form: 10 to which power?"
        exponent = match["times_exp"] or (match["times_sup"] or "0").translate(_FROM_SUPERSCRIPT)
    elif match["word"]:
        exponent = _WORD_SCALES[match["word"].lower()]
    return _Amount(number, None if exponent is None else int(exponent), start, number_end, end, unclear)


def _counted(passage: str, at: int) -> re.Match[str] | None:
    match = _COUNTED.match(passage, at)
    if match is None or any(word.lower() in _NOT_IN_COUNTED for word in match["counted"].split()[:-1]):
        return None
    return match


def _chains(passage: str) -> list[tuple[list[_Amount], list[str]]]:
    """Give runs of amounts joined by range or list words, each with the words between its amounts."""
    chains: list[tuple[list[_Amount], list[str]]] = []
    for match in _AMOUNT.finditer(passage):
        amount = _amount(match)
        if chains:
            amounts, gaps = chains[-1]
            gap = passage[amounts[-1].end:amount.start]
            if _RANGE_GAP.fullmatch(gap) or _LIST_GAP.fullmatch(gap):
                amounts.append(amount)
                gaps.append(gap)
                continue
        chains.append(([amount], []))
    return chains


def _group(amounts: list[_Amount], gaps: list[str], between: bool) -> tuple[list[list[_Amount]], str | None] | str:
    """Group a chain's amounts into doses (a range or one number each) and tell how the doses are joined.

    Gives the reason instead when the grouping could be read two ways."""
    doses: list[list[_Amount]] = [[amounts[0]]]
    words: set[str] = set()
    for index, (gap, amount) in enumerate(zip(gaps, amounts[1:])):
        is_and = re.fullmatch(r"\s+and\s+", gap, re.IGNORECASE) is not None
        if _RANGE_GAP.fullmatch(gap) or (between and index == 0 and is_and):
            if len(doses[-1]) == 2:
                return "a range with more than two ends"
            doses[-1].append(amount)
            continue
        list_gap = _LIST_GAP.fullmatch(gap)
        word = (list_gap["word"] or list_gap["comma_word"] or "").lower()
        if word:
            words.add(word)
        doses.append([amount])
    if len(doses) == 1:
        return doses, None
    if len(words) != 1:
        return "doses joined both by 'or' and by 'and'" if words else "doses listed with commas alone: alternatives or all given?"
    return doses, words.pop()


def _statement(passage: str, amounts: list[_Amount], gaps: list[str]) -> DoseStatement | UnclearDose | None:
    first, last = amounts[0], amounts[-1]
    before = passage[:first.start]
    counted = _counted(passage, last.end)
    scaled = any(amount.exponent is not None for amount in amounts)
    start = first.start
    if approximate := _APPROXIMATE.search(before[-20:]):
        start -= len(approximate[0])
    if counted is None:
        if not scaled:
            return None  # a number that counts no cells ("phase 1", "18 years"): not a dose at all
        return UnclearDose(passage[start:last.end], start, last.end, "the amount names no cells after it")
    end = counted.end()
    text = passage[start:end]

    def unclear(reason: str) -> UnclearDose:
        return UnclearDose(text, start, end, reason)

    if reason := next((amount.unclear for amount in amounts if amount.unclear), None):
        return unclear(reason)
    if bound := _BOUND.search(before[-30:]):
        return unclear(f"{bound[0].strip()!r} makes it a bound, not a dose")
    if _NUMBER_BEFORE.search(before[-6:]) and not approximate:
        return unclear("a number just before it is not written in a dose form")
    # A scale written once, after the last number, applies to every number before it ("0.5–3×10^9",
    # "3 or 10 billion"); numbers that each carry one must all carry the same.
    exponents = {amount.exponent for amount in amounts[:-1]} - {None}
    if last.exponent is None and exponents:
        return unclear("a power of ten on an earlier number but not on the last")
    if exponents and (exponents != {last.exponent} or any(a.exponent is None for a in amounts[:-1])):
        return unclear("the numbers are scaled by different powers of ten")
    between = _BETWEEN.search(before[-12:])
    if between and not approximate:
        start, text = start - len(between[0]), passage[start - len(between[0]):end]
    grouped = _group(amounts, gaps, between is not None)
    if isinstance(grouped, str):
        return unclear(grouped)
    groups, joined_by = grouped
    unit = passage[last.number_end:end].strip()
    doses = []
    for group in groups:
        low, high = group[0].number, (group[1].number if len(group) == 2 else None)
        if low <= 0 or (high is not None and high <= low):
            return unclear("a range whose low end is not below its high end")
        doses.append(Dose(low, high, last.exponent or 0, unit, counted["counted"], bool(counted["per_kg"]),
                          bool(approximate), text))
    return DoseStatement(tuple(doses), joined_by, text, start, end)


def _join_word(passage: str, statements: list[DoseStatement]) -> str | UnclearDose:
    """Give the one word ("or", "and") that joins ``statements`` and the doses within them, or why there is none."""
    words = {statement.joined_by for statement in statements} - {None}
    for before, after in zip(statements, statements[1:]):
        gap = _LIST_GAP.fullmatch(passage[before.end:after.start])
        words.add((gap["word"] or gap["comma_word"] or "").lower())
    words.discard("")
    if len(words) == 1:
        return words.pop()
    first, last = statements[0], statements[-1]
    return UnclearDose(passage[first.start:last.end], first.start, last.end,
                       "doses joined both by 'or' and by 'and'" if words
                       else "doses listed with commas alone: alternatives or all given?")


def _join_repeated_units(passage: str, found: list[DoseStatement | UnclearDose]) -> list[DoseStatement | UnclearDose]:
    """Join statements listed one after another with the same unit ("1×10^6 cells/kg or 3×10^6 cells/kg")."""
    runs: list[list] = []
    for item in found:
        previous = runs[-1][-1] if runs else None
        if (isinstance(item, DoseStatement) and isinstance(previous, DoseStatement)
                and _LIST_GAP.fullmatch(passage[previous.end:item.start])
                and {dose.unit for dose in previous.doses} == {dose.unit for dose in item.doses}):
            runs[-1].append(item)
        else:
            runs.append([item])
    joined: list[DoseStatement | UnclearDose] = []
    for run in runs:
        if len(run) == 1:
            joined.append(run[0])
            continue
        word = _join_word(passage, run)
        if isinstance(word, UnclearDose):
            joined.append(word)
            continue
        start, end = run[0].start, run[-1].end
        text = passage[start:end]
        doses = tuple(replace(dose, text=text) for statement in run for dose in statement.doses)
        joined.append(DoseStatement(doses, word, text, start, end))
    return joined


def find_doses(passage: str) -> list[DoseStatement | UnclearDose]:
    """Give every dose statement of ``passage`` in order, and every dose-like text that is unclear.

    Numbers that count no cells ("phase 1", "18 years", "NCT06254807") are neither."""
    found = (_statement(passage, amounts, gaps) for amounts, gaps in _chains(passage))
    return _join_repeated_units(passage, [statement for statement in found if statement is not None])


def parse_doses(passage: str) -> DoseStatement | None:
    """Give the one dose statement of ``passage``; ``None`` when there is none, several, or any unclear.

    >>> [(d.low, d.unit) for d in parse_doses("a single IV infusion (3 or 10 billion CAR+ cells)").doses]
    [(3.0, 'billion CAR+ cells'), (10.0, 'billion CAR+ cells')]
    """
    found = find_doses(passage)
    if len(found) != 1 or isinstance(found[0], UnclearDose):
        return None
    return found[0]
