"""Assembles the JupyterLite site: every lesson notebook, the Pyodide kernel set to load lambdakit
from the local lock at start, nothing fetched from another host, no source maps."""

import json
import shutil
import subprocess
from pathlib import Path

from . import lessons, lock, sources

KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
# Loaded with Pyodide itself: the kernel then skips installing them with piplite (which would ask
# PyPI), and `import lambdakit` works in the first cell.
PRELOADED = ("micropip", "piplite", "ipykernel", "comm", "pyodide-kernel", "jedi", "ipython", "lambdakit")
# The lab (lessons open in it) and the file browser it links to; the other apps add size only.
APPS = ("--apps", "lab", "--apps", "tree")


def _config():
    return {"jupyter-lite-schema-version": 0, "jupyter-config-data": {
        "appName": "lambdakit", "litePluginSettings": {KERNEL_PLUGIN: {
            "disablePyPIFallback": True, "loadPyodideOptions": {"packages": list(PRELOADED)}}}}}


def build(checkout, output, cache, notebooks):
    """Builds the site into `output` (replaced); returns its size in bytes."""
    output = Path(output).resolve()
    scratch = output.parent / f".{output.name}.build"
    shutil.rmtree(scratch, ignore_errors=True)
    pyodide_dir = scratch / "lite" / "static" / "pyodide"
    npm_lock = sources.pyodide_core(cache, pyodide_dir)
    wheels = [*sources.kernel_wheels(cache, pyodide_dir), *sources.pypi_wheels(cache, pyodide_dir),
              sources.lambdakit_wheel(checkout, pyodide_dir, scratch)]
    lock.write_lock(pyodide_dir, wheels, npm_lock, [*PRELOADED, "widgetsnbextension"])
    (scratch / "lite" / "jupyter-lite.json").write_text(json.dumps(_config(), indent=1))
    contents = scratch / "contents"
    contents.mkdir()
    for notebook in sorted(Path(notebooks).glob("*.ipynb")):
        lessons.write_for_the_browser(notebook, contents / notebook.name)
    shutil.rmtree(output, ignore_errors=True)
    result = subprocess.run(
        [str(sources.build_tools(cache)), "-m", "jupyterlite_core", "build", "--lite-dir", str(scratch / "lite"),
         "--contents", str(contents), "--output-dir", str(output), "--no-sourcemaps", "--no-unused-shared-packages", *APPS],
        capture_output=True, text=True, cwd=scratch)
    if result.returncode:
        lines = (result.stderr + result.stdout).strip().splitlines() or ["no output"]
        errors = [line for line in lines if "Error" in line]  # not the warnings printed after it
        raise sources.SourceError(f"jupyter lite build failed: {(errors or lines)[-1].strip()}")
    for stray in output.rglob("*.map"):  # the app's own maps, whatever the flags cover
        stray.unlink()
    shutil.rmtree(scratch)
    return sum(path.stat().st_size for path in output.rglob("*") if path.is_file())
