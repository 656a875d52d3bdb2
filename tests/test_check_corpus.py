"""A corpus of malformed data, each a small edit of a copy of the real data, and the exact problem it must give.

Every case names the file, the field path, the line (where a line means something) and the gist of the
message and of the fix. The command line is tested end to end on the same kind of copy.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest
import yaml

from carbook.data.load import check
from carbook.data.problems import Problem

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"

HEROS = "data/therapies/heros-3.yaml"
CT = "data/therapies/ct-0525.yaml"
GLOSSARY = "data/glossary.yaml"
TOC = "_toc.yml"
HEROS_SOURCE = "data/sources/baylor-heros-3.0.txt"
GENERIC = "data/therapies/example-generic.yaml"

#: The line format the check command promises: ``file:line: field.path: what is wrong — how to fix it``.
PROBLEM_LINE = re.compile(r"^(?P<file>[^:\s]+):(?P<line>\d+): (?P<field>\S+): (?P<message>.+) — (?P<fix>.+)$")


# --- edits ---------------------------------------------------------------------------------------

Edit = Callable[[Path], None]


def sub(file: str, old: str, new: str) -> Edit:
    """Replace the one occurrence of ``old`` in ``file`` by ``new`` (fails if ``old`` is not there exactly once)."""

    def edit(root: Path) -> None:
        path = root / file
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {file}; the corpus needs one"
        path.write_text(text.replace(old, new), encoding="utf-8")

    return edit


def write(file: str, content: str | bytes) -> Edit:
    def edit(root: Path) -> None:
        path = root / file
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    return edit


def set_editorial(term: str, text: str) -> Edit:
    """Replace the editorial definition of the glossary entry ``term``, whatever it says now, by ``text``."""

    def edit(root: Path) -> None:
        path = root / GLOSSARY
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        start = lines.index(f"  - term: {term}\n")
        at = next(n for n in range(start + 1, len(lines)) if lines[n].startswith("    editorial: "))
        lines[at] = f"    editorial: {text}\n"
        path.write_text("".join(lines), encoding="utf-8")

    return edit


def term_index(term: str) -> int:
    """Give the position of a term's entry in the book's glossary (entries are added as the book grows)."""
    terms = yaml.safe_load((ROOT / GLOSSARY).read_text(encoding="utf-8"))["terms"]
    return next(index for index, entry in enumerate(terms) if entry["term"] == term)


def in_entry(term: str, prefix: str) -> Callable[[Path], int]:
    """Give the line of the glossary entry ``term`` that starts with ``prefix`` (its first such line)."""

    def line(root: Path) -> int:
        lines = (root / GLOSSARY).read_text(encoding="utf-8").splitlines()
        start = lines.index(f"  - term: {term}")
        return next(n for n in range(start + 1, len(lines)) if lines[n].startswith(prefix)) + 1

    return line


def both(*edits: Edit) -> Edit:
    def edit(root: Path) -> None:
        for one in edits:
            one(root)

    return edit


def copy_therapy(source: str, target_id: str, *, keep_id: bool = False) -> Edit:
    """Add ``data/therapies/<target_id>.yaml`` as a copy of ``source`` (with its id changed unless ``keep_id``)."""

    def edit(root: Path) -> None:
        text = (root / source).read_text(encoding="utf-8")
        if not keep_id:
            text = re.sub(r"(?m)^id: .*$", f"id: {target_id}", text, count=1)
        (root / f"data/therapies/{target_id}.yaml").write_text(text, encoding="utf-8")

    return edit


def add_chapter(chapter: str) -> Edit:
    return sub(TOC, "      - file: book/therapies/ct-0525\n", f"      - file: book/therapies/ct-0525\n      - file: {chapter}\n")


def add_generic_fixture(root: Path) -> None:
    """Add the made-up therapy of tests/fixtures/generic-wording, its source and its chapter entry: valid as it is."""
    folder = FIXTURES / "generic-wording"
    (root / "data/sources/example-generic.txt").write_bytes((folder / "example-generic.txt").read_bytes())
    (root / GENERIC).write_bytes((folder / "example-generic.yaml").read_bytes())
    add_chapter("book/therapies/example-generic")(root)


def latin1_in(file: str, old: str, new: str) -> Edit:
    """Replace ``old`` by ``new`` encoded as Latin-1, as an editor saving in the wrong encoding would."""

    def edit(root: Path) -> None:
        path = root / file
        raw = path.read_bytes()
        assert raw.count(old.encode("utf-8")) == 1
        path.write_bytes(raw.replace(old.encode("utf-8"), new.encode("latin-1")))

    return edit


# --- expectations ----------------------------------------------------------------------------------

ANY_LINE = object()  # a problem about a whole file, where no one line is meant


@dataclass
class Expect:
    """One problem a case must report.

    ``line`` is a prefix of the line the problem must point to (its first line that starts with it, or
    the ``nth`` such line), an int, a function giving the line in the edited copy, ``None`` for no line,
    or ``ANY_LINE``. ``message`` and ``fix`` are
    regular expressions searched case-insensitively in the problem's message and fix."""

    field: str
    message: str
    fix: str
    line: str | int | None | object
    file: str | None = None
    nth: int = 1


@dataclass
class Case:
    id: str
    file: str  # the file edited, and the file every expectation is about unless it names another
    edit: Edit
    expect: list[Expect] = field(default_factory=list)

    def __post_init__(self) -> None:
        for expect in self.expect:
            expect.file = expect.file or self.file


def line_of(root: Path, file: str, prefix: str, nth: int = 1) -> int:
    lines = (root / file).read_bytes().decode("utf-8", errors="replace").splitlines()
    numbers = [n for n, text in enumerate(lines, start=1) if text.startswith(prefix)]
    assert len(numbers) >= nth, f"no line {nth} starting with {prefix!r} in {file}"
    return numbers[nth - 1]


def matches(problem: Problem, expect: Expect, root: Path) -> bool:
    if problem.file != expect.file or problem.field != expect.field:
        return False
    if not re.search(expect.message, problem.message, re.IGNORECASE):
        return False
    if not re.search(expect.fix, problem.fix, re.IGNORECASE):
        return False
    if expect.line is ANY_LINE:
        return True
    if callable(expect.line):
        return problem.line == expect.line(root)
    line = line_of(root, expect.file, expect.line, expect.nth) if isinstance(expect.line, str) else expect.line
    return problem.line == line


def listing(problems: list[Problem]) -> str:
    return "\n".join(f"  line={p.line!r} field={p.field!r} | {p}" for p in problems) or "  (none)"


# --- the corpus ----------------------------------------------------------------------------------

TARGET_QUOTE = ("  quote: The new gene that the investigators will put in makes an antibody specific for HER2 "
                "(Human Epidermal Growth Factor Receptor 2) that binds to sarcoma cells.\n")
NCT_BLOCK = '  nct_id:\n    kind: NCT\n    value: NCT04995003\n    quote: "NCT#/ ID: NCT04995003"\n    rests_on: identifier\n'
CD28 = "  - value: CD28, which stimulated T cells and make them last longer\n"
CAR_COMPONENTS = ("car_components:\n  - value: an antibody specific for HER2\n" + "  " + TARGET_QUOTE
                  + CD28 + "    quote: In addition, it contains CD28, which stimulated T cells and make them last longer.\n")
CLAIM_MAY_QUOTE = "This may elicit a cytotoxic T-lymphocyte (CTL) response against HER2-expressing tumor cells."
CLAIM_MAY = f"    - value: {CLAIM_MAY_QUOTE}\n      quote: {CLAIM_MAY_QUOTE}\n      rests_on: hedged\n"
YAML_FIX = r"fix the YAML syntax"
PARAPHRASE_FIX = r"write it as the quote writes it, or quote the passage that states it; a paraphrase may reword"
QUOTE_FIX = r"make the value match the quote, or add `paraphrase: <why>`"
EMPTY_FIX = r"write the value"

CASES = [
    # --- the file as a whole: encoding, YAML, emptiness ---
    Case("yaml-mapping-value-in-plain-scalar", HEROS, sub(HEROS, "  value: CAR T cell\n", "  value: CAR T cell: oops\n"),
         [Expect("", r"YAML syntax error: mapping values are not allowed", YAML_FIX, "  value: CAR T cell: oops")]),
    Case("yaml-tab-indentation", HEROS, sub(HEROS, "  value: CAR T cell\n", "\tvalue: CAR T cell\n"),
         [Expect("", r"YAML syntax error: .*'\\t'", YAML_FIX, "\tvalue: CAR T cell")]),
    Case("yaml-key-indented-too-far", HEROS, sub(HEROS, "  quote: After this new gene", "   quote: After this new gene"),
         [Expect("", r"YAML syntax error", YAML_FIX, "   quote: After this new gene")]),
    Case("empty-file", HEROS, write(HEROS, ""),
         [Expect("", r"the file is empty", r"fill it in", None)]),
    Case("file-of-comments-only-is-empty", HEROS, write(HEROS, "# HEROS 3.0 — to be written\n"),
         [Expect("", r"empty", r"fill it in", ANY_LINE)]),
    Case("top-level-list-not-mapping", HEROS, write(HEROS, "- id: heros-3\n- source: baylor-heros-3.0.txt\n"),
         [Expect("", r"expected a mapping of fields, found list", r"field: value", 1)]),
    Case("non-utf8-byte-in-data-file", HEROS, latin1_in(HEROS, "  value: HEROS 3.0\n", "  value: HÉROS 3.0\n"),
         [Expect("", r"not UTF-8 \(byte 0xc9\)", r"save the file as UTF-8", "  value: H\ufffdROS 3.0")]),
    Case("utf16-data-file", CT, lambda root: (root / CT).write_bytes((root / CT).read_text(encoding="utf-8").encode("utf-16")),
         [Expect("", r"not UTF-8", r"save the file as UTF-8", 1)]),
    Case("duplicate-key-would-silently-drop-a-fact", HEROS,
         sub(HEROS, "target_antigen:\n", "target_antigen:\n  value: HER2\n  quote: binds to sarcoma cells\ntarget_antigen:\n"),
         [Expect("target_antigen", r"duplicate|twice|more than once|already", r".", "target_antigen:", nth=2)]),

    # --- required fields and typos ---
    Case("missing-required-fact", HEROS, sub(HEROS, "target_antigen:\n  value: HER2\n" + TARGET_QUOTE, ""),
         [Expect("target_antigen", r"required field is missing", r"add `target_antigen:`", ANY_LINE)]),
    Case("missing-quote-of-a-fact", HEROS,
         sub(HEROS, "  quote: After this new gene is put into the T cell, the T cell becomes known as a chimeric antigen receptor T cell"
                    " or CAR T cell.\n", ""),
         [Expect("modality.quote", r"required field is missing", r"add `quote:`", "modality:")]),
    Case("missing-source-field", HEROS, sub(HEROS, "source: baylor-heros-3.0.txt\n", ""),
         [Expect("source", r"required field is missing", r"add `source:`", ANY_LINE)]),
    Case("top-level-typo-suggests-closest-name", HEROS, sub(HEROS, "target_antigen:\n", "targte_antigen:\n"),
         [Expect("targte_antigen", r"unknown field 'targte_antigen'", r"did you mean 'target_antigen'\?", "targte_antigen:"),
          Expect("target_antigen", r"required field is missing", r"add `target_antigen:`", ANY_LINE)]),
    Case("nested-typo-suggests-closest-name", HEROS, sub(HEROS, "  value: HER2\n", "  value: HER2\n  paraphrse: shortened\n"),
         [Expect("target_antigen.paraphrse", r"unknown field 'paraphrse'", r"did you mean 'paraphrase'\?", "  paraphrse:")]),
    Case("typo-in-list-item-suggests-closest-name", HEROS, sub(HEROS, CD28, CD28.replace("value", "valeu")),
         [Expect("car_components[1].valeu", r"unknown field 'valeu'", r"did you mean 'value'\?", "  - valeu: CD28"),
          Expect("car_components[1].value", r"required field is missing", r"add `value:`", "  - valeu: CD28")]),
    Case("stated-and-not-stated-mixed", HEROS,
         sub(HEROS, "    not_stated: The study page gives no recruitment", "    value: Recruiting\n    not_stated: The study page gives no recruitment"),
         [Expect("trial.status.value", r"unknown field 'value'", r"known fields here: not_stated, nearby", "    value: Recruiting")]),

    # --- types and empty strings ---
    Case("value-is-a-list-not-text", HEROS, sub(HEROS, "  value: HER2\n", "  value: [HER2]\n"),
         [Expect("target_antigen.value", r"wrong type: .*valid string.*\(found list\)", r".", "  value: [HER2]")]),
    Case("fact-written-as-plain-text", HEROS, sub(HEROS, NCT_BLOCK, "  nct_id: NCT04995003\n"),
         [Expect("trial.nct_id", r"wrong type: .*dictionary.*\(found str\)", r".", "  nct_id: NCT04995003")]),
    Case("age-as-a-list", HEROS, sub(HEROS, "    minimum: 1\n", "    minimum: [1]\n"),
         [Expect("eligibility.ages.minimum", r"^\[1\] is not a number$", r".", "    minimum: [1]")]),
    Case("source-is-a-number", HEROS, sub(HEROS, "source: baylor-heros-3.0.txt\n", "source: 3\n"),
         [Expect("source", r"wrong type: .*valid string.*\(found int\)", r".", "source: 3")]),
    Case("empty-value", HEROS, sub(HEROS, "  value: HER2\n", '  value: ""\n'),
         [Expect("target_antigen.value", r"^is empty$", EMPTY_FIX, '  value: ""')]),
    Case("whitespace-only-quote", HEROS, sub(HEROS, TARGET_QUOTE + "car_components", "  quote: '   '\ncar_components"),
         [Expect("target_antigen.quote", r"^is empty$", EMPTY_FIX, "  quote: '   '")]),
    Case("empty-not-stated-note", HEROS,
         sub(HEROS, "    not_stated: The study page gives no recruitment status.\n", '    not_stated: ""\n'),
         [Expect("trial.status.not_stated", r"^is empty$", r".", '    not_stated: ""')]),
    Case("empty-list-of-facts", HEROS, sub(HEROS, CAR_COMPONENTS, "car_components: []\n"),
         [Expect("car_components", r"is an empty list", r"not_stated", "car_components: []")]),
    Case("unknown-identifier-kind", HEROS, sub(HEROS, "    kind: NCT\n", "    kind: NCTX\n"),
         [Expect("trial.nct_id.kind", r"Input should be 'NCT', 'NCI Thesaurus' or 'IRB'", r"use one of the allowed values", "    kind: NCTX")]),
    Case("id-not-lower-case-with-hyphens", HEROS, sub(HEROS, "id: heros-3\n", "id: HEROS_3\n"),
         [Expect("id", r"'HEROS_3' is not a valid id", r"lower-case letters, digits and single hyphens", "id: HEROS_3")]),
    Case("id-differs-from-file-name", HEROS, sub(HEROS, "id: heros-3\n", "id: heros-4\n"),
         [Expect("id", r"'heros-4' differs from the file name 'heros-3.yaml'", r"rename the file to heros-4.yaml or set id: heros-3", "id: heros-4")]),

    # --- identifiers ---
    Case("nct-with-seven-digits", HEROS, sub(HEROS, "    value: NCT04995003\n", "    value: NCT0499500\n"),
         [Expect("trial.nct_id", r"'NCT0499500' is not an NCT identifier", r"NCT followed by 8 digits", "  nct_id:")]),
    Case("nct-in-lower-case", HEROS, sub(HEROS, "    value: NCT04995003\n", "    value: nct04995003\n"),
         [Expect("trial.nct_id", r"'nct04995003' is not an NCT identifier", r"NCT followed by 8 digits", "  nct_id:")]),
    Case("nci-thesaurus-code-without-c", CT,
         sub(CT, "    record_field: nci_thesaurus_concept_id\n", "    value: '205637'\n    quote: C205637\n"),
         [Expect("nci_concept.code", r"'205637' is not an NCI Thesaurus code", r"C followed by digits", "  code:")]),
    Case("nci-thesaurus-code-with-letters", CT,
         sub(CT, "    record_field: nci_thesaurus_concept_id\n", "    value: C2056X7\n    quote: C205637\n    paraphrase: retyped\n"),
         [Expect("nci_concept.code", r"'C2056X7' is not an NCI Thesaurus code", r"C followed by digits", "  code:"),
          Expect("nci_concept.code", r"the paraphrased value gives 'C2056X7', which its quote does not write \(the quote has 'C205637'\)",
                 PARAPHRASE_FIX, "  code:")]),

    # --- ages and doses ---
    Case("age-minimum-above-maximum", HEROS, sub(HEROS, "    minimum: 1\n    maximum: 25\n", "    minimum: 25\n    maximum: 1\n"),
         [Expect("eligibility.ages", r"minimum \(25\) is above maximum \(1\)", r"youngest age as minimum", "  ages:")]),
    Case("negative-age", HEROS, sub(HEROS, "    minimum: 1\n", "    minimum: -1\n    paraphrase: testing the sign alone\n"),
         [Expect("eligibility.ages.minimum", r"greater than or equal to 0|negative", r"zero or a positive number", "    minimum: -1")]),
    Case("zero-dose", CT, sub(CT, "    - value: 3\n", "    - value: 0\n      paraphrase: testing the number alone\n"),
         [Expect("regimen.dose[0].value", r"greater than 0|positive", r"positive number", "    - value: 0"),
          Expect("regimen.dose[0]", r"the paraphrased value gives '0', which its quote does not write", PARAPHRASE_FIX, "    - value: 0")]),
    Case("negative-dose", CT, sub(CT, "    - value: 10\n", "    - value: -10\n"),
         [Expect("regimen.dose[1].value", r"greater than 0|positive", r"positive number", "    - value: -10"),
          Expect("regimen.dose[1]", r"'-10' is not written in its quote", QUOTE_FIX, "    - value: -10")]),
    Case("dose-as-words", CT, sub(CT, "    - value: 3\n", "    - value: three\n"),
         [Expect("regimen.dose[0].value", r"'three' is not a number", r"write the number alone", "    - value: three"),
          Expect("regimen.dose[0]", r"'three' is not written in its quote", QUOTE_FIX, "    - value: three")]),
    Case("dose-with-unit-in-the-number", CT, sub(CT, "    - value: 3\n", "    - value: '3'\n"),
         [Expect("regimen.dose[0].value", r"'3' is not a number", r"write the number alone", "    - value: '3'")]),
    Case("dose-is-infinite", CT, sub(CT, "    - value: 3\n", "    - value: .inf\n"),
         [Expect("regimen.dose[0].value", r"finite|infinite|not a number|positive number", r"number", "    - value: .inf")]),
    Case("dose-without-unit", CT,
         sub(CT, "    - value: 3\n      unit: billion CAR+ cells\n", "    - value: 3\n"),
         [Expect("regimen.dose[0].unit", r"required field is missing", r"add `unit:`", "    - value: 3")]),
    Case("dose-with-empty-unit", CT,
         sub(CT, "    - value: 10\n      unit: billion CAR+ cells\n", "    - value: 10\n      unit: ''\n"),
         [Expect("regimen.dose[1].unit", r"^is empty$", EMPTY_FIX, "      unit: ''")]),

    # --- quotes against the source ---
    Case("quote-not-in-source-shows-closest-passage", HEROS,
         sub(HEROS, CD28 + "    quote: In addition, it contains CD28, which", CD28 + "    quote: In addition, it contains CD137, which"),
         [Expect("car_components[1].quote", r"^quote not found in baylor-heros-3\.0\.txt$",
                 r"closest passage: “In addition, it contains CD28, which stimulated T cells and make them last longer\.”",
                 "    quote: In addition, it contains CD137")]),
    Case("quote-in-record-source-not-found", CT,
         sub(CT, "\n  quote: A preparation of autologous monocytes genetically", "\n  quote: A preparation of allogeneic monocytes genetically"),
         [Expect("cell_type.quote", r"^quote not found in cytotargetdb-ct-0525\.txt$", r"closest passage: “A preparation of autologous monocytes",
                 "  quote: A preparation of allogeneic")]),
    Case("value-changed-under-unchanged-quote", HEROS, sub(HEROS, "  value: HER2\n", "  value: HER3\n"),
         [Expect("target_antigen", r"'HER3' is not written in its quote", QUOTE_FIX, "target_antigen:")]),
    Case("number-matched-whole-not-as-a-digit-of-another", CT, sub(CT, "    - value: 3\n", "    - value: 1\n"),
         [Expect("regimen.dose[0]", r"'1' is not written in its quote", QUOTE_FIX, "    - value: 1")]),
    Case("age-limit-changed-under-unchanged-quote", HEROS, sub(HEROS, "    maximum: 25\n", "    maximum: 2\n"),
         [Expect("eligibility.ages", r"'2' is not written in its quote", QUOTE_FIX, "  ages:")]),
    Case("unit-changed-under-unchanged-quote", HEROS, sub(HEROS, "    unit: year\n", "    unit: month\n"),
         [Expect("eligibility.ages", r"'month' is not written in its quote", QUOTE_FIX, "  ages:")]),
    Case("paraphrase-without-a-reason", HEROS, sub(HEROS, "  value: HER2\n", "  value: HER-2 receptor\n  paraphrase: ''\n"),
         [Expect("target_antigen.paraphrase", r"^is empty$", r".", "  paraphrase: ''"),
          Expect("target_antigen", r"'HER-2 receptor' is not written in its quote", QUOTE_FIX, "target_antigen:")]),
    Case("nearby-passage-not-in-source", HEROS,
         sub(HEROS, '    nearby: "Age requirements: 1 year to 25 years (child, adult)"',
             '    nearby: "Age requirements: 1 year to 26 years (child, adult)"'),
         [Expect("eligibility.criteria.nearby", r"nearby passage not found in baylor-heros-3\.0\.txt",
                 r"closest passage: “Age requirements: 1 year to 25 years \(child, adult\)”", '    nearby: "Age requirements: 1 year to 26')]),
    Case("agents-without-how-they-are-joined", HEROS, sub(HEROS, "    agents_joined_by: and\n", ""),
         [Expect("regimen.conditioning", r"agents_joined_by is missing", r"add agents_joined_by: and", "  conditioning:")]),
    Case("doses-without-how-they-are-joined", CT, sub(CT, "  dose_joined_by: or\n", ""),
         [Expect("regimen", r"dose_joined_by is missing for several doses", r"add dose_joined_by: or", "regimen:")]),
    Case("doses-joined-by-another-word-than-the-source", CT, sub(CT, "  dose_joined_by: or\n", "  dose_joined_by: and\n"),
         [Expect("regimen.dose_joined_by", r"the doses as joined, '3 and 10 billion CAR\+ cells', are not written so",
                 r"join them with the source's word", "  dose_joined_by: and")]),
    Case("doses-out-of-the-source-order", CT,
         both(sub(CT, "    - value: 3\n", "    - value: swap\n"), sub(CT, "    - value: 10\n", "    - value: 3\n"),
              sub(CT, "    - value: swap\n", "    - value: 10\n")),
         [Expect("regimen.dose_joined_by", r"the doses as joined, '10 or 3 billion CAR\+ cells', are not written so",
                 r"in the source's order", "  dose_joined_by: or")]),
    Case("a-dose-the-source-does-not-join-between-the-others", CT,
         sub(CT, "    - value: 10\n      unit: billion CAR+ cells\n      quote: administered as a single IV infusion (3 or 10 billion CAR+ cells)\n",
             "    - value: 10\n      unit: billion CAR+ cells\n      quote: administered as a single IV infusion (3 or 10 billion CAR+ cells)\n"
             "    - value: 3\n      unit: billion CAR+ cells\n      quote: administered as a single IV infusion (3 or 10 billion CAR+ cells)\n"),
         [Expect("regimen.dose_joined_by", r"the doses as joined, '3, 10 or 3 billion CAR\+ cells', are not written so",
                 r"in the source's order", "  dose_joined_by: or")]),
    Case("record-field-unknown-suggests-closest", CT, sub(CT, "  record_field: drug_name\n", "  record_field: drug_nam\n"),
         [Expect("name", r"the source record has no field 'drug_nam'", r"did you mean 'drug_name'\?", "name:")]),
    Case("record-field-with-a-prose-source", HEROS, sub(HEROS, "name:\n  value: HER2 chimeric antigen receptor (CAR) T cells\n", "name:\n  record_field: drug_name\n"),
         [Expect("name", r"record_field can only be used when the source is a field/value record", r"source_format: record", "name:")]),

    # --- a paraphrase may reword its passage, never say more than it ---
    Case("paraphrased-identifier-with-two-digits-swapped", HEROS,
         sub(HEROS, "      value: H-49271\n", "      value: H-49217\n      paraphrase: the number as the study page's heading gives it\n"),
         [Expect("trial.other_ids[0]", r"^the paraphrased value gives 'H-49217', which its quote does not write \(the quote has 'H-49271'\)$",
                 PARAPHRASE_FIX, "    - kind: IRB")]),
    Case("paraphrase-drops-the-hedge-of-its-passage", CT,
         sub(CT, CLAIM_MAY, "    - value: The cells elicit a cytotoxic T-lymphocyte (CTL) response against HER2-expressing tumor cells.\n"
                            f"      quote: {CLAIM_MAY_QUOTE}\n      paraphrase: says what “this” refers to\n"),
         [Expect("nci_concept.claims[2]", r"^the quote hedges with “may”, which the paraphrased value drops$",
                 r"^keep the hedge in the value or set rests_on: hedged$", "    - value: The cells elicit")]),
    Case("paraphrase-adds-a-number-its-passage-does-not-give", CT,
         sub(CT, "      value: single IV infusion\n", "      value: single IV infusion of 5 billion cells\n      paraphrase: the infusion with its dose\n"),
         [Expect("regimen.cell_infusion.what", r"^the paraphrased value gives '5', which its quote does not write$", PARAPHRASE_FIX,
                 "    what:")]),
    Case("paraphrase-changes-the-unit-of-a-dose", CT,
         sub(CT, "    - value: 10\n      unit: billion CAR+ cells\n",
             "    - value: 10\n      unit: million CAR+ cells\n      paraphrase: the unit in words\n"),
         [Expect("regimen.dose[1]", r"^the paraphrased value gives 'million', which its quote does not write \(the quote has 'billion'\)$",
                 PARAPHRASE_FIX, "    - value: 10")]),

    # --- statements as the source makes them: hedges, findings, aims, examples ---
    Case("hedged-claim-marked-a-plain-statement", CT,
         sub(CT, "      quote: This may elicit a cytotoxic T-lymphocyte (CTL) response against HER2-expressing tumor cells.\n"
                 "      rests_on: hedged\n",
             "      quote: This may elicit a cytotoxic T-lymphocyte (CTL) response against HER2-expressing tumor cells.\n"
             "      rests_on: statement\n"),
         [Expect("nci_concept.claims[2]", r"'This may elicit .*' carries “may”, but rests_on is statement",
                 r"set rests_on: hedged", "    - value: This may elicit")]),
    Case("nearby-passage-cut-after-investigators-found-that", HEROS,
         sub(HEROS, "    nearby: Giving chemotherapy before a T cell infusion is called lymphodepletion since the chemotherapy is "
                    "specifically chosen to decrease the number of lymphocytes in the body.\n",
             "    nearby: giving chemotherapy before the T cell infusion can improve the effect the T cells can have.\n"),
         [Expect("regimen.route.nearby", r"the nearby passage is cut from a sentence that frames it with “investigators found”"
                 r" \(finding\), and leaves those words out", r"quote the sentence from before “investigators found”",
                 "    nearby: giving chemotherapy before the T cell")]),
    Case("example-and-generic-wording-refused-as-support", GENERIC,
         both(add_generic_fixture,
              sub(GENERIC, "target_antigen: {value: a B-cell antigen,", "target_antigen: {value: CD19,"),
              sub(GENERIC, "car_components:\n  not_stated: The page names costimulatory domains only as examples.\n  nearby:",
                  "car_components:\n  - value: CD28\n    quote:")),
         [Expect("target_antigen", r"'CD19' is given in the source as an example or a generality \(“often”\), not as a fact about "
                 r"this product", r"mark the fact `not_stated: <what is missing>`, with the passage as nearby", "target_antigen:"),
          Expect("car_components[0]", r"'CD28' is given in the source as an example or a generality \(“e\.g\.”\)",
                 r"do not use this passage for the fact", "  - value: CD28")]),
    Case("aim-of-the-study-not-resting-on-an-aim", HEROS,
         sub(HEROS, "  - value: to see if the types of bacteria influence how well the treatment works\n"
                    "    quote: Another goal of this study is to study the bacteria found in the stool of patients with sarcoma who are "
                    "being treated with HER2 CAR T cells and immune checkpoint inhibitor drugs to see if the types of bacteria "
                    "influence how well the treatment works.\n    rests_on: aim\n",
             "  - value: to see if the types of bacteria influence how well the treatment works\n"
             "    quote: Another goal of this study is to study the bacteria found in the stool of patients with sarcoma who are "
             "being treated with HER2 CAR T cells and immune checkpoint inhibitor drugs to see if the types of bacteria "
             "influence how well the treatment works.\n"),
         [Expect("aims[3].rests_on", r"an aim of the study must rest on an aim", r"set rests_on: aim",
                 "  - value: to see if the types of bacteria")]),

    # --- every sentence of the source accounted for ---
    Case("source-sentence-neither-shown-nor-listed-as-not-used", HEROS,
         sub(HEROS, "  - quote: Immune checkpoint inhibitors are drugs that remove the brakes on the immune system to allow it to act "
                    "against cancer.\n    rests_on: definition\n", ""),
         [Expect("not_used", r"baylor-heros-3\.0\.txt says “Immune checkpoint inhibitors are drugs that remove the brakes on the "
                 r"immune system to allow it to act against cancer\.” and the chapter does not show it \(\d+ % of the source",
                 r"quote it in a fact or under also_stated: \(with rests_on\), or list it under not_used: with the reason",
                 "not_used:")]),

    # --- source documents ---
    Case("source-document-does-not-exist", HEROS, sub(HEROS, "source: baylor-heros-3.0.txt\n", "source: baylor-heros-3.1.txt\n"),
         [Expect("source", r"source document 'baylor-heros-3\.1\.txt' does not exist in data/sources/",
                 r"correct the file name to this therapy's own document", "source:")]),
    Case("source-is-a-path-not-a-file-name", HEROS,
         sub(HEROS, "source: baylor-heros-3.0.txt\n", "source: ../sources/baylor-heros-3.0.txt\n"),
         [Expect("source", r"is not a plain file name", r"give the file name only", "source:")]),
    Case("source-document-not-utf8", HEROS,
         both(lambda root: (root / "data/sources/heros-latin1.txt").write_bytes((root / HEROS_SOURCE).read_bytes() + "café\n".encode("latin-1")),
              sub(HEROS, "source: baylor-heros-3.0.txt\n", "source: heros-latin1.txt\n")),
         [Expect("source", r"source document 'heros-latin1\.txt' is not UTF-8", r"convert it to UTF-8", "source:")]),
    Case("record-source-does-not-exist-reported-once", CT, sub(CT, "source: cytotargetdb-ct-0525.txt\n", "source: cytotargetdb-ct-0526.txt\n"),
         [Expect("source", r"source document 'cytotargetdb-ct-0526\.txt' does not exist in data/sources/",
                 r"correct the file name to this therapy's own document", "source:")]),
    Case("prose-source-declared-a-record", HEROS, sub(HEROS, "source_format: text\n", "source_format: record\n"),
         [Expect("source", r"is not a field/value record", r"set source_format: text", "source:")]),

    # --- the book's structure ---
    Case("duplicate-therapy-id", "data/therapies/heros-4.yaml",
         both(copy_therapy(HEROS, "heros-4", keep_id=True), add_chapter("book/therapies/heros-4")),
         [Expect("id", r"therapy id 'heros-3' is already used by data/therapies/heros-3\.yaml", r"its own id", "id: heros-3"),
          Expect("id", r"differs from the file name 'heros-4\.yaml'", r"rename the file", "id: heros-3")]),
    Case("chapter-in-toc-without-data", TOC, add_chapter("book/therapies/car-x"),
         [Expect("book/therapies/car-x", r"chapter has no data file data/therapies/car-x\.yaml", r"remove the chapter from _toc\.yml",
                 "      - file: book/therapies/car-x")]),
    Case("therapy-without-chapter", "data/therapies/ct-0526.yaml", copy_therapy(CT, "ct-0526"),
         [Expect("", r"therapy has no chapter in _toc\.yml", r"add `- file: book/therapies/ct-0526` to _toc\.yml", ANY_LINE)]),

    # --- the glossary, a data file too ---
    Case("glossary-quote-not-in-source", GLOSSARY,
         sub(GLOSSARY, "        quote: In addition, it contains CD28, which", "        quote: In addition, it contains CD-28, which"),
         [Expect(f"terms[{term_index('CD28')}].used_in[0].quote", r"quote not found in baylor-heros-3\.0\.txt",
                 r"closest passage: “In addition, it contains CD28", in_entry("CD28", "      - source: baylor-heros-3.0.txt"))]),
    Case("glossary-unknown-field", GLOSSARY, sub(GLOSSARY, "  - term: CD28\n", "  - term: CD28\n    defintion_note: x\n"),
         [Expect(f"terms[{term_index('CD28')}].defintion_note", r"unknown field 'defintion_note'", r"known fields here: term, matches, definition",
                 "    defintion_note:")]),

    # --- editorial glossary definitions: general, never more than the chapters quoting the same source say ---
    Case("editorial-definition-states-a-route-a-chapter-marks-not-stated", GLOSSARY,
         set_editorial("infusion", "Giving a fluid, here a preparation of cells, slowly into a vein (intravenously, IV)."),
         [Expect(f"terms[{term_index('infusion')}].editorial",
                 r"^the editorial definition of 'infusion' says “vein”, but the heros-3 chapter, which quotes the same source "
                 r"\(baylor-heros-3\.0\.txt\), marks Route as not stated$", r"^define the term in general, without the route$",
                 "    editorial: Giving a fluid, here"),
          Expect(f"terms[{term_index('infusion')}].editorial",
                 r"the editorial definition of 'infusion' says “here a”, which speaks of one therapy's source",
                 r"define the term in general", "    editorial: Giving a fluid, here")]),
    Case("editorial-definition-names-a-therapy-of-the-book", GLOSSARY,
         set_editorial("CD28", "A protein on T cells; the HEROS 3.0 receptor contains it."),
         [Expect(f"terms[{term_index('CD28')}].editorial", r"the editorial definition of 'CD28' names “HEROS 3\.0”, its study of heros-3",
                 r"naming no therapy of the book", "    editorial: A protein on T cells; the HEROS")]),
    Case("editorial-definition-names-a-product-by-its-code", GLOSSARY,
         set_editorial("monocyte", "A white blood cell; CT-0525 is made of them."),
         [Expect(f"terms[{term_index('monocyte')}].editorial", r"names “CT-0525”, its product name of ct-0525",
                 r"naming no therapy of the book", "    editorial: A white blood cell; CT-0525")]),
    Case("editorial-definition-speaks-of-the-record", GLOSSARY,
         set_editorial("CAR M", "An abbreviation the record does not expand."),
         [Expect(f"terms[{term_index('CAR M')}].editorial", r"says “the record”, which speaks of one therapy's source",
                 r"speaks of no one study page, record or chapter", "    editorial: An abbreviation the record")]),
    Case("editorial-definition-gives-a-dose-a-chapter-marks-not-stated", GLOSSARY,
         set_editorial("T cell", "A white blood cell of the immune system; 3 billion cells make a treatment."),
         [Expect(f"terms[{term_index('T cell')}].editorial",
                 r"says “3 billion cells”, but the heros-3 chapter, which quotes the same source \(baylor-heros-3\.0\.txt\), "
                 r"marks Dose as not stated", r"without a dose", "    editorial: A white blood cell of the immune system; 3")]),
]


def test_the_corpus_is_big_and_each_case_has_its_own_name():
    assert len(CASES) >= 25
    assert len({case.id for case in CASES}) == len(CASES)


def test_the_unedited_copy_is_valid(book: Path):
    assert check(book) == []


def test_the_generic_wording_fixture_is_valid_before_its_case_edits_it(book: Path):
    add_generic_fixture(book)
    assert check(book) == []


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_malformed_input_is_reported_with_file_field_line_message_and_fix(book: Path, case: Case):
    before = set(check(book))  # empty for valid data; subtracted so each case shows only what its edit causes
    case.edit(book)
    problems = [p for p in check(book) if p not in before]
    assert problems, f"{case.id}: the edit passed validation silently"
    unmatched = list(problems)
    for expect in case.expect:
        found = next((p for p in unmatched if matches(p, expect, book)), None)
        assert found is not None, (
            f"{case.id}: expected {expect.file}: {expect.field}: /{expect.message}/ — /{expect.fix}/ at line {expect.line!r}; "
            f"got:\n{listing(problems)}"
        )
        unmatched.remove(found)
    assert not unmatched, f"{case.id}: unexpected further problems:\n{listing(unmatched)}"


def new_problems(book: Path, *edits: Edit) -> list[Problem]:
    """Give the problems the edits cause (those of the copy as it was left out)."""
    before = set(check(book))
    for edit in edits:
        edit(book)
    return [p for p in check(book) if p not in before]


def test_a_paraphrase_that_keeps_every_number_identifier_name_unit_and_hedge_passes(book: Path):
    problems = new_problems(
        book,
        sub(HEROS, "      value: H-49271\n", "      value: H-49271\n      paraphrase: as the study page writes it\n"),
        sub(HEROS, "    minimum: 1\n", "    minimum: 1\n    paraphrase: the ages, in years\n"),
        sub(CT, CLAIM_MAY, "    - value: the cells may elicit a CTL response against tumor cells that express HER2\n"
                           f"      quote: {CLAIM_MAY_QUOTE}\n      rests_on: hedged\n      paraphrase: shortened\n"),
        sub(CT, "      value: single IV infusion\n", "      value: one IV infusion\n      paraphrase: in plain words\n"),
    )
    assert problems == [], listing(problems)


def test_a_general_editorial_definition_passes(book: Path):
    problems = new_problems(book, set_editorial(
        "infusion", "Giving a fluid, such as a drug or a preparation of cells, into the body slowly rather than all at once."))
    assert problems == [], listing(problems)


def test_every_mistake_in_one_file_is_reported_in_one_run(book: Path):
    for edit in (
        sub(HEROS, "  value: HER2\n", "  value: HER3\n"),
        sub(HEROS, "    value: NCT04995003\n", "    value: NCT0499500\n"),
        sub(HEROS, "    minimum: 1\n    maximum: 25\n", "    minimum: 25\n    maximum: 1\n"),
        sub(HEROS, CD28 + "    quote: In addition, it contains CD28,", CD28 + "    quote: In addition, it contains CD137,"),
        sub(HEROS, "  value: CAR T cell\n", "  valeu: CAR T cell\n"),
    ):
        edit(book)
    problems = check(book)
    assert {p.file for p in problems} == {HEROS}
    assert sorted(p.field for p in problems) == sorted([
        "target_antigen", "trial.nct_id", "eligibility.ages", "car_components[1].quote", "modality.valeu", "modality.value",
    ]), listing(problems)
    assert all(p.line for p in problems)


def test_problems_in_several_files_are_all_reported(book: Path):
    sub(HEROS, "  value: HER2\n", "  value: HER3\n")(book)
    sub(CT, "    - value: 3\n", "    - value: 0\n      paraphrase: testing the number alone\n")(book)
    write("data/therapies/empty.yaml", "")(book)
    problems = check(book)
    assert {(p.file, p.field) for p in problems} >= {
        (HEROS, "target_antigen"), (CT, "regimen.dose[0].value"), ("data/therapies/empty.yaml", ""),
    }, listing(problems)


# --- the command line, end to end ------------------------------------------------------------------


def run_check(cwd: Path, *paths: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "CARBOOK_ROOT"}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "carbook", "check", *paths], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_cli_on_valid_data_exits_zero(book: Path):
    result = run_check(book)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "All data files are valid."
    coverage = [line for line in lines[:-1] if re.fullmatch(r"\S+: (\d+) of \1 sentences of \S+ accounted for \(\d+ shown, \d+ not used\) — 100 %", line)]
    assert [line.split(":")[0] for line in coverage] == ["heros-3", "ct-0525"], lines


def test_cli_reports_every_problem_one_line_each_in_the_documented_format(book: Path):
    sub(HEROS, "  value: HER2\n", "  value: HER3\n")(book)
    sub(HEROS, "    value: NCT04995003\n", "    value: NCT0499500\n")(book)
    sub(HEROS, "  value: CAR T cell\n", "  valeu: CAR T cell\n")(book)
    sub(CT, "    - value: 3\n", "    - value: 1\n")(book)
    expected = [str(p) for p in check(book)]

    result = run_check(book)

    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    *problem_lines, summary = lines
    assert summary == f"{len(expected)} problems found."
    assert problem_lines == expected
    parsed = [PROBLEM_LINE.match(line) for line in problem_lines]
    assert all(parsed), "\n".join(line for line, m in zip(problem_lines, parsed) if not m)
    got = {(m["file"], m["field"]) for m in parsed}
    assert got == {
        (HEROS, "target_antigen"), (HEROS, "trial.nct_id"), (HEROS, "modality.valeu"), (HEROS, "modality.value"), (CT, "regimen.dose[0]"),
    }
    by_field = {m["field"]: m for m in parsed}
    assert by_field["target_antigen"]["line"] == str(line_of(book, HEROS, "target_antigen:"))
    assert "did you mean 'value'?" in by_field["modality.valeu"]["fix"]
    assert by_field["regimen.dose[0]"]["message"] == "'1' is not written in its quote"


def test_cli_checks_only_the_files_named(book: Path):
    sub(HEROS, "  value: HER2\n", "  value: HER3\n")(book)
    sub(CT, "    - value: 3\n", "    - value: 1\n")(book)
    result = run_check(book, CT)
    assert result.returncode != 0
    lines = result.stdout.strip().splitlines()
    assert lines[:-1] == [str(p) for p in check(book, [book / CT])]
    assert [PROBLEM_LINE.match(line)["file"] for line in lines[:-1]] == [CT]
    assert lines[-1] == "1 problem found."


def test_cli_finds_the_book_from_carbook_root(book: Path, tmp_path_factory: pytest.TempPathFactory):
    sub(HEROS, "  value: HER2\n", "  value: HER3\n")(book)
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    result = run_check(elsewhere, env={"CARBOOK_ROOT": str(book)})
    assert result.returncode != 0
    [line, summary] = result.stdout.strip().splitlines()
    assert PROBLEM_LINE.match(line)["file"] == HEROS
    assert line.startswith(f"{HEROS}:{line_of(book, HEROS, 'target_antigen:')}: target_antigen: 'HER3' is not written in its quote — ")
    assert summary == "1 problem found."


def test_cli_reports_a_broken_file_without_traceback(book: Path):
    write(HEROS, "id: heros-3\nname: [unclosed\n")(book)
    result = run_check(book)
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    assert PROBLEM_LINE.match(result.stdout.splitlines()[0]), result.stdout
