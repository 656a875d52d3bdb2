"""A build runs its pages on a pool of warm kernels and leaves none running, whether it succeeds or bad
data stops it; the pool gets by when a kernel fails to start, and replaces one that dies.
(Kernels killed or hung during a real build: tests/test_faults.py.)"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from carbook.sphinxext import execute, kernels
from conftest import JUPYTER_BOOK, copy_book


def running_kernels(folder: Path) -> list[str]:
    """Give the command lines of live kernels whose connection file is in ``folder``.

    A kernel's command line names its connection file (``ipykernel_launcher -f <file>``), which a
    build writes to ``TMPDIR`` or ``JUPYTER_RUNTIME_DIR``; the test points both at ``folder``.
    """
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # the process ended while we looked
        if "ipykernel" in command and str(folder) in command:
            found.append(command)
    return found


@pytest.mark.build
@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc to list processes")
@pytest.mark.parametrize("data_is_valid", [True, False], ids=["good-data", "bad-data"])
def test_build_leaves_no_kernel_running(tmp_path, data_is_valid):
    root = copy_book(tmp_path / "book")
    if not data_is_valid:
        path = root / "data/therapies/ct-0525.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("\nid: ct-0525\n", "\nid: CT 0525\n"),
                        encoding="utf-8")
    folder = tmp_path / "kernels"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "CARBOOK_ROOT"}
    env.update(TMPDIR=str(folder), JUPYTER_RUNTIME_DIR=str(folder))

    build = subprocess.Popen([JUPYTER_BOOK, "build", str(root), "-W", "-n", "--keep-going"], cwd=root, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = False
    while build.poll() is None:
        seen = seen or bool(running_kernels(folder))
        time.sleep(0.05)
    output = build.stdout.read()

    assert (build.returncode == 0) is data_is_valid, output[-3000:]
    # Kernels start only once the data has passed its check.
    assert seen is data_is_valid, "kernels ran during the build" if seen else "no kernel was seen during the build"
    assert running_kernels(folder) == []


class FakeKernel:
    """Stands in for a WarmKernel: the first one made fails to warm up when ``fail_first`` is set."""

    fail_first = True
    fail_all = False
    made: list[FakeKernel] = []
    lock = threading.Lock()

    def __init__(self, kernel_name: str, env: dict[str, str] | None = None):
        with FakeKernel.lock:
            self.number = len(FakeKernel.made) + 1
            FakeKernel.made.append(self)
        self.closed = False

    def warm(self) -> None:
        if FakeKernel.fail_all or (FakeKernel.fail_first and self.number == 1):
            raise RuntimeError("kernel died before replying")

    def close(self) -> None:
        self.closed = True

    def alive(self) -> bool:
        return not self.closed and not getattr(self, "killed", False)


@pytest.fixture
def fake_kernels(monkeypatch):
    monkeypatch.setattr(kernels, "WarmKernel", FakeKernel)
    monkeypatch.setattr(FakeKernel, "made", [])
    return FakeKernel


def test_pool_serves_pages_from_the_kernels_that_started(fake_kernels):
    pool = kernels.KernelPool()
    pool.grow(2)
    kernel = pool.take()
    assert kernel.number == 2  # the one that failed is skipped, not handed out, and does not stop the pool
    pool.give_back(kernel)
    assert pool.take() is kernel
    pool.give_back(kernel)
    pool.close()
    assert all(k.closed for k in fake_kernels.made)


def test_pool_replaces_a_kernel_that_died_while_free_instead_of_lending_it(fake_kernels, monkeypatch):
    monkeypatch.setattr(FakeKernel, "fail_first", False)
    pool = kernels.KernelPool()
    pool.grow(1)
    first = pool.take()
    pool.give_back(first)
    first.killed = True  # as the out-of-memory killer would, between two pages
    fresh = pool.take()
    assert fresh is not first and fresh.alive() and first.closed
    pool.give_back(fresh)
    pool.close()


def test_pool_says_so_when_no_kernel_starts(fake_kernels, monkeypatch):
    monkeypatch.setattr(FakeKernel, "fail_all", True)
    pool = kernels.KernelPool()
    pool.grow(2)
    with pytest.raises(kernels.NoKernel, match="kernel died before replying"):
        pool.take()
    with pytest.raises(kernels.NoKernel):  # every later page is told too, rather than left waiting
        pool.take()
    pool.close()
    assert all(k.closed for k in fake_kernels.made)


def test_pool_replaces_a_kernel_that_died_with_a_fresh_one(fake_kernels, monkeypatch):
    monkeypatch.setattr(FakeKernel, "fail_first", False)
    pool = kernels.KernelPool()
    pool.grow(1)
    dead = pool.take()
    pool.replace(dead)  # as a page does when its kernel dies under it
    fresh = pool.take()
    assert dead.closed and not fresh.closed
    assert fresh is not dead and pool.size == 2
    pool.give_back(fresh)
    pool.close()
    assert all(k.closed for k in fake_kernels.made)


# --- executed pages handed to myst-nb --------------------------------------------------------


def _page(tmp_path, source: str = "chapter.lead()"):
    import nbformat

    path = tmp_path / "page.md"
    path.write_text("a page", encoding="utf-8")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# A page"), nbformat.v4.new_code_cell(source)]
    return path, notebook


def test_myst_nb_takes_the_outputs_this_build_executed_for_a_page(tmp_path):
    import logging

    import nbformat
    from myst_nb.core.config import NbParserConfig

    path, executed = _page(tmp_path)
    executed.cells[1].outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": "**Lead**"})]
    execute._EXECUTED[str(path)] = (executed, 0.25)
    read = nbformat.from_dict(_page(tmp_path)[1])  # the same page, as myst-nb reads it
    with execute._client(read, str(path), NbParserConfig(execution_mode="cache"), logging.getLogger("test")) as client:
        assert client.notebook.cells[1].outputs[0].data["text/markdown"] == "**Lead**"
        assert client.exec_metadata["succeeded"] and client.exec_metadata["runtime"] == 0.25
    assert str(path) not in execute._EXECUTED  # taken once


def test_a_page_whose_cells_differ_from_what_was_executed_is_left_to_myst_nb(tmp_path):
    import logging

    from myst_nb.core.config import NbParserConfig
    from myst_nb.core.execute import NotebookClientCache

    path, executed = _page(tmp_path, "chapter.lead()")
    execute._EXECUTED[str(path)] = (executed, 0.1)
    edited = _page(tmp_path, "chapter.mechanism()")[1]
    client = execute._client(edited, str(path), NbParserConfig(execution_mode="cache"), logging.getLogger("test"))
    assert isinstance(client, NotebookClientCache)  # myst-nb's own: it executes the page and reports errors
