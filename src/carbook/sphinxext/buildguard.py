"""One build of a book folder at a time, and no half-done build taken for a finished one.

* A build holds an exclusive lock on ``_build/.carbook-build.lock`` from the moment the book's
  extension loads until the build ends; a second build of the same folder says which process holds
  it and waits for it, so two builds never write to ``_build/`` at once.
* While a build runs, ``_build/.carbook-build-unfinished`` says so. A build that ends (finished, or
  failed with its output removed) takes it away; found at the start of a build, it means the last
  one was killed in the middle of something. Then that build's leftover processes (kernels) are
  ended and the new build starts from nothing — no saved environment, pages or execution cache — so
  it re-reads, re-executes and rewrites every page.
* Every process the build starts carries ``CARBOOK_BUILD_OF=<book folder>`` in its environment,
  which is how leftover kernels are found, including those myst-nb started itself.
* A build stopped by SIGTERM, SIGINT or SIGHUP ends its kernels and removes its partial output
  before it exits by that signal, so no mix of old and new pages is left looking like a finished book.
* A folder that cannot be written (read-only, full disk) stops the build with a message naming it.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path
from typing import Any

LOCK_NAME = ".carbook-build.lock"
UNFINISHED_NAME = ".carbook-build-unfinished"
BUILD_TAG = "CARBOOK_BUILD_OF"
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
# What myst-nb keeps beside the HTML: its execution cache and the files pages write (images).
MYST_NB_FOLDERS = (".jupyter_cache", "jupyter_execute")
WRITE_ERRORS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
                errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
                errno.EPERM: "permission denied"}


class BuildStopped(SystemExit):
    """The build stops here; its message has been printed and nothing is left half-written."""


def discard(folders: Iterable[Path]) -> None:
    """Remove ``folders`` and everything in them, as far as the file system allows."""
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


class BuildGuard:
    """The lock, the unfinished-build marker and the stop signals of one build of a book."""

    def __init__(self, app: Any):
        self.state_dir = Path(app.doctreedir).parent  # _build/ for Jupyter Book
        self.output = [Path(app.outdir), Path(app.doctreedir),
                       *(Path(app.outdir).parent / name for name in MYST_NB_FOLDERS)]
        self.lock_path = self.state_dir / LOCK_NAME
        self.marker = self.state_dir / UNFINISHED_NAME
        self.tag = str(Path(app.srcdir).resolve())
        self._lock: int | None = None
        self._handlers: dict[int, Any] = {}
        self.stopping = False

    # --- start and end ---------------------------------------------------------------------

    def begin(self) -> None:
        """Take the lock (waiting for another build if need be), recover from a killed build, mark this one."""
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            self._lock = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            self.stop(cannot_write(error, self.state_dir))
        self._wait_for_lock()
        os.environ[BUILD_TAG] = self.tag
        try:
            os.ftruncate(self._lock, 0)
            os.pwrite(self._lock, f"{os.getpid()}\n".encode(), 0)
            if self.marker.exists():
                self._recover()
            self.marker.write_text(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}\n",
                                   encoding="utf-8")
        except OSError as error:
            self.stop(cannot_write(error, self.state_dir))
        if threading.current_thread() is threading.main_thread():
            for number in STOP_SIGNALS:
                self._handlers[number] = signal.signal(number, self._on_stop_signal)

    def end(self) -> None:
        """Mark the build as ended (its output is complete, or removed) and let the next build in."""
        with suppress(OSError):
            self.marker.unlink(missing_ok=True)
        for number, handler in self._handlers.items():
            with suppress(ValueError, TypeError):
                signal.signal(number, handler)
        self._handlers = {}
        if self._lock is not None:
            with suppress(OSError):
                os.close(self._lock)  # closing the file releases the lock
            self._lock = None

    def stop(self, message: str, status: int = 1, keep_output: bool = False) -> None:
        """End this build's kernels, remove its output (unless ``keep_output``: nothing was written yet, and
        what is there is the last finished site) and the marker, print ``message``, and exit."""
        self.end_processes()
        if not keep_output:
            discard(self.output)
        self.end()
        sys.stderr.write(f"\n{message}\n")
        sys.stderr.flush()
        raise BuildStopped(status)

    # --- the lock --------------------------------------------------------------------------

    def _wait_for_lock(self) -> None:
        assert self._lock is not None
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        holder = os.pread(self._lock, 32, 0).decode(errors="replace").strip() or "unknown"
        sys.stderr.write(f"carbook: another build of this book is running (pid {holder}); waiting for it to "
                         f"finish before building (lock: {self.lock_path})\n")
        sys.stderr.flush()
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX)
        except KeyboardInterrupt:
            os.close(self._lock)
            self._lock = None
            sys.stderr.write("carbook: stopped while waiting; nothing was built.\n")
            raise BuildStopped(130) from None
        sys.stderr.write("carbook: the other build has ended; building now.\n")

    # --- a killed build's leftovers ----------------------------------------------------------

    def _recover(self) -> None:
        what = self.marker.read_text(encoding="utf-8", errors="replace").strip()
        ended = self.end_processes()
        sys.stderr.write(f"carbook: the last build of this book did not finish ({what}); building every page "
                         f"afresh{f' (ended {ended} of its processes)' if ended else ''}.\n")
        discard(self.output)

    def end_processes(self) -> int:
        """Kill every process (but this one) started by a build of this book; give how many there were."""
        pids = tagged_processes(BUILD_TAG, self.tag)
        for pid in pids:
            with suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.01)
        return len(pids)

    # --- stop signals ------------------------------------------------------------------------

    def _on_stop_signal(self, number: int, frame: Any) -> None:
        if self.stopping:
            return
        self.stopping = True
        for other in STOP_SIGNALS:
            signal.signal(other, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        self.end_processes()
        discard(self.output)
        self.end()
        sys.stderr.write(f"\ncarbook: build stopped by {signal.Signals(number).name}; its kernels were ended and "
                         "its partial output removed. Build again to get the book.\n")
        sys.stderr.flush()
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)  # exit as killed by that signal, as the sender expects


def tagged_processes(name: str, value: str) -> list[int]:
    """Give the pids of processes (not this one) whose environment has ``name=value``."""
    if not Path("/proc/self/environ").exists():
        return []  # not Linux: no way to list them; each kernel's parent poller still ends it
    needle = f"{name}={value}".encode()
    own = os.getpid()
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == own:
            continue
        try:
            environment = Path(entry.path, "environ").read_bytes()
        except OSError:
            continue  # ended meanwhile, or not ours to read
        if needle in environment.split(b"\0") and alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Tell whether process ``pid`` is running (a zombie, dead but not yet reaped, is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def write_problem(error: BaseException | None) -> OSError | sqlite3.OperationalError | None:
    """Give the error, among ``error`` and its causes, that says the output could not be written."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in WRITE_ERRORS:
            return error
        if isinstance(error, sqlite3.OperationalError) and ("disk" in str(error) or "readonly" in str(error)):
            return error
        error = getattr(error, "orig_exc", None) or error.__cause__ or error.__context__ \
            or getattr(error, "orig", None)
    return None


def cannot_write(error: OSError | sqlite3.OperationalError, folder: Path) -> str:
    """Give the message for an output that could not be written: what, where, and what to do."""
    if isinstance(error, OSError):
        reason = WRITE_ERRORS.get(error.errno, error.strerror or str(error))
        where = error.filename or folder
        if not Path(where).resolve().is_relative_to(Path(folder).resolve()):
            where = folder  # an error raised while a page was processed names the page, not what could not be written
    else:  # SQLite, in myst-nb's execution cache
        reason = "the disk is full" if "full" in str(error) else f"the execution cache cannot be written ({error})"
        where = folder / ".jupyter_cache"
    return (f"carbook: cannot write the book's output: {reason}: {where}\n"
            f"The build stopped and left no partial site. Free space in, or make writable, {folder} "
            "(or build elsewhere with `jupyter-book build . --path-output DIR`), then build again.")
