"""A class's grades in one CSV: every learner's lesson notebooks graded as `lambdakit grade` does.

The submissions folder holds one folder per learner (as GitHub Classroom's assistant or a
`git clone` per learner repository leaves them); each learner's lesson notebooks are found
anywhere below it by their NN- names (`.new.ipynb` copies and checkpoints are not work handed
in). One row per learner and exercise:

    learner, lesson, notebook, exercise, title, passed, message

`passed` is 1 or 0; `message` is the first line of why an exercise fails. A learner whose
notebooks cannot be graded gets one row with the exercise empty and the reason as message.
Exercises of a lesson with no notebook handed in are rows too (passed 0, "not handed in").
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from . import syllabus
from .grade import GradingError, grade

COLUMNS = ("learner", "lesson", "notebook", "exercise", "title", "passed", "message")


@dataclass(frozen=True)
class Row:
    learner: str
    lesson: int
    notebook: str
    exercise: str
    title: str
    passed: str
    message: str


def lesson_notebooks(learner_dir, course):
    """The learner's graded lesson notebooks, one per lesson (the first by path if several)."""
    found = {}
    for path in sorted(learner_dir.rglob("[0-9][0-9]-*.ipynb")):
        if ".ipynb_checkpoints" in path.parts or path.name.endswith(".new.ipynb"):
            continue
        try:
            lesson = course.lesson_for_notebook(path.name)
        except KeyError:
            continue
        if lesson.exercises:
            found.setdefault(lesson.number, path)
    return found


def grade_learner(learner_dir, course, lessons=None, timeout=300):
    handed_in = lesson_notebooks(learner_dir, course)
    wanted = sorted(lessons or [l.number for l in course.lessons if l.exercises])
    rows = []
    try:
        reports = grade(*(handed_in[n] for n in wanted if n in handed_in), timeout=timeout) \
            if any(n in handed_in for n in wanted) else []
    except GradingError as error:
        return [Row(learner_dir.name, 0, "", "", "", "", str(error).splitlines()[0])]
    by_lesson = {r.lesson.number: r for r in reports}
    for number in wanted:
        report = by_lesson.get(number)
        if report is None:
            rows += [Row(learner_dir.name, number, "", e.id, e.title, "0", "not handed in")
                     for e in course.lesson(number).exercises]
            continue
        notebook = str(Path(report.notebook).relative_to(learner_dir))
        rows += [Row(learner_dir.name, number, notebook, e.id, e.title, "1" if e.passed else "0",
                     (e.message.splitlines() or [""])[0]) for e in report.exercises]
    return rows


def gradebook(submissions, out, lessons=None, timeout=300):
    """Grade every learner folder under `submissions`; write the CSV to the open file `out`."""
    course = syllabus.load()
    learners = sorted(p for p in Path(submissions).iterdir() if p.is_dir() and not p.name.startswith("."))
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    rows = [row for learner in learners for row in grade_learner(learner, course, lessons, timeout)]
    writer.writerows([getattr(row, c) for c in COLUMNS] for row in rows)
    return rows
