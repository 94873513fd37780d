"""A teacher's loop: the GitHub Classroom workflow grades every lesson with `lambdakit grade`,
worth a point per exercise, and `lambdakit gradebook` turns a folder of learners' submissions
into one CSV."""

import csv
import shutil
from pathlib import Path

import nbformat
import yaml

from lambdakit.cli import main
from lambdakit.course import classroom, paths, syllabus
from lambdakit.course.build import with_solutions
from lambdakit.course.grade_output import CSV_COLUMNS
from lambdakit.course.progress import Progress

REPO = Path(__file__).resolve().parents[1]
WORKFLOW = REPO / "deploy" / "classroom" / "classroom.yml"


def test_classroom_workflow_is_made_from_the_syllabus():
    assert WORKFLOW.read_text() == classroom.render(syllabus.load()), \
        "regenerate it: python -m lambdakit.course classroom > deploy/classroom/classroom.yml"


def test_classroom_workflow_grades_every_lesson_a_point_per_exercise():
    steps = yaml.safe_load(classroom.render(syllabus.load()))["jobs"]["run-autograding-tests"]["steps"]
    graders = [s for s in steps if s.get("uses", "").startswith("classroom-resources/autograding-command-grader")]
    expected = {f"lambdakit grade notebooks/{lesson.notebook}": len(lesson.exercises)
                for lesson in syllabus.load().lessons if lesson.exercises}
    assert {s["with"]["command"]: s["with"]["max-score"] for s in graders} == expected
    assert steps.index(next(s for s in steps if s.get("run") == "python -m pip install .")) < steps.index(graders[0])
    reporter = steps[-1]
    assert reporter["uses"].startswith("classroom-resources/autograding-grading-reporter")
    assert reporter["with"]["runners"].split(",") == [s["id"] for s in graders]
    assert set(reporter["env"]) == {f"{s['id'].upper()}_RESULTS" for s in graders}


def _hand_in(learner_dir, solved):
    lesson = syllabus.load().lesson(1)
    nb = nbformat.read(str(paths.notebooks_dir() / lesson.notebook), as_version=4)
    target = learner_dir / "notebooks" / lesson.notebook
    target.parent.mkdir(parents=True)
    nbformat.write(with_solutions(nb) if solved else nb, str(target))
    return target


def test_gradebook_puts_a_class_in_one_csv(tmp_path, capsys):
    submissions = tmp_path / "submissions"
    _hand_in(submissions / "ada", solved=True)
    # Grace hands in her course folder: her attempts and hints come with it
    unsolved = _hand_in(submissions / "grace", solved=False)
    grace = Progress(submissions / "grace" / ".lambdakit" / "progress.json")
    for _ in range(3):
        grace.record_attempt("1.2", False, "not yet")
    grace.record_hint("1.2", 2)
    # an update copy beside the learner's work is not what they handed in
    shutil.copy(_hand_in(tmp_path / "solved", solved=True), unsolved.with_suffix(".new.ipynb"))
    out = tmp_path / "grades.csv"
    assert main(["gradebook", str(submissions), "--lesson", "1", "--lesson", "2", "--out", str(out)]) == 0
    assert "Graded 2 learner(s): 3 of 12 exercise results pass" in capsys.readouterr().out
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["learner", *CSV_COLUMNS]
    assert [r["exercise"] for r in rows] == ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3"] * 2
    got = {(r["learner"], r["exercise"]): r for r in rows}
    for exercise in ("1.1", "1.2", "1.3"):
        assert (got[("ada", exercise)]["passed"], got[("ada", exercise)]["notebook"]) == \
            ("1", "notebooks/01-hello-handler.ipynb")
        mine = got[("grace", exercise)]
        assert (mine["passed"], mine["notebook"]) == ("0", "notebooks/01-hello-handler.ipynb")
        assert "not yet" in mine["message"]
    assert (got[("grace", "1.2")]["attempts"], got[("grace", "1.2")]["hints_seen"]) == ("3", "2")
    assert (got[("ada", "1.2")]["attempts"], got[("ada", "1.2")]["hints_seen"]) == ("0", "0")
    assert {(got[(learner, e)]["passed"], got[(learner, e)]["notebook"], got[(learner, e)]["message"])
            for learner in ("ada", "grace") for e in ("2.1", "2.2", "2.3")} == {("0", "", "not handed in")}


def test_gradebook_errors_are_one_line(tmp_path, capsys):
    assert main(["gradebook", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err == f"lambdakit gradebook: {tmp_path / 'nowhere'} is not a folder\n"
    assert main(["gradebook", str(tmp_path), "--lesson", "99"]) == 2
    assert capsys.readouterr().err == "lambdakit gradebook: there is no lesson 99 with exercises\n"
