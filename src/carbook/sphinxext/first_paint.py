"""What a page shows at its first paint, read from its markup: the elements a first style may be for.

A page's first styles (:class:`carbook.sphinxext.stylesheets.FirstStyles`) need only the rules for the
elements on screen before any script has run and before the reader has done anything: the whole
stylesheet arrives just after, with the rest. What is inside a closed ``<dialog>`` or ``<details>`` (but
its ``<summary>``), a dropdown menu not yet opened, a ``<template>`` or an element marked ``hidden`` is
not shown (the element itself is: the rules that hide it are among its own); its words still count for
the selectors that name it as an ancestor. Each element is known with the elements it is in, so a rule
for ``.a .b`` is kept only where a ``.b`` on screen is in an ``.a``, and one asking for an attribute
(``[open]``) or for its absence (``:not([data-theme])``) only where an element has it or lacks it, or
the page's scripts may give or take it. The scripts a page runs as it loads (``<script src>``) may add
elements before that paint (sphinx-copybutton's buttons, say): an element of a name they write
(``createElement("button")``, ``"<button ..."``: any element's name they quote), with any of their
words as classes or attributes, anywhere in the page (:func:`script_adds`).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from carbook.sphinxext.unused_css import VAR, WORD, Subject

TAG = re.compile(r"""<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>""")
# How a script names the elements it adds: as a string of its own that is an element's name
# (createElement("p"), or a helper's element("p", ...)), as markup in a string ("<p class=..."), or as a
# custom element it defines.
CREATED = re.compile(r"""["'`]([a-zA-Z][a-zA-Z0-9-]*)["'`]""")
WRITTEN = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)(?=[\s/>])")
DEFINED = re.compile(r"""customElements\.define\(\s*["'`]([a-z][a-z0-9]*-[a-z0-9-]*)["'`]""")
ELEMENT_NAMES = frozenset(
    "a abbr address area article aside audio b base bdi bdo blockquote body br button canvas caption cite code col "
    "colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset figcaption figure footer form h1 h2 "
    "h3 h4 h5 h6 head header hgroup hr html i iframe img input ins kbd label legend li link main map mark menu meta "
    "meter nav noscript object ol optgroup option output p picture pre progress q rp rt ruby s samp script search "
    "section select slot small source span strong style sub summary sup table tbody td template textarea tfoot th "
    "thead time title tr track u ul var video wbr svg g path circle rect line polyline polygon ellipse text tspan use "
    "defs symbol clippath mask lineargradient radialgradient stop image foreignobject marker pattern desc".split())
# Elements the DOM's own calls add without naming them.
MADE_BY_CALL = {"createTBody": "tbody", "createTHead": "thead", "createTFoot": "tfoot", "createCaption": "caption",
                "insertRow": "tr", "insertCell": "td", "Option": "option", "Image": "img"}
COPIED = re.compile(r"\b(?:cloneNode|importNode)\b")  # copies of elements the markup has, of any name
SCRIPT_SOURCE = re.compile(r"""<script\b[^>]*?\ssrc\s*=\s*["']([^"'?#]+)""", re.IGNORECASE)
ANY = "*"  # the name of an element a script may add: any
SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.DOTALL | re.IGNORECASE)
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
CLASS_ATTRIBUTE = re.compile(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)')""")
ID_ATTRIBUTE = re.compile(r"""\sid\s*=\s*(?:"([^"]*)"|'([^']*)')""")
QUOTED = re.compile(r""""[^"]*"|'[^']*'""")
HIDDEN_ATTRIBUTE = re.compile(r"""\shidden(?:\s*=|\s|/|$)""")
OPEN_ATTRIBUTE = re.compile(r"""\sopen(?:\s*=|\s|/|$)""")
UNQUOTED_VALUE = re.compile(r"""=\s*(?:""|[^\s"'>]*)""")  # an attribute's value, after QUOTED emptied it
ATTRIBUTE_NAMES = re.compile(r"""[^\s"'<>/=]+""")
DATASET_WORD = re.compile(r"[A-Z]")  # dataset.bsTheme is the attribute data-bs-theme
VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
# Closed until a reader opens them: Bootstrap's dropdown menu shows only with its class "show".
CLOSED_CLASSES = frozenset({"dropdown-menu"})


class Element(NamedTuple):
    name: str  # "" for a name no selector of the stylesheet needs
    classes: frozenset[str]
    id: str | None
    parent: Element | None = None  # the element it is in, as the markup opens them (None: the root)
    attributes: frozenset[str] | None = frozenset()  # the names of its attributes (None: any)


ANYWHERE = Element(ANY, frozenset(), None, None, None)  # what an element a script adds is in: anything


class Scripted(NamedTuple):
    """What the scripts a page loads may add to it before its first paint: elements of these names (any
    name: :data:`ANY`) with these words as classes; the attributes they may give an element (their words,
    also as ``dataset.word``) and those they may take from it."""
    names: frozenset[str]
    words: frozenset[str]
    removed: frozenset[str] = frozenset()
    attributes: frozenset[str] = frozenset()


NOTHING = Scripted(frozenset(), frozenset())


def together(scripts: list[Scripted]) -> Scripted:
    """Give what several scripts may add to a page, together."""
    return Scripted(*(frozenset().union(*field) for field in zip(*scripts))) if scripts else NOTHING


# How a script takes an attribute away: by name, as a dataset entry, or by setting a boolean one false.
REMOVED = re.compile(r"""(?:removeAttribute|toggleAttribute)\(\s*["'`]([-\w]+)["'`]""")
DATASET_DELETED = re.compile(r"\bdelete\s+[\w.$]*\.dataset\.(\w+)")
BOOLEAN = {"hidden": "hidden", "open": "open", "disabled": "disabled", "checked": "checked", "selected": "selected",
           "required": "required", "readOnly": "readonly", "multiple": "multiple", "inert": "inert"}


def _dataset(word: str) -> str:
    return "data-" + DATASET_WORD.sub(lambda m: "-" + m[0].lower(), word)


def removed_by(text: str, words: frozenset[str] | set[str]) -> frozenset[str]:
    """Give the attributes a script's ``text`` (of these ``words``) may remove from an element."""
    return frozenset({*REMOVED.findall(text), *map(_dataset, DATASET_DELETED.findall(text)),
                      *(name for prop, name in BOOLEAN.items() if prop in words)})


def script_adds(text: str) -> Scripted:
    """Give the elements a script's ``text`` may add: of each element's name it quotes, writes as markup or
    defines, with any of its words as classes; of any name if it copies elements."""
    words = frozenset(WORD.findall(text))
    quoted = {name.lower() for name in CREATED.findall(text)} & ELEMENT_NAMES
    names = {ANY} if COPIED.search(text) else {*quoted, *(n.lower() for n in WRITTEN.findall(text)), *DEFINED.findall(text)}
    names.update(name for call, name in MADE_BY_CALL.items() if call in words)
    return Scripted(frozenset(names), words, removed_by(text, words), words | set(map(_dataset, words)))


class Markup(NamedTuple):
    """The words of a page's markup (element names, classes, ids), the elements it shows at first paint
    (each with the elements it is in) and the custom properties its own ``style`` attributes use; and the
    attributes its scripts may give any element (the words they have, as ``name`` or as ``dataset.name``)
    or take from it (:func:`removed_by`): a selector's asking for the first, or for the absence of the
    second, is not held against an element."""
    words: frozenset[str]
    shown: frozenset[Element]
    properties: frozenset[str]
    scripted_attributes: frozenset[str] = frozenset()
    removable_attributes: frozenset[str] = frozenset()

    def shows(self, *compounds: Subject) -> bool:
        """Give whether an element the page shows can be styled by a selector of these compounds (the last
        one is the element it styles, its subject): each compound before it must match an element it is in,
        in their order outward. Every combinator is read as "in", which an element on screen meets whenever
        it meets the stricter ones (``>``, and ``+``/``~``, whose sibling is not asked for), and an end tag
        the markup leaves out only adds an element it is in. An element a script adds may be in anything."""
        *outer, subject = (c._replace(attributes=c.attributes - self.scripted_attributes,
                                      absent=c.absent - self.removable_attributes) for c in compounds)
        return any(_matches(subject, element) and _within(outer, element.parent) for element in self.shown)

    def within(self, vocabulary: frozenset[str], attributes: frozenset[str] | None = None) -> Markup:
        """Give this markup with only the words of ``vocabulary`` and the attributes of ``attributes`` (those
        some selector needs; all by default): pages alike then read alike, and share the rules worked out once."""
        reduced: dict[int, Element] = {}

        def reduce(e: Element | None) -> Element | None:
            if e is None:
                return None
            if id(e) not in reduced:
                reduced[id(e)] = Element(e.name if e.name in vocabulary or e.name == ANY else "", e.classes & vocabulary,
                                         e.id if e.id in vocabulary else None, reduce(e.parent),
                                         e.attributes if e.attributes is None or attributes is None
                                         else e.attributes & attributes)
            return reduced[id(e)]

        return Markup(self.words & vocabulary, frozenset(map(reduce, self.shown)), self.properties,
                      *(names if attributes is None else names & attributes
                        for names in (self.scripted_attributes, self.removable_attributes)))


def _matches(compound: Subject, element: Element) -> bool:
    return ((compound.element is None or element.name in (compound.element, ANY)) and compound.classes <= element.classes
            and (compound.id is None or compound.id == element.id)
            and (element.attributes is None or (compound.attributes <= element.attributes
                                                and not compound.absent & element.attributes)))


def _within(compounds: list[Subject], element: Element | None) -> bool:
    """Give whether ``compounds`` (outermost first) match elements ``element`` is or is in, in order outward."""
    for compound in reversed(compounds):
        while element is not None and element.name != ANY and not _matches(compound, element):
            element = element.parent
        if element is None:
            return False
        if element.name == ANY:
            return True
        element = element.parent
    return True


def script_sources(html: str) -> list[str]:
    """Give the addresses of the scripts a page loads (``<script src>``), as written."""
    return SCRIPT_SOURCE.findall(html)


def read(html: str, scripted: Scripted = NOTHING) -> Markup:
    """Give what the markup ``html`` (scripts and comments aside) names and shows at its first paint, with what
    the scripts it loads may add (``scripted``)."""
    html = COMMENT.sub("", html)
    markup = SCRIPT.sub("", html)
    words: set[str] = {*scripted.words, *scripted.names} - {ANY}
    inline = "\n".join(SCRIPT.findall(html))
    inline_words = set(WORD.findall(inline))
    removable = scripted.removed | removed_by(inline, inline_words)
    in_scripts = scripted.attributes | inline_words | set(map(_dataset, inline_words))
    # an element a script adds may have any of its words as a class or an attribute
    shown: set[Element] = {Element(name, scripted.words, None, ANYWHERE, scripted.attributes) for name in scripted.names}
    open_: list[tuple[str, Element, int]] = []  # the elements open, outermost first: name, element, 1 if it hides
    hiding = 0  # how many of them hide what is in them
    for match in TAG.finditer(markup):
        closing, name, attributes = match[1], match[2].lower(), match[3]
        if closing:
            if any(entry[0] == name for entry in open_):  # an end tag closes the elements left open inside it too
                while True:
                    entry = open_.pop()
                    hiding -= entry[2]
                    if entry[0] == name:
                        break
            continue
        classes = frozenset(word for m in CLASS_ATTRIBUTE.finditer(attributes) for word in (m[1] or m[2] or "").split())
        found = ID_ATTRIBUTE.search(attributes)
        ident = (found[1] or found[2]) if found else None
        words.update(classes)
        words.add(name)
        if ident:
            words.add(ident)
        if name == "tr" and open_ and open_[-1][0] == "table":  # a browser puts rows written straight in a table
            open_.append(("tbody", Element("tbody", frozenset(), None, open_[-1][1]), 0))  # into a <tbody>
            words.add("tbody")
            if not hiding:
                shown.add(open_[-1][1])
        bare = QUOTED.sub('""', attributes)  # the attributes' names, without their values
        element = Element(name, classes, ident, open_[-1][1] if open_ else None,
                          frozenset(n.lower() for n in ATTRIBUTE_NAMES.findall(UNQUOTED_VALUE.sub("", bare))))
        leaf = name in VOID or attributes.rstrip().endswith("/")
        hides = int(bool(HIDDEN_ATTRIBUTE.search(bare) or name == "template"
                         or (name in ("dialog", "details") and not OPEN_ATTRIBUTE.search(bare))
                         or (CLOSED_CLASSES & classes and "show" not in classes)))
        if name == "summary" and open_ and open_[-1][0] == "details" and open_[-1][2]:
            hides = -1  # a closed <details> shows its <summary>
        if hiding + min(hides, 0) == 0:  # the element that hides its content is styled itself (the rule hiding it is one)
            shown.add(element)
        if not leaf:
            open_.append((name, element, hides))
            hiding += hides
    return Markup(frozenset(words), frozenset(shown), frozenset(VAR.findall(markup)), frozenset(in_scripts), removable)
