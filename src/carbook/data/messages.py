"""Turn what validation finds into an editor's problems: the file, line and field, what is wrong, how to fix
it.
"""

from __future__ import annotations

import difflib
import typing
from typing import Any, Iterator

from pydantic import BaseModel

from carbook.data.facts import UNION_TAGS, NotStated
from carbook.data.problems import Loc, Problem
from carbook.data.yamlfile import dotted, nearest_line


def one_per_empty_fact(problems: list[Problem], record: bool) -> list[Problem]:
    """Give the problems with a fact whose value and quote are both empty reported once, at the fact, with
    every way to fill it in: its words and passage, its record field, or a gap where one is allowed."""
    empty: dict[str, list[Problem]] = {}
    for problem in problems:
        head, _, part = problem.field.rpartition(".")
        if problem.message == "is empty" and part in ("value", "quote", "unit", "question", "answer") and head:
            empty.setdefault(head, []).append(problem)
    empty = {head: group for head, group in empty.items() if len(group) > 1}
    merged: list[Problem] = []
    done: set[str] = set()
    for problem in problems:
        head = problem.field.rpartition(".")[0]
        group = empty.get(head)
        if group is None:
            merged.append(problem)
            continue
        if head in done:
            continue  # also the other complaints about an empty fact's parts (a dose of 0, say)
        done.add(head)
        if head.startswith("questions"):
            merged.append(Problem(problem.file, group[0].line, head, "is empty",
                                  "write the question, and as answer the dotted path of the fact that answers it"))
            continue
        ways = ["write its value and the passage that states it (value:, quote:)"]
        if record:
            ways.append("take it from the record with `record_field: <field>`")
        if any("not_stated" in p.fix for p in group):
            ways.append("mark it `not_stated: <what is missing>` if the source is silent")
        merged.append(Problem(problem.file, min(p.line or 0 for p in group) or None, head, "is empty", "; or ".join(ways)))
    return merged


def located(file: str, lines: dict[Loc, int], found: Iterator[tuple[Loc, str, str]]) -> list[Problem]:
    return [Problem(file, lines.get(loc) or nearest_line(lines, loc), dotted(loc), message, fix)
            for loc, message, fix in found]


def from_pydantic(error: dict[str, Any], file: str, lines: dict[Loc, int], model: type[BaseModel]) -> Problem:
    loc: Loc = tuple(p for p in error["loc"] if p not in UNION_TAGS)
    kind, message = error["type"], error["msg"]
    fix = "see the Editor's guide for this field's form"
    if kind == "missing":
        gap = " (or `not_stated: <what is missing>` if the source is silent)" if accepts_gap(model, error["loc"]) else ""
        message, fix = "required field is missing", f"add `{loc[-1]}:`{gap}"
    elif kind == "extra_forbidden":
        known = known_fields(model, error["loc"][:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.5)
        message = f"unknown field {loc[-1]!r}"
        fix = (f"did you mean {close[0]!r}? " if close else "") + f"known fields here: {', '.join(known)}"
    elif kind == "string_too_short":
        fact = tuple(error["loc"][:-1])  # the fact whose value or quote is empty
        while fact and fact[-1] in UNION_TAGS:
            fact = fact[:-1]
        # a gap may stand for the fact, for the step it is what of, or for the list it is an item of
        def bare(at: tuple[Any, ...]) -> tuple[Any, ...]:
            while at and at[-1] in UNION_TAGS:
                at = at[:-1]
            return at

        candidates = [fact] + ([bare(fact[:-1])] if fact and (fact[-1] == "what" or isinstance(fact[-1], int)) else [])
        gap = any(len(at) and isinstance(at[-1], str) and accepts_gap(model, at) for at in candidates)
        message, fix = "is empty", "write the value" + (", or mark the fact `not_stated: <what is missing>`" if gap else "")
    elif kind in ("string_type", "float_type", "int_type", "list_type", "model_type", "dict_type", "float_parsing"):
        found = type(error.get("input")).__name__
        message = f"wrong type: {message.lower()} (found {found})"
        fix = "write it as the Editor's guide shows for this field"
    elif kind in ("greater_than", "greater_than_equal"):
        fix = "write a positive number" if kind == "greater_than" else "write zero or a positive number"
    elif kind == "string_pattern_mismatch":
        field_name = next((str(part) for part in reversed(error["loc"]) if isinstance(part, str)), "")
        message, fix = {
            "sha256": (f"{error.get('input')!r} is not a SHA-256 digest",
                       "write the 64 lower-case hexadecimal digits `sha256sum data/sources/<file>` prints"),
            "old": (f"{error.get('input')!r} is not a SHA-256 digest", "write the 64 lower-case hexadecimal digits of the version"),
            "new": (f"{error.get('input')!r} is not a SHA-256 digest", "write the 64 lower-case hexadecimal digits of the version"),
            "address": (f"{error.get('input')!r} is not a web address", "write the address where the document is "
                        "published, beginning with https:// or http://"),
        }.get(field_name, (f"{error.get('input')!r} is not a valid id",
                           "use lower-case letters, digits and single hyphens, e.g. ct-0525"))
    elif kind == "literal_error":
        fix = f"use one of the allowed values ({error.get('ctx', {}).get('expected', '')})"
    elif kind == "too_short":
        message, fix = "is an empty list", "list at least one item, or mark it `not_stated: <what is missing>`"
    elif kind == "value_error":
        message = message.removeprefix("Value error, ")
        fix = "correct the value as the message says"
    if "fix" in error.get("ctx", {}):
        fix = error["ctx"]["fix"]
    line = lines.get(loc) or nearest_line(lines, loc)
    return Problem(file, line, dotted(loc), message, fix)


def known_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    names: list[str] = []
    for candidate in models_at(model, loc):
        names += [n for n in candidate.model_fields if n not in names]
    return names


def accepts_gap(model: type[BaseModel], loc: tuple[Any, ...]) -> bool:
    """Tell whether the field at ``loc`` may be written as ``not_stated``."""
    return any(
        NotStated in models_in(candidate.model_fields[loc[-1]].annotation)
        for candidate in models_at(model, loc[:-1])
        if loc[-1] in candidate.model_fields
    )


def models_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[type[BaseModel]]:
    """Give the models that the value at a pydantic error location ``loc`` may be."""
    candidates: list[type[BaseModel]] = [model]
    for part in loc:
        if isinstance(part, int):
            continue
        if part in UNION_TAGS:
            candidates = [m for m in candidates if (m is NotStated) == (part == "<not_stated>")] or candidates
            continue
        nxt: list[type[BaseModel]] = []
        for model in candidates:
            if part in model.model_fields:
                nxt += models_in(model.model_fields[part].annotation)
        candidates = nxt or candidates
    return candidates


def models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found += models_in(arg)
    return found
