"""Check a therapy's data against its source: every quote, nearby passage and value, its frame, its doses, and
that every sentence is accounted for.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from carbook.data import framing, paraphrase
from carbook.data.coverage import coverage
from carbook.data.models import Passage, Therapy, model_items
from carbook.data.facts import NotStated, Quoted, Step, format_number, value_in_quote
from carbook.data.problems import Loc, Problem
from carbook.data.provenance import Change
from carbook.data.sources import SourceDocument, normalise
from carbook.data.yamlfile import walk


def as_changed(problems: list[Problem], log: list[Change], source: SourceDocument) -> list[Problem]:
    """Give the problems with each quote that an update of its source changed or removed said so: the old
    passage, the closest passage of the new version and the words that differ, the update's date."""
    from carbook.data.update import closest_words, fact_path, words_changed

    latest = next((change for change in reversed(log) if change.source == source.name), None)
    touched = {fact.path: fact for fact in (latest.facts if latest else [])}
    out = []
    for problem in problems:
        loc = tuple(int(p) if p.isdigit() else p for p in re.sub(r"\[(\d+)\]", r".\1", problem.field.removesuffix(".quote")).split("."))
        fact = touched.get(fact_path(loc))
        if fact is None or not problem.field.endswith(".quote"):
            out.append(problem)
            continue
        closest = closest_words(source, fact.passage)[0]
        what = (f"its passage changed in the version of {latest.date}: was “{fact.passage}”, closest now “{closest}” "
                f"({words_changed(fact.passage, closest)})" if fact.status == "changed" else
                f"its passage is gone from the version of {latest.date}: was “{fact.passage}”")
        out.append(Problem(problem.file, problem.line, problem.field, what,
                           "edit the fact until it holds against the new version (value and quote), or mark it "
                           "not_stated if the new version says nothing of it"))
    return out


def stated_values(fact: dict[str, Any]) -> list[str]:
    values = [fact[key] for key in ("value", "minimum", "maximum", "unit") if key in fact]
    return [format_number(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
            for v in values if isinstance(v, (str, int, float)) and not isinstance(v, bool)]


def not_found(source: SourceDocument, what: str, passage: str) -> tuple[str, str]:
    """Give the message and fix for a passage that is not in ``source``: the words that differ from the
    source's closest words where a word changed ('3' → '5'), else where it parts from the source by code
    point (the two may look alike on screen); and the source's closest passage."""
    from carbook.data.update import ALIKE, closest_words, words_changed

    difference = source.difference(passage)
    closest, alike = closest_words(source, passage)
    letters = [re.sub(r"\W", "", normalise(text).casefold()) for text in (passage, closest)]
    if alike >= ALIKE and letters[0] != letters[1]:  # a word differs, not only how a character is written
        difference = f"the words differ from the source's: {words_changed(passage, closest)}"
    return (f"{what} not found in {source.name}",
            f"copy the passage exactly from the source; {difference + '; ' if difference else ''}"
            f"closest passage: “{source.closest_passage(passage)}”")


def check_against_source(data: dict[str, Any], source: SourceDocument) -> Iterator[tuple[Loc, str, str]]:
    """Check every quote, nearby passage and quoted value of the raw file against the source; a value marked
    as a paraphrase says no more than its quote (:mod:`carbook.data.paraphrase`).

    Works on the file as read, so these problems are reported even when the file has others."""
    for loc, item in walk(data):
        if not isinstance(item, dict) or "record_field" in item:
            continue
        quote, nearby = item.get("quote"), item.get("nearby")
        if isinstance(nearby, str) and nearby.strip() and not source.contains(nearby):
            yield ((*loc, "nearby"), *not_found(source, "nearby passage", nearby))
        if not (isinstance(quote, str) and quote.strip()):
            continue
        if not source.contains(quote):
            yield ((*loc, "quote"), *not_found(source, "quote", quote))
        elif not item.get("paraphrase"):
            for value in stated_values(item):
                if str(value).strip() and not value_in_quote(str(value), quote):
                    yield (loc, f"{value!r} is not written in its quote",
                           "make the value match the quote, or add `paraphrase: <why>` if the wording is editorial")
        else:
            rests_on = item.get("rests_on")
            for message, fix in paraphrase.check(source, quote, paraphrased_text(item),
                                                 rests_on if isinstance(rests_on, str) else "statement"):
                yield (loc, message, fix)


def paraphrased_text(fact: dict[str, Any]) -> str:
    """Give what a paraphrased fact says, as one text: its value, or its numbers followed by their unit
    (``1 25 year``), so that the unit is read as the words after a number."""
    if isinstance(fact.get("value"), str):
        return fact["value"]
    parts = [fact.get(key) for key in ("value", "high", "minimum", "maximum", "unit")]
    return " ".join(format_number(part) if isinstance(part, (int, float)) else part for part in parts
                    if isinstance(part, (str, int, float)) and not isinstance(part, bool))


def check_framing(therapy: Therapy, source: SourceDocument) -> Iterator[tuple[Loc, str, str]]:
    """Check that no fact drops the hedge, attribution or aim of its sentence, and none rests on an example."""
    for loc, item in model_items(therapy):
        if isinstance(item, NotStated) and item.nearby:
            for message, fix in framing.check_nearby(source, item.nearby):
                yield ((*loc, "nearby"), message, fix)
        elif isinstance(item, Passage):
            for message, fix in framing.check_fact(source, item.quote, None, item.rests_on):
                yield ((*loc, "quote"), message, fix)
        elif isinstance(item, Quoted) and loc and loc[0] != "not_used":
            if loc[0] == "aims" and item.rests_on != "aim":
                yield ((*loc, "rests_on"), "an aim of the study must rest on an aim", "set rests_on: aim")
                continue
            value = getattr(item, "value", None)
            value = value if isinstance(value, str) else None
            for message, fix in framing.check_fact(source, item.quote, value, item.rests_on):
                yield (loc, message, fix)


def coverage_problems(therapy: Therapy, source: SourceDocument, name: str, lines: dict[Loc, int]) -> list[Problem]:
    """Give a problem for each sentence of the source that the chapter neither shows nor lists as not used."""
    found = coverage(therapy, source)
    line = lines.get(("not_used",)) or lines.get(("id",))
    return [Problem(name, line, "not_used",
                    f"{source.name} says “{sentence.text[:120]}” and the chapter does not show it"
                    f" ({found.percent:.0f} % of the source accounted for)",
                    "quote it in a fact or under also_stated: (with rests_on), or list it under not_used: with the reason "
                    "(page debris, link text) if it is not content")
            for sentence in found.missing]


def check_steps(therapy: Therapy) -> Iterator[tuple[Loc, str, str]]:
    regimen = therapy.regimen
    for name in ("conditioning", "cell_infusion", "combination"):
        step = getattr(regimen, name)
        if not isinstance(step, Step) or len(step.agents) < 2:
            continue
        phrase = step.agents_phrase()
        quotes = [step.what.quote, *(agent.quote for agent in step.agents)]
        if not any(value_in_quote(phrase, q) for q in quotes):
            yield (("regimen", name, "agents_joined_by"),
                   f"the agents as joined, {phrase!r}, are not written in any of the step's quotes",
                   "list the agents in the source's order and join them with the source's word ('and' or 'or')")
    yield from check_doses(therapy)


_RANGE_AFTER = r"\s*(?:-|to)\s*~?\d"  # "0.5-3", "1 to 2" (dashes of every kind are "-" once normalised)


def check_doses(therapy: Therapy) -> Iterator[tuple[Loc, str, str]]:
    # A number the quote gives as the low end of a range must be written as a range, not as one dose.
    regimen = therapy.regimen
    for index, dose in enumerate(regimen.dose if isinstance(regimen.dose, list) else []):
        number = rf"(?<![\d.]){re.escape(format_number(dose.value))}(?![\d]|\.\d)"
        if dose.high is None and re.search(number + _RANGE_AFTER, normalise(dose.quote)):
            yield (("regimen", "dose", index), f"the quote gives a range from {format_number(dose.value)}, not one dose",
                   "add high: <the range's upper number>, as the source writes it")
    # Several doses are either alternatives ("3 or 10") or all given ("3 and 10"): one of their quotes
    # must give every dose, in order, with the source's word before the last.
    phrase = regimen.dose_phrase()
    if phrase is None or not all(value_in_quote(format_number(dose.value), dose.quote) for dose in regimen.dose):
        return  # a dose not written in its quote is reported as such; its join would only repeat that
    # numbers matched whole, as value_in_quote matches them
    numbers = [rf"(?<![\d.]){re.escape(format_number(dose.value))}(?![\d]|\.\d)" for dose in regimen.dose]
    between = ".{0,80}?"
    pattern = between.join(numbers[:-1]) + rf"{between}\b{regimen.dose_joined_by}\b{between}" + numbers[-1]
    joined = re.compile(pattern)
    if not any(joined.search(normalise(dose.quote).lower()) for dose in regimen.dose):
        yield (("regimen", "dose_joined_by"),
               f"the doses as joined, {phrase!r}, are not written so in any of the doses' quotes",
               "list the doses in the source's order and join them with the source's word ('and' or 'or')")
