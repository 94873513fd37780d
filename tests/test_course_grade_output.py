"""`lambdakit grade`'s other outputs: one line for a notebook without exercises, the CSV a
teacher collects, and `lambdakit progress` in aligned columns."""

import csv
import io

from lambdakit.cli import main as cli
from lambdakit.course import grade_output, paths, syllabus
from lambdakit.course.grade import ExerciseResult, GradeReport
from lambdakit.course.progress import Progress, report


def test_a_notebook_without_exercises_is_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv(paths.PROGRESS_VAR, str(tmp_path / "progress.json"))
    assert cli(["grade", str(paths.notebooks_dir() / "00-start-here.ipynb")]) == 0
    out = capsys.readouterr().out.strip()
    assert out.endswith("00-start-here.ipynb has no graded exercises: nothing to grade.") and "\n" not in out


def test_json_and_csv_carry_verdicts_attempts_and_times(tmp_path):
    lesson = syllabus.load().lesson(4)
    progress = Progress(tmp_path / "progress.json")
    progress.record_attempt("4.1", False, "wrong")
    results = [ExerciseResult("4.1", lesson.exercises[0].title, True, "", 0.25),
               ExerciseResult("4.2", lesson.exercises[1].title, False, "❌ 4.2 not yet: no\n   Hint: h", 0.5),
               ExerciseResult("4.3", lesson.exercises[2].title, False, "❌ 4.3 not yet: no", 0.1)]
    reports = [GradeReport("04.ipynb", lesson, results)]
    grade_output.record(reports, progress)
    document = grade_output.as_json(reports, progress)
    notebook = document["notebooks"][0]
    assert document["schema"] == 1 and (notebook["lesson"], notebook["score"], notebook["out_of"]) == (4, 1, 3)
    first = notebook["exercises"][0]
    assert first["attempts"] == 1 and first["first_passed_at"] and first["check_seconds"] == 0.25
    out = io.StringIO()
    grade_output.write_csv(document, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["exercise"], r["passed"], r["message"]) for r in rows] == \
        [("4.1", "1", ""), ("4.2", "0", "❌ 4.2 not yet: no"), ("4.3", "0", "❌ 4.3 not yet: no")]
    # progress now shows what the grade showed
    assert [progress.status(e) for e in ("4.1", "4.2", "4.3")] == ["passed", "attempted", "attempted"]


def test_progress_scores_stand_in_one_column(tmp_path):
    lines = [line for line in report(syllabus.load(), Progress(tmp_path / "p.json")).splitlines()
             if line.startswith("L")]
    assert len({line.index("/") for line in lines}) == 1
