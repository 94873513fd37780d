"""Shared fixtures: local runtimes that are closed after each test, and proof that closing
them left no process behind; a real IPython shell for the magics."""

import os
import time

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

import lambdakit

# How long a closed runtime's processes may take to be reaped (SIGKILL of a fork bomb's
# thousand processes is not instantaneous). Waiting, not a timed assertion.
REAP_WAIT_S = 10.0


def _runtime_processes(runtime):
    """PIDs of the runtime's zygote and of every process in its environments' cgroups."""
    pids = set()
    zygote = runtime._pool.zygote
    if zygote is not None and zygote.process.poll() is None:
        pids.add(zygote.process.pid)
    for parent in ((runtime._pool.cgroups and runtime._pool.cgroups.layout) or {}).values():
        for root, _, files in os.walk(parent):
            if "cgroup.procs" in files:
                try:
                    with open(os.path.join(root, "cgroup.procs")) as f:
                        pids.update(int(line) for line in f if line.strip())
                except OSError:
                    pass
    return pids


def assert_closed_cleanly(runtime):
    runtime.close()
    deadline = time.monotonic() + REAP_WAIT_S
    while _runtime_processes(runtime) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _runtime_processes(runtime) == set(), "processes outlived Runtime.close()"
    assert not os.path.exists(runtime.state_dir)


@pytest.fixture
def make_runtime():
    """Build runtimes with `make_runtime(clock=..., ...)`; each is closed and checked afterwards."""
    made = []

    def make(**settings):
        runtime = lambdakit.Runtime(**settings)
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        assert_closed_cleanly(runtime)


@pytest.fixture
def virtual(make_runtime):
    """A runtime on the virtual clock (deterministic), seed 0."""
    return make_runtime(clock="virtual")


@pytest.fixture
def real(make_runtime):
    """A runtime on the real clock."""
    return make_runtime(clock="real")


class RaisingShell(InteractiveShell):
    """An InteractiveShell whose cells raise what they raised, so tests see it."""

    def run_cell(self, *args, **kwargs):
        result = super().run_cell(*args, **kwargs)
        result.raise_error()
        return result


@pytest.fixture(scope="module")
def shell():
    """A real InteractiveShell, history off, with `%load_ext lambdakit` done; the variables
    the extension sets in os.environ are taken back afterwards."""
    environ = dict(os.environ)
    config = Config()
    config.HistoryManager.enabled = False
    shell = RaisingShell.instance(config=config)
    shell.run_line_magic("load_ext", "lambdakit")
    yield shell
    RaisingShell.clear_instance()
    os.environ.clear()
    os.environ.update(environ)


def notebook_texts(nb):
    """Per code cell, what nbval compares: stream text and text/plain, in order. Consecutive
    chunks of one stream are joined, as nbval joins them: where a kernel splits its output
    into chunks depends on timing, not on what was printed."""
    cells = []
    for cell in (c for c in nb.cells if c.cell_type == "code"):
        texts = []
        for output in cell.outputs:
            if output.get("output_type") == "stream" and texts and texts[-1][0] == output.get("name"):
                texts[-1] = (output.get("name"), texts[-1][1] + output.get("text", ""))
            else:
                texts.append((output.get("name"), output.get("text") or output.get("data", {}).get("text/plain")))
        cells.append([text for _, text in texts])
    return cells
