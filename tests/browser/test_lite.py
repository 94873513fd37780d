"""`lambdakit lite build`: the course as a static JupyterLite site, run in headless Chromium with
every request to another host refused."""

import hashlib
import json
import subprocess
import sys

import pytest

from .lite import StaticSite, confine, expose_app, open_lab, run_all_cells, run_in_kernel

SITE_LIMIT_BYTES = 60_000_000


@pytest.fixture(scope="module")
def lite_site(tmp_path_factory):
    output = tmp_path_factory.mktemp("lite") / "site"
    built = subprocess.run([sys.executable, "-m", "lambdakit", "lite", "build", "--output", str(output)],
                           capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stdout + built.stderr
    return output


@pytest.fixture(scope="module")
def served(lite_site):
    expose_app(lite_site)
    site = StaticSite(lite_site)
    yield site.url
    site.stop()


def test_the_site_is_small_and_has_no_source_maps(lite_site):
    files = [path for path in lite_site.rglob("*") if path.is_file()]
    assert sum(path.stat().st_size for path in files) <= SITE_LIMIT_BYTES
    assert not [path for path in files if path.suffix == ".map"]
    assert {"00-start-here.ipynb", "13-capstone.ipynb"} <= {path.name for path in (lite_site / "files").iterdir()}


def test_the_lock_names_only_wheels_in_the_site(lite_site):
    pyodide = lite_site / "static" / "pyodide"
    packages = json.loads((pyodide / "pyodide-lock.json").read_text())["packages"]
    assert {"lambdakit", "ipykernel", "pyodide-kernel", "micropip", "ipywidgets", "plotly"} <= set(packages)
    for entry in packages.values():
        wheel = pyodide / entry["file_name"]
        assert "/" not in entry["file_name"] and wheel.is_file(), entry["file_name"]
        assert hashlib.sha256(wheel.read_bytes()).hexdigest() == entry["sha256"]
        assert set(entry["depends"]) <= set(packages)
    assert sorted(path.name for path in pyodide.glob("*.whl")) == sorted(e["file_name"] for e in packages.values())


def test_the_kernel_imports_lambdakit_without_leaving_the_site(page, served):
    refused = confine(page, served)
    open_lab(page, served)
    result = run_in_kernel(page, "import sys, lambdakit\nprint(sys.platform, lambdakit.Runtime.__name__)")
    print(f"Pyodide kernel ready in {result['ready_s']:.1f} s")
    assert result["output"].split() == ["emscripten", "Runtime"]
    assert refused == []


def test_lesson_00_runs_in_the_browser(page, served, screenshot):
    refused = confine(page, served)
    open_lab(page, served, "00-start-here.ipynb")
    outputs = run_all_cells(page)
    screenshot(page, "lite-lesson-00")
    first_invoke = next(text for text in outputs if "REPORT RequestId" in text)
    assert "COLD" in first_invoke.upper() and "Init Duration: 150.00 ms" in first_invoke
    assert "Hello, Ada!" in first_invoke
    assert "memory size not enforced, no isolation from the notebook" in first_invoke
    assert not [text for text in outputs if "Traceback" in text or "Error" in text.split("\n")[0]]
    assert "Runs with the process runtime only" in page.inner_text(".jp-Notebook")  # the boto3 cell
    assert refused == []


def test_a_graded_exercise_passes_with_its_solution(page, served):
    refused = confine(page, served)
    open_lab(page, served)
    result = run_in_kernel(page, "\n".join((
        "from lambdakit.course import check, paths",
        "exec((paths.course_dir() / 'solutions' / '1.1.py').read_text())",
        "check('1.1', my_body)",
        "import json; print(json.loads(paths.progress_file().read_text())['exercises']['1.1']['passed_at'] is not None)")))
    assert "1.1 passed" in result["output"] and result["output"].rstrip().endswith("True")
    assert str(result["output"]).count("Error") == 0
    assert refused == []
