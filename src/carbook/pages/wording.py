"""The wording of a chapter's sentences: what a value rests on before it, a long value cut short without
dropping a hedge, a list joined with "and", and the passages a fact quotes.
"""

from __future__ import annotations

from typing import Any

from carbook.data.facts import RESTS_ON_PREFIX, Identifier, Quoted, Step
from carbook.data.framing import FRAMES
from carbook.pages.myst import escape


def kind_prefix(rests_on: str) -> str:
    """Give what a value rests on as MyST to put before it (``Aim: ``), or nothing for a plain statement."""
    words = RESTS_ON_PREFIX.get(rests_on, "")
    return f"{escape(words)} " if words else ""


def quotes_of(fact: Any) -> list[str]:
    if isinstance(fact, Step):
        return [fact.what.quote, *(a.quote for a in fact.agents)]
    if isinstance(fact, list):
        return [q for item in fact for q in quotes_of(item)]
    if isinstance(fact, (Quoted, Identifier)):
        return [fact.quote]
    return []


#: How a lead names what a framed statement is.
FRAME_NAMES = {"finding": "an earlier finding", "aim": "an aim", "hedged": "a hedged claim"}


def brief(text: str, most: int = 56) -> str:
    """Give ``text`` whole when it is short, else its first words up to ``most`` characters and an ellipsis: a
    lead points to a passage the page prints in full further down, and never prints it twice. A text whose
    cut-off words hold a hedge, an aim or an attribution is given whole: cutting them would say more."""
    if len(text) < 60:
        return text
    kept = text[:most].rsplit(" ", 1)[0].rstrip(",;:")
    if any(pattern.search(text[len(kept):]) for pattern in FRAMES.values()):
        return text
    return kept + " …"


def joined_with_and(items: Any) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""
