"""Shared fixtures: a copy of the book in a temporary folder, and that copy built once per session."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from carbook import paths

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = str(Path(sys.executable).with_name("jupyter-book"))
_STARTED = time.time()  # reports older than this run are not this run's


def copy_book(destination: Path) -> Path:
    """Copy what the book is built from (config, pages, data) into ``destination``; give its path."""
    return paths.copy_book(ROOT, destination)


def copy_data(destination: Path) -> Path:
    """Copy the data and the book's configuration (no pages) into ``destination``; give its path."""
    return paths.copy_book(ROOT, destination, ("_config.yml", "_toc.yml", "data"))


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A copy of the book's data and configuration that a test may break."""
    return copy_data(tmp_path)


def build(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Run ``jupyter-book build`` on ``root`` with warnings as errors; give the finished process."""
    return subprocess.run(
        [JUPYTER_BOOK, "build", str(root), "-W", "-n", "--keep-going", *extra],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=900,
    )


@pytest.fixture(scope="session")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Give the ``_build/html`` folder of a clean build of a copy of the book."""
    root = copy_book(tmp_path_factory.mktemp("book"))
    result = build(root)
    assert result.returncode == 0, f"book build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return root / "_build" / "html"


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """End the run with one line saying whether the whole suite passed, and where its reports are."""
    stats = terminalreporter.stats
    counts = {kind: len(stats.get(kind, [])) for kind in ("passed", "failed", "error", "skipped")}
    verdict = "all tests passed" if exitstatus == 0 else "TESTS FAILED"
    terminalreporter.write_sep("=", f"{verdict}: " + ", ".join(f"{n} {kind}" for kind, n in counts.items() if n),
                               green=exitstatus == 0, red=exitstatus != 0, bold=True)
    artifacts = ROOT / "test-artifacts"
    for report, what in ((artifacts / "axe-report.txt", "accessibility findings (axe-core)"),
                         (artifacts / "screenshots", "screenshots of every page")):
        if report.exists() and report.stat().st_mtime >= _STARTED:
            terminalreporter.write_line(f"{what}: {report.relative_to(ROOT)}")
