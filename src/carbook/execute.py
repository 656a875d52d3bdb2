"""Execute the notebooks Sphinx is about to read, several at a time, into myst-nb's execution cache.

myst-nb executes notebooks one after another as it reads them, and its cache is keyed on the code
alone, so on its own it would either re-execute everything or serve outputs made from old data. Here,
before reading starts, every notebook page about to be read has its cached outputs dropped and is
executed afresh, in parallel; myst-nb (``execute_notebooks: cache``) then finds the fresh outputs. A
page that is not re-read is neither dropped nor executed. A notebook that fails is left uncached, so
myst-nb executes it once more and reports the error in its usual way, failing the build.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import Any

from sphinx.util import logging

logger = logging.getLogger(__name__)


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


def _run(path: Path, notebook: Any, timeout: int | None, allow_errors: bool) -> Any:
    from jupyter_cache.executors.utils import single_nb_execution

    return single_nb_execution(notebook, cwd=str(path.parent), timeout=timeout, allow_errors=allow_errors,
                               meta_override=True)


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
    workers = min(len(pages), os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda page: _run(*page, config.execution_timeout, config.execution_allow_errors), pages))
    for (path, notebook), result in zip(pages, results):
        if result.err is not None:
            continue  # myst-nb executes it again while reading, and reports the error
        cache.cache_notebook_bundle(
            CacheBundleIn(notebook, str(path), data={"execution_seconds": result.time}), check_validity=False, overwrite=True
        )
        logger.info(f"{path}: Executed notebook in {result.time:.2f} seconds [carbook, {workers} at a time]")
