"""Execute the notebooks Sphinx is about to read, several at a time, and hand their outputs to myst-nb.

myst-nb executes notebooks one after another as it reads them, each in a kernel of its own, and its
cache is keyed on the code alone, so on its own it would either re-execute everything slowly or
serve outputs made from old data. Here, when reading starts, every notebook page about to be read
has its cached outputs dropped and is executed afresh, in the background, while Sphinx reads the pages
before it; just before Sphinx reads a page, the build waits for that page, and myst-nb takes its
outputs from memory as it reads it (:class:`Execution`, :func:`hand_outputs_to_myst_nb`). A page that
is not re-read is neither dropped nor executed.

The pages run on warm kernels, one per core at most (:mod:`carbook.sphinxext.kernels`). When the data changed and
passed its check, the kernels are started at once, so they start and import the libraries while
Sphinx works out what to re-read. The pages run, and are read, longest first (by their time in the
previous build), so the slowest page does not start last. A page whose cell fails, or that finds no
kernel, is left without outputs, so myst-nb executes it once more in a kernel of its own and reports any
error in its usual way, failing the build. A kernel that dies under a page (killed, out of memory)
is replaced and the page run again on the new one; a page that kills its kernel twice, or whose
cell runs past the configured timeout, fails the build at once with a message naming the page
(:class:`PageFailed`), rather than being run, and waited for, once more.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import Any

from sphinx.util import logging

from carbook.sphinxext.kernels import KERNEL_NAME, KernelPool, NoKernel, Outcome, usable_cores

logger = logging.getLogger(__name__)


def start_kernels(app: Any) -> None:
    """Start the warm kernels this build will need, in the background, before Sphinx decides what to re-read.

    As many as the machine has cores for, but no more than the book has pages."""
    if getattr(app.env, "mystnb_config", None) is None or app.env.mystnb_config.execution_mode != "cache":
        return
    site_map = getattr(app.config, "external_site_map", None)
    pages = len(site_map) if site_map else None
    _pool(app).grow(min(usable_cores(), pages or usable_cores()))


def stop_kernels(app: Any) -> None:
    """Shut down this build's kernels, if any are running."""
    pool = getattr(app, "carbook_kernels", None)
    if pool is not None:
        pool.close()


def _pool(app: Any) -> KernelPool:
    pool = getattr(app, "carbook_kernels", None)
    if pool is None:
        from carbook.data.snapshot import CHECKED_ENV

        # the pages' kernels read the library this build checked (carbook.data.snapshot.chapter_library)
        pool = app.carbook_kernels = KernelPool(env={CHECKED_ENV: str(app.srcdir)})
    return pool


def _notebook(env: Any, docname: str) -> tuple[Path, Any] | None:
    from myst_nb.core.read import create_nb_reader

    path = Path(env.doc2path(docname))
    text = path.read_text(encoding="utf-8")
    reader = create_nb_reader(str(path), env.myst_config, env.mystnb_config, text)
    if reader is None:
        return None
    notebook = reader.read(text)
    has_code = any(cell.cell_type == "code" for cell in notebook.cells)
    if has_code:
        _READ[str(path)] = (text, reader, notebook)  # myst-nb takes it instead of reading the page again (_reader)
    return (path, notebook) if has_code else None


class PageFailed(Exception):
    """A page could not be executed, for a reason myst-nb would not report better: the message says which and why."""


def _run_page(pool: KernelPool, page: tuple[Path, Any], label: str, config: Any) -> Outcome:
    """Execute one page on a warm kernel. A kernel that dies under the page is replaced and the page run
    once more; a page that dies twice, or whose cell outlasts the timeout, fails with a message saying so."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    from carbook.sphinxext import faults

    path, notebook = page
    if notebook.metadata.get("kernelspec", {}).get("name", KERNEL_NAME) != pool.kernel_name:
        return Outcome(0.0, RuntimeError("another kernel"))  # left to myst-nb
    for attempt in (1, 2):
        kernel = pool.take()
        faults.reached("page-on-kernel")
        outcome = kernel.run(path, notebook, config.execution_timeout, config.execution_allow_errors)
        if not isinstance(outcome.error, (DeadKernelError, CellTimeoutError)):
            pool.give_back(kernel)
            return outcome
        pool.replace(kernel)  # never hand a dead or busy kernel to the next page
        if isinstance(outcome.error, CellTimeoutError):
            preview = str(outcome.error).partition("preview of the cell contents:")[2].strip()
            outcome.failure = (f"{label}: a cell was still running after {config.execution_timeout} s, the execution "
                               "timeout (`execute: timeout:` in _config.yml), so its kernel was stopped"
                               + (f"; the cell begins: {preview.splitlines()[0]}" if preview else "")
                               + ". Make the cell finish sooner, or raise the timeout.")
            return outcome
        if attempt == 1:  # killed from outside, or out of memory: a fresh kernel may well get through
            logger.info(f"{label}: its kernel died while running it ({outcome.error}); running it again on a fresh kernel")
    outcome.failure = (f"{label}: the kernel running this page died, on a fresh kernel too ({outcome.error}). "
                       "Its code may crash Python or use too much memory.")
    return outcome


class Execution:
    """The pages of one build executing in the background, each waited for just before Sphinx reads it.

    While Sphinx reads one page, the kernels execute the next ones: reading (in this process) and
    executing (in the kernels) share the machine's cores instead of taking turns."""

    def __init__(self, app: Any, env: Any, pages: list[tuple[str, tuple[Path, Any]]], workers: int):
        self.app, self.env, self.config = app, env, env.mystnb_config
        self.workers = workers
        self.seconds: dict[str, float] = dict(getattr(env, "carbook_execution_seconds", {}))
        self.failures: list[str] = []
        pool = _pool(app)
        pool.grow(workers)
        self._threads = ThreadPoolExecutor(max_workers=max(workers, pool.size), thread_name_prefix="carbook-page")
        self._running = {doc: (self._threads.submit(_run_page, pool, page, env.doc2path(doc, False), self.config), page)
                         for doc, page in pages}

    def wait(self, docname: str) -> None:
        """Wait until ``docname`` has been executed (if it is one of this run's pages), and hand its
        outputs to myst-nb.

        A page that failed is left without, for myst-nb to execute again and report; one that cannot
        be executed on any kernel raises :class:`PageFailed`, with every such failure so far."""
        from carbook.sphinxext import faults

        if docname not in self._running:
            return
        future, (path, notebook) = self._running.pop(docname)
        try:
            outcome = future.result()
        except NoKernel as error:  # myst-nb executes each page as it reads it, and reports what fails
            outcome = Outcome(0.0, error)
        if not self._running:
            self.close()  # the last page: no kernel is needed any more
        if outcome.failure:
            self.failures.append(outcome.failure)
            self.close()  # the pages running now finish first: report their failures too
            for other, _ in self._running.values():
                if other.done() and not other.cancelled() and other.exception() is None and other.result().failure:
                    self.failures.append(other.result().failure)
            raise PageFailed("\n".join(sorted(self.failures)))
        if outcome.error is not None:
            return  # myst-nb executes it again while reading, and reports the error
        self.seconds[docname] = outcome.seconds
        self.env.carbook_execution_seconds = self.seconds
        _EXECUTED[str(Path(path))] = (notebook, outcome.seconds)  # myst-nb takes it as it reads the page (_client)
        logger.info(f"{path}: Executed notebook in {outcome.seconds:.2f} seconds [carbook, {self.workers} kernels]")
        faults.reached("executing")

    def close(self) -> None:
        """Stop executing: pages not yet started are dropped, those running finish, and the kernels shut
        down. Safe to call twice."""
        self._threads.shutdown(wait=True, cancel_futures=True)
        stop_kernels(self.app)


def execute_outdated(app: Any, env: Any, docnames: list[str]) -> None:
    """Start executing the notebook pages in ``docnames`` afresh, in the background, their cached outputs dropped.

    ``docnames`` is put in the order the pages will be executed in, which is the order Sphinx reads
    them in: pages without code first (read while the kernels start), then the longest first (by the
    previous build's times; pages never timed go first), so that the slowest page does not start last
    while other kernels sit idle. Before Sphinx reads each page, :func:`wait_for_page` waits for it."""
    app.carbook_execution = None
    config = env.mystnb_config
    if config.execution_mode != "cache" or not docnames:
        stop_kernels(app)
        return
    from jupyter_cache import get_cache

    cache = get_cache(config.execution_cache_path or ".jupyter_cache")
    last_seconds: dict[str, float] = getattr(env, "carbook_execution_seconds", {})
    order = sorted(docnames, key=lambda doc: (-last_seconds.get(doc, math.inf), doc))
    pages = [(doc, page) for doc, page in ((d, _notebook(env, d)) for d in order) if page is not None]
    executed = {doc for doc, _ in pages}
    docnames[:] = [*(doc for doc in order if doc not in executed), *(doc for doc, _ in pages)]
    if cache.list_cache_records():  # none in a first build: no page's old outputs to look for
        for _, (_, notebook) in pages:
            with suppress(KeyError):
                cache.remove_cache(cache.match_cache_notebook(notebook).pk)
    if not pages:
        stop_kernels(app)
        return
    app.carbook_execution = Execution(app, env, pages, min(len(pages), usable_cores()))


# Pages read to be executed, by path, until myst-nb reads them: their text, reader and notebook.
_READ: dict[str, tuple[str, Any, Any]] = {}
# Executed pages by path, until myst-nb reads them: the notebook with its outputs, and its seconds.
_EXECUTED: dict[str, tuple[Any, float]] = {}


def _reader(path: str, md_config: Any, nb_config: Any, content: Any) -> Any:
    """Give myst-nb the reader of a page: for a page this build read to execute it, one that gives the
    notebook already read (if the page's text is the same), else myst-nb's own."""
    import dataclasses

    from myst_nb.core.read import create_nb_reader

    text, reader, notebook = _READ.pop(str(Path(path)), (None, None, None))
    if reader is None or text != content or reader.md_config is not md_config:
        return create_nb_reader(path, md_config, nb_config, content)
    return dataclasses.replace(reader, read=lambda _text: notebook)


def _client(notebook: Any, source: str, nb_config: Any, logger: Any, read_fmt: Any = None) -> Any:
    """Give myst-nb the client for a page it reads: one that holds the outputs this build executed for
    it, when it did; else myst-nb's own (which, in ``cache`` mode, executes a page it finds no outputs for).

    Handing the outputs over in memory spares a page their round trip through jupyter-cache's
    database (stored, read back and validated again)."""
    from myst_nb.core.execute import NotebookClientBase, create_client

    executed, seconds = _EXECUTED.pop(str(Path(source)), (None, 0.0))
    if executed is None or [(c.cell_type, c.source) for c in executed.cells] != [(c.cell_type, c.source) for c in notebook.cells]:
        return create_client(notebook, source, nb_config, logger, read_fmt)
    for cell, done in zip(notebook.cells, executed.cells):
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = done.outputs, done.get("execution_count")

    class Executed(NotebookClientBase):
        def start_client(self) -> None:
            self.exec_metadata = {"mtime": time.time(), "runtime": seconds, "method": nb_config.execution_mode,
                                  "succeeded": True, "error": None, "traceback": None}

    return Executed(notebook, Path(source), nb_config, logger)


def hand_outputs_to_myst_nb() -> None:
    """Have myst-nb take the pages this build read and executed from memory: each notebook as read to
    execute it (:func:`_reader`) and its outputs (:func:`_client`), instead of reading the page again
    and looking its outputs up in jupyter-cache."""
    import myst_nb.sphinx_

    myst_nb.sphinx_.create_nb_reader = _reader
    myst_nb.sphinx_.create_client = _client


def wait_for_page(app: Any, docname: str) -> None:
    """Wait until ``docname`` is executed, if this build executes it (see :class:`Execution`)."""
    execution = getattr(app, "carbook_execution", None)
    if execution is not None:
        execution.wait(docname)


def stop_execution(app: Any) -> None:
    """Stop whatever this build still executes, and its kernels."""
    execution = getattr(app, "carbook_execution", None)
    if execution is not None:
        execution.close()
        app.carbook_execution = None
    stop_kernels(app)
