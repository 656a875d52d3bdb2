"""Link the first use of each glossary term on a page to its glossary entry."""

from __future__ import annotations

import re

from carbook.data.models import Glossary
from carbook.pages.myst import escape


class TermLinker:
    """Turns text into MyST in which the first use of each glossary term on a page is a ``{term}`` link.

    One linker serves one page: it remembers which terms it has already linked.
    """

    def __init__(self, glossary: Glossary | None):
        self._term_of: dict[str, str] = {}
        for entry in glossary.terms if glossary else []:
            for form in entry.forms():
                self._term_of[form.lower()] = entry.term
        forms = sorted(self._term_of, key=len, reverse=True)
        self._pattern = (
            re.compile(r"(?<![\w-])(" + "|".join(re.escape(f) for f in forms) + r")(?![\w-])", re.IGNORECASE)
            if forms else None
        )
        self.linked: set[str] = set()

    def link(self, text: str) -> str:
        """Give ``text`` as escaped MyST, with terms not yet linked on this page made into links."""
        if self._pattern is None:
            return escape(text)
        parts: list[str] = []
        position = 0
        for match in self._pattern.finditer(text):
            term = self._term_of[match.group(1).lower()]
            if term in self.linked:
                continue
            self.linked.add(term)
            parts.append(escape_keep_edges(text[position:match.start()]))
            parts.append(f"{{term}}`{match.group(1)} <{term}>`")
            position = match.end()
        parts.append(escape_keep_edges(text[position:]))
        return "".join(parts).strip()


def escape_keep_edges(text: str) -> str:
    """Escape ``text`` but keep one space at either end where it had whitespace there."""
    if not text:
        return ""
    lead = " " if text[0].isspace() else ""
    trail = " " if text[-1].isspace() and text.strip() else ""
    return f"{lead}{escape(text)}{trail}"
