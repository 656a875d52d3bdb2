"""Execute the notebooks Sphinx is about to read, several at a time, and hand their outputs to myst-nb.

myst-nb executes notebooks one after another as it reads them, each in a kernel of its own, and its
cache is keyed on the code alone, so on its own it would either re-execute everything slowly or
serve outputs made from old data. Here, when reading starts, every notebook page about to be read
has its cached outputs dropped and is executed afresh, in the background, while Sphinx reads the pages
before it; just before Sphinx reads a page, the build waits for that page, and myst-nb takes its
outputs from memory as it reads it (:class:`Execution`, :func:`hand_outputs_to_myst_nb`). A page that
is not re-read is neither dropped nor executed.

The pages run on warm kernels, one per core at most (a :class:`KernelPool`). A kernel is started once
per build and reused, with one client for all its pages: before each page its namespace is reset
(``%reset -f``) and its working folder set to the page's folder, so a page sees what a fresh kernel
would, less the cost of starting Python and importing the libraries again. When the data changed and
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

import asyncio
import math
import os
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sphinx.util import logging

logger = logging.getLogger(__name__)

KERNEL_NAME = "python3"  # the kernel the book's pages name; a page naming another is left to myst-nb
# What the book's pages import: a warm kernel imports it on starting, off the pages' critical path.
# Then what is loaded is frozen out of the garbage collector's sight: the reset before each page
# collects garbage, and would otherwise walk every object of those libraries again (0.1 s a page).
WARM_IMPORTS = "import carbook.pages.chapter, carbook.data.load\nimport gc\ngc.freeze()"


@dataclass
class Outcome:
    seconds: float
    error: BaseException | None
    failure: str = ""  # set when the page fails the build with this message, not left to myst-nb


class WarmKernel:
    """One kernel kept running across pages; used by one thread at a time.

    Creating it starts the kernel's process (quick); :meth:`warm` waits until it answers and imports the
    libraries (slow), so the process can be shut down while it is still warming up."""

    def __init__(self, kernel_name: str):
        from jupyter_client.manager import KernelManager

        self.kernel_name = kernel_name
        # Encrypted where the kernel supports it: on plain TCP, ipykernel warns at every start.
        self.manager = KernelManager(kernel_name=kernel_name, transport_encryption="auto")
        self.manager.start_kernel()
        self.client: Any = None
        # The warming client's sockets belong to the thread that warms the kernel: zmq sockets must not
        # be closed from another thread while in use (libzmq aborts the process). close() during warming
        # kills the process only, and the warming thread closes its own sockets.
        self._state = threading.Lock()
        self._warming = False
        self._closed = False
        # The client pages run through, and the event loop it lives in: made at the first page and kept,
        # so each later page starts at once instead of waiting for a new client's sockets to connect
        # (a fresh client waits at least 0.2 s for the kernel's broadcast channel). One thread at a time
        # runs a page on a kernel, and hands the kernel on through the pool's queue.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._page_client: Any = None

    def warm(self) -> None:
        """Wait until the kernel answers, then import what the pages import."""
        with self._state:
            if self._closed:
                raise RuntimeError("the kernel was shut down before it warmed up")
            self._warming = True
        try:
            self.client = self.manager.client()
            self.client.start_channels()
            self.client.wait_for_ready(timeout=60)
            # An import that fails here is harmless: the page that imports the module reports the error.
            self.client.execute_interactive(WARM_IMPORTS, silent=True, store_history=False, timeout=60)
        finally:
            with self._state:
                self._warming = False
                closed = self._closed
            if closed:
                self._stop_channels()

    def alive(self) -> bool:
        """Whether the kernel's process is still running."""
        return self.manager.is_alive()

    def run(self, path: Path, notebook: Any, timeout: int | None, allow_errors: bool) -> Outcome:
        """Execute ``notebook`` as if in a fresh kernel started in its folder; put the outputs in it."""
        import nbformat
        from nbclient import NotebookClient

        work = nbformat.from_dict(notebook)
        # Run at the head of the first code cell rather than as a cell of its own: one round trip less.
        prelude = f"%reset -f\nimport os as _os\n_os.chdir({str(path.parent)!r})\ndel _os\n"
        first = next((cell for cell in work.cells if cell.cell_type == "code"), None)
        if first is None:
            first = nbformat.v4.new_code_cell("")
            work.cells.append(first)
        first.source = prelude + first.source
        client = NotebookClient(work, km=self.manager, timeout=timeout, allow_errors=allow_errors,
                                resources={"metadata": {"path": str(path.parent)}})
        start = time.perf_counter()
        try:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self._execute(client))
        except Exception as error:  # noqa: BLE001 - reported again by myst-nb's own run
            return Outcome(time.perf_counter() - start, error)
        for cell, done in zip(notebook.cells, work.cells):
            if cell.cell_type == "code":
                cell.outputs = done.outputs
                cell.execution_count = done.execution_count
        return Outcome(time.perf_counter() - start, None)

    async def _execute(self, client: Any) -> None:
        # nbclient waits for the kernel's messages while it checks, each second, that the kernel is
        # alive; that needs a client whose waits let others run (asynchronous), made in this kernel's
        # event loop. (A blocking client would wait for a dead kernel's next message for ever.)
        from nbclient.exceptions import DeadKernelError

        if self._page_client is None:
            from jupyter_client.asynchronous import AsyncKernelClient

            info = self.manager.get_connection_info(session=True)
            for key in ("curve_publickey", "curve_secretkey"):  # the kernel's encryption keys, as the client takes them
                if isinstance(info.get(key), str):
                    info[key] = info[key].encode("ascii")
            kc = AsyncKernelClient(**info, connection_file=self.manager.connection_file, parent=self.manager)
            kc.start_channels()
            self._page_client = kc
            try:
                await kc.wait_for_ready(timeout=60)
            except RuntimeError as error:
                if not self.manager.is_alive():  # it died between two pages
                    raise DeadKernelError("Kernel died") from error
                raise
        client.kc = self._page_client
        await client.async_execute()

    def _stop_channels(self) -> None:
        if self.client is not None:
            with suppress(Exception):
                self.client.stop_channels()
        if self._page_client is not None:
            with suppress(Exception):
                self._page_client.stop_channels()
                self._page_client.context.destroy(linger=0)  # its own context: end its I/O thread now
            self._page_client = None
        if self._loop is not None and not self._loop.is_running():
            self._loop.close()
            self._loop = None

    def close(self) -> None:
        """Shut the kernel down, whatever state it is in. Safe to call twice."""
        with self._state:
            self._closed = True
            warming = self._warming
        if not warming:
            self._stop_channels()
        with suppress(Exception):
            self.manager.shutdown_kernel(now=True)


class NoKernel(RuntimeError):
    """No kernel of the pool could be started."""


class KernelPool:
    """Warm kernels, started in the background; lent out one page at a time."""

    def __init__(self, kernel_name: str = KERNEL_NAME):
        self.kernel_name = kernel_name
        self._free: queue.Queue[WarmKernel | BaseException] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._kernels: list[WarmKernel] = []  # started, warm or warming up
        self._failed: list[BaseException] = []
        self._closing = False
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        """The number of kernels asked for: started, starting, or failed to start."""
        return len(self._threads)

    def grow(self, size: int) -> None:
        """Start kernels in the background until ``size`` have been asked for."""
        while len(self._threads) < size:
            # The thread keeps this queue: after close() it can only reach a queue no one takes from.
            thread = threading.Thread(target=self._start_one, args=(self._free,), name="carbook-kernel", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _start_one(self, free: queue.Queue[WarmKernel | BaseException]) -> None:
        try:
            kernel = WarmKernel(self.kernel_name)
        except BaseException as error:  # noqa: BLE001 - handed to the page that waits for a kernel
            free.put(error)
            return
        with self._lock:
            if self._closing:
                kernel.close()
                return
            self._kernels.append(kernel)  # from here on, close() can shut it down while it warms up
        try:
            kernel.warm()
        except BaseException as error:  # noqa: BLE001
            kernel.close()
            free.put(error)
            return
        free.put(kernel)

    def take(self) -> WarmKernel:
        """Give a free kernel, waiting for one to finish starting or to be handed back; one that died
        while free is replaced.

        A kernel that failed to start is skipped while others may still serve; :class:`NoKernel` is raised
        once every kernel asked for has failed."""
        while True:
            item = self._free.get()
            if not isinstance(item, BaseException):
                if item.alive():
                    return item
                self.replace(item)  # died while idle (killed, out of memory): never lent out dead
                continue
            with self._lock:
                self._failed.append(item)
                failed_all = len(self._failed) >= len(self._threads)
            if failed_all:
                self._free.put(item)  # wake the next taker: it fails too
                raise NoKernel(f"no kernel could be started: {item}") from item

    def give_back(self, kernel: WarmKernel) -> None:
        self._free.put(kernel)

    def replace(self, kernel: WarmKernel) -> None:
        """Shut down ``kernel`` (dead, or stuck in a cell) and start another in its place, in the background."""
        with self._lock:
            if kernel in self._kernels:
                self._kernels.remove(kernel)
        kernel.close()
        self.grow(self.size + 1)

    def close(self) -> None:
        """Shut every kernel down, in parallel, including those still warming up. Safe to call twice."""
        with self._lock:
            self._closing = True
            kernels, self._kernels = self._kernels, []
        closers = [threading.Thread(target=kernel.close) for kernel in kernels]
        for closer in closers:
            closer.start()
        for closer in closers:
            closer.join()
        for thread in self._threads:
            thread.join(timeout=5)  # a kernel shut down while warming up fails fast and its thread ends
        with self._lock:
            self._threads, self._failed, self._free, self._closing = [], [], queue.Queue(), False


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


def usable_cores() -> int:
    """Give the number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _pool(app: Any) -> KernelPool:
    pool = getattr(app, "carbook_kernels", None)
    if pool is None:
        pool = app.carbook_kernels = KernelPool()
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
