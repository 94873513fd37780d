"""The grading conftest (course/grading/conftest.py), tested the way nbval tests itself:
pytester writes the conftest and fixture notebooks named test-<topic>-<pass|fail>-<reason>
to a temporary directory, runs pytest --nbval in a subprocess, and the outcomes are checked.

The fixture notebooks are cut from one notebook executed here, then edited: what may
change between runs (widget model ids, HTML, Plotly payloads, memory addresses) must not
fail a cell; what is graded (printed text, a widget's text twin) must.
"""

import json

import nbformat
import pytest

from lambdakit.course import paths

pytest_plugins = ("pytester",)

GRADING = paths.course_dir() / "grading"
WIDGET = "application/vnd.jupyter.widget-view+json"
PLOTLY = "application/vnd.plotly.v1+json"

CELLS = {
    "print": 'print("graded text")',
    "widget": 'import ipywidgets\nipywidgets.Label("the text twin")',
    "html": 'from IPython.display import HTML, display\ndisplay(HTML(\'<div id="chart-1">a chart</div>\'))',
    "plotly": "import plotly.graph_objects as go\ngo.Figure(go.Bar(x=[1, 2], y=[3, 4])).show()",
    "address": "class Thing:\n    pass\nprint(Thing())",
}


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Each cell of CELLS, executed once with the renderer the grading conftest pins."""
    from nbclient import NotebookClient
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS.values()]
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PLOTLY_RENDERER", "plotly_mimetype")
        NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    return dict(zip(CELLS, nb.cells))


def _edited(executed, name, edit=None):
    """A notebook of the print cell and cell `name`, the latter edited by `edit(outputs)`."""
    cells = [nbformat.from_dict(json.loads(json.dumps(executed[key]))) for key in ("print", name)]
    for index, cell in enumerate(cells):
        cell.id = f"cell-{index}"
    if edit:
        edit(cells[1].outputs)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = cells
    return nb


def _set(mime, value):
    def edit(outputs):
        for output in outputs:
            if mime in output.get("data", {}):
                output["data"][mime] = value(output["data"][mime])
    return edit


def _change_stream(outputs):
    outputs[0]["text"] = outputs[0]["text"].replace("graded", "edited")


CASES = {
    "test-widget-pass-model-id-differs": ("widget", _set(WIDGET, lambda v: {**v, "model_id": "0" * 32})),
    "test-html-pass-div-id-differs": ("html", _set("text/html", lambda v: v.replace("chart-1", "chart-2"))),
    "test-plotly-pass-payload-differs": ("plotly", _set(PLOTLY, lambda v: {**v, "layout": {"title": "other"}})),
    "test-address-pass-sanitized": ("address", None),
    "test-print-fail-text-edited": ("print", _change_stream),
    "test-twin-fail-widget-text-edited": ("widget", _set("text/plain", lambda v: v.replace("twin", "other"))),
}


@pytest.fixture
def graded_dir(pytester, executed, monkeypatch):
    pytester.makeconftest((GRADING / "conftest.py").read_text())
    for name, (cell, edit) in CASES.items():
        nbformat.write(_edited(executed, cell, edit), str(pytester.path / f"{name}.ipynb"))
    results = pytester.path / "results.jsonl"
    monkeypatch.setenv("LAMBDAKIT_GRADE_RESULTS", str(results))
    return pytester, results


def _outcomes(results):
    by_notebook = {}
    for line in results.read_text().splitlines():
        record = json.loads(line)
        by_notebook.setdefault(record["notebook"].removesuffix(".ipynb"), {})[record["cell"]] = record
    return by_notebook


def test_grading_conftest_ignores_random_outputs_and_compares_text(graded_dir):
    pytester, results = graded_dir
    run = pytester.runpytest_subprocess("--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
                                        "--nbval-sanitize-with", str(GRADING / "sanitize.cfg"))
    outcomes = _outcomes(results)
    assert sorted(outcomes) == sorted(CASES)
    for name, cells in outcomes.items():
        assert cells[0]["outcome"] == "passed", name
        expected = "failed" if "-fail-" in name else "passed"
        assert cells[1]["outcome"] == expected, (name, cells[1]["message"])
    failed = outcomes["test-twin-fail-widget-text-edited"][1]["message"]
    assert "text/plain" in failed and "the text twin" in failed
    run.assert_outcomes(passed=2 * len(CASES) - 2, failed=2)


def test_addresses_differ_from_run_to_run_without_the_sanitize_file(graded_dir):
    pytester, results = graded_dir
    pytester.runpytest_subprocess("--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
                                  "test-address-pass-sanitized.ipynb")
    outcome = _outcomes(results)["test-address-pass-sanitized"][1]
    assert outcome["outcome"] == "failed" and "0x" in outcome["message"]


def test_results_are_written_only_when_asked(graded_dir, monkeypatch):
    pytester, results = graded_dir
    monkeypatch.delenv("LAMBDAKIT_GRADE_RESULTS")
    run = pytester.runpytest_subprocess("--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
                                        "test-widget-pass-model-id-differs.ipynb")
    run.assert_outcomes(passed=2)
    assert not results.exists()


def test_sanitize_file_masks_only_addresses_and_plotly_uids():
    from nbval.plugin import get_sanitize_patterns
    patterns = get_sanitize_patterns((GRADING / "sanitize.cfg").read_text())
    assert [replace for _, replace in patterns] == ["0xADDRESS", "'uid': 'UID'"]
