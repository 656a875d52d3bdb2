"""Named points of a build where a test can stop it, so that faults are injected at a known moment.

The book's extension calls :func:`reached` at each phase of a build: ``checking-data``,
``starting-kernels``, ``page-on-kernel`` (a page is about to run on its warm kernel), ``executing``
(the first page's fresh outputs are cached), ``reading`` (each page), ``saved`` (the environment is
saved, no page written yet), ``writing`` (each page), ``finishing`` (pages written; static files,
search index), ``publishing`` (the data package).

With ``CARBOOK_PAUSE_AT=<phase>`` (or ``<phase>:<n>`` for its n-th time) in the build's environment,
the build prints ``carbook: paused at <phase>`` on stderr when it gets there and waits: until the
file named by ``CARBOOK_RESUME_FILE`` exists (then it goes on), or until it is killed. A test reads
that line from the build's output and then acts, so the moment of the fault comes from the build's
own progress, not from a guessed delay. Without ``CARBOOK_PAUSE_AT``, :func:`reached` does nothing.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path

PAUSE_AT = "CARBOOK_PAUSE_AT"
RESUME_FILE = "CARBOOK_RESUME_FILE"
PHASES = ("checking-data", "starting-kernels", "page-on-kernel", "executing", "reading", "saved", "writing",
          "finishing", "publishing")

_seen: Counter[str] = Counter()
_counting = threading.Lock()


def reached(phase: str) -> None:
    """Mark that the build got to ``phase``; pause there if ``CARBOOK_PAUSE_AT`` asks for it."""
    wanted = os.environ.get(PAUSE_AT)
    if not wanted:
        return
    name, _, nth = wanted.partition(":")
    if name != phase:
        return
    with _counting:
        _seen[phase] += 1
        if _seen[phase] != int(nth or 1):
            return
    resume = os.environ.get(RESUME_FILE)
    sys.stderr.write(f"carbook: paused at {phase}\n")
    sys.stderr.flush()
    # Short sleeps keep the main thread responsive: a stop signal's handler runs between them.
    while not (resume and Path(resume).exists()):
        time.sleep(0.01)
