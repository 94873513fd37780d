"""A class's grades in one CSV: `lambdakit grade --csv` for every learner, a learner column first.

The submissions folder holds one folder per learner (as GitHub Classroom's assistant or a
`git clone` per learner repository leaves them); each learner's lesson notebooks are found
anywhere below it by their NN- names (`.new.ipynb` copies and checkpoints are not work handed
in) and graded in one run. The results are grade's own JSON document (grade_output, schema in
course/README.md) written as its CSV; attempts, hints and times come from the learner's
progress file when the submission holds their course folder (`.lambdakit/progress.json`).
Exercises of a lesson with no notebook handed in are rows with passed 0 and "not handed in";
a learner whose notebooks cannot be graded gets one row with the reason as message.
"""

import csv
import io
from pathlib import Path

from . import grade_output
from .paths import FOLDER_PROGRESS
from .grade import GradingError, grade
from .progress import Progress

COLUMNS = ("learner", *grade_output.CSV_COLUMNS)


def lesson_notebooks(learner_dir, course):
    """The learner's lesson notebooks, by lesson number (the first by path if several)."""
    found = {}
    for path in sorted(learner_dir.rglob("[0-9][0-9]-*.ipynb")):
        if ".ipynb_checkpoints" in path.parts or path.name.endswith(".new.ipynb"):
            continue
        try:
            lesson = course.lesson_for_notebook(path.name)
        except KeyError:
            continue
        found.setdefault(lesson.number, path)
    return found


def learner_progress(learner_dir):
    """The progress kept in the learner's course folder, if they handed it in (else empty)."""
    kept = sorted(learner_dir.rglob(FOLDER_PROGRESS))
    return Progress(kept[0] if kept else learner_dir / FOLDER_PROGRESS)


def grade_learner(learner_dir, course, lessons, timeout=300):
    """CSV rows (dicts of COLUMNS) for one learner and the given lesson numbers."""
    handed_in = lesson_notebooks(learner_dir, course)
    notebooks = [handed_in[n] for n in lessons if n in handed_in]
    row = dict.fromkeys(COLUMNS, "") | {"learner": learner_dir.name}
    try:
        reports = grade(*notebooks, timeout=timeout) if notebooks else []
    except GradingError as error:
        return [row | {"message": str(error).splitlines()[0]}]
    text = io.StringIO()
    grade_output.write_csv(grade_output.as_json(reports, learner_progress(learner_dir)), text)
    rows = [row | r for r in csv.DictReader(io.StringIO(text.getvalue()))]
    for r in rows:
        r["notebook"] = Path(r["notebook"]).relative_to(learner_dir).as_posix()
    for number in lessons:
        if number not in handed_in:
            rows += [row | {"lesson": number, "exercise": e.id, "title": e.title, "passed": 0,
                            "message": "not handed in"} for e in course.lesson(number).exercises]
    order = {e.id: i for i, e in enumerate(course.exercises)}
    return sorted(rows, key=lambda r: order.get(r["exercise"], -1))


def gradebook(submissions, out, course, lessons, timeout=300):
    """Grade every learner folder under `submissions`; write the CSV to the open file `out`."""
    learners = sorted(p for p in Path(submissions).iterdir() if p.is_dir() and not p.name.startswith("."))
    rows = [row for learner in learners for row in grade_learner(learner, course, lessons, timeout)]
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return rows
