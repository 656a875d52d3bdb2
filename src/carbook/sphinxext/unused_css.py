"""Drop the style rules a site can never use, as PurgeCSS does: by the words its files contain.

A theme's stylesheet carries rules for every component it offers (Bootstrap's, Font Awesome's, the
theme's own); a phone must download and parse all of them before it paints anything. A rule is kept
when each class, id and element name its selector needs occurs as a word somewhere in the site's
pages or scripts (a script that adds a class or an element at run time names it), so only rules for
components the site lacks are dropped. What is inside ``:not()``, ``:is()``, ``:where()``, ``:has()``
and the ``:nth-*()`` pseudo-classes, and attribute selectors, is never required (``:not(.x)`` matches
more when ``.x`` is absent). For one page's first styles, custom properties (``--name: value``) that
no kept rule uses can be dropped as well, and so can the rules of a reader's act (``:hover``,
``:focus``, ``:active``) and the selectors of elements the page does not show as they say: a selector's
subject, the element it styles, must be one of them, in elements its other compounds name, with the
attributes it asks for (:mod:`carbook.sphinxext.first_paint`); the rules are then minified.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

WORD = re.compile(r"[_a-zA-Z][_a-zA-Z0-9-]*")
CLASS = re.compile(r"\.(-?[_a-zA-Z][_a-zA-Z0-9-]*)")
FUNCTIONAL = re.compile(r":(?:not|is|where|has|nth-child|nth-last-child|nth-of-type|nth-last-of-type)\(")
ATTRIBUTE = re.compile(r"\[[^\]]*\]")
NESTED = re.compile(r"@(?:media|supports|layer|container)\b")  # blocks of rules, purged inside
ID = re.compile(r"#(-?[_a-zA-Z][_a-zA-Z0-9-]*)")
PSEUDO = re.compile(r"::?[-a-zA-Z]+(?:\([^()]*\))?")  # :hover, ::before, :lang(en): they name no element
ELEMENT = re.compile(r"(?:^|[\s>+~])([a-z][a-z0-9-]*)(?![\w|-])")  # a type selector (lower case, no namespace)
COMBINATOR = re.compile(r"\s*[>+~]\s*|\s+")
LEADING_ELEMENT = re.compile(r"[a-z][a-z0-9-]*")
# Pseudo-classes that match only once a reader acts (points, presses, moves the focus): never at first paint.
ON_ACT = re.compile(r":(?:hover|active|focus|focus-visible|focus-within)(?![\w-])")
VAR = re.compile(r"var\(\s*(--[_a-zA-Z0-9-]+)")
CUSTOM_PROPERTY = re.compile(r"\s*(--[_a-zA-Z0-9-]+)\s*:")
KEYFRAMES = re.compile(r"@(?:-webkit-)?keyframes\s+([-_a-zA-Z0-9]+)")
PRINT_ONLY = re.compile(r"@media\s+print")


# What a minified stylesheet leaves out or cuts: a string (kept), a licence notice (/*! ...*/, kept), any other
# comment, and white space (none beside braces, semicolons and commas; one space elsewhere, and in an empty
# custom property, "--x: ;", which some browsers read as invalid without it).
MINIFIABLE = re.compile(r"""("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|/\*!.*?\*/)|/\*.*?\*/|(?<!:)\s*([{};,])\s*|\s+""", re.DOTALL)


def minified(css: str) -> str:
    """Give ``css`` without its comments (licence notices kept) and without the white space its meaning does not need."""
    return MINIFIABLE.sub(lambda m: m[1] or m[2] or ("" if m[0].startswith("/*") else " "), css).strip()


def purge(css: str, used: set[str]) -> str:
    """Give ``css`` without the selectors that need a class not in ``used`` (rules left empty go too)."""
    return Stylesheet(css).keep(used)


class Stylesheet:
    """A stylesheet read once, to be purged for many sets of classes (one per page, say) quickly."""

    def __init__(self, css: str):
        # ("text", text) kept as it is; ("rule", [(selector, words it needs)], body); ("block", prelude, Stylesheet)
        self.parts: list[tuple] = []
        for prelude, body in _blocks(css):
            if body is None:
                self.parts.append(("text", prelude if prelude.startswith("/*") else prelude + ";"))
            elif NESTED.match(prelude):
                self.parts.append(("block", prelude, Stylesheet(body)))
            elif prelude.startswith("@"):
                self.parts.append(("text", f"{prelude}{{{body}}}"))  # @font-face, @keyframes, @page: kept whole
            else:
                self.parts.append(("rule", [_selector(s) for s in _split(prelude)], body))
        # every word some selector needs (its classes, ids and element names)
        self.classes = frozenset(c for part in self.parts for c in (
            part[2].classes if part[0] == "block" else {c for s in part[1] for c in s.needed} if part[0] == "rule" else ()))
        # every attribute some compound asks an element to have or not to have
        self.attributes = frozenset(a for part in self.parts for a in (
            part[2].attributes if part[0] == "block" else
            {a for s in part[1] for c in s.compounds for a in c.attributes | c.absent} if part[0] == "rule" else ()))

    def keep(self, used: set[str] | frozenset[str], properties: set[str] | frozenset[str] | None = None,
             shown: Any = None) -> str:
        """Give the stylesheet without the selectors that need a word not in ``used``.

        An animation (``@keyframes name``) goes when no kept rule and no word of ``used`` names it.
        With ``properties`` (the custom properties that the page itself uses, as in a ``style``
        attribute), the rules are a page's first styles: a custom property declaration goes too unless
        a kept rule, one of ``properties`` or a custom property so kept uses it, and so do the rules
        for printing (``@media print``), which the page's whole stylesheet brings before anyone prints;
        a licence notice the joined stylesheets repeat word for word is kept once. With ``shown`` as
        well (a :class:`~carbook.sphinxext.first_paint.Markup`), a selector goes when it matches only
        once a reader acts, or when the page shows no element it could style (its subject)."""
        kept = _without_unused_keyframes(self._kept(used, shown), used)
        if properties is not None:
            kept = _without_unused_properties(_without_print(kept), set(properties))
            kept = [part for index, part in enumerate(kept) if not (part[0] == "text" and part in kept[:index])]
        return _render(kept)

    def _kept(self, used: set[str] | frozenset[str], shown: Any = None) -> list[tuple]:
        out: list[tuple] = []
        for part in self.parts:
            if part[0] == "text":
                out.append(part)
            elif part[0] == "block":
                inner = part[2]._kept(used, shown)
                if inner:
                    out.append(("block", part[1], inner))
            else:
                selectors = [s.text for s in part[1] if s.needed <= used and (
                    shown is None or (not s.on_act and shown.shows(*s.compounds)))]
                if selectors:
                    out.append(("rule", selectors, part[2]))
        return out


def _render(parts: list[tuple]) -> str:
    out = []
    for part in parts:
        if part[0] == "text":
            out.append(part[1])
        elif part[0] == "block":
            inner = _render(part[2])
            if inner:
                out.append(f"{part[1]}{{{inner}}}")
        else:
            out.append(f"{','.join(part[1])}{{{part[2]}}}")
    return "".join(out)


def _without_print(parts: list[tuple]) -> list[tuple]:
    return [part for part in parts if not (part[0] == "block" and PRINT_ONLY.fullmatch(part[1]))]


def _without_unused_keyframes(parts: list[tuple], used: set[str] | frozenset[str]) -> list[tuple]:
    """Give ``parts`` without the ``@keyframes`` blocks whose name neither a rule in them nor ``used`` holds."""
    named = set(used)

    def read(parts: list[tuple]) -> None:
        for part in parts:
            if part[0] == "block":
                read(part[2])
            elif part[0] == "rule":
                named.update(WORD.findall(part[2]))

    read(parts)
    return [part for part in parts
            if not (part[0] == "text" and (name := KEYFRAMES.match(part[1])) and name[1] not in named)]


def _without_unused_properties(parts: list[tuple], used: set[str]) -> list[tuple]:
    """Give ``parts`` without the custom property declarations nothing in them (or ``used``) uses."""
    definitions: dict[str, list[str]] = {}
    declarations: dict[str, list[str]] = {}  # of each rule body that may declare custom properties

    def declares(part: tuple) -> bool:  # a rule whose body may hold a custom property (no nested rules)
        return part[0] == "rule" and "--" in part[2] and "{" not in part[2]

    def read(parts: list[tuple]) -> None:
        for part in parts:
            if part[0] == "block":
                read(part[2])
            elif not declares(part):
                used.update(VAR.findall(part[-1]))
            else:
                declarations[part[2]] = _split_at(part[2], ";")
                for declaration in declarations[part[2]]:
                    name = CUSTOM_PROPERTY.match(declaration)
                    if name:
                        definitions.setdefault(name[1], []).append(declaration)
                    else:
                        used.update(VAR.findall(declaration))

    read(parts)
    todo = list(used)
    while todo:  # a kept property's value may use others
        for declaration in definitions.get(todo.pop(), ()):
            for name in VAR.findall(declaration.split(":", 1)[1]):
                if name not in used:
                    used.add(name)
                    todo.append(name)

    def prune(parts: list[tuple]) -> list[tuple]:
        out = []
        for part in parts:
            if part[0] == "block":
                inner = prune(part[2])
                if inner:
                    out.append(("block", part[1], inner))
            elif not declares(part):
                out.append(part)
            else:
                every = declarations[part[2]]
                kept = [d for d in every if not (name := CUSTOM_PROPERTY.match(d)) or name[1] in used]
                if kept:
                    out.append(("rule", part[1], part[2] if len(kept) == len(every) else ";".join(kept)))
        return out

    return prune(parts)


class Subject(NamedTuple):
    """What an element must be to match a compound selector: its name, classes and id (None: any), the
    attributes it must have (``[name]``, whatever their value) and those it must not (``:not([name])``)."""
    element: str | None
    classes: frozenset[str]
    id: str | None
    attributes: frozenset[str] = frozenset()
    absent: frozenset[str] = frozenset()


class Selector(NamedTuple):
    text: str
    needed: frozenset[str]  # the words it needs in a page to match anything
    compounds: tuple[Subject, ...]  # what the elements it names must be, outermost first; the last is its subject
    on_act: bool  # it matches only once a reader acts (:hover, :focus, :active)


# An attribute selector, as its name; ":not([name])", as the name an element must not have (written [!name]).
ATTRIBUTE_NAME = re.compile(r"\[\s*([-\w]+)\s*(?:[~|^$*]?=(?:\"[^\"]*\"|'[^']*'|[^\]])*)?\]")
NOT_ATTRIBUTE = re.compile(r":not\(\s*\[\s*([-\w]+)\s*\]\s*\)")
NAMED = re.compile(r"\[(!?)([-\w]+)\]")


def _selector(selector: str) -> Selector:
    simple = _simple(selector)
    named = _simple(NOT_ATTRIBUTE.sub(r"[!\1]", selector), names=True)
    # A compound before "+" or "~" is a sibling's, which a page's elements are not known by: it is left out,
    # and the compounds before it are for what the sibling is in, as for the element after it.
    parts = re.split(r"\s*([>+~])\s*|\s+", named.strip())
    texts, combinators = parts[::2], [*parts[1::2], None]
    compounds = tuple(_compound(text) for text, after in zip(texts, combinators) if text and after not in ("+", "~"))
    return Selector(selector, frozenset(_words_needed(selector)), compounds or (_compound(""),),
                    bool(ON_ACT.search(simple)))


def _compound(text: str) -> Subject:
    """Give what an element must be to match the compound selector ``text`` (other pseudo-classes aside),
    its attribute selectors written as ``[name]`` and ``[!name]``."""
    names = NAMED.findall(text)
    text = PSEUDO.sub("", NAMED.sub("", text))  # "" when a pseudo-class held it: any element
    element, ids = LEADING_ELEMENT.match(text), ID.findall(text)
    return Subject(element[0] if element else None, frozenset(CLASS.findall(text)), ids[0] if ids else None,
                   frozenset(name for bang, name in names if not bang), frozenset(name for bang, name in names if bang))


def _simple(selector: str, names: bool = False) -> str:
    """Give ``selector`` without what its functional pseudo-classes and attribute selectors hold (with
    ``names``, an attribute selector is left as the name it asks for: ``[name]``)."""
    plain, start = [], 0
    for match in FUNCTIONAL.finditer(selector):
        if match.start() < start:
            continue  # inside a functional pseudo-class already skipped
        plain.append(selector[start:match.start()])
        start = _close(selector, match.end(), "(", ")")
    plain.append(selector[start:])
    if names:
        return ATTRIBUTE_NAME.sub(lambda m: f"[{m[1].lower()}]", "".join(plain))
    return ATTRIBUTE.sub("", "".join(plain))


def _words_needed(selector: str) -> set[str]:
    """Give the words a selector needs in a page to match anything: its classes, ids and element names
    outside functional pseudo-classes and attribute selectors."""
    simple = _simple(selector)
    words = set(CLASS.findall(simple)) | set(ID.findall(simple))
    return words | set(ELEMENT.findall(PSEUDO.sub("", CLASS.sub("", ID.sub("", simple)))))


def _close(text: str, index: int, opening: str, closing: str) -> int:
    """Give the index just past the ``closing`` that matches an ``opening`` before ``index``."""
    depth = 1
    while index < len(text) and depth:
        index = _skip_string(text, index)
        if index >= len(text):
            break
        if text[index] == opening:
            depth += 1
        elif text[index] == closing:
            depth -= 1
        index += 1
    return index


def _skip_string(text: str, index: int) -> int:
    """Give ``index`` moved past a string or comment that starts there (unmoved if none does)."""
    while index < len(text):
        if text[index] in "\"'":
            quote, index = text[index], index + 1
            while index < len(text) and text[index] != quote:
                index += 2 if text[index] == "\\" else 1
            index += 1
        elif text.startswith("/*", index):
            end = text.find("*/", index + 2)
            index = len(text) if end < 0 else end + 2
        else:
            return index
    return index


def _blocks(css: str) -> list[tuple[str, str | None]]:
    """Give the top-level parts of a stylesheet: (prelude, body) per block, (statement, None) per @-statement
    and per licence comment (``/*! … */``); other comments are dropped."""
    parts: list[tuple[str, str | None]] = []
    index = start = 0
    while index < len(css):
        moved = _skip_string(css, index)
        if moved != index:
            if css.startswith("/*", index) and not css[start:index].strip():
                if css.startswith("/*!", index):
                    parts.append((css[index:moved], None))  # a licence notice stays
                start = moved
            index = moved
            continue
        char = css[index]
        if char == "{":
            end = _close(css, index + 1, "{", "}")
            parts.append((css[start:index].strip(), css[index + 1:end - 1]))
            index = start = end
        elif char == ";" and css[start:index].strip().startswith("@"):
            parts.append((css[start:index].strip(), None))
            index = start = index + 1
        else:
            index += 1
    return parts


def _split(prelude: str) -> list[str]:
    """Give the selectors of a selector list (commas inside brackets and parentheses do not split)."""
    return [selector.strip() for selector in _split_at(prelude, ",")]


def _split_at(text: str, separator: str) -> list[str]:
    """Give the parts of ``text`` between the ``separator`` characters that stand outside strings,
    comments, brackets and parentheses (the declarations of a rule's body at ";", say), blank ones left out."""
    parts, depth, start, index = [], 0, 0, 0
    while index < len(text):
        moved = _skip_string(text, index)
        if moved != index:
            index = moved
            continue
        char = text[index]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == separator and depth == 0:
            parts.append(text[start:index])
            start = index + 1
        index += 1
    parts.append(text[start:])
    return [part for part in parts if part.strip()]
