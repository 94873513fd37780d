"""Grading conftest: `lambdakit grade` copies it next to the learner's notebook.

It adds nothing to nbval's comparison rules of its own: the hooks that keep widget, HTML
and Plotly outputs out of the comparison (and pin Plotly's renderer) are the notebooks'
own, notebooks/conftest.py, loaded from the course's notebooks directory. What it adds
is a record of each cell's outcome, one JSON line per pytest report, in the file named
by LAMBDAKIT_GRADE_RESULTS, and after each check cell the grader's own verdict on its
exercise (lambdakit.course.judge: the course's checker, run here in the pytest process on
evidence taken from the kernel), from which the per-exercise report is made.
"""

import importlib.util
import json
import os

import pytest

from lambdakit.course import exercises, judge
from lambdakit.course.paths import notebooks_dir

# Loaded now, before any learner cell runs: what the checkers are cannot depend on the notebook.
exercises.load_checkers()


def _notebooks_conftest():
    path = notebooks_dir() / "conftest.py"
    spec = importlib.util.spec_from_file_location("lambdakit_notebooks_conftest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_shared = _notebooks_conftest()
globals().update({name: getattr(_shared, name) for name in dir(_shared) if name.startswith("pytest_")})


def _record(nodeid, **fields):
    path = os.environ.get("LAMBDAKIT_GRADE_RESULTS")
    if not path:
        return
    notebook, cell = nodeid.rsplit("::Cell ", 1)
    record = {"notebook": notebook.rsplit("/", 1)[-1], "cell": int(cell), **fields}
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")


def pytest_runtest_logreport(report):
    if "::Cell " not in report.nodeid or (report.when != "call" and not report.failed):
        return
    _record(report.nodeid, when=report.when, outcome=report.outcome, seconds=round(report.duration, 3),
            message=report.longreprtext if report.failed else "")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    yield
    cell = getattr(item, "cell", None)
    if cell is None or cell.metadata.get("lambdakit", {}).get("role") != "check" \
            or not os.environ.get("LAMBDAKIT_GRADE_RESULTS"):
        return
    kernel = item.parent.kernel
    if kernel.is_alive():
        evaluate = judge.kernel_evaluator(kernel.kc, item.config.option.nbval_cell_timeout)
    else:
        def evaluate(expression):
            raise judge.EvidenceMissing("the kernel has died; run the notebook again from the top")
    verdict = judge.judge(cell.source, evaluate)
    _record(item.nodeid, when="judged", exercise=verdict.exercise, passed=verdict.passed,
            message=verdict.message, seconds=verdict.seconds)
