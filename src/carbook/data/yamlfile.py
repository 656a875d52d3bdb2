"""Read a data file as YAML with the line of every field, so that a problem names its line."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Iterator

import yaml

from carbook.data.problems import Loc, Problem


def field_lines(path: Path, locs: list[Loc]) -> list[int | None]:
    """Give the line of the field at each of ``locs`` in a data file (or of the nearest field that holds it);
    None where the file cannot be read."""
    lines = read_yaml(path, path.name, "")[1]
    return [lines.get(loc) or nearest_line(lines, loc) for loc in locs]


#: libyaml's loader where PyYAML was built with it (the usual wheels are): several times faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str, loader_class: type = _YAML_LOADER) -> tuple[yaml.Node | None, Any]:
    """Give the YAML document's node tree, as written (line numbers, repeated keys, merge keys), and its data.

    A syntax error is raised as PyYAML's own loader words it: libyaml's messages leave out the
    offending character (a tab, say), which an editor needs to see."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        # Constructing rewrites merge keys (<<) and value keys (=) in the tree it is given: then give it
        # a copy, so the tree keeps the lines as written. (Copying every file's tree is most of the time
        # it takes to read the data.)
        return node, loader.construct_document(copy.deepcopy(node) if rewritten_by_constructing(node) else node)
    except yaml.YAMLError:
        if loader_class is yaml.SafeLoader:
            raise
        return parse_yaml(text, yaml.SafeLoader)
    finally:
        loader.dispose()


_REWRITTEN_KEYS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


def rewritten_by_constructing(node: yaml.Node) -> bool:
    """Say whether the tree holds a merge key or a value key, which constructing the data rewrites."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                if key.tag in _REWRITTEN_KEYS:
                    return True
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return False


def read_yaml(path: Path, name: str, what: str) -> tuple[dict[str, Any] | None, dict[Loc, int], list[Problem]]:
    """Give a data file's mapping and the line of each field, or the problems that stop reading it."""
    def problem(line: int | None, message: str, fix: str) -> tuple[None, dict[Loc, int], list[Problem]]:
        return None, {}, [Problem(name, line, "", message, fix)]

    try:
        raw = path.read_bytes()
    except OSError as error:
        return problem(None, f"cannot be read ({error.strerror})", "check the path")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return problem(line, f"is not UTF-8 (byte 0x{raw[error.start]:02x})", "save the file as UTF-8")
    if not text.strip():
        return problem(None, "the file is empty", f"fill it in; {what}")
    try:
        node, data = parse_yaml(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return problem(mark.line + 1 if mark else None, f"YAML syntax error: {getattr(error, 'problem', None) or error}",
                       "fix the YAML syntax at that line (indentation, a missing ':' or an unclosed quote)")
    if data is None:
        return problem(None, "the file is empty (it holds only comments)", f"fill it in; {what}")
    repeated = list(repeated_keys(node))
    if repeated:
        # YAML keeps the last of two equal keys, which would drop a fact without a word
        return None, {}, [Problem(name, line, dotted(loc), f"{loc[-1]!r} appears twice (first at line {first})",
                                  "keep one of them: merge the two entries") for loc, line, first in repeated]
    lines = line_map(node)
    if not isinstance(data, dict):
        return problem(1, f"expected a mapping of fields, found {type(data).__name__}", "write the file as `field: value` lines")
    return data, lines, []


def walk(value: Any, loc: Loc = ()) -> Iterator[tuple[Loc, Any]]:
    """Give every ``(location, item)`` of data as read from YAML, the whole first, depth first."""
    yield loc, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, (*loc, index))


def line_map(node: yaml.Node | None, loc: Loc = ()) -> dict[Loc, int]:
    lines: dict[Loc, int] = {}
    if node is None:
        return lines
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines.update(line_map(value, (*loc, key.value)))
            lines[(*loc, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(line_map(item, (*loc, index)))
    return lines


def repeated_keys(node: yaml.Node | None, loc: Loc = ()) -> Iterator[tuple[Loc, int, int]]:
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            if key.value in seen:
                yield (*loc, key.value), line, seen[key.value]
            seen.setdefault(key.value, line)
            yield from repeated_keys(value, (*loc, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from repeated_keys(item, (*loc, index))


def nearest_line(lines: dict[Loc, int], loc: Loc) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def dotted(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
