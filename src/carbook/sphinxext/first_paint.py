"""What a page shows at its first paint, read from its markup: the elements a first style may be for.

A page's first styles (:class:`carbook.sphinxext.stylesheets.FirstStyles`) need only the rules for the
elements on screen before any script has run and before the reader has done anything: the whole
stylesheet arrives just after, with the rest. What is inside a closed ``<dialog>``, a dropdown menu not
yet opened, a ``<template>`` or an element marked ``hidden`` is not shown (the element itself is: the
rules that hide it are among its own); its words still count for the selectors that name it as an
ancestor. The scripts a page runs as it loads (``<script src>``) may add elements before that paint
(sphinx-copybutton's buttons, say): an element of any name with any of their words may be shown.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from carbook.sphinxext.unused_css import VAR, Subject

TAG = re.compile(r"""<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>""")
SCRIPT_SOURCE = re.compile(r"""<script\b[^>]*?\ssrc\s*=\s*["']([^"'?#]+)""", re.IGNORECASE)
ANY = "*"  # the name of an element a script may add: any
SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.DOTALL | re.IGNORECASE)
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
CLASS_ATTRIBUTE = re.compile(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)')""")
ID_ATTRIBUTE = re.compile(r"""\sid\s*=\s*(?:"([^"]*)"|'([^']*)')""")
QUOTED = re.compile(r""""[^"]*"|'[^']*'""")
HIDDEN_ATTRIBUTE = re.compile(r"""\shidden(?:\s*=|\s|/|$)""")
OPEN_ATTRIBUTE = re.compile(r"""\sopen(?:\s*=|\s|/|$)""")
VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
# Closed until a reader opens them: Bootstrap's dropdown menu shows only with its class "show".
CLOSED_CLASSES = frozenset({"dropdown-menu"})


class Element(NamedTuple):
    name: str  # "" for a name no selector of the stylesheet needs
    classes: frozenset[str]
    id: str | None


IMPLIED_BODY = Element("tbody", frozenset(), None)


class Markup(NamedTuple):
    """The words of a page's markup (element names, classes, ids), the elements it shows at first paint
    and the custom properties its own ``style`` attributes use."""
    words: frozenset[str]
    shown: frozenset[Element]
    properties: frozenset[str]

    def shows(self, subject: Subject) -> bool:
        """Give whether an element the page shows can be the subject of a selector."""
        return any((subject.element is None or e.name in (subject.element, ANY)) and subject.classes <= e.classes
                   and (subject.id is None or subject.id == e.id) for e in self.shown)

    def within(self, vocabulary: frozenset[str]) -> Markup:
        """Give this markup with only the words of ``vocabulary`` (those some selector needs): pages alike
        then read alike, and share the rules worked out once."""
        shown = frozenset(Element(e.name if e.name in vocabulary or e.name == ANY else "", e.classes & vocabulary,
                                  e.id if e.id in vocabulary else None) for e in self.shown)
        return Markup(self.words & vocabulary, shown, self.properties)


def script_sources(html: str) -> list[str]:
    """Give the addresses of the scripts a page loads (``<script src>``), as written."""
    return SCRIPT_SOURCE.findall(html)


def read(html: str, scripted: frozenset[str] = frozenset()) -> Markup:
    """Give what the markup ``html`` (scripts and comments aside) names and shows at its first paint; ``scripted`` are
    the words of the scripts it loads, the classes of elements they may add."""
    markup = SCRIPT.sub("", COMMENT.sub("", html))
    words: set[str] = set(scripted)
    shown: set[Element] = {Element(ANY, scripted, None)} if scripted else set()
    closed: list[str] = []  # the element names from the outermost element not shown inward
    for match in TAG.finditer(markup):
        closing, name, attributes = match[1], match[2].lower(), match[3]
        if closing:
            if name in closed:  # an end tag closes the elements left open inside it too
                while closed.pop() != name:
                    pass
            continue
        classes = frozenset(word for m in CLASS_ATTRIBUTE.finditer(attributes) for word in (m[1] or m[2] or "").split())
        found = ID_ATTRIBUTE.search(attributes)
        ident = (found[1] or found[2]) if found else None
        words.update(classes)
        words.add(name)
        if ident:
            words.add(ident)
        leaf = name in VOID or attributes.rstrip().endswith("/")
        bare = QUOTED.sub('""', attributes)  # the attributes' names, without their values
        hides = (HIDDEN_ATTRIBUTE.search(bare) or name == "template"
                 or (name == "dialog" and not OPEN_ATTRIBUTE.search(bare))
                 or (CLOSED_CLASSES & classes and "show" not in classes))
        if not closed:  # the element that hides its content is styled itself (the rule hiding it is one)
            shown.add(Element(name, classes, ident))
            if name == "table":  # a browser puts rows written straight in a table into a <tbody>
                shown.add(IMPLIED_BODY)
                words.add(IMPLIED_BODY.name)
        if not leaf and (closed or hides):
            closed.append(name)
    return Markup(frozenset(words), frozenset(shown), frozenset(VAR.findall(markup)))
