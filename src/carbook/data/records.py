"""Parse NCI Thesaurus-style drug records: a field name on one line, its value on the next.

Records come in many shapes. Saved from web pages, they keep a few lines of the page around the
fields ("Skip to main content" before the first field, "Back to top" after the last); exported from
other tools, they may start with a byte-order mark or end their lines with CR LF; and their fields may
come in any order, be empty, be given twice, or be fields this book does not know. All of these are
read as a record: page debris is skipped and reported with its line and the reason, an empty field
reads as ``""``, a field given again is kept (:attr:`ParsedRecord.repeated`), an unknown field is kept
like any other (:attr:`ParsedRecord.unknown`). The document itself is never edited: parsing may read
past a byte-order mark or a carriage return, storage keeps them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")
_LINE_BREAK = re.compile(r"\r\n?|\n")  # what an editor counts as a line; str.splitlines also splits on others
_BOM = "\ufeff"

#: Page debris is at most this many lines before the first field, and as many after the last ...
MAX_DEBRIS_LINES = 5
#: ... each line at most this long: a longer line is text, and skipping it would drop what it says.
MAX_DEBRIS_LENGTH = 80

#: The fields of an NCI Thesaurus-style drug record, which the importer reads.
KNOWN_FIELDS = frozenset({
    "drug_type", "intervention_type", "drug_description", "nci_thesaurus_concept_id", "nci_thesaurus_preferred_term",
    "nci_thesaurus_definition", "drug_category", "drug_class", "drug_delivery_route", "drug_mechanism_of_action",
    "drug_mesh_term", "drug_name", "nct_id_drug_ref",
})

#: The text of a web page's own links, never a value: "Skip to main content", "Back to top",
#: "back-to-top", and the two run together ("Back to topback-to-top").
_PAGE_LINKS = re.compile(r"(?:\s*(?:skip\s+to\s+(?:the\s+)?(?:main\s+)?content|back[\s-]+to[\s-]+top|scroll[\s-]+to[\s-]+top)\s*)+",
                         re.IGNORECASE)


class RecordFormatError(ValueError):
    """The text is not a field/value record; ``line`` is the 1-based line at fault."""

    def __init__(self, message: str, line: int):
        self.line = line
        super().__init__(f"line {line}: {message}")


@dataclass(frozen=True)
class Line:
    """A line of a document: its 1-based number, its text as written (without the line break) and, for a
    line the parser skips, why."""

    number: int
    text: str
    reason: str = ""


@dataclass(frozen=True)
class RecordField:
    """One field as the record gives it: its name, its value (``""`` when empty) and the lines of both."""

    name: str
    value: str
    name_line: int
    value_line: int | None = None  # None for an empty field


@dataclass(frozen=True)
class ParsedRecord:
    """A field/value record as read: its fields in order, where each stands, and the lines skipped."""

    fields: dict[str, str]
    #: the line of each field's name (its value is on the next non-blank line)
    name_lines: dict[str, int]
    #: the line of each field's value (an empty field has none)
    value_lines: dict[str, int]
    #: page debris before the first field, between fields and after the last, in file order, each with its reason
    skipped: tuple[Line, ...] = ()
    #: each later giving of a field the record has already given, in file order (``fields`` keeps the first)
    repeated: tuple[RecordField, ...] = ()
    #: what the parser read past that the stored file keeps: a byte-order mark, CR LF line ends
    notes: tuple[str, ...] = ()

    @property
    def first_line(self) -> int:
        """The line of the first field's name."""
        return min(self.name_lines.values())

    @property
    def last_line(self) -> int:
        """The last line of the record's fields: the last value, or the name of an empty field after it."""
        lines = [*self.name_lines.values(), *self.value_lines.values(),
                 *(n for f in self.repeated for n in (f.name_line, f.value_line) if n is not None)]
        return max(lines)

    @property
    def empty(self) -> list[str]:
        """The fields the record names with no value, in order."""
        return [name for name, value in self.fields.items() if not value]

    @property
    def unknown(self) -> list[str]:
        """The fields that are not fields of an NCI Thesaurus-style drug record (:data:`KNOWN_FIELDS`), in order."""
        return [name for name in self.fields if name not in KNOWN_FIELDS]


def is_field_name(line: str) -> bool:
    """Tell whether a line, spaces around it aside, has the form of a field name (``lower_case_with_underscores``)."""
    return _FIELD_NAME.fullmatch(line.strip()) is not None


def is_page_link(line: str) -> bool:
    """Tell whether a line is only the text of a web page's own links ("Skip to main content", "Back to top")."""
    return _PAGE_LINKS.fullmatch(line) is not None


def _lines(text: str) -> list[Line]:
    return [Line(number, line) for number, line in enumerate(_LINE_BREAK.split(text), start=1) if line.strip()]


def _debris_problem(lines: list[Line]) -> Line | None:
    """Give the first line that cannot be page debris among ``lines``, or ``None`` if all can."""
    if len([line for line in lines if not is_page_link(line.text)]) > MAX_DEBRIS_LINES:
        return lines[0]
    return next((line for line in lines if len(line.text.strip()) > MAX_DEBRIS_LENGTH and not is_page_link(line.text)), None)


def _expected_a_name(line: Line, why: str = "") -> RecordFormatError:
    return RecordFormatError(
        f"expected a field name (lower_case_with_underscores), found {line.text.strip()[:40]!r}{why}", line.number)


def _starts_a_field(line: Line, following: Line | None) -> bool:
    """Tell whether ``line``, where the value of the field before it would stand, is instead the name of the
    next field (the field before is then empty): a field the importer knows, or a name with an underscore
    whose own value follows it."""
    name = line.text.strip()
    if not is_field_name(name):
        return False
    if name in KNOWN_FIELDS:
        return True
    return ("_" in name and following is not None and not is_field_name(following.text)
            and not is_page_link(following.text))


def _skipped(line: Line, reason: str) -> Line:
    return Line(line.number, line.text, reason)


def _notes(text: str) -> tuple[str, ...]:
    notes = []
    if text.startswith(_BOM):
        notes.append("line 1 starts with a byte-order mark (U+FEFF): read past it; the stored copy keeps it")
    if "\r\n" in text:
        notes.append("the lines end in CR LF (Windows line ends): read as line breaks; the stored copy keeps them")
    elif "\r" in text:
        notes.append("the lines end in CR (old Mac line ends): read as line breaks; the stored copy keeps them")
    return tuple(notes)


class _Reader:
    """Reads the lines of a record from its first field on; see :func:`read_record`."""

    def __init__(self, lines: list[Line]):
        self.lines = lines
        self.fields: dict[str, str] = {}
        self.name_lines: dict[str, int] = {}
        self.value_lines: dict[str, int] = {}
        self.repeated: list[RecordField] = []
        self.skipped: list[Line] = []

    def add(self, name: Line, value: Line | None) -> None:
        """Keep a field (a later giving of a field already read goes to ``repeated``)."""
        key = name.text.strip()
        text = value.text.strip() if value is not None else ""
        if key in self.fields:
            self.repeated.append(RecordField(key, text, name.number, value.number if value else None))
            return
        self.fields[key] = text
        self.name_lines[key] = name.number
        if value is not None:
            self.value_lines[key] = value.number

    def trailing(self, index: int) -> bool:
        """Skip the lines from ``index`` on as page debris after the last field, if they can be; tell whether they were."""
        rest = self.lines[index:]
        if any(is_field_name(line.text) for line in rest) or _debris_problem(rest) is not None:
            return False
        self.skipped += [_skipped(line, "page debris after the last field") for line in rest]
        return True

    def read(self, start: int) -> None:
        """Read the fields from ``lines[start]`` on into ``fields`` (with ``repeated`` and ``skipped``)."""
        pending: Line | None = None  # a field name whose value is still to come
        for index in range(start, len(self.lines)):
            line = self.lines[index]
            following = self.lines[index + 1] if index + 1 < len(self.lines) else None
            if pending is not None and not _starts_a_field(line, following) and not is_page_link(line.text):
                self.add(pending, line)
                pending = None
                continue
            emptied = pending is not None
            if pending is not None:
                self.add(pending, None)  # the name is followed at once by the next name, or by a link of the page
                pending = None
            if is_field_name(line.text):
                pending = line
            elif self.trailing(index):
                return
            elif is_page_link(line.text):
                self.skipped.append(_skipped(line, "page debris where a value would be (the text of a link of the page), "
                                                   "so the field before it is empty" if emptied else
                                                   "page debris between fields (the text of a link of the page)"))
            else:
                raise self.misplaced(index)
        if pending is not None:
            self.add(pending, None)  # a field name with no value at the very end

    def misplaced(self, index: int) -> RecordFormatError:
        """Give the error for a line that stands where a field name should and is not one."""
        line = self.lines[index]
        if any(is_field_name(later.text) for later in self.lines[index + 1:]):
            return _expected_a_name(line)
        return _expected_a_name(line, f" (at most {MAX_DEBRIS_LINES} short lines of page debris may follow the last field)")


def read_record(text: str) -> ParsedRecord:
    """Give the record's fields, the line of each, and the lines skipped, each with why.

    Lines alternate: a field name (lower-case letters, digits and underscores), then its value; blank
    lines are ignored, and so are a byte-order mark and carriage returns. A field name followed at once
    by the next field name (one of :data:`KNOWN_FIELDS`, or a name with an underscore followed by its
    value), by a link of the page, or by nothing is an empty field (``""``). A field given twice keeps
    its first value in ``fields`` and the later one in ``repeated``. Before the first field and after the
    last, up to :data:`MAX_DEBRIS_LINES` short lines that are not field names are page debris, and the
    text of the page's own links ("Back to top") is debris wherever it stands: skipped, and listed in
    ``skipped`` with the reason. Anything else out of place raises :class:`RecordFormatError` naming the
    line of the file at fault.

    >>> record = read_record("Skip to main content\\ndrug_name\\nCT-0525\\nBack to top")
    >>> record.fields, [(line.number, line.text) for line in record.skipped]
    ({'drug_name': 'CT-0525'}, [(1, 'Skip to main content'), (4, 'Back to top')])
    """
    lines = _lines(text.removeprefix(_BOM))
    if not lines:
        raise RecordFormatError("the document is empty: a record has a field name on one line and its value on the next", 1)
    start = next((index for index, line in enumerate(lines) if is_field_name(line.text)), None)
    if start is None:
        raise _expected_a_name(lines[0], "; no line of the document is a field name")
    leading = lines[:start]
    if (bad := _debris_problem(leading)) is not None:
        raise _expected_a_name(bad, f" (at most {MAX_DEBRIS_LINES} short lines of page debris may come before the first field)")
    reader = _Reader(lines)
    reader.read(start)
    skipped = [_skipped(line, "page debris before the first field") for line in leading] + reader.skipped
    return ParsedRecord(reader.fields, reader.name_lines, reader.value_lines,
                        tuple(sorted(skipped, key=lambda line: line.number)), tuple(reader.repeated), _notes(text))


def parse_record(text: str) -> dict[str, str]:
    """Give the record's fields as an ordered ``{field name: value}`` mapping (page debris skipped).

    >>> parse_record("drug_name\\nCT-0525\\nnct_id_drug_ref\\nNCT06254807")
    {'drug_name': 'CT-0525', 'nct_id_drug_ref': 'NCT06254807'}
    """
    return read_record(text).fields


def known_field_lines(text: str) -> int:
    """Give how many lines of ``text`` are, alone, a field name of :data:`KNOWN_FIELDS`: a document with
    several reads like a record, even where :func:`read_record` cannot read it."""
    return sum(1 for line in _lines(text.removeprefix(_BOM)) if line.text.strip() in KNOWN_FIELDS)


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
    between = [line for line in record.skipped if record.first_line < line.number < record.last_line]
    after = [line for line in record.skipped if line.number > record.last_line]
    for lines, where in ((before, "before the first field"), (between, "between fields"), (after, "after the last field")):
        if lines:
            reason += (f"; skipped {len(lines)} line{'s' * (len(lines) != 1)} of page debris {where}: "
                       f"{_lines_phrase(lines)}")
    return FormatGuess("record", reason, record.skipped)


def record_notes(record: ParsedRecord) -> list[str]:
    """Give, in an editor's words, one line for each thing the parser read past or kept aside: each line
    skipped (its number, its text and why), a byte-order mark, CR LF line ends, each empty field, each field
    given twice and each field the importer does not know (all with their lines)."""
    notes = [f"skipped line {line.number} “{line.text.strip()}”: {line.reason or 'page debris'}" for line in record.skipped]
    notes += list(record.notes)
    notes += [f"{name} (line {record.name_lines[name]}) is empty: nothing is taken from it" for name in record.empty]
    for again in record.repeated:
        value = f"“{again.value}”" if again.value else "an empty value"
        notes.append(f"{again.name} is given twice (lines {record.name_lines[again.name]} and {again.name_line}): both are "
                     f"kept; the data takes the first and shows the second, {value}, as also stated")
    notes += [f"{name} (line {record.name_lines[name]}) is not a field the importer knows: kept, and shown on the "
              "chapter as a field of the record" for name in record.unknown]
    return notes
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
