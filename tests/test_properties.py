"""Property tests: random edits of the real data that change a quoted fact or a quote never pass silently.

Each example edits one fact of a copy of a therapy's data file and runs the same check the build runs.
The edit must be reported at that fact's field path, unless the edited data is still genuinely true to
the source. What counts as genuinely true is decided here independently of the loader, from the rules
the README states, and every such edit is discarded with ``assume``:

* a quote is a verbatim passage of the source, whitespace aside but case included, so a quote edited
  into another passage that still occurs in the source (e.g. one with its first letter cut off) is valid;
* a value is written in its quote with case and whitespace aside, numbers as whole numbers, so a value
  edited into other words of the same quote (``HER2`` into ``sarcoma``, dose ``3`` into ``10``) is valid:
  no check on data alone can tell those apart from the right value.
"""

from __future__ import annotations

import copy
import re
import string
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from carbook.data.load import check
from carbook.data.yamlfile import dotted, walk
from conftest import copy_data, squash

ROOT = Path(__file__).resolve().parents[1]
THERAPIES = ("heros-3", "ct-0525")

Loc = tuple[Any, ...]

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    database=None,  # keep no example database in the working tree
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)

#: Characters an edit inserts or writes in place of another: no whitespace (a whitespace-only edit is
#: normalised away by design), some punctuation and a few non-ASCII letters an editor might paste.
EDIT_CHARACTERS = string.ascii_letters + string.digits + "-+/()%.,;:'#" + "éµα–’"


def read_data(therapy: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / "data/therapies" / f"{therapy}.yaml").read_text(encoding="utf-8"))


DATA = {therapy: read_data(therapy) for therapy in THERAPIES}
SOURCES = {therapy: (ROOT / "data/sources" / DATA[therapy]["source"]).read_text(encoding="utf-8") for therapy in THERAPIES}


# --- the rules, restated as an oracle --------------------------------------------------------------


def occurs(passage: str, source: str) -> bool:
    """A passage occurs in the source verbatim, runs of whitespace aside (case counts)."""
    needle = squash(passage)
    return bool(needle) and needle in squash(source)


def number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def written_in(value: Any, quote: str) -> bool:
    """A value is written in its quote: case and whitespace aside; a number as a whole number."""
    text = number_text(value) if isinstance(value, (int, float)) else str(value)
    needle, haystack = squash(text).lower(), squash(quote).lower()
    if re.fullmatch(r"\d+(\.\d+)?", needle):
        return re.search(rf"(?<![\d.]){re.escape(needle)}(?![\d]|\.\d)", haystack) is not None
    return bool(needle) and needle in haystack


STATED_KEYS = ("value", "minimum", "maximum", "unit")


def still_true(fact: dict[str, Any], source: str) -> bool:
    """The edited fact is genuinely valid: its quote occurs, its values are written in it, ages are ordered."""
    if not occurs(fact["quote"], source):
        return False
    if not all(written_in(fact[key], fact["quote"]) for key in STATED_KEYS if key in fact):
        return False
    if "minimum" in fact and "maximum" in fact and fact["minimum"] > fact["maximum"]:
        return False
    return True


# --- the facts of the real data --------------------------------------------------------------------



def at(data: Any, loc: Loc) -> Any:
    for part in loc:
        data = data[part]
    return data


def stated_facts(therapy: str) -> list[tuple[str, Loc]]:
    """Every fact typed with a quote (not parsed from a record field, not marked as a paraphrase)."""
    return [
        (therapy, loc)
        for loc, item in walk(DATA[therapy])
        if isinstance(item, dict) and "quote" in item and "record_field" not in item and not item.get("paraphrase")
        and any(key in item for key in STATED_KEYS)
    ]


def gaps_with_nearby(therapy: str) -> list[tuple[str, Loc]]:
    return [(therapy, loc) for loc, item in walk(DATA[therapy]) if isinstance(item, dict) and "nearby" in item]


def shown_passages(therapy: str) -> list[tuple[str, Loc]]:
    """Every passage shown as it is (``also_stated``) or listed as not content (``not_used``)."""
    return [(therapy, (group, index)) for group in ("also_stated", "not_used")
            for index, _ in enumerate(DATA[therapy].get(group, []))]


FACTS = [fact for therapy in THERAPIES for fact in stated_facts(therapy)]
NEARBY = [gap for therapy in THERAPIES for gap in gaps_with_nearby(therapy)]
PASSAGES = [passage for therapy in THERAPIES for passage in shown_passages(therapy)]

#: Words an edit may put in place of a value's word: the sources' own words, and some that are not in them.
WORDS = sorted({w for text in SOURCES.values() for w in re.findall(r"[A-Za-z0-9+-]{2,}", text)}
               | {"CD19", "BCMA", "HER3", "macrophages", "subcutaneous", "Phase II", "4-1BB", "NK cells"})


# --- running the check on an edited copy -----------------------------------------------------------


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_data(tmp_path_factory.mktemp("book"))


def problems_after(book: Path, therapy: str, data: dict[str, Any]) -> list:
    """Write ``data`` as the therapy's file, check that file as the build does, and put the file back."""
    path = book / "data/therapies" / f"{therapy}.yaml"
    original = path.read_bytes()
    try:
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8")
        return check(book, [path])
    finally:
        path.write_bytes(original)


def fields(problems: list) -> list[str]:
    return [f"{p.field}: {p.message}" for p in problems]


def test_facts_to_edit_were_found():
    assert len(FACTS) >= 30 and {t for t, _ in FACTS} == set(THERAPIES)
    assert len(NEARBY) >= 10
    assert len(PASSAGES) >= 7


@pytest.mark.parametrize("therapy", THERAPIES)
def test_the_unedited_data_written_back_passes(book: Path, therapy: str):
    assert problems_after(book, therapy, copy.deepcopy(DATA[therapy])) == []


# --- edits ---------------------------------------------------------------------------------------


@st.composite
def text_edit(draw: st.DrawFn, text: str, *, words: bool) -> str:
    """Insert or replace one non-whitespace character, or (when ``words``) put another word in place of one."""
    kinds = ["insert", "replace", "word"] if words else ["insert", "replace", "delete"]
    kind = draw(st.sampled_from(kinds))
    if kind == "insert":
        position = draw(st.integers(0, len(text)))
        return text[:position] + draw(st.sampled_from(EDIT_CHARACTERS)) + text[position:]
    if kind == "word":
        parts = text.split(" ")
        index = draw(st.integers(0, len(parts) - 1))
        parts[index] = draw(st.sampled_from(WORDS))
        return " ".join(parts)
    positions = [i for i, c in enumerate(text) if not c.isspace()]
    position = draw(st.sampled_from(positions))
    if kind == "delete":
        return text[:position] + text[position + 1:]
    character = draw(st.sampled_from(EDIT_CHARACTERS).filter(lambda c: c != text[position]))
    return text[:position] + character + text[position + 1:]


@SETTINGS
@given(st.data())
def test_an_edited_value_under_its_unchanged_quote_is_reported_at_the_fact(book: Path, data: st.DataObject):
    therapy, loc = data.draw(st.sampled_from(FACTS), label="fact")
    edited = copy.deepcopy(DATA[therapy])
    fact = at(edited, loc)
    key = data.draw(st.sampled_from([k for k in STATED_KEYS if k in fact]), label="key")
    old = fact[key]
    if isinstance(old, str):
        new: Any = data.draw(text_edit(old, words=True), label="new value")
        assume(new.lower() != old.lower())  # a change of case alone is allowed: values match case-insensitively
    else:
        new = data.draw(st.one_of(st.integers(1, 2000), st.floats(0.01, 2000, allow_nan=False).map(lambda x: round(x, 2))),
                        label="new number")
        assume(new != old)
    fact[key] = new
    assume(not still_true(fact, SOURCES[therapy]))  # e.g. HER2 -> sarcoma, or dose 3 -> 10: both in the quote

    problems = problems_after(book, therapy, edited)

    note(f"{dotted(loc)}.{key}: {old!r} -> {new!r}")
    assert dotted(loc) in [p.field for p in problems], fields(problems)


@SETTINGS
@given(st.data())
def test_an_edited_quote_is_reported_at_the_quote_or_the_fact(book: Path, data: st.DataObject):
    therapy, loc = data.draw(st.sampled_from(FACTS), label="fact")
    edited = copy.deepcopy(DATA[therapy])
    fact = at(edited, loc)
    old = fact["quote"]
    new = data.draw(text_edit(old, words=False), label="new quote")
    assume(squash(new) != squash(old))
    fact["quote"] = new
    assume(not still_true(fact, SOURCES[therapy]))  # e.g. the first letter cut off: still a verbatim passage

    problems = problems_after(book, therapy, edited)

    note(f"{dotted(loc)}.quote: {old!r} -> {new!r}")
    # A quote that no longer occurs in the source is reported at the quote; a quote that still occurs
    # but no longer holds the value is reported at the fact, as for an edited value.
    expected = f"{dotted(loc)}.quote" if not occurs(new, SOURCES[therapy]) else dotted(loc)
    assert expected in [p.field for p in problems], fields(problems)


@SETTINGS
@given(st.data())
def test_a_value_edited_together_with_its_quote_is_reported_at_the_quote(book: Path, data: st.DataObject):
    """The edit a value check alone cannot see: the same change made to the value and, in place, to its quote."""
    candidates = [(t, loc) for t, loc in FACTS
                  if isinstance(at(DATA[t], loc).get("value"), str) and at(DATA[t], loc)["value"] in at(DATA[t], loc)["quote"]]
    therapy, loc = data.draw(st.sampled_from(candidates), label="fact")
    edited = copy.deepcopy(DATA[therapy])
    fact = at(edited, loc)
    old = fact["value"]
    new = data.draw(text_edit(old, words=True), label="new value")
    fact["value"], fact["quote"] = new, fact["quote"].replace(old, new)
    assume(not still_true(fact, SOURCES[therapy]))  # e.g. the source has both "nivolumab" and "nivoluma"

    problems = problems_after(book, therapy, edited)

    note(f"{dotted(loc)}: {old!r} -> {new!r} in value and quote")
    assert f"{dotted(loc)}.quote" in [p.field for p in problems], fields(problems)


@SETTINGS
@given(st.data())
def test_an_edited_nearby_passage_is_reported_at_it(book: Path, data: st.DataObject):
    therapy, loc = data.draw(st.sampled_from(NEARBY), label="gap")
    edited = copy.deepcopy(DATA[therapy])
    gap = at(edited, loc)
    new = data.draw(text_edit(gap["nearby"], words=False), label="new nearby")
    gap["nearby"] = new
    assume(not occurs(new, SOURCES[therapy]))  # a shorter passage that still occurs is still verbatim

    problems = problems_after(book, therapy, edited)

    assert f"{dotted(loc)}.nearby" in [p.field for p in problems], fields(problems)


@SETTINGS
@given(st.data())
def test_an_edited_passage_also_stated_or_not_used_is_reported_at_it(book: Path, data: st.DataObject):
    therapy, loc = data.draw(st.sampled_from(PASSAGES), label="passage")
    edited = copy.deepcopy(DATA[therapy])
    passage = at(edited, loc)
    new = data.draw(text_edit(passage["quote"], words=False), label="new quote")
    passage["quote"] = new
    assume(not occurs(new, SOURCES[therapy]))  # a shorter passage that still occurs is still verbatim

    problems = problems_after(book, therapy, edited)

    note(f"{dotted(loc)}.quote -> {new!r}")
    assert f"{dotted(loc)}.quote" in [p.field for p in problems], fields(problems)


@SETTINGS
@given(st.data())
def test_any_emptied_text_of_a_fact_is_reported_at_that_field(book: Path, data: st.DataObject):
    """Emptying a fact's value or quote (or a gap's note) is never silent, and names the field emptied."""
    texts = [(t, loc) for t in THERAPIES for loc, item in walk(DATA[t])
             if isinstance(item, str) and loc and loc[-1] in ("value", "quote", "unit", "not_stated", "nearby")
             and "record_field" not in at(DATA[t], loc[:-1])]
    therapy, loc = data.draw(st.sampled_from(texts), label="field")
    edited = copy.deepcopy(DATA[therapy])
    at(edited, loc[:-1])[loc[-1]] = data.draw(st.sampled_from(["", " ", "\t", "  \n  "]), label="blank")

    problems = problems_after(book, therapy, edited)

    assert dotted(loc) in [p.field for p in problems], fields(problems)
