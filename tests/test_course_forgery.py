"""A grade the notebook cannot fake: lesson 1 as shipped (wrong answers), with check
redefined, with lambdakit.course patched in the kernel, and with passing outputs saved by
hand, is graded 0/3 each time, and `lambdakit progress` then shows what the grade shows.
On a solved notebook, the values the kernel hands over are what is graded."""

import json
import re

import nbformat
import pytest

from lambdakit.cli import main as cli
from lambdakit.course import build, paths, syllabus
from lambdakit.course.progress import Progress, report

LESSON = syllabus.load().lesson(1)
REFERENCE = json.loads((paths.course_dir() / "reference" / f"{LESSON.key}.json").read_text())["checks"]
PASS_LINES = {e: "".join(o["text"] for o in ref["outputs"]) for e, ref in REFERENCE.items()}

REDEFINE_CHECK = f"""
_lines = {PASS_LINES!r}
def check(exercise_id, *answer):
    print(_lines[exercise_id], end="")
"""

PATCH_COURSE = f"""
import lambdakit.course, lambdakit.course.exercises as _ex, lambdakit.course.evidence as _ev
from lambdakit.course.progress import Progress as _P
_lines = {PASS_LINES!r}
def _passing(exercise_id, *answer):
    _P().record_attempt(exercise_id, True, "patched")
    print(_lines[exercise_id], end="")
lambdakit.course.check = _ex.check = _passing
_ex.checker = lambda exercise_id: (lambda *a: "patched")
_ev.export = lambda value: '["str", "Hello from Lambda!"]'
from lambdakit.course import check
"""


def _shipped():
    return nbformat.read(str(paths.notebooks_dir() / LESSON.notebook), as_version=4)


def _with_first_cell(nb, source):
    nb.cells.insert(0, nbformat.v4.new_code_cell(source))
    # ...and again just before each check cell, in case an import in between restores it
    for index in reversed([i for i, c in enumerate(nb.cells) if c.metadata.get("lambdakit", {}).get("role") == "check"]):
        nb.cells.insert(index, nbformat.v4.new_code_cell(source))
    return nb


def _forged_outputs(nb):
    for cell in nb.cells:
        meta = cell.metadata.get("lambdakit", {})
        if meta.get("role") == "check":
            cell.source = f"print({PASS_LINES[meta['exercise']].strip()!r})"
            cell.outputs = [nbformat.v4.new_output("stream", text=PASS_LINES[meta["exercise"]])]
            cell.execution_count = 1
    return nb


TRICKS = {"redefined-check": lambda nb: _with_first_cell(nb, REDEFINE_CHECK),
          "patched-course": lambda nb: _with_first_cell(nb, PATCH_COURSE),
          "forged-outputs": _forged_outputs}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("forgery")
    progress_path = folder / "progress.json"
    notebooks = []
    for name, trick in TRICKS.items():
        notebooks.append(folder / f"{LESSON.notebook[:3]}{name}.ipynb")
        nbformat.write(trick(_shipped()), str(notebooks[-1]))
    solved = folder / f"{LESSON.notebook[:3]}solved-patched.ipynb"
    nbformat.write(TRICKS["patched-course"](build.with_solutions(_shipped())), str(solved))
    # The learner's progress already claims every pass (as a patched kernel would record it).
    store = Progress(progress_path)
    for e in LESSON.exercises:
        store.record_attempt(e.id, True, "patched")
    with pytest.MonkeyPatch.context() as env:
        env.setenv(paths.PROGRESS_VAR, str(progress_path))
        results = {}
        for notebook in [*notebooks, solved]:
            out = folder / f"{notebook.stem}.json"
            with open(out, "w") as f, pytest.MonkeyPatch.context() as stdout:
                stdout.setattr("sys.stdout", f)
                status = cli(["grade", "--json", str(notebook)])
            results[notebook.stem[3:]] = (status, json.loads(out.read_text()), report(syllabus.load(), store))
    return results


@pytest.mark.parametrize("trick", list(TRICKS))
def test_a_forged_notebook_is_graded_failing_and_progress_agrees(graded, trick):
    status, document, shown = graded[trick]
    exercises = document["notebooks"][0]["exercises"]
    assert status == 1 and [e["passed"] for e in exercises] == [False, False, False], exercises
    assert all(e["message"].startswith(f"❌ {e['id']} not yet") for e in exercises)
    assert re.search(r"L1\s+.*\s+0/3", shown)


def test_grade_and_progress_agree_after_each_grading(graded):
    for trick, (_, document, shown) in graded.items():
        exercises = document["notebooks"][0]["exercises"]
        line = next(line for line in shown.splitlines() if line.startswith("L1 "))
        assert line.rstrip().endswith(f"{sum(e['passed'] for e in exercises)}/3"), (trick, line)


def test_on_a_solved_notebook_what_the_kernel_hands_over_is_what_is_graded(graded):
    # The patch leaves the deployed handlers alone (1.2, 1.3 pass) but replaces my_body's
    # evidence with a wrong value, which is then graded as the answer (1.1 fails).
    status, document, _ = graded["solved-patched"]
    verdicts = {e["id"]: e for e in document["notebooks"][0]["exercises"]}
    assert status == 1 and verdicts["1.2"]["passed"] and verdicts["1.3"]["passed"]
    assert not verdicts["1.1"]["passed"] and "guide shows" in verdicts["1.1"]["message"]
