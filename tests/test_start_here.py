"""notebooks/00-start-here.ipynb: it executes headless on the "Python 3 (lambdakit)" kernel,
its stored outputs are what it prints today, and `pytest --nbval` passes on it twice in a
row with widget payloads left out and their text twins compared."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from lambdakit.cli import main
from lambdakit.notebook.kernel import DISPLAY_NAME, KERNEL_NAME
from conftest import notebook_texts

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "00-start-here.ipynb"
CARD = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def kernel_path(tmp_path_factory):
    """The lambdakit kernelspec, installed where only these tests look (JUPYTER_PATH)."""
    prefix = tmp_path_factory.mktemp("kernel-prefix")
    assert main(["install-kernel", "--prefix", str(prefix)]) == 0
    return prefix / "share" / "jupyter"


@pytest.fixture
def jupyter_env(kernel_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_path))
    monkeypatch.setenv("PLOTLY_RENDERER", "plotly_mimetype")
    return kernel_path


def test_install_kernel_writes_a_spec_that_loads_the_extension(kernel_path):
    spec = json.loads((kernel_path / "kernels" / KERNEL_NAME / "kernel.json").read_text())
    assert spec["display_name"] == DISPLAY_NAME == "Python 3 (lambdakit)"
    assert spec["argv"][:3] == [sys.executable, "-m", "ipykernel_launcher"]
    assert "--ext=lambdakit.notebook.magics" in spec["argv"]


def test_install_kernel_takes_one_destination(capsys):
    with pytest.raises(SystemExit):
        main(["install-kernel", "--user", "--sys-prefix"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_executes_headless_and_matches_its_stored_outputs(jupyter_env, tmp_path):
    from nbclient import NotebookClient
    stored = nbformat.read(NOTEBOOK, as_version=4)
    assert stored.metadata.kernelspec.name == KERNEL_NAME
    fresh = nbformat.read(NOTEBOOK, as_version=4)
    for cell in fresh.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    NotebookClient(fresh, timeout=300, resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert not [o for c in fresh.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert notebook_texts(fresh) == notebook_texts(stored)
    cards = [o for c in fresh.cells if c.cell_type == "code" for o in c.outputs if CARD in o.get("data", {})]
    assert len(cards) == 4, "one invocation card per %lambda invoke"
    assert all("text/plain" in card.data for card in cards)


def _nbval(path, env_path):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", str(path), "-q", "-p", "no:cacheprovider",
         "--rootdir", str(path.parent)],
        cwd=path.parent, capture_output=True, text=True, timeout=600,
        env={**_environ(), "JUPYTER_PATH": str(env_path)})


def _environ():
    import os
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}


def test_nbval_passes_twice_in_a_row(jupyter_env):
    for run in (1, 2):
        result = _nbval(NOTEBOOK, jupyter_env)
        assert result.returncode == 0, f"run {run}:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
        assert " passed" in result.stdout and "failed" not in result.stdout


def test_nbval_grades_the_cards_text_twin(jupyter_env, tmp_path):
    """Widget ids are not compared, but a changed fact in a card's text fails that cell."""
    shutil.copy(NOTEBOOK.parent / "conftest.py", tmp_path / "conftest.py")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cards = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if CARD in o.get("data", {})]
    cards[0].data[CARD]["model_id"] = "0" * 32
    cards[1].data["text/plain"] = cards[1].data["text/plain"].replace("Max Memory Used 40 MB",
                                                                      "Max Memory Used 41 MB")
    copy = tmp_path / "edited.ipynb"
    nbformat.write(nb, copy)
    result = _nbval(copy, jupyter_env)
    assert result.returncode == 1
    assert "1 failed, 8 passed" in result.stdout
    assert "edited.ipynb::Cell 3" in result.stdout and "mismatch 'text/plain'" in result.stdout
