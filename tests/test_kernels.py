"""A build starts kernels to execute its pages and shuts every one down, whether it succeeds or bad data stops it."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from conftest import JUPYTER_BOOK, copy_book

pytestmark = [
    pytest.mark.build,
    pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc to list processes"),
]


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
    # Kernels start while the data is checked, so the stopped build had some too.
    assert seen, "no kernel was seen during the build: the test would prove nothing"
    assert running_kernels(folder) == []
