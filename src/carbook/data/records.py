"""Parse NCI Thesaurus-style drug records: a field name on one line, its value on the next.

Records saved from web pages often keep a few lines of the page around the fields ("Skip to main
content" before the first field, "Back to top" after the last). Such page debris is skipped and
reported with its line numbers; the document itself is never edited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")
_LINE_BREAK = re.compile(r"\r\n?|\n")  # what an editor counts as a line; str.splitlines also splits on others

#: Page debris is at most this many lines before the first field, and as many after the last ...
MAX_DEBRIS_LINES = 5
#: ... each line at most this long: a longer line is text, and skipping it would drop what it says.
MAX_DEBRIS_LENGTH = 80


class RecordFormatError(ValueError):
    """The text is not a field/value record; ``line`` is the 1-based line at fault."""

    def __init__(self, message: str, line: int):
        self.line = line
        super().__init__(f"line {line}: {message}")


@dataclass(frozen=True)
class Line:
    """A line of a document: its 1-based number and its text as written (without the line break)."""

    number: int
    text: str


@dataclass(frozen=True)
class ParsedRecord:
    """A field/value record as read: its fields in order, where each stands, and the lines skipped."""

    fields: dict[str, str]
    #: the line of each field's name (its value is on the next non-blank line)
    name_lines: dict[str, int]
    #: the line of each field's value
    value_lines: dict[str, int]
    #: page debris before the first field and after the last, in file order
    skipped: tuple[Line, ...] = ()

    @property
    def first_line(self) -> int:
        """The line of the first field's name."""
        return min(self.name_lines.values())

    @property
    def last_line(self) -> int:
        """The line of the last field's value."""
        return max(self.value_lines.values())


def is_field_name(line: str) -> bool:
    """Tell whether a line, spaces around it aside, has the form of a field name (``lower_case_with_underscores``)."""
    return _FIELD_NAME.fullmatch(line.strip()) is not None


def _lines(text: str) -> list[Line]:
    return [Line(number, line) for number, line in enumerate(_LINE_BREAK.split(text), start=1) if line.strip()]


def _debris_problem(lines: list[Line]) -> Line | None:
    """Give the first line that cannot be page debris among ``lines``, or ``None`` if all can."""
    if len(lines) > MAX_DEBRIS_LINES:
        return lines[0]
    return next((line for line in lines if len(line.text.strip()) > MAX_DEBRIS_LENGTH), None)


def _expected_a_name(line: Line, why: str = "") -> RecordFormatError:
    return RecordFormatError(
        f"expected a field name (lower_case_with_underscores), found {line.text.strip()[:40]!r}{why}", line.number)


def read_record(text: str) -> ParsedRecord:
    """Give the record's fields, the line of each, and the debris lines skipped before and after them.

    Lines alternate: a field name (lower-case letters, digits and underscores), then its value. Blank
    lines are ignored. Before the first field and after the last, up to :data:`MAX_DEBRIS_LINES` short
    lines that are not field names are page debris: skipped, and listed in ``skipped``. Anything else
    out of place raises :class:`RecordFormatError` naming the line of the file at fault.

    >>> record = read_record("Skip to main content\\ndrug_name\\nCT-0525\\nBack to top")
    >>> record.fields, [(line.number, line.text) for line in record.skipped]
    ({'drug_name': 'CT-0525'}, [(1, 'Skip to main content'), (4, 'Back to top')])
    """
    lines = _lines(text)
    if not lines:
        raise RecordFormatError("the document is empty: a record has a field name on one line and its value on the next", 1)
    start = next((index for index, line in enumerate(lines) if is_field_name(line.text)), None)
    if start is None:
        raise _expected_a_name(lines[0], "; no line of the document is a field name")
    leading = lines[:start]
    if (bad := _debris_problem(leading)) is not None:
        raise _expected_a_name(bad, f" (at most {MAX_DEBRIS_LINES} short lines of page debris may come before the first field)")

    fields: dict[str, str] = {}
    name_lines: dict[str, int] = {}
    value_lines: dict[str, int] = {}
    trailing: list[Line] = []
    index = start
    while index < len(lines):
        line = lines[index]
        name = line.text.strip()
        if not is_field_name(name):
            rest = lines[index:]
            # a field name further on means this line is inside the record, not debris after it
            if any(is_field_name(later.text) for later in rest[1:]):
                raise _expected_a_name(line)
            if _debris_problem(rest) is not None:
                raise _expected_a_name(line, f" (at most {MAX_DEBRIS_LINES} short lines of page debris may follow the last field)")
            trailing = rest
            break
        if index + 1 == len(lines):
            raise RecordFormatError(f"field {name!r} has no value on the next line", line.number)
        if name in fields:
            raise RecordFormatError(f"field {name!r} appears twice (first on line {name_lines[name]})", line.number)
        value = lines[index + 1]
        fields[name] = value.text.strip()
        name_lines[name] = line.number
        value_lines[name] = value.number
        index += 2
    return ParsedRecord(fields, name_lines, value_lines, tuple(leading + trailing))


def parse_record(text: str) -> dict[str, str]:
    """Give the record's fields as an ordered ``{field name: value}`` mapping (page debris skipped).

    >>> parse_record("drug_name\\nCT-0525\\nnct_id_drug_ref\\nNCT06254807")
    {'drug_name': 'CT-0525', 'nct_id_drug_ref': 'NCT06254807'}
    """
    return read_record(text).fields


class FormatGuess(NamedTuple):
    """Which format a document is read in, in words why, and the debris lines a record skips."""

    format: str  # "record" or "text"
    reason: str
    skipped: tuple[Line, ...]


def _lines_phrase(lines: tuple[Line, ...] | list[Line]) -> str:
    return ", ".join(f"line {line.number} “{line.text.strip()}”" for line in lines)


def detect_format(text: str) -> FormatGuess:
    """Tell whether ``text`` is a field/value record or prose, and why.

    A document is a ``record`` when :func:`read_record` reads it; the reason then counts the fields and
    names each debris line skipped. Otherwise it is ``text``, and the reason names the line that is
    not in record form.

    >>> detect_format("Skip to main content\\ndrug_name\\nCT-0525").reason
    'a field/value record: 1 field, lines 2 to 3; skipped 1 line of page debris before the first field: line 1 “Skip to main content”'
    """
    try:
        record = read_record(text)
    except RecordFormatError as error:
        return FormatGuess("text", f"not a field/value record ({error}), so read as prose", ())
    count = len(record.fields)
    reason = (f"a field/value record: {count} field{'s' * (count != 1)}, "
              f"lines {record.first_line} to {record.last_line}")
    before = [line for line in record.skipped if line.number < record.first_line]
    after = [line for line in record.skipped if line.number > record.last_line]
    for lines, where in ((before, "before the first field"), (after, "after the last field")):
        if lines:
            reason += (f"; skipped {len(lines)} line{'s' * (len(lines) != 1)} of page debris {where}: "
                       f"{_lines_phrase(lines)}")
    return FormatGuess("record", reason, record.skipped)


_PLACEHOLDER = re.compile(
    r"""
    (?: n/?a | none | null | nil | tbd | tba | unknown | pending | no\ data
      | not\ (?:available|applicable|provided|reported|specified|disclosed|known)
      | [\W_]*                                     # a dash, a dot, a question mark, or nothing
      # "NCI thesaurus definition not available", "Definition is not available", "No definition available"
      | (?:[\w()/-]+\ ){1,5}(?:is\ |are\ )?not\ (?:yet\ )?(?:available|provided|specified|reported|given|found)
      | no\ (?:[\w()/-]+\ ){0,4}(?:available|provided|specified|given|found)
    )
    """,
    re.VERBOSE,
)


def is_placeholder(value: str) -> bool:
    """Tell whether a record's value only stands in for a missing one, so it is a gap and not a fact.

    True for values such as "NCI thesaurus definition not available.", "Not available", "N/A", "None",
    "Unknown", "-" or an empty value; false for any value that states something, even one that
    mentions availability in a sentence ("Not available outside the trial in Europe").
    """
    plain = " ".join(value.replace("\u00a0", " ").split()).lower().rstrip(".")
    return _PLACEHOLDER.fullmatch(plain) is not None
