"""Faults of an editor's day never leave a stale book: a build killed in any phase, edits whose files
carry older or identical modification times, two builds at once, kernels that die or hang, a full disk
and a read-only output folder.

Each case edits the IRB number of the HEROS 3.0 study (in its data file and its source document, as a
correction would), hits the build with the fault, and checks every file of the site: none may show the
old number, and every file that showed it must show the new one. A build is stopped at a named phase
through :mod:`carbook.sphinxext.faults`: the test waits for the build's own ``paused at`` line, so the moment of
each fault is fixed by the build's progress, not by a delay.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from carbook.sphinxext import buildguard
from carbook.sphinxext import faults
from conftest import JUPYTER_BOOK, build, copy_book, record_source_version

pytestmark = [pytest.mark.build, pytest.mark.faults]

THERAPY = "data/therapies/heros-3.yaml"
SOURCE = "data/sources/baylor-heros-3.0.txt"
PROVENANCE = "data/provenance/baylor-heros-3.0.txt.yaml"  # the version of the source the book holds
SITE_TEXT = (".html", ".csv", ".json", ".txt", ".js")


def irb_number(root: Path) -> str:
    """Give the IRB number the data file gives the HEROS 3.0 study."""
    trial = yaml.safe_load((root / THERAPY).read_text(encoding="utf-8"))["trial"]
    return next(i["value"] for i in trial["other_ids"] if i["kind"] == "IRB")


def next_number(number: str) -> str:
    """Give a number of the same form and length that differs in every digit (so neither contains the other)."""
    return "".join(str((int(c) + 1) % 10) if c.isdigit() else c for c in number)


def correct_number(root: Path) -> tuple[str, str]:
    """Change the IRB number in the data file and the source document (a corrected copy, recorded as the
    version the book holds); give (old, new)."""
    old = irb_number(root)
    new = next_number(old)
    for name in (THERAPY, SOURCE):
        path = root / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{name} does not show {old}"
        path.write_text(text.replace(old, new), encoding="utf-8")
    record_source_version(root, Path(SOURCE).name)
    return old, new


def site_files(root: Path) -> dict[str, str]:
    """Give the text of every page and data file of the built site, by path inside the site."""
    html = root / "_build/html"
    return {p.relative_to(html).as_posix(): p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(html.rglob("*")) if p.is_file() and p.suffix in SITE_TEXT}


def stale_files(root: Path, old: str, new: str, showing: set[str]) -> list[str]:
    """Give the site's files that show ``old``, or that showed the number before and lack ``new``."""
    files = site_files(root)
    assert files, "the site is empty"
    return sorted({path for path, text in files.items() if old in text}
                  | {path for path in showing if new not in files.get(path, "")})


def build_processes(root: Path) -> list[int]:
    """Give the pids of processes a build of ``root`` started (its kernels) that still run."""
    return buildguard.tagged_processes(buildguard.BUILD_TAG, str(root.resolve()))


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CARBOOK_ROOT", faults.PAUSE_AT, faults.RESUME_FILE)}
    env.update(extra)
    return env


class RunningBuild:
    """A ``jupyter-book build`` in the background whose output is read line by line as it comes."""

    def __init__(self, root: Path, pause_at: str | None = None, resume_file: Path | None = None):
        extra = {}
        if pause_at:
            extra[faults.PAUSE_AT] = pause_at
        if resume_file:
            extra[faults.RESUME_FILE] = str(resume_file)
        self.process = subprocess.Popen([JUPYTER_BOOK, "build", str(root), "-W", "-n", "--keep-going"], cwd=root,
                                        env=environment(**extra), stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, text: str, timeout: float = 300) -> None:
        """Read the output until a line contains ``text``; fail if the build ends or ``timeout`` passes first."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no line with {text!r} within {timeout} s:\n{self.output[-3000:]}")
            if line is None:
                self._queue.put(None)
                pytest.fail(f"the build ended before printing {text!r}:\n{self.output[-3000:]}")
            self.lines.append(line)
            if text in line:
                return

    def finish(self, timeout: float = 300) -> int:
        """Wait for the build to end and its output to be read; give its exit status."""
        status = self.process.wait(timeout=timeout)
        while (line := self._queue.get(timeout=timeout)) is not None:
            self.lines.append(line)
        self._queue.put(None)
        return status

    @property
    def output(self) -> str:
        return "".join(self.lines)


class EditorsBook:
    """One copy of the book, built once, that the cases below edit and fault one after another."""

    def __init__(self, root: Path):
        self.root = root
        result = build(root)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        number = irb_number(root)
        self.showing = {path for path, text in site_files(root).items() if number in text}
        assert len(self.showing) >= 2, self.showing  # a chapter page and the published data at least

    def assert_current(self, old: str, new: str) -> None:
        assert stale_files(self.root, old, new, self.showing) == []


@pytest.fixture(scope="module")
def editors_book(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EditorsBook]:
    book = EditorsBook(copy_book(tmp_path_factory.mktemp("editor") / "book"))
    yield book
    for pid in build_processes(book.root):
        os.kill(pid, signal.SIGKILL)


# --- a build killed in each phase --------------------------------------------------------------

# Each phase in which a build can be killed, as the build names it (see carbook.sphinxext.faults); for the
# phases that happen once per page, the page at which it is killed. A kill during "writing:3" leaves
# two pages written with the new number and the rest with the old.
KILL_POINTS = ["checking-data", "starting-kernels", "executing", "reading:2", "saved", "writing:3", "finishing",
               "publishing"]
# SIGKILL cannot be caught; SIGTERM (a cancelled job, a closed terminal) and SIGINT (Ctrl-C) can.
MATRIX = [(point, signal.SIGKILL) for point in KILL_POINTS] + [("writing:3", signal.SIGTERM),
                                                                ("executing", signal.SIGINT)]


@pytest.mark.parametrize(("point", "number"), MATRIX, ids=[f"{p}-{signal.Signals(s).name}" for p, s in MATRIX])
def test_a_build_killed_in_any_phase_is_followed_by_a_complete_current_build(editors_book, point, number):
    root = editors_book.root
    old, new = correct_number(root)
    killed = RunningBuild(root, pause_at=point)
    killed.wait_for(f"paused at {point.partition(':')[0]}")
    killed.process.send_signal(number)
    killed.process.wait(timeout=120)
    left_by_kill = build_processes(root)  # before its kernels notice that the build is gone
    assert killed.finish() == -number, killed.output[-3000:]
    if number != signal.SIGKILL:
        # a stop signal that can be caught: kernels ended and the half-built site removed before exiting
        assert left_by_kill == []
        assert f"build stopped by {signal.Signals(number).name}" in killed.output
        assert not (root / "_build/html").exists()

    rebuilt = build(root)
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:] + rebuilt.stderr[-3000:]
    if number == signal.SIGKILL:
        assert "the last build of this book did not finish" in rebuilt.stderr
    stale = stale_files(root, old, new, editors_book.showing)
    print(f"fault matrix: {point} {signal.Signals(number).name}: {len(stale)} stale files; "
          f"{len(left_by_kill)} build processes left by the kill, {len(build_processes(root))} after the rebuild")
    assert stale == []
    assert build_processes(root) == []
    assert not (root / "_build" / buildguard.UNFINISHED_NAME).exists()


# --- edits whose modification times do not tell ------------------------------------------------


def test_an_edit_with_older_modification_times_is_seen(editors_book):
    root = editors_book.root
    times = {name: (root / name).stat() for name in (THERAPY, SOURCE, "book/intro.md")}
    old, new = correct_number(root)
    with (root / "book/intro.md").open("a", encoding="utf-8") as page:
        page.write("\nA sentence added with an old time.\n")
    for name, stat in times.items():  # as `cp -p`, `rsync -t` or unpacking an archive leave them
        os.utime(root / name, ns=(stat.st_atime_ns, stat.st_mtime_ns - 86_400 * 10**9))

    result = build(root)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    editors_book.assert_current(old, new)
    assert "A sentence added with an old time." in (root / "_build/html/book/intro.html").read_text(encoding="utf-8")


def test_files_replaced_by_copies_with_the_same_modification_times_are_seen(editors_book, tmp_path):
    root = editors_book.root
    originals = {name: (root / name).stat() for name in (THERAPY, SOURCE, PROVENANCE)}
    staging = tmp_path / "restored"
    shutil.copytree(root / "data", staging / "data")
    old, new = correct_number(staging)
    for name, stat in originals.items():  # a restored backup: other bytes, the very same times
        os.utime(staging / name, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        os.replace(staging / name, root / name)
        assert (root / name).stat().st_mtime_ns == stat.st_mtime_ns

    result = build(root)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    editors_book.assert_current(old, new)


def test_a_stylesheet_edit_alone_reaches_the_site_even_with_an_older_time(editors_book):
    root = editors_book.root
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    name = config["sphinx"]["config"]["html_css_files"][0]
    stylesheet = root / config["sphinx"]["config"]["html_static_path"][0] / name
    stat = stylesheet.stat()
    with stylesheet.open("a", encoding="utf-8") as css:
        css.write("\n/* edited alone */\n")
    os.utime(stylesheet, ns=(stat.st_atime_ns, stat.st_mtime_ns - 86_400 * 10**9))

    result = build(root)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "/* edited alone */" in (root / "_build/html/_static" / name).read_text(encoding="utf-8")


# --- two builds at once ------------------------------------------------------------------------


def test_a_second_build_waits_for_the_first_and_both_leave_a_current_book(editors_book, tmp_path):
    root = editors_book.root
    old, new = correct_number(root)
    resume = tmp_path / "resume"
    first = RunningBuild(root, pause_at="reading:2", resume_file=resume)
    first.wait_for("paused at reading")
    second = RunningBuild(root)
    second.wait_for("another build of this book is running")
    assert str(first.process.pid) in second.lines[-1]
    assert first.process.poll() is None and second.process.poll() is None
    assert "updating environment" not in second.output  # it waits before Sphinx reads its saved state

    resume.touch()
    assert first.finish() == 0, first.output[-3000:]
    assert second.finish() == 0, second.output[-3000:]
    assert "the other build has ended" in second.output
    editors_book.assert_current(old, new)
    assert build_processes(root) == []


# --- kernels -----------------------------------------------------------------------------------


def kernels_of(root: Path) -> list[int]:
    return [pid for pid in build_processes(root) if b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def test_a_kernel_killed_under_a_page_is_replaced_and_the_build_is_current(editors_book, tmp_path):
    root = editors_book.root
    old, new = correct_number(root)
    resume = tmp_path / "resume"
    running = RunningBuild(root, pause_at="page-on-kernel", resume_file=resume)
    running.wait_for("paused at page-on-kernel")
    kernels = kernels_of(root)
    assert kernels, "no kernel of the build was found"
    for pid in kernels:  # as the out-of-memory killer would
        os.kill(pid, signal.SIGKILL)
    resume.touch()
    assert running.finish() == 0, running.output[-3000:]
    assert "its kernel died while running it" in running.output
    editors_book.assert_current(old, new)
    assert build_processes(root) == []


def add_page(root: Path, name: str, code: str) -> str:
    """Add a notebook page running ``code`` to the book's table of contents; give its path."""
    page = f"book/{name}.md"
    (root / page).write_text(
        "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
        "kernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n\n"
        f"# {name}\n\n```{{code-cell}} ipython3\n{code}\n```\n", encoding="utf-8")
    toc_path = root / "_toc.yml"
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    toc["parts"][-1]["chapters"].append({"file": f"book/{name}"})
    toc_path.write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    return page


@pytest.fixture
def fresh_book(tmp_path: Path) -> Path:
    root = copy_book(tmp_path / "book")
    yield root
    for pid in build_processes(root):
        os.kill(pid, signal.SIGKILL)


def test_a_page_whose_kernel_dies_fails_the_build_naming_the_page(fresh_book):
    page = add_page(fresh_book, "crash", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    result = build(fresh_book)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"{page}: the kernel running this page died, on a fresh kernel too" in result.stderr, output[-3000:]
    assert "Traceback" not in output
    assert not (fresh_book / "_build/html").exists()
    assert build_processes(fresh_book) == []


def test_a_page_that_hangs_fails_within_the_timeout_naming_the_page(fresh_book):
    config_path = fresh_book / "_config.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["execute"]["timeout"] = 3
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    page = add_page(fresh_book, "hang", "import time\ntime.sleep(600)")
    start = time.monotonic()
    result = build(fresh_book)
    took = time.monotonic() - start
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"{page}: a cell was still running after 3 s, the execution timeout" in result.stderr, output[-3000:]
    assert "Traceback" not in output
    assert took < 60, f"the build took {took:.0f} s to give up on a 3 s timeout"
    assert not (fresh_book / "_build/html").exists()
    assert build_processes(fresh_book) == []


# --- a full disk, a read-only output folder ----------------------------------------------------


@pytest.fixture
def small_disk(fresh_book: Path) -> Iterator[Path]:
    """Mount a 2 MiB tmpfs as the book's ``_build``; give the book's folder."""
    folder = fresh_book / "_build"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        message = f"mounting a tmpfs needs root: {mounted.stderr.strip()}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    yield fresh_book
    subprocess.run(["umount", "-l", str(folder)], check=True)


def test_a_full_disk_stops_the_build_naming_the_path_and_leaves_no_site(small_disk):
    result = build(small_disk)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "carbook: cannot write the book's output: the disk is full: " in result.stderr, output[-3000:]
    assert "_build" in result.stderr.rpartition("the disk is full: ")[2].splitlines()[0]
    assert "Traceback" not in output
    assert not (small_disk / "_build/html/index.html").exists()
    assert build_processes(small_disk) == []

    subprocess.run(["mount", "-o", "remount,size=512m", str(small_disk / "_build")], check=True)
    again = build(small_disk)  # once there is room, a plain build gives the whole book
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert (small_disk / "_build/html/index.html").is_file()


def test_a_read_only_output_folder_stops_the_build_naming_it(small_disk):
    subprocess.run(["mount", "-o", "remount,size=512m", str(small_disk / "_build")], check=True)
    assert build(small_disk).returncode == 0
    before = site_files(small_disk)
    correct_number(small_disk)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk / "_build")], check=True)
    result = build(small_disk)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert (f"carbook: cannot write the book's output: the file system is read-only: "
            f"{small_disk / '_build'}") in result.stderr, output[-3000:]
    assert "Traceback" not in output
    assert site_files(small_disk) == before  # the last finished site, untouched: nothing half-written
