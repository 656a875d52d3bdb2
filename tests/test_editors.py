"""Adding a therapy: `carbook new` scaffolds it, `check` lists what is missing, the build shows it."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from carbook.scaffold import ScaffoldError, chapter_text, new_therapy
from conftest import ROOT, build, copy_book

FIXTURE = Path(__file__).parent / "fixtures" / "new-therapy"


def carbook(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "carbook", *args], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "CARBOOK_ROOT": str(root)})


@pytest.mark.parametrize("therapy_id", ["heros-3", "ct-0525"])
def test_every_chapter_is_the_one_template(therapy_id):
    assert (ROOT / "book/therapies" / f"{therapy_id}.md").read_text(encoding="utf-8") == chapter_text(therapy_id)


def test_new_scaffolds_source_data_chapter_and_toc_and_check_lists_what_is_missing(tmp_path):
    root = copy_book(tmp_path / "book")
    result = carbook(root, "new", "example-nk", "--source", str(FIXTURE / "example-car-nk.txt"))
    assert result.returncode == 0, result.stderr
    assert (root / "data/sources/example-car-nk.txt").read_bytes() == (FIXTURE / "example-car-nk.txt").read_bytes()
    assert (root / "book/therapies/example-nk.md").read_text(encoding="utf-8") == chapter_text("example-nk")
    toc = (root / "_toc.yml").read_text(encoding="utf-8")
    assert toc.index("book/therapies/ct-0525") < toc.index("book/therapies/example-nk") < toc.index("book/comparison")

    check = carbook(root, "check")
    assert check.returncode == 1
    lines = check.stdout.splitlines()
    empty = "is empty — write its value and the passage that states it (value:, quote:)"
    gap = "; or mark it `not_stated: <what is missing>` if the source is silent"
    assert f"data/therapies/example-nk.yaml:13: name: {empty}" in lines  # a name cannot be a gap
    assert f"data/therapies/example-nk.yaml:15: study: {empty}{gap}" in lines
    assert f"data/therapies/example-nk.yaml:34: trial.phase: {empty}{gap}" in lines
    assert any(line.startswith("data/therapies/example-nk.yaml:") and ": questions[0]: is empty" in line for line in lines)
    assert all(line.startswith("data/therapies/example-nk.yaml:") for line in lines[:-1])


def test_new_refuses_an_id_that_exists(tmp_path):
    root = copy_book(tmp_path / "book")
    with pytest.raises(ScaffoldError, match="already exists"):
        new_therapy(root, "ct-0525", FIXTURE / "example-car-nk.txt")


@pytest.mark.build
def test_added_therapy_gets_a_chapter_a_comparison_column_and_downloads(tmp_path):
    root = copy_book(tmp_path / "book")
    new_therapy(root, "example-nk", FIXTURE / "example-car-nk.txt")
    shutil.copyfile(FIXTURE / "example-nk.yaml", root / "data/therapies/example-nk.yaml")  # the editor fills it in
    report = carbook(root, "check").stdout.strip().splitlines()
    assert report[-1] == "All data files are valid."
    assert "example-nk: 10 of 10 sentences of example-car-nk.txt accounted for (9 shown, 1 not used) — 100 %" in report

    result = build(root)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    html = root / "_build/html"
    chapter = (html / "book/therapies/example-nk.html").read_text(encoding="utf-8")
    assert "CD19-CAR NK cells (EXAMPLE-NK study)" in chapter  # the product, with its study
    assert "18 to 70 years" in chapter
    comparison = BeautifulSoup((html / "book/comparison.html").read_text(encoding="utf-8"), "html.parser")
    columns = {a["href"]: a.get_text(strip=True) for a in comparison.select("table thead th a")}
    assert columns["therapies/example-nk.html"] == "CD19-CAR NK cells (EXAMPLE-NK)"
    assert (html / "data/therapies/example-nk.json").is_file()
    with (html / "data/facts.csv").open(encoding="utf-8") as handle:
        assert any(row["therapy"] == "example-nk" and row["value"] == "CD19" for row in csv.DictReader(handle))
    assert 'href="../data/therapies/example-nk.json"' in (html / "book/data.html").read_text(encoding="utf-8")
