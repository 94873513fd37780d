"""Build a lesson: its source (course/lessons/) -> the learner's notebook and the references.

1. Parse course/lessons/NN-slug.md and fill each starter cell with its solution
   (course/solutions/ID.py).
2. Execute that solved notebook headless with nbclient, on the virtual clock, with a
   throw-away progress file.
3. Write notebooks/NN-slug.ipynb: every cell's source as the learner sees it (starters as
   starters), the reference outputs of ordinary cells, and *no* output in starter and check
   cells, so the notebook does not give answers away.
4. Write course/reference/NN-slug.json: each check cell's source and reference output,
   which `lambdakit grade` puts back into the learner's notebook.
"""

import json
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import nbformat

from . import paths, source, syllabus
from .exercises import solution_source

# Learners open the lessons in the "Python 3 (lambdakit)" kernel (`lambdakit install-kernel`);
# builds and grading run them in a plain kernel of the current environment, which works
# because every lesson starts with `%load_ext lambdakit`.
KERNEL = {"name": "lambdakit", "display_name": "Python 3 (lambdakit)", "language": "python"}
BUILD_KERNEL = "python3"
# Widget views need the widget state saved beside them; lessons do not store it (it holds
# each chart's whole JavaScript bundle), so the views are dropped and each widget's text
# twin is what a saved lesson shows until it is run.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CELL_TIMEOUT_S = 300
# What every lesson kernel runs with, at build and at grading: Plotly's mimetype renderer
# (stable output whatever the machine's default) and a progress file of its own.
PLOTLY_RENDERER = "plotly_mimetype"


def lesson_source(lesson):
    return paths.course_dir() / "lessons" / f"{lesson.key}.md"


def reference_path(lesson):
    return paths.course_dir() / "reference" / f"{lesson.key}.json"


def load_cells(lesson):
    return source.parse(lesson_source(lesson).read_text(encoding="utf-8"))


def _cell_id(index):
    return f"c{index:03d}"


def notebook(cells, lesson, *, solved):
    """The notebook for `cells`: starters hold the solutions when `solved`."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": dict(KERNEL), "language_info": {"name": "python"},
                   "lambdakit": {"lesson": lesson.number, "key": lesson.key}}
    for index, cell in enumerate(cells):
        if cell.kind == "markdown":
            nb_cell = nbformat.v4.new_markdown_cell(cell.source)
        else:
            text = solution_source(cell.exercise).rstrip("\n") if solved and cell.role == "starter" \
                else cell.source
            nb_cell = nbformat.v4.new_code_cell(text)
            if cell.role:
                nb_cell.metadata["lambdakit"] = {"role": cell.role, "exercise": cell.exercise}
            if cell.tags:
                nb_cell.metadata["tags"] = list(cell.tags)
        nb_cell.id = _cell_id(index)
        nb.cells.append(nb_cell)
    return nb


@contextmanager
def lesson_environment(progress_path):
    """Environment variables the lesson's kernel inherits."""
    saved = {k: os.environ.get(k) for k in (paths.PROGRESS_VAR, "PLOTLY_RENDERER")}
    os.environ[paths.PROGRESS_VAR] = str(progress_path)
    os.environ["PLOTLY_RENDERER"] = PLOTLY_RENDERER
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def execute(nb, cwd):
    from nbclient import NotebookClient
    with tempfile.TemporaryDirectory(prefix="lambdakit-build-") as scratch, \
            lesson_environment(Path(scratch) / "progress.json"):
        client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name=BUILD_KERNEL, record_timing=False,
                                store_widget_state=False,
                                resources={"metadata": {"path": str(cwd)}})
        client.execute()
    return nb


def learner_notebook(solved):
    """The executed solved notebook, with starters reset and starter/check outputs removed."""
    for cell in solved.cells:
        for output in cell.get("outputs", ()):
            output.get("data", {}).pop(WIDGET_VIEW, None)
        if cell.cell_type == "code":
            cell.outputs = _joined_streams(cell.outputs)
    learner = nbformat.from_dict(json.loads(json.dumps(solved)))
    references = {}
    for cell, original in zip(learner.cells, solved.cells):
        role = cell.metadata.get("lambdakit", {}).get("role")
        if role == "check":
            references[cell.metadata["lambdakit"]["exercise"]] = {
                "source": original.source, "execution_count": original.execution_count,
                "outputs": original.outputs}
        if role in ("starter", "check"):
            cell.outputs, cell.execution_count = [], None
    return learner, references


def _joined_streams(outputs):
    """Consecutive writes to one stream as one output: how the kernel happened to flush a
    print must not change the stored notebook (nbval joins them before comparing anyway)."""
    joined = []
    for output in outputs:
        if (output.output_type == "stream" and joined and joined[-1].output_type == "stream"
                and joined[-1].name == output.name):
            joined[-1].text += output.text
        else:
            joined.append(output)
    return joined


def build(lesson, *, out_dir=None, reference_dir=None):
    """Build one lesson; return (notebook path, seconds it took to execute)."""
    cells = load_cells(lesson)
    solved = notebook(cells, lesson, solved=True)
    started = time.monotonic()
    execute(solved, paths.notebooks_dir())
    seconds = time.monotonic() - started
    learner, references = learner_notebook(solved)
    starters = {c.exercise: c.source for c in cells if c.role == "starter"}
    for cell in learner.cells:
        meta = cell.metadata.get("lambdakit", {})
        if meta.get("role") == "starter":
            cell.source = starters[meta["exercise"]]
    _check_exercises(lesson, references)
    out = Path(out_dir or paths.notebooks_dir()) / lesson.notebook
    nbformat.write(learner, str(out))
    ref = Path(reference_dir or paths.course_dir() / "reference") / f"{lesson.key}.json"
    ref.write_text(json.dumps({"lesson": lesson.number, "checks": references}, indent=1,
                              ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return out, seconds


def _check_exercises(lesson, references):
    expected = [e.id for e in lesson.exercises]
    if sorted(references) != sorted(expected):
        raise source.SourceError(
            f"{lesson.key}: check cells for {sorted(references)}, syllabus lists {expected}")


def build_all(numbers=None):
    course = syllabus.load()
    built = []
    for lesson in course.lessons:
        if lesson.ready and (not numbers or lesson.number in numbers):
            path, seconds = build(lesson)
            print(f"built {path.name} in {seconds:.1f} s", flush=True)
            built.append((path, seconds))
    return built


def with_solutions(nb):
    """A copy of a learner notebook with every starter cell replaced by its solution."""
    solved = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in solved.cells:
        meta = cell.get("metadata", {}).get("lambdakit", {})
        if meta.get("role") == "starter":
            cell.source = solution_source(meta["exercise"]).rstrip("\n")
    return solved
