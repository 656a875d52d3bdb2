"""A paraphrased value says no more than its passage.

A fact marked ``paraphrase: <why>`` gives its value in the book's words, so the value need not be
written in its quote. It may reword; it may not change or add what can be checked, nor state outright
what its passage frames. For such a value:

* every number, identifier (a token holding a digit: ``H-49271``, ``NCT04995003``, ``CD19``, ``4-1BB``;
  an acronym of two or more capitals: ``HER2``, ``IRB``, ``CTL``), proper name (a capitalised word that
  does not begin the value or one of its sentences) and unit (the words right after a number:
  ``billion CAR+ cells``, ``years``) must be written in the quote: case, whitespace, typographic
  variants and a plural ``s`` aside, numbers whole (:func:`carbook.data.facts.value_in_quote`);
* where the passage is framed as an aim, an earlier finding or a hedged claim (the frame's words in
  the quote, or before it in its sentence: :func:`carbook.data.framing.passage_frames`), the value keeps
  the frame: it carries a word of the same family, or the fact rests on that family.
"""

from __future__ import annotations

import difflib
import re
from typing import Iterator, NamedTuple

from carbook.data import framing
from carbook.data.facts import value_in_quote
from carbook.data.sources import SourceDocument, normalise

#: A word of a value or a quote: letters and digits, joined by ``- . / ^`` inside, a trailing ``+`` kept
#: (``H-49271``, ``0.5``, ``10^9``, ``CAR+``).
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-./^][A-Za-z0-9]+)*\+?")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_ACRONYM = re.compile(r"[A-Z](?:-?[A-Z])+s?")
_NAME = re.compile(r"[A-Z][a-z][A-Za-z']*")
#: Where a sentence of the value begins: its start, or after ``. ! ? : ;`` and a space.
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+)[\"'(]*$")
#: Words that end a unit after a number (``1 to 25 years``: the unit of 25 is ``years``, 1 has none).
_NOT_UNIT = frozenset("and or to of in on at for with by from than the a an each every is are was were be been "
                      "as that which who old".split())
#: A word inside a unit that the quote may write as a sign (``mg per kg`` for ``mg/kg``): not checked itself.
_UNIT_JOINERS = frozenset({"per"})
_UNIT_WORDS = 3

#: What a message says a frame of each family does, and what the fix keeps.
_FRAME_WORDS = {
    "hedged": ("hedges with “{words}”", "keep the hedge in the value or set rests_on: hedged"),
    "aim": ("frames it as an aim with “{words}”", "keep the aim's words in the value or set rests_on: aim"),
    "finding": ("reports it as an earlier finding with “{words}”",
                "keep the finding's words in the value or set rests_on: finding"),
}


class Token(NamedTuple):
    """A word of a paraphrased value that its quote must write, and what kind of word it is."""

    text: str
    kind: str


def _parts(token: str) -> list[str]:
    """Give a hyphenated token without its lower-case word parts (``HER2-positive`` → ``HER2``,
    ``anti-HER2`` → ``HER2``); a code such as ``4-1BB`` or ``H-49271`` stays whole."""
    pieces = token.split("-")
    if len(pieces) == 1 or not any(re.fullmatch(r"[a-z]{2,}", piece) for piece in pieces):
        return [token]
    return [piece for piece in pieces if not re.fullmatch(r"[a-z]{2,}", piece)]


def _kind(token: str, first: bool) -> str | None:
    """Give the kind of a token the quote must write (a number, identifier, name), or None for a plain word."""
    if _NUMBER.fullmatch(token):
        return "number"
    if any(c.isdigit() for c in token) or _ACRONYM.fullmatch(token.rstrip("+")):
        return "identifier"
    if not first and _NAME.fullmatch(token):
        return "name"
    return None


def checked_tokens(value: str) -> list[Token]:
    """Give the numbers, identifiers, proper names and units of ``value`` that its quote must write, in order,
    each once."""
    text = normalise(value)
    found: list[Token] = []
    matches = list(_TOKEN.finditer(text))
    for index, match in enumerate(matches):
        first = bool(_SENTENCE_START.search(text[:match.start()]))
        for part in _parts(match.group(0)):
            kind = _kind(part, first)
            if kind:
                found.append(Token(part, kind))
        if _NUMBER.fullmatch(match.group(0)):
            found += [Token(word, "unit") for word in _unit_after(text, matches, index)]
    unique: dict[str, Token] = {}
    for token in found:
        unique.setdefault(token.text.lower(), token)
    return list(unique.values())


def _unit_after(text: str, matches: list[re.Match[str]], index: int) -> list[str]:
    """Give the words right after the number at ``matches[index]``: up to three, ending at punctuation, a
    number or a joining word."""
    words: list[str] = []
    for before, match in zip(matches[index:], matches[index + 1:index + 1 + _UNIT_WORDS]):
        gap = text[before.end():match.start()]
        word = match.group(0)
        if gap.strip() or word.lower() in _NOT_UNIT or _NUMBER.fullmatch(word):
            break
        if word.lower() not in _UNIT_JOINERS:
            words.append(word)
    return words


def written(token: Token, quote: str) -> bool:
    """Tell whether ``quote`` writes the token: a number whole (as :func:`value_in_quote` matches it), any
    other token as a whole word, case and typographic variants aside, and a plural ``s`` too unless it holds a
    digit (a code is written exactly)."""
    if token.kind == "number":
        return value_in_quote(token.text, quote)
    word = normalise(token.text).lower()
    if any(c.isdigit() for c in word):
        pattern = rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])"
    else:
        stem = word[:-1] if word.endswith("s") and len(word) > 2 else word
        pattern = rf"(?<![a-z0-9]){re.escape(stem)}s?(?![a-z0-9])"
    return re.search(pattern, normalise(quote).lower()) is not None


def closest(token: Token, quote: str) -> str | None:
    """Give the quote's word of the same kind closest to ``token`` (``H-49271`` for ``H-49217``), if any is close."""
    words = [m.group(0) for m in _TOKEN.finditer(normalise(quote))]
    if token.kind == "number":
        words = [w for w in words if _NUMBER.fullmatch(w)]
    elif token.kind == "identifier":
        words = [p for w in words for p in _parts(w) if any(c.isdigit() for c in p) or _ACRONYM.fullmatch(p.rstrip("+"))]
    by_lower = {w.lower(): w for w in words}
    found = difflib.get_close_matches(token.text.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[found[0]] if found else None


def unwritten(value: str, quote: str) -> list[tuple[Token, str | None]]:
    """Give each number, identifier, name or unit of ``value`` that ``quote`` does not write, with the quote's
    closest word of its kind (None when none is close)."""
    return [(token, closest(token, quote)) for token in checked_tokens(value) if not written(token, quote)]


def dropped_frames(source: SourceDocument, quote: str, value: str, rests_on: str) -> list[tuple[str, str, bool]]:
    """Give ``(family, words, inside the quote)`` for each frame of the quote's passage that the paraphrased
    value drops: it carries no word of the frame's family and the fact does not rest on it."""
    if value_in_quote(value, quote):
        return []  # the value is the quote's own words: the framing check reads it in its sentence
    dropped: dict[str, tuple[str, str, bool]] = {}
    for family, words, inside in framing.passage_frames(source, quote):
        kept = rests_on in framing.FITS[family] or framing.FRAMES[family].search(normalise(value))
        if not kept:
            dropped.setdefault(family, (family, words, inside))
    return list(dropped.values())


def check(source: SourceDocument, quote: str, value: str, rests_on: str) -> Iterator[tuple[str, str]]:
    """Give ``(message, fix)`` for each way a paraphrased ``value`` says more than ``quote``: a number,
    identifier, name or unit the quote does not write, or a frame of the passage it drops."""
    for token, near in unwritten(value, quote):
        has = f" (the quote has {near!r})" if near else ""
        yield (f"the paraphrased value gives {token.text!r}, which its quote does not write{has}",
               "write it as the quote writes it, or quote the passage that states it; a paraphrase may reword, "
               "but not change or add a number, identifier, name or unit")
    for family, words, inside in dropped_frames(source, quote, value, rests_on):
        does, fix = _FRAME_WORDS[family]
        where = "the quote" if inside else "the quote's sentence"
        yield f"{where} {does.format(words=words)}, which the paraphrased value drops", fix
