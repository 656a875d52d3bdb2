from pathlib import Path

import pytest
import yaml

from carbook.data.load import check, load_library
from carbook.data.facts import NotStated
from carbook.data.problems import DataProblems

ROOT = Path(__file__).resolve().parents[1]


def edit(book: Path, therapy: str, change) -> None:
    path = book / "data/therapies" / f"{therapy}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_both_therapies_load_with_their_key_facts():
    library = load_library(ROOT)
    heros, ct = library.therapies["heros-3"], library.therapies["ct-0525"]
    assert heros.name.value == "HER2 chimeric antigen receptor (CAR) T cells"  # the product, not the study
    assert heros.study.value == "HEROS 3.0"
    assert [aim.rests_on for aim in heros.aims] == ["aim"] * 4
    assert heros.trial.nct_id.value == "NCT04995003"
    assert [a.value for a in heros.regimen.conditioning.agents] == ["cyclophosphamide", "fludarabine"]
    assert heros.eligibility.ages.minimum == 1 and heros.eligibility.ages.maximum == 25
    assert ct.nci_concept.code.value == "C205637"
    assert [d.value for d in ct.regimen.dose] == [3, 10]
    assert ct.regimen.dose[0].unit == "billion CAR+ cells"
    assert isinstance(ct.study, NotStated) and isinstance(ct.title, NotStated)
    assert [claim.rests_on for claim in ct.nci_concept.claims] == ["hedged", "statement", "hedged", "statement"]


def test_record_fields_are_parsed_from_the_source_not_retyped():
    ct = load_library(ROOT).therapies["ct-0525"]
    assert ct.name.record_field == "drug_name" and ct.name.value == "CT-0525"
    assert ct.regimen.route.value == "Intravenous"
    assert ct.nci_concept.definition.value.startswith("A preparation of autologous monocytes")


def test_gaps_the_sources_leave_are_recorded_as_not_stated():
    library = load_library(ROOT)
    heros, ct = library.therapies["heros-3"], library.therapies["ct-0525"]
    for gap in (heros.nci_concept, heros.regimen.dose, ct.eligibility.criteria, ct.eligibility.ages,
                ct.trial.phase, ct.regimen.conditioning, ct.trial.status):
        assert isinstance(gap, NotStated)


def test_mechanism_actions_leave_out_aims():
    library = load_library(ROOT)
    heros, ct = library.therapies["heros-3"], library.therapies["ct-0525"]
    assert [s.rests_on for s in heros.mechanism.steps] == ["finding", "aim"]
    assert heros.mechanism.actions() == []  # the study page gives only an earlier finding and what the investigators want to see
    assert [s.joined for s in ct.mechanism.actions()] == [None, "after", "which", "that", "while"]


def test_the_real_data_has_no_problems():
    assert check(ROOT) == []


def test_quote_not_in_source_is_refused_with_file_field_and_closest_passage(book: Path):
    edit(book, "heros-3", lambda d: d["car_components"][1].update(quote="In addition, it contains CD137."))
    with pytest.raises(DataProblems) as error:
        load_library(book)
    [problem] = error.value.problems
    assert problem.file == "data/therapies/heros-3.yaml"
    assert problem.field == "car_components[1].quote"
    assert problem.message == "quote not found in baylor-heros-3.0.txt"
    assert "closest passage: “In addition, it contains CD28" in problem.fix
    assert problem.line is not None


def test_value_changed_under_an_unchanged_quote_is_refused(book: Path):
    edit(book, "heros-3", lambda d: d["car_components"][1].update(value="4-1BB"))
    [problem] = check(book)
    assert problem.field == "car_components[1]"
    assert problem.message == "'4-1BB' is not written in its quote"


def test_editorial_value_passes_when_marked_as_paraphrase_with_a_reason(book: Path):
    edit(book, "heros-3", lambda d: d["car_components"][1].update(value="CD28 domain", paraphrase="shortened"))
    assert check(book) == []


def test_number_must_be_written_whole_in_its_quote(book: Path):
    edit(book, "ct-0525", lambda d: d["regimen"]["dose"][0].update(value=0.3))
    [problem] = check(book)
    assert problem.field == "regimen.dose[0]"
    assert problem.message == "'0.3' is not written in its quote"


def test_agents_joined_differently_from_the_source_are_refused(book: Path):
    edit(book, "heros-3", lambda d: d["regimen"]["combination"].update(agents_joined_by="and"))
    [problem] = check(book)
    assert problem.field == "regimen.combination.agents_joined_by"
    assert "'pembrolizumab and nivolumab'" in problem.message


def test_yaml_merge_keys_are_neither_repeated_keys_nor_lost(book: Path):
    path = book / "data/therapies/ct-0525.yaml"
    text = path.read_text(encoding="utf-8")
    doses = ("    - value: 3\n      unit: billion CAR+ cells\n      quote: administered as a single IV infusion (3 or 10 billion CAR+ cells)\n"
             "    - value: 10\n      unit: billion CAR+ cells\n      quote: administered as a single IV infusion (3 or 10 billion CAR+ cells)\n")
    assert doses in text
    path.write_text(text.replace(doses, "    - &dose\n      value: 3\n      unit: billion CAR+ cells\n"
                                        "      quote: administered as a single IV infusion (3 or 10 billion CAR+ cells)\n"
                                        "    - <<: *dose\n      value: 10\n"), encoding="utf-8")
    assert check(book) == []
    assert [(d.value, d.unit) for d in load_library(book).therapies["ct-0525"].regimen.dose] == [
        (3, "billion CAR+ cells"), (10, "billion CAR+ cells")]


def test_a_dose_join_needs_several_doses(book: Path):
    edit(book, "heros-3", lambda d: d["regimen"].update(dose_joined_by="or"))
    [problem] = check(book)
    assert problem.field == "regimen"
    assert problem.message == "dose_joined_by is set, but there are not several doses to join"


def test_the_library_a_build_checked_serves_its_pages_only_while_no_input_changed(book: Path):
    from carbook.data import snapshot

    checked = load_library(book)
    snapshot.save(book, checked)
    assert load_library(book, kept=True) == checked
    assert snapshot.load(book) is not None  # taken from the file the build kept, not loaded again
    edit(book, "ct-0525", lambda d: d["title"].update(not_stated="The record names no study title."))
    assert snapshot.load(book) is None
    assert load_library(book, kept=True).therapies["ct-0525"].title.not_stated == "The record names no study title."


def test_load_library_reads_the_files_unless_asked_for_what_a_build_kept(book: Path, monkeypatch: pytest.MonkeyPatch):
    from carbook.data import snapshot

    snapshot.save(book, load_library(book))
    taken = []
    monkeypatch.setattr(snapshot, "load", lambda root: taken.append(root))
    load_library(book)
    assert taken == []  # no hidden state from _build/: the same answer before and after `make book`
    load_library(book, kept=True)
    assert taken == [book]


def test_a_damaged_snapshot_is_ignored(book: Path):
    from carbook.data import snapshot

    (book / snapshot.SNAPSHOT).parent.mkdir(parents=True)
    (book / snapshot.SNAPSHOT).write_bytes(b"not a pickle")
    assert snapshot.load(book) is None
    assert "ct-0525" in load_library(book).therapies


def test_the_next_check_takes_unchanged_therapies_and_checks_again_what_changed(book: Path):
    from carbook.data import snapshot
    from carbook.data.load import check_library

    library, problems = check_library(book)
    assert problems == []
    snapshot.save(book, library)
    checked = snapshot.checked_files(book)
    assert set(checked) == {"data/therapies/heros-3.yaml", "data/therapies/ct-0525.yaml"}
    again, problems = check_library(book, checked=checked)
    assert problems == [] and again.therapies == library.therapies
    # a data file edited into a problem is read and checked again, not taken from the last build
    edit(book, "ct-0525", lambda d: d["modality"].update(quote="A sentence the record does not have."))
    _, problems = check_library(book, checked=checked)
    assert [p.file for p in problems] == ["data/therapies/ct-0525.yaml"]
    # so is a therapy whose source changed under its unchanged data file
    edit(book, "ct-0525", lambda d: d["modality"].update(quote="Autologous Anti-HER2 CAR Monocytes CT-0525"))
    source = book / "data/sources/baylor-heros-3.0.txt"
    source.write_text(source.read_text(encoding="utf-8").replace("HER2", "HER3"), encoding="utf-8")
    _, problems = check_library(book, checked=checked)
    files = {p.file for p in problems}
    assert "data/therapies/heros-3.yaml" in files and "data/therapies/ct-0525.yaml" not in files


def test_nothing_checked_is_taken_once_the_code_changed(book: Path, monkeypatch: pytest.MonkeyPatch):
    from carbook.data import kept, snapshot

    snapshot.save(book, load_library(book))
    monkeypatch.setattr(kept, "code_digest", lambda: "other code")
    assert snapshot.checked_files(book) == {}


def test_a_chapter_in_the_builds_kernel_reads_its_therapy_as_checked_until_its_files_change(book: Path, monkeypatch):
    from carbook.data import snapshot
    from carbook.data.load import check_library

    library, problems = check_library(book)
    assert problems == []
    snapshot.save(book, library)
    assert snapshot.chapter_library("ct-0525") is None  # outside a build: the files are read as usual
    monkeypatch.setenv(snapshot.CHECKED_ENV, str(book))
    part = snapshot.chapter_library("ct-0525")
    assert part is not None and list(part.therapies) == ["ct-0525"]
    assert part.therapies["ct-0525"] == library.therapies["ct-0525"] and part.glossary == library.glossary
    assert list(part.sources) == [library.therapies["ct-0525"].source]
    edit(book, "ct-0525", lambda d: None)  # the same data, written anew: other bytes
    assert snapshot.chapter_library("ct-0525") is None  # read again from its file, not taken as checked
    assert snapshot.chapter_library("heros-3") is not None
    glossary = book / "data/glossary.yaml"
    glossary.write_text(glossary.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert snapshot.chapter_library("heros-3") is None
