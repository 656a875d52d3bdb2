"""Records in whatever shape they come: a folder of made-up records imported in one call builds at once,
refuses a record that repeats a therapy, keeps every source byte for byte, and states what each record
states (its sequence of stages, its hedges clause by clause) and nothing more."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from carbook.data.importer import import_record
from carbook.data.load import check_library
from carbook.data.facts import NotStated
from carbook.data.sources import read_source
from carbook.folder_import import Outcome, import_folder, key_lines, summary_table
from carbook.scaffold import ScaffoldError, new_therapy, source_title
from conftest import build, copy_book

SHAPES = Path(__file__).parent / "fixtures" / "records" / "shapes"
PROSE = Path(__file__).parent / "fixtures" / "new-therapy" / "example-car-nk.txt"


def carbook(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "carbook", *args], cwd=root, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def shapes_book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Outcome]]:
    """A copy of the book with the folder of record shapes imported in one call, and the outcome of each file."""
    root = copy_book(tmp_path_factory.mktemp("shapes"))
    outcomes = import_folder(root, SHAPES)
    return root, {outcome.file.name: outcome for outcome in outcomes}


@pytest.fixture(scope="module")
def built_shapes(shapes_book) -> Path:
    """The ``_build/html`` of the shapes book, built once with warnings as errors and no hand edit."""
    root, _ = shapes_book
    result = build(root)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return root / "_build" / "html"


def data_of(root: Path, therapy_id: str) -> dict:
    return yaml.safe_load((root / f"data/therapies/{therapy_id}.yaml").read_text(encoding="utf-8"))


def chapter_text(html: Path, therapy_id: str) -> str:
    soup = BeautifulSoup((html / f"book/therapies/{therapy_id}.html").read_text(encoding="utf-8"), "html.parser")
    return " ".join((soup.select_one("main") or soup).get_text(" ").split())


# --- a folder in one call ------------------------------------------------------------------------


def test_a_folder_imports_in_one_call_with_an_outcome_for_each_document(shapes_book):
    root, outcomes = shapes_book
    assert sorted(outcomes) == sorted(p.name for p in SHAPES.glob("*.txt"))
    ids = {name: outcome.therapy_id for name, outcome in outcomes.items()}
    assert ids == {"bomucel-car-nk.txt": "bomucel", "generic-car-nk-one.txt": "car-nk-cell-therapy",
                   "generic-car-nk-two.txt": "car-nk-cell-therapy-nct09991414", "orderucel-car-nk.txt": "orderucel",
                   "repeat-of-orderucel.txt": None, "shuffleucel-car-t.txt": "shuffleucel",
                   "twiceucel-car-t.txt": "twiceucel", "unknownucel-car-m.txt": "unknownucel"}
    for outcome in outcomes.values():
        assert outcome.status in ("imported", "to review", "refused")
        assert (outcome.status == "to review") == bool(outcome.review)
        if outcome.therapy_id:
            assert (root / f"data/therapies/{outcome.therapy_id}.yaml").is_file()
            assert f"- file: book/therapies/{outcome.therapy_id}" in (root / "_toc.yml").read_text(encoding="utf-8")


def test_every_shape_passes_check_with_every_sentence_accounted_for(shapes_book):
    root, outcomes = shapes_book
    result = carbook(root, "check")
    assert result.returncode == 0, result.stdout
    for outcome in outcomes.values():
        if outcome.therapy_id:
            assert re.search(rf"^{re.escape(outcome.therapy_id)}: (\d+) of \1 sentences .* 100 %$", result.stdout, re.MULTILINE)


def test_a_record_that_repeats_a_therapy_is_refused_naming_both_files(shapes_book):
    root, outcomes = shapes_book
    refused = outcomes["repeat-of-orderucel.txt"]
    assert refused.status == "refused" and not refused.written
    assert str(SHAPES / "repeat-of-orderucel.txt") in refused.reason
    assert "data/sources/orderucel-drug-record.txt" in refused.reason and "data/therapies/orderucel.yaml" in refused.reason
    assert "NCT09990707" in refused.reason and "“Orderucel”" in refused.reason
    assert sorted(p.name for p in (root / "data/sources").glob("orderucel*")) == ["orderucel-drug-record.txt"]


def test_a_name_shared_by_different_trials_stays_two_therapies(shapes_book):
    root, outcomes = shapes_book
    one, two = outcomes["generic-car-nk-one.txt"], outcomes["generic-car-nk-two.txt"]
    assert one.status != "refused" and two.status != "refused"
    assert data_of(root, one.therapy_id)["source"] == "car-nk-cell-therapy-drug-record.txt"
    assert data_of(root, two.therapy_id)["source"] == "car-nk-cell-therapy-nct09991414-drug-record.txt"


def test_each_source_is_stored_byte_for_byte_under_a_name_from_its_record(shapes_book):
    root, outcomes = shapes_book
    for name, outcome in outcomes.items():
        if outcome.therapy_id:
            stored = root / "data/sources" / data_of(root, outcome.therapy_id)["source"]
            assert stored.read_bytes() == (SHAPES / name).read_bytes(), name
            assert stored.name.endswith("-drug-record.txt")
    assert (root / "data/sources/bomucel-drug-record.txt").read_bytes().startswith(b"\xef\xbb\xbfSkip to main content\r\n")


def test_the_source_title_is_the_product_the_record_names(shapes_book):
    root, _ = shapes_book
    assert source_title(root / "data/sources/bomucel-drug-record.txt") == "Bomucel"
    assert source_title(root / "data/sources/car-nk-cell-therapy-nct09991414-drug-record.txt") == "CAR NK-cell therapy"
    assert source_title(PROSE) == "example-car-nk"


def test_review_items_carry_the_line_of_the_fact_they_name_or_of_the_item(shapes_book):
    root, outcomes = shapes_book
    shuffle = outcomes["shuffleucel-car-t.txt"]
    lines = key_lines((root / "data/therapies/shuffleucel.yaml").read_text(encoding="utf-8"))
    combination = next(item for item in shuffle.review if item.text.startswith("regimen.combination:"))
    assert combination.line == lines[("regimen", "combination")]
    assert str(combination).startswith(f"data/therapies/shuffleucel.yaml:{combination.line}: regimen.combination:")
    twice = outcomes["twiceucel-car-t.txt"]
    repeated = next(item for item in twice.review if item.text.startswith("drug_mesh_term:"))
    twice_lines = key_lines((root / "data/therapies/twiceucel.yaml").read_text(encoding="utf-8"))
    assert repeated.line in {twice_lines[("review", i)] for i in range(len(twice.review))}


def test_the_summary_table_lists_imported_to_review_with_items_and_refused_with_the_reason(shapes_book):
    _, outcomes = shapes_book
    table = summary_table(list(outcomes.values()))
    lines = table.splitlines()
    assert lines[0].split() == ["document", "therapy", "status", "what", "is", "left"]
    assert re.match(r"repeat-of-orderucel\.txt\s+—\s+refused\s+.*repeats therapy orderucel", next(
        line for line in lines if line.startswith("repeat-of-orderucel.txt")))
    for outcome in outcomes.values():
        for item in outcome.review:
            assert str(item) in table
    counts = {s: sum(1 for o in outcomes.values() if o.status == s) for s in ("imported", "to review", "refused")}
    items = sum(len(o.review) for o in outcomes.values())
    assert lines[-1] == (f"{len(outcomes)} documents: {counts['imported']} imported, {counts['to review']} left to review "
                         f"({items} items), {counts['refused']} refused")


def test_prose_is_left_to_review_and_a_broken_record_or_other_file_is_refused(tmp_path):
    root = copy_book(tmp_path / "book")
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "study-page.txt").write_bytes(PROSE.read_bytes())
    (folder / "broken.txt").write_text("drug_name\nBrokencel\nDrug Class\nCellular Therapy\nnct_id_drug_ref\nNCT09991515\n",
                                       encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    outcomes = {o.file.name: o for o in import_folder(root, folder)}
    assert outcomes["study-page.txt"].status == "to review" and outcomes["study-page.txt"].therapy_id == "study-page"
    assert "skeleton" in outcomes["study-page.txt"].review[0].text
    broken = outcomes["broken.txt"]
    assert broken.status == "refused" and "line 3" in broken.reason and "'Drug Class'" in broken.reason
    assert "not imported as prose" in broken.reason and not (root / "data/therapies/brokencel.yaml").exists()
    assert outcomes["notes.pdf"].status == "refused" and ".txt" in outcomes["notes.pdf"].reason


# --- carbook new says what it read past ----------------------------------------------------------


def test_carbook_new_says_each_line_it_skipped_with_its_number_and_why(tmp_path):
    root = copy_book(tmp_path / "book")
    result = carbook(root, "new", "bomucel", "--source", str(SHAPES / "bomucel-car-nk.txt"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "read as a field/value record: 10 fields, lines 2 to 21" in out
    assert "skipped line 1 “Skip to main content”: page debris before the first field" in out
    assert "skipped line 22 “Back to topback-to-top”: page debris after the last field" in out
    assert "byte-order mark (U+FEFF): read past it; the stored copy keeps it" in out
    assert "CR LF (Windows line ends): read as line breaks; the stored copy keeps them" in out
    assert "stored as data/sources/bomucel-drug-record.txt" in out
    assert (root / "data/sources/bomucel-drug-record.txt").read_bytes() == (SHAPES / "bomucel-car-nk.txt").read_bytes()


def test_new_refuses_a_document_that_reads_like_a_record_but_cannot_be_read_as_one(tmp_path):
    root = copy_book(tmp_path / "book")
    broken = tmp_path / "broken.txt"
    broken.write_text("drug_name\nBrokencel\nDrug Class\nCellular Therapy\ndrug_delivery_route\nIntravenous\n", encoding="utf-8")
    with pytest.raises(ScaffoldError, match=r"reads like a field/value record .* line 3: expected a field name"):
        new_therapy(root, "brokencel", broken)
    assert not (root / "data/therapies/brokencel.yaml").exists() and not list((root / "data/sources").glob("broken*"))


# --- what the record states, and nothing more ----------------------------------------------------


def test_a_stated_sequence_becomes_the_regimen_order_with_the_stage_and_agents_it_names(shapes_book):
    root, _ = shapes_book
    regimen = data_of(root, "orderucel")["regimen"]
    clause = "given as a single IV infusion after lymphodepleting chemotherapy with fludarabine and cyclophosphamide"
    assert regimen["order"] == {"value": clause, "quote": clause + "."}
    assert regimen["conditioning"]["what"]["value"] == "lymphodepleting chemotherapy"
    assert [agent["value"] for agent in regimen["conditioning"]["agents"]] == ["fludarabine", "cyclophosphamide"]
    assert regimen["conditioning"]["agents_joined_by"] == "and"
    bom = data_of(root, "bomucel")["regimen"]
    assert bom["order"]["value"].endswith("after lymphodepletion with cyclophosphamide")
    assert [agent["value"] for agent in bom["conditioning"]["agents"]] == ["cyclophosphamide"]


def one_record(folder: Path, description: str, mechanism: str = "") -> Path:
    """A made-up record of a few fields (test fixture; it describes nothing real), written to ``folder``."""
    path = folder / "testcel.txt"
    more = f"drug_mechanism_of_action\n{mechanism}\n" if mechanism else ""
    path.write_text(f"drug_description\n{description}\n{more}drug_name\nTestcel\nnct_id_drug_ref\nNCT09991616\n",
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("clause", [
    "given as a single IV infusion after lymphodepleting chemotherapy",
    "lymphodepleting chemotherapy is given before a single IV infusion",
    "lymphodepletion with fludarabine and cyclophosphamide followed by a single IV infusion",
    "patients first receive lymphodepletion and then a single IV infusion",
])
def test_each_way_a_record_states_the_sequence_becomes_the_order(tmp_path, clause):
    record = one_record(tmp_path, f"Autologous T cells engineered to express an anti-CD19 chimeric antigen receptor (CAR); {clause}.")
    order = import_record("testcel", read_source(record, "record")).data["regimen"]["order"]
    assert order == {"value": clause, "quote": clause + "."}


def test_a_sequence_the_importer_cannot_read_is_asked_about_not_called_unstated(tmp_path):
    record = one_record(tmp_path, "Autologous T cells engineered to express an anti-CD19 chimeric antigen receptor (CAR); "
                                  "given as a single IV infusion before lymphodepleting chemotherapy.")
    imported = import_record("testcel", read_source(record, "record"))
    order = imported.data["regimen"]["order"]
    assert order["nearby"] == "given as a single IV infusion before lymphodepleting chemotherapy."
    assert "see review" in order["not_stated"]
    assert any(item.startswith("regimen.order: the record states a sequence in “given as a single IV infusion before")
               for item in imported.review)


@pytest.mark.parametrize("joint, joined", [(", and the NK cells may", "and"), (", which may", "which"),
                                           (", while they may", "while"), ("; they may", None)])
def test_a_hedged_clause_is_its_own_step_joined_by_the_records_word(tmp_path, joint, joined):
    mechanism = f"CAR binding to CD70 activates the NK cells{joint} also secrete cytokines that recruit other immune cells."
    record = one_record(tmp_path, "Allogeneic NK cells engineered to express an anti-CD70 CAR.", mechanism)
    imported = import_record("testcel", read_source(record, "record"))
    first, hedged = imported.data["mechanism"]["steps"]
    assert first == {"value": "CAR binding to CD70 activates the NK cells", "quote": "CAR binding to CD70 activates the NK cells",
                     "rests_on": "description"}
    assert hedged["rests_on"] == "hedged" and hedged.get("joined") == joined
    assert hedged["value"].endswith("may also secrete cytokines that recruit other immune cells")
    assert not any(item.startswith("mechanism.steps: “may”") for item in imported.review)


def test_a_hedge_labels_only_its_own_clause(shapes_book):
    root, _ = shapes_book
    steps = data_of(root, "orderucel")["mechanism"]["steps"]
    assert [(step["rests_on"], step.get("joined")) for step in steps] == [("description", None), ("hedged", "and")]
    assert steps[0]["quote"].endswith("which kill CD70-positive cells via perforin and granzyme release")
    assert steps[1]["value"] == "the NK cells may also secrete cytokines that recruit other immune cells"
    assert steps[1]["quote"] == "and the NK cells may also secrete cytokines that recruit other immune cells."
    library, _ = check_library(root)
    assert [step.value for step in library.therapies["orderucel"].mechanism.actions()] == [steps[0]["value"]]


def test_a_hedge_that_frames_the_rest_of_its_sentence_is_kept_whole_and_asked_about(shapes_book):
    root, outcomes = shapes_book
    steps = data_of(root, "twiceucel")["mechanism"]["steps"]
    hedged = [step for step in steps if step["rests_on"] == "hedged"]
    assert [step["quote"] for step in hedged] == ["The T cells may persist for months after infusion, and they lyse CD19-positive B cells."]
    assert [step["rests_on"] for step in steps[:2]] == ["description", "description"]
    assert any("“may” hedges part of" in item.text for item in outcomes["twiceucel-car-t.txt"].review)


def test_what_the_cells_become_is_taken_from_the_record(shapes_book):
    root, _ = shapes_book
    becomes = data_of(root, "unknownucel")["mechanism"]["becomes"]
    assert becomes["value"] == "macrophages" and "differentiate into macrophages" in becomes["quote"]


def test_a_field_given_twice_shows_its_second_value_as_also_stated(shapes_book):
    root, _ = shapes_book
    also = data_of(root, "twiceucel")["also_stated"]
    assert also == [{"quote": "T-Lymphocytes", "rests_on": "statement",
                     "note": "The record's drug_mesh_term field, given a second time (line 19)."}]


#: What a record's text states, found with patterns of its own, and the fact that must then not be a gap.
STATED_IN_RECORD = {
    "regimen.order": re.compile(r"\b(?:infusion|given|administered)\b[^.;]*\bafter\b[^.;]*\blymphodeplet"),
    "regimen.conditioning": re.compile(r"\blymphodeplet|\bconditioning\b"),
    "regimen.conditioning.agents": re.compile(r"\b(?:fludarabine|cyclophosphamide)\b"),
    "regimen.combination": re.compile(r"\bin combination with\b"),
    "regimen.cell_infusion": re.compile(r"\binfusion\b"),
    "regimen.dose": re.compile(r"\d\s*[x×]\s*10\^\d"),
    "regimen.route": re.compile(r"^drug_delivery_route\r?\n(?!\r?\n|drug_)\S", re.MULTILINE),
    "car_components": re.compile(r"\b(?:4-1BB|CD28|CD3-zeta)\b[\w -]*\bdomain\b"),
    "target_antigen": re.compile(r"\banti[-\u2011][A-Z][A-Z0-9]+\b"),
    "mechanism.effector": re.compile(r"\bvia\b"),
    "mechanism.becomes": re.compile(r"\bdifferentiate into\b"),
    "trial.nct_id": re.compile(r"\bNCT\d{8}\b"),
    "nci_concept.code": re.compile(r"^C\d+\r?$", re.MULTILINE),
}


def test_no_imported_record_is_said_to_leave_out_what_it_states(shapes_book):
    root, outcomes = shapes_book
    library, _ = check_library(root)
    checked = set()
    for name, outcome in outcomes.items():
        if not outcome.therapy_id:
            continue
        text = (SHAPES / name).read_bytes().decode("utf-8")
        therapy = library.therapies[outcome.therapy_id]
        for path, pattern in STATED_IN_RECORD.items():
            if pattern.search(text):
                fact = therapy.fact_or_gap(path)
                assert not isinstance(fact, NotStated), f"{name}: {path} is not stated, yet the record states it"
                checked.add(path)
    assert checked == set(STATED_IN_RECORD)  # each kind of fact is stated by at least one test record


# --- built straight after import -----------------------------------------------------------------


@pytest.mark.build
def test_every_shape_builds_straight_after_import_and_shows_what_its_record_states(shapes_book, built_shapes):
    _, outcomes = shapes_book
    for outcome in outcomes.values():
        if outcome.therapy_id:
            text = chapter_text(built_shapes, outcome.therapy_id)
            assert "How the cells act: not stated" not in text, outcome.file.name
    order = chapter_text(built_shapes, "orderucel")
    assert "Regimen, in the source’s order" in order
    assert "lymphodepleting chemotherapy" in order and "then single IV infusion" in order
    assert "hedges: “the NK cells may also secrete cytokines" in order
    assert "Order Not stated in the source" not in order
    assert "CAR‑NK" in chapter_text(built_shapes, "bomucel")  # the record's non-breaking hyphen, as it writes it
    assert "Record field drug_developer Example Biologics, a made-up company" in chapter_text(built_shapes, "unknownucel")
    assert "T-Lymphocytes" in chapter_text(built_shapes, "twiceucel")
    assert (built_shapes / "data/sources/bomucel-drug-record.txt").read_bytes() == (SHAPES / "bomucel-car-nk.txt").read_bytes()


@pytest.mark.build
def test_every_published_fact_of_the_shapes_quotes_its_stored_source(shapes_book, built_shapes):
    root, outcomes = shapes_book
    library, _ = check_library(root)
    ids = {outcome.therapy_id for outcome in outcomes.values() if outcome.therapy_id}
    with (built_shapes / "data/facts.csv").open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["therapy"] in ids and row["stated"] == "true"]
    assert {row["therapy"] for row in rows} == ids
    for row in rows:
        assert library.sources[row["source_document"]].contains(row["quote"]), row
