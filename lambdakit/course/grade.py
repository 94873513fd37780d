"""Grade a learner's notebook with nbval.

The learner's notebook is copied to a scratch directory with course/grading/conftest.py.
Each check cell gets back the course's source and reference output (from
course/reference/); starter cells are the learner's own code, so they run but their saved
output is not compared. Then `pytest --nbval` runs the notebook in a fresh kernel in the
current environment. After each check cell the conftest judges its exercise in the pytest
process (lambdakit.course.judge) on evidence from the kernel; that verdict, not the check
cell's output, is the grade. Cells the course wrote are compared with their saved outputs
as usual; a difference there is reported but does not change the grade.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import paths, syllabus
from .build import PLOTLY_RENDERER

RESULTS_VAR = "LAMBDAKIT_GRADE_RESULTS"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class GradingError(Exception):
    """The notebook cannot be graded (not a lesson, unreadable, or pytest itself failed)."""


@dataclass
class ExerciseResult:
    id: str
    title: str
    passed: bool
    message: str = ""
    seconds: float = 0.0        # how long the grader's check took


class NoExercises(GradingError):
    """A lesson notebook without graded exercises (lesson 0, an ungraded lesson)."""


@dataclass
class GradeReport:
    notebook: str
    lesson: object
    exercises: list
    other_failures: list = field(default_factory=list)   # (cell number, first line of why)
    cells_run: int = 0
    seconds: float = 0.0                                  # time its cells took to run

    @property
    def passed(self):
        return all(e.passed for e in self.exercises)

    @property
    def score(self):
        return sum(e.passed for e in self.exercises)

    def render(self):
        lines = [f"Grading {self.notebook}: Lesson {self.lesson.number}, {self.lesson.title}"]
        for e in self.exercises:
            lines.append(f"  {'✅' if e.passed else '❌'} {e.id:<5}{e.title}")
            if not e.passed and e.message:
                lines += [f"        {line}" for line in e.message.splitlines()]
        if self.other_failures:
            lines.append(f"Not graded: {len(self.other_failures)} other cell(s) differ from the "
                         "saved notebook (re-run the notebook top to bottom and save to fix):")
            lines += [f"  cell {n}: {why}" for n, why in self.other_failures]
        lines.append(f"Score: {self.score}/{len(self.exercises)} exercises pass "
                     f"({self.cells_run} cells ran in {self.seconds:.1f} s).")
        return "\n".join(lines)


def identify(nb, path, course):
    number = nb.metadata.get("lambdakit", {}).get("lesson")
    try:
        lesson = course.lesson(number) if number is not None else course.lesson_for_notebook(path)
    except KeyError:
        lesson = None
    if lesson is None:
        if number is not None or re.match(r"\d\d-", Path(path).name):
            raise NoExercises(f"{path} has no graded exercises: nothing to grade.")
        raise GradingError(f"{path} is not a lesson notebook (no lambdakit lesson metadata, "
                           "no NN- file name prefix).")
    if not lesson.exercises:
        raise NoExercises(f"{path} (lesson {lesson.number}) has no graded exercises: nothing to grade.")
    return lesson


def load_references(lesson):
    path = paths.course_dir() / "reference" / f"{lesson.key}.json"
    if not path.exists():
        raise GradingError(f"No reference outputs for lesson {lesson.number} ({path}).")
    return json.loads(path.read_text(encoding="utf-8"))["checks"]


def prepare(nb, references):
    """Put the reference check cells back; return the notebook and {code cell index: role}."""
    roles, found = {}, set()
    code_index = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("lambdakit", {})
        role, exercise = meta.get("role"), meta.get("exercise")
        if role == "check" and exercise in references:
            reference = references[exercise]
            cell.source = reference["source"]
            cell.outputs = [nbformat.from_dict(o) for o in reference["outputs"]]
            cell.execution_count = reference["execution_count"]
            found.add(exercise)
        elif role == "starter":
            cell.outputs, cell.execution_count = [], None
        roles[code_index] = (role, exercise)
        code_index += 1
    missing = sorted(set(references) - found)
    return nb, roles, missing


def _run_nbval(names, workdir, results_path, timeout):
    grading = paths.course_dir() / "grading"
    shutil.copy(grading / "conftest.py", workdir / "conftest.py")
    env = dict(os.environ)
    env.update({RESULTS_VAR: str(results_path), paths.PROGRESS_VAR: str(workdir / "progress.json"),
                "PLOTLY_RENDERER": PLOTLY_RENDERER})
    command = [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env",
               "--nbval-sanitize-with", str(grading / "sanitize.cfg"),
               f"--nbval-cell-timeout={timeout}", "-p", "no:cacheprovider", "-q",
               f"--rootdir={workdir}", f"--confcutdir={workdir}", *names]
    return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True)


def _why(message):
    """The line a learner needs from a failed cell's report."""
    text = _ANSI.sub("", message or "")
    for line in text.splitlines():
        if "ExerciseFailed:" in line:
            start = text.index(line)
            block = text[start:].split("\n\n")[0]
            return block.split("ExerciseFailed:", 1)[1].strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^[A-Za-z_.]*(Error|Exception)\b.*:", line)]
    if errors:
        return errors[-1]
    return next((line for line in lines if "differ" in line or "Missing" in line),
                lines[0] if lines else "failed")


@dataclass
class NothingToGrade:
    """The report of a notebook without graded exercises: one line."""
    notebook: str
    reason: str
    lesson: object = None
    exercises: list = field(default_factory=list)
    passed: bool = True

    def render(self):
        return self.reason


def grade(*notebooks, timeout=300, keep=None):
    """Grade notebooks in one nbval run (a kernel each); return a report for each."""
    course = syllabus.load()
    prepared, reports = [], {}
    for index, notebook in enumerate(map(Path, notebooks)):
        try:
            nb = nbformat.read(str(notebook), as_version=4)
        except Exception as error:
            raise GradingError(f"Cannot read {notebook}: {error}") from None
        try:
            lesson = identify(nb, notebook, course)
        except NoExercises as nothing:
            reports[index] = NothingToGrade(str(notebook), str(nothing))
            continue
        prepared.append((index, notebook, lesson, *prepare(nb, load_references(lesson))))
    if prepared:
        reports.update(_graded(prepared, timeout, keep))
    return [reports[index] for index in sorted(reports)]


def _graded(prepared, timeout, keep):
    with tempfile.TemporaryDirectory(prefix="lambdakit-grade-") as scratch:
        workdir = Path(keep or scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        names = []
        for index, notebook, _, nb, _, _ in prepared:
            names.append(f"{index:02d}-{notebook.name}")
            nbformat.write(nb, str(workdir / names[-1]))
        results_path = workdir / "results.jsonl"
        results_path.unlink(missing_ok=True)
        run = _run_nbval(names, workdir, results_path, timeout)
        results = [json.loads(line) for line in results_path.read_text().splitlines()] \
            if results_path.exists() else []
    reports = {}
    for name, (index, notebook, lesson, _, roles, missing) in zip(names, prepared):
        mine = [r for r in results if r.get("notebook") == name]
        if not mine:
            raise GradingError(f"pytest did not run {notebook}:\n{run.stdout}\n{run.stderr}")
        reports[index] = _report(notebook, lesson, roles, missing, mine)
    return reports


def _report(notebook, lesson, roles, missing, results):
    failed, judged = {}, {}
    for r in results:
        if r["when"] == "judged":
            judged[r["exercise"]] = r
        elif r["outcome"] == "failed":
            failed.setdefault(r["cell"], _why(r["message"]))
    exercises, others = [], []
    checks = {exercise: n for n, (role, exercise) in roles.items() if role == "check"}
    starters = {exercise: n for n, (role, exercise) in roles.items() if role == "starter"}
    for e in lesson.exercises:
        if e.id in missing or e.id not in checks:
            exercises.append(ExerciseResult(e.id, e.title, False, "its check cell is missing from the notebook"))
            continue
        verdict = judged.get(e.id)
        if verdict is None:     # the kernel died or the run stopped before this check cell
            why = failed.get(checks[e.id]) or "its check cell did not run"
            verdict = {"passed": False, "message": f"❌ {e.id} not yet: {why}", "seconds": 0.0}
        why = "" if verdict["passed"] else verdict["message"]
        if why and e.id in starters and starters[e.id] in failed:
            why = f"{why}\n(your exercise cell raised: {failed[starters[e.id]]})"
        exercises.append(ExerciseResult(e.id, e.title, verdict["passed"], why, verdict["seconds"]))
    for n, why in sorted(failed.items()):
        role, _ = roles.get(n, (None, None))
        if role is None:
            others.append((n, why))
    cells = [r for r in results if r["when"] != "judged"]
    seconds = sum(r.get("seconds", 0.0) for r in results)
    return GradeReport(str(notebook), lesson, exercises, others, len(cells), seconds)
