"""Warm kernels for the book's notebook pages: started once per build, one per core at most, and reused.

A :class:`KernelPool` holds the kernels; each has one client for all its pages (:class:`WarmKernel`).
Before each page its namespace is reset (``%reset -f``) and its working folder set to the page's
folder, so a page sees what a fresh kernel would, less the cost of starting Python and importing the
libraries again. A kernel that dies under a page is replaced (:class:`NoKernel` when none can start).
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
import time
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

    def __init__(self, kernel_name: str, env: dict[str, str] | None = None):
        from jupyter_client.manager import KernelManager

        self.kernel_name = kernel_name
        # Encrypted where the kernel supports it: on plain TCP, ipykernel warns at every start.
        self.manager = KernelManager(kernel_name=kernel_name, transport_encryption="auto")
        self.manager.start_kernel(**({"env": {**os.environ, **env}} if env else {}))
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

    def __init__(self, kernel_name: str = KERNEL_NAME, env: dict[str, str] | None = None):
        self.kernel_name = kernel_name
        self.env = env  # what the kernels' environment adds to this process's
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
            kernel = WarmKernel(self.kernel_name, self.env)
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


def usable_cores() -> int:
    """Give the number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


