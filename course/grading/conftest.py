"""Grading conftest: `lambdakit grade` copies it next to the learner's notebook.

It adds nothing to nbval's comparison rules of its own: the hooks that keep widget, HTML
and Plotly outputs out of the comparison (and pin Plotly's renderer) are the notebooks'
own, notebooks/conftest.py, loaded from the course's notebooks directory. What it adds
is a record of each cell's outcome, one JSON line per pytest report, in the file named
by LAMBDAKIT_GRADE_RESULTS, from which the per-exercise report is made.
"""

import importlib.util
import json
import os

from lambdakit.course.paths import notebooks_dir


def _notebooks_conftest():
    path = notebooks_dir() / "conftest.py"
    spec = importlib.util.spec_from_file_location("lambdakit_notebooks_conftest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_shared = _notebooks_conftest()
globals().update({name: getattr(_shared, name) for name in dir(_shared) if name.startswith("pytest_")})


def pytest_runtest_logreport(report):
    path = os.environ.get("LAMBDAKIT_GRADE_RESULTS")
    if not path or "::Cell " not in report.nodeid:
        return
    if report.when != "call" and not report.failed:
        return
    notebook, cell = report.nodeid.rsplit("::Cell ", 1)
    record = {"notebook": notebook.rsplit("/", 1)[-1], "cell": int(cell), "when": report.when,
              "outcome": report.outcome, "seconds": round(report.duration, 3),
              "message": report.longreprtext if report.failed else ""}
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")
