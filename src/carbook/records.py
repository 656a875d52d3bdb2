"""Parse NCI Thesaurus-style drug records: a field name on one line, its value on the next."""

from __future__ import annotations

import re

_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")


class RecordFormatError(ValueError):
    """The text is not a field/value record; ``line`` is the 1-based line at fault."""

    def __init__(self, message: str, line: int):
        self.line = line
        super().__init__(f"line {line}: {message}")


def parse_record(text: str) -> dict[str, str]:
    """Give the record's fields as an ordered ``{field name: value}`` mapping.

    Lines alternate: a field name (lower-case letters, digits and underscores), then its value.
    Blank lines between pairs are ignored; a trailing newline is optional.

    >>> parse_record("drug_name\\nCT-0525\\nnct_id_drug_ref\\nNCT06254807")
    {'drug_name': 'CT-0525', 'nct_id_drug_ref': 'NCT06254807'}
    """
    fields: dict[str, str] = {}
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1)]
    lines = [(number, line) for number, line in lines if line]
    if len(lines) % 2:
        number, line = lines[-1]
        raise RecordFormatError(f"field {line!r} has no value on the next line", number)
    for (name_line, name), (_, value) in zip(lines[::2], lines[1::2]):
        if not _FIELD_NAME.fullmatch(name):
            raise RecordFormatError(
                f"expected a field name (lower_case_with_underscores), found {name[:40]!r}", name_line
            )
        if name in fields:
            raise RecordFormatError(f"field {name!r} appears twice", name_line)
        fields[name] = value
    return fields
