"""Execute the notebooks Sphinx is about to read, several at a time, into myst-nb's execution cache.

myst-nb executes notebooks one after another as it reads them, each in a kernel of its own, and its
cache is keyed on the code alone, so on its own it would either re-execute everything slowly or
serve outputs made from old data. Here, before reading starts, every notebook page about to be read
has its cached outputs dropped and is executed afresh; myst-nb (``execute_notebooks: cache``) then
finds the fresh outputs. A page that is not re-read is neither dropped nor executed.

The pages run on as many warm kernels as the machine has cores. A kernel is started once per build
and reused: before each page its namespace is reset (``%reset -f``) and its working folder set to
the page's folder, so a page sees what a fresh kernel would, less the cost of starting Python and
importing the libraries again. A page that fails is left uncached, so myst-nb executes it once more
in a kernel of its own and reports the error in its usual way, failing the build.
"""

from __future__ import annotations

import os
import queue
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sphinx.util import logging

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    seconds: float
    error: BaseException | None


class WarmKernel:
    """One kernel kept running across pages; used by one thread at a time."""

    def __init__(self, kernel_name: str):
        from jupyter_client.manager import KernelManager

        self.kernel_name = kernel_name
        self.manager = KernelManager(kernel_name=kernel_name)
        self.manager.start_kernel()
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def run(self, path: Path, notebook: Any, timeout: int | None, allow_errors: bool) -> Outcome:
        """Execute ``notebook`` as if in a fresh kernel started in its folder; put the outputs in it."""
        import nbformat
        from nbclient import NotebookClient

        work = nbformat.from_dict(notebook)
        prelude = f"%reset -f\nimport os as _os\n_os.chdir({str(path.parent)!r})\ndel _os"
        work.cells.insert(0, nbformat.v4.new_code_cell(prelude))
        client = NotebookClient(work, km=self.manager, timeout=timeout, allow_errors=allow_errors,
                                resources={"metadata": {"path": str(path.parent)}})
        client.kc = self.client
        start = time.perf_counter()
        try:
            client.execute()
        except Exception as error:  # noqa: BLE001 - reported again by myst-nb's own run
            return Outcome(time.perf_counter() - start, error)
        for cell, done in zip(notebook.cells, work.cells[1:]):
            if cell.cell_type == "code":
                cell.outputs = done.outputs
                cell.execution_count = done.execution_count
        return Outcome(time.perf_counter() - start, None)

    def close(self) -> None:
        with suppress(Exception):
            self.client.stop_channels()
            self.manager.shutdown_kernel(now=True)


def _notebook(env: Any, docname: str) -> tuple[Path, Any] | None:
    from myst_nb.core.read import create_nb_reader

    path = Path(env.doc2path(docname))
    text = path.read_text(encoding="utf-8")
    reader = create_nb_reader(str(path), env.myst_config, env.mystnb_config, text)
    if reader is None:
        return None
    notebook = reader.read(text)
    has_code = any(cell.cell_type == "code" for cell in notebook.cells)
    return (path, notebook) if has_code else None


def execute_outdated(app: Any, env: Any, docnames: list[str]) -> None:
    """Drop the cached outputs of the notebook pages in ``docnames`` and execute them afresh, in parallel."""
    config = env.mystnb_config
    if config.execution_mode != "cache" or not docnames:
        return
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(config.execution_cache_path or ".jupyter_cache")
    pages = [page for page in (_notebook(env, d) for d in sorted(docnames)) if page is not None]
    for _, notebook in pages:
        with suppress(KeyError):
            cache.remove_cache(cache.match_cache_notebook(notebook).pk)
    if not pages:
        return

    kernel_name = pages[0][1].metadata.get("kernelspec", {}).get("name", "python3")
    workers = min(len(pages), os.cpu_count() or 1)
    free: queue.Queue[WarmKernel] = queue.Queue()
    started: list[WarmKernel] = []

    def run(page: tuple[Path, Any]) -> Outcome:
        path, notebook = page
        if notebook.metadata.get("kernelspec", {}).get("name", "python3") != kernel_name:
            return Outcome(0.0, RuntimeError("another kernel"))  # left to myst-nb
        try:
            kernel = free.get_nowait()
        except queue.Empty:
            kernel = WarmKernel(kernel_name)
            started.append(kernel)
        try:
            return kernel.run(path, notebook, config.execution_timeout, config.execution_allow_errors)
        finally:
            free.put(kernel)

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(run, pages))
    finally:
        for kernel in started:
            kernel.close()
    for (path, notebook), outcome in zip(pages, outcomes):
        if outcome.error is not None:
            continue  # myst-nb executes it again while reading, and reports the error
        cache.cache_notebook_bundle(
            CacheBundleIn(notebook, str(path), data={"execution_seconds": outcome.seconds}),
            check_validity=False, overwrite=True,
        )
        logger.info(f"{path}: Executed notebook in {outcome.seconds:.2f} seconds [carbook, {workers} kernels]")
