"""The course: syllabus data, lesson sources and notebooks, checks, hints, progress, grading.

The notebook tests run `lambdakit grade` (pytest --nbval) on every ready lesson twice with
the solutions filled in (everything must pass, twice in a row) and once as shipped (every
graded exercise must fail, and nothing else). They print how long the course takes to run.
"""

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from lambdakit.cli import main as cli
from lambdakit.course import ExerciseFailed, check, hint, solution
from lambdakit.course import build, exercises, grade, paths, source, syllabus
from lambdakit.course.progress import Progress

ROOT = Path(__file__).resolve().parents[1]
COURSE = syllabus.load()
EXERCISES = sum(len(lesson.exercises) for lesson in COURSE.lessons)
READY = [lesson for lesson in COURSE.lessons if lesson.ready]
SEED_ERRORS = [f"E{n}" for n in range(1, 69)]


@pytest.fixture(autouse=True)
def progress_file(tmp_path, monkeypatch):
    """Every test gets its own progress file, so the learner's is never touched."""
    path = tmp_path / "progress.json"
    monkeypatch.setenv(paths.PROGRESS_VAR, str(path))
    return path


def _notebook(lesson):
    return nbformat.read(str(paths.notebooks_dir() / lesson.notebook), as_version=4)


# ------------------------------------------------------------------ syllabus
def test_syllabus_has_its_lessons_in_order_with_goals_time_and_prerequisites():
    assert [lesson.number for lesson in COURSE.lessons] == list(range(1, len(COURSE.lessons) + 1))
    assert len(COURSE.lessons) >= 13
    for lesson in COURSE.lessons:
        assert lesson.goals and lesson.minutes > 0 and 1 <= len(lesson.exercises) <= 3
        assert all(p < lesson.number for p in lesson.prerequisites)
        assert all(e.id.startswith(f"{lesson.number}.") and len(e.hints) >= 2 for e in lesson.exercises)


def test_syllabus_md_is_generated_from_the_data():
    assert (paths.course_dir() / "SYLLABUS.md").read_text(encoding="utf-8") == syllabus.render(COURSE), \
        "run: python -m lambdakit.course syllabus"


def test_every_seed_error_is_assigned_to_a_lesson():
    assert list(COURSE.seed_errors) == SEED_ERRORS
    assigned = {c for lesson in COURSE.lessons for c in lesson.all_covers() if c.startswith("E")}
    assert sorted(set(SEED_ERRORS) - assigned, key=lambda e: int(e[1:])) == []
    assert assigned <= set(SEED_ERRORS)


def test_ready_lessons_teach_what_the_syllabus_says_they_cover(capsys):
    pending = []
    for lesson in COURSE.lessons:
        if not lesson.ready:
            pending += [c for c in lesson.all_covers() if c.startswith("E")]
            continue
        marked = {c for cell in build.load_cells(lesson) for c in cell.covers}
        assert set(lesson.covers) <= marked, f"L{lesson.number} never marks {set(lesson.covers) - marked}"
        assert marked <= set(lesson.all_covers()), f"L{lesson.number} marks {marked - set(lesson.all_covers())}"
    taught = sorted({c for lesson in READY for c in lesson.all_covers() if c.startswith("E")},
                    key=lambda e: int(e[1:]))
    planned = sorted(set(pending) - set(taught), key=lambda e: int(e[1:]))
    with capsys.disabled():
        print(f"\nseed errors taught in ready lessons: {len(taught)}/68; "
              f"planned in lessons not written yet: {', '.join(planned) or 'none'}")


# --------------------------------------------------------- sources, notebooks
def test_source_parser_reads_roles_tags_and_cell_breaks():
    cells = source.parse(
        "# Title\n\ntext\n+++\nmore <!-- covers: E1 C2 -->\n"
        "```python\nx = 1\n```\n"
        "```python starter 1.1\nanswer = ...\n```\n"
        "```python check 1.1\ncheck('1.1', answer)\n```\n"
        "```python ignore-output raises\n1/0\n```\n"
        "```py\nnot a cell\n```\n")
    assert [(c.kind, c.role, c.exercise, c.tags) for c in cells] == [
        ("markdown", None, None, []), ("markdown", None, None, []), ("code", None, None, []),
        ("code", "starter", "1.1", []), ("code", "check", "1.1", []),
        ("code", None, None, ["nbval-ignore-output", "raises-exception"]), ("markdown", None, None, [])]
    assert cells[1].covers == ["E1", "C2"]
    assert cells[-1].source == "```py\nnot a cell\n```"


@pytest.mark.parametrize("text, error", [
    ("```python\nx = 1\n", "never closed"),
    ("```python sometimes\nx\n```\n", "unknown cell option"),
    ("```python starter\nx\n```\n", "needs an exercise id"),
    ("```python starter 1.1\nx\n```\n", "no check cell"),
    ("```python check 1.1\nx\n```\n```python check 1.1\nx\n```\n", "a second check cell"),
])
def test_source_parser_rejects_broken_lessons(text, error):
    with pytest.raises(source.SourceError, match=error):
        source.parse(text)


@pytest.mark.parametrize("lesson", READY, ids=lambda lesson: lesson.key)
def test_notebook_is_built_from_its_source(lesson):
    cells = build.load_cells(lesson)
    nb = _notebook(lesson)
    assert nb.metadata["lambdakit"]["lesson"] == lesson.number
    assert [(c.cell_type, c.source) for c in nb.cells] == [(c.kind, c.source) for c in cells], \
        f"run: python -m lambdakit.course build {lesson.number}"
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.source.startswith("%load_ext lambdakit")


# Fenced blocks and code spans, where JupyterLab shows `$` as typed.
_MARKDOWN_CODE = re.compile(r"^```.*?^```|(`+).+?\1", re.S | re.M)


@pytest.mark.parametrize("notebook", sorted(paths.notebooks_dir().glob("*.ipynb")), ids=lambda p: p.stem)
def test_dollars_in_markdown_are_escaped_for_jupyterlab(notebook):
    """A `$` outside code is written `\\\\$`, or JupyterLab typesets two of them as math
    (tests/browser/test_rendering.py shows it in the page)."""
    nb = nbformat.read(str(notebook), as_version=4)
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "markdown":
            prose = _MARKDOWN_CODE.sub("", cell.source)
            bare = re.findall(r".{0,30}(?<!\\\\)\$.{0,30}", prose)
            assert not bare, f"cell {number}: write $ as \\\\$ outside code: {bare}"


@pytest.mark.parametrize("lesson", READY, ids=lambda lesson: lesson.key)
def test_notebook_gives_no_answers_away(lesson):
    nb = _notebook(lesson)
    for cell in nb.cells:
        role = cell.metadata.get("lambdakit", {}).get("role")
        if role in ("starter", "check"):
            assert cell.outputs == [] and cell.execution_count is None
    text = json.dumps(nb)
    assert "passed (" not in text
    for e in lesson.exercises:
        body = exercises.solution_source(e.id).strip()
        assert body not in text, f"the solution to {e.id} is in the notebook"


@pytest.mark.parametrize("lesson", READY, ids=lambda lesson: lesson.key)
def test_every_exercise_has_a_starter_check_solution_and_reference(lesson):
    cells = build.load_cells(lesson)
    references = json.loads(build.reference_path(lesson).read_text())["checks"]
    for e in lesson.exercises:
        assert [c.role for c in cells if c.exercise == e.id] == ["starter", "check"]
        assert exercises.checker(e.id)
        assert exercises.solution_source(e.id).strip()
        assert references[e.id]["outputs"][0]["text"].startswith(f"✅ {e.id} passed")


@pytest.mark.parametrize("lesson", READY, ids=lambda lesson: lesson.key)
def test_exercises_are_numbered_in_the_order_they_appear(lesson):
    """A learner meets N.1, then N.2, then N.3: in the syllabus, the cells and the headings."""
    in_order = [f"{lesson.number}.{n}" for n in range(1, len(lesson.exercises) + 1)]
    assert [e.id for e in lesson.exercises] == in_order
    cells = build.load_cells(lesson)
    assert [c.exercise for c in cells if c.role == "starter"] == in_order
    markdown = "\n".join(c.source for c in cells if c.kind == "markdown")
    assert re.findall(r"^#+ Exercise (\d+\.\d+)", markdown, re.M) == in_order


# ------------------------------------------------------ checks, hints, progress
def test_check_prints_one_stable_line_and_records_the_pass(capsys, progress_file):
    check("1.1", '"Hello from Lambda!"')
    assert capsys.readouterr().out == \
        "✅ 1.1 passed (body == '\"Hello from Lambda!\"': json.dumps keeps the quotes)\n"
    entry = Progress().exercise("1.1")
    assert entry["attempts"] == 1 and entry["passed_at"] and Progress().status("1.1") == "passed"


def test_a_wrong_answer_raises_with_a_hint_and_is_recorded():
    with pytest.raises(ExerciseFailed) as failed:
        check("1.1", "Hello from Lambda!")
    message = str(failed.value)
    assert message.startswith("❌ 1.1 not yet: that is what the guide shows")
    assert "Hint: json.dumps of a string is JSON text" in message
    assert 'hint("1.1")' in message
    assert failed.value._render_traceback_() == [f"ExerciseFailed: {message}"]
    assert Progress().status("1.1") == "attempted"
    check("1.1", '"Hello from Lambda!"')
    assert Progress().exercise("1.1")["attempts"] == 2


def test_hints_are_revealed_one_at_a_time_and_remembered(capsys):
    hints = COURSE.exercise("2.2").hints
    for level in (1, 2, 3, 3):
        hint("2.2")
        assert capsys.readouterr().out.startswith(f"💡 2.2 hint {level}/3: {hints[level - 1]}")
    hint("2.2", 1)
    assert "hint 1/3" in capsys.readouterr().out
    with pytest.raises(ValueError):
        hint("2.2", 4)
    assert Progress().exercise("2.2")["hints_seen"] == 3


def test_solution_prints_the_reference_solution_and_progress_notes_it(capsys):
    solution("4.3")
    assert "functions_in_free_tier = round(" in capsys.readouterr().out
    assert Progress().exercise("4.3")["solution_seen"] is True


def test_unknown_exercise_names_the_known_ones():
    with pytest.raises(KeyError, match=r"1\.1, 1\.2, 1\.3, 2\.1"):
        check("9.99", None)


def test_progress_survives_a_new_process_and_lambdakit_progress_shows_it(progress_file):
    code = "from lambdakit.course import check; check('1.1', '\"Hello from Lambda!\"')"
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    shown = subprocess.run([sys.executable, "-m", "lambdakit", "progress"], capture_output=True,
                           text=True, check=True).stdout
    assert f"({progress_file})" in shown.splitlines()[0]
    assert re.search(r"L1\s+Hello, handler: what Lambda is\s+1/3", shown)
    assert "✅ 1.1  Predict the exact string" in shown
    assert shown.rstrip().endswith(f"1 of {EXERCISES} exercises passed.")


def test_lambdakit_progress_reset(capsys):
    check("1.1", '"Hello from Lambda!"')
    assert cli(["progress", "--reset", "1.1"]) == 0
    assert f"0 of {EXERCISES} exercises passed." in capsys.readouterr().out
    assert Progress().status("1.1") == "not started"


def test_progress_lives_in_the_user_data_dir_unless_overridden(monkeypatch):
    monkeypatch.delenv(paths.PROGRESS_VAR)
    assert paths.progress_file().parts[-2:] == ("lambdakit", "progress.json")


def test_a_damaged_progress_file_is_set_aside(progress_file):
    progress_file.write_text("{not json")
    assert Progress().status("1.1") == "not started"
    assert progress_file.with_name("progress.json.damaged").exists()


# ------------------------------------------------------------------ grading
def test_grading_puts_the_course_check_cells_back():
    lesson = COURSE.lesson(1)
    nb = _notebook(lesson)
    references = grade.load_references(lesson)
    for cell in nb.cells:
        if cell.metadata.get("lambdakit", {}).get("role") == "check":
            cell.source = 'print("✅ 1.1 passed")'
            cell.outputs = [nbformat.v4.new_output("stream", text="✅ 1.1 passed\n")]
            cell.execution_count = 1
        elif cell.metadata.get("lambdakit", {}).get("role") == "starter":
            cell.outputs = [nbformat.v4.new_output("stream", text="my own debugging\n")]
    prepared, roles, missing = grade.prepare(nb, references)
    assert missing == []
    checks = [c for c in prepared.cells if c.metadata.get("lambdakit", {}).get("role") == "check"]
    assert [c.source for c in checks] == [references[e]["source"] for e in ("1.1", "1.2", "1.3")]
    assert all(c.outputs[0]["text"].startswith("✅") and c.execution_count for c in checks)
    starters = [c for c in prepared.cells if c.metadata.get("lambdakit", {}).get("role") == "starter"]
    assert all(c.outputs == [] and c.execution_count is None for c in starters)
    assert sorted(role for role, _ in roles.values() if role) == ["check"] * 3 + ["starter"] * 3


def test_grade_refuses_a_notebook_that_is_not_a_lesson(tmp_path, capsys):
    stray = tmp_path / "notes.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), str(stray))
    assert cli(["grade", str(stray)]) == 2
    assert "is not a lesson notebook" in capsys.readouterr().err


# ------------------------------------------------------- the lessons, under nbval
@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every ready lesson graded twice with the solutions filled in and once as shipped;
    and the first lesson once more with its check cells forged (a passing line printed and
    saved by hand)."""
    folder = tmp_path_factory.mktemp("graded")
    solved = []
    for lesson in READY:
        solved.append(folder / f"solved-{lesson.notebook}")
        nbformat.write(build.with_solutions(_notebook(lesson)), str(solved[-1]))
    forged_nb = _notebook(READY[0])
    for cell in forged_nb.cells:
        meta = cell.metadata.get("lambdakit", {})
        if meta.get("role") == "check":
            line = f"✅ {meta['exercise']} passed\n"
            cell.source = f"print({line.strip()!r})"
            cell.outputs = [nbformat.v4.new_output("stream", text=line)]
            cell.execution_count = 1
    forged = folder / f"forged-{READY[0].notebook}"
    nbformat.write(forged_nb, str(forged))
    shipped = [paths.notebooks_dir() / lesson.notebook for lesson in READY]
    started = time.monotonic()
    first = grade.grade(*solved)
    seconds = time.monotonic() - started
    return {"solved": (first, grade.grade(*solved)), "shipped": grade.grade(*shipped, forged),
            "seconds": seconds}


@pytest.mark.parametrize("index", range(len(READY)), ids=[lesson.key for lesson in READY])
def test_lesson_with_solutions_passes_nbval_twice_in_a_row(graded, index):
    for report in (run[index] for run in graded["solved"]):
        assert report.passed and not report.other_failures, report.render()


@pytest.mark.parametrize("index", range(len(READY)), ids=[lesson.key for lesson in READY])
def test_lesson_as_shipped_fails_exactly_its_graded_checks(graded, index):
    report = graded["shipped"][index]
    assert [e.passed for e in report.exercises] == [False] * len(READY[index].exercises), report.render()
    assert all(e.message.startswith(f"❌ {e.id} not yet") for e in report.exercises), report.render()
    assert report.other_failures == [], report.render()


def test_a_forged_check_cell_does_not_pass(graded):
    report = graded["shipped"][-1]
    assert not any(e.passed for e in report.exercises), report.render()


def test_course_execution_time(graded, capsys):
    first = graded["solved"][0]
    with capsys.disabled():
        print(f"\ncourse execution time: {graded['seconds']:.1f} s for {len(READY)} lessons under nbval "
              f"(one pytest run, a fresh kernel each, solutions filled in); cells of each lesson:")
        for lesson, report in zip(READY, first):
            print(f"  {lesson.key:<42}{report.seconds:6.1f} s")
