"""What the site is made of, fetched at build time: Pyodide's core from npm, the kernel's own wheels
from the pyodide-kernel extension, lambdakit built from this checkout, and the pure-Python wheels
lambdakit and the kernel need from PyPI (for Pyodide's Python version).

The build's own tools (jupyterlite-core and its Pyodide kernel) live in a virtual environment of
their own under the cache: installed beside JupyterLab, the kernel's lab extension would load into
every JupyterLab page and fail there (it needs JupyterLite's shared modules)."""

import shutil
import subprocess
import sys
import tarfile

from packaging.utils import canonicalize_name, parse_wheel_filename

# The build's tools, in their own environment (build_tools).
# (jupyter-server: the build reads the lessons as contents through its models)
TOOLS = ("jupyterlite-core>=0.8.6,<0.9", "jupyterlite-pyodide-kernel>=0.8.6,<0.9", "jupyter-server>=2")
# What the kernel and lambdakit's notebook front import in the browser. lambdakit's other
# dependencies (jupyterlab, boto3, moto, pillow, pytest) belong to the process runtime.
BROWSER_REQUIREMENTS = ("ipython", "jedi", "comm", "ipywidgets", "anywidget", "plotly", "micropip", "packaging")
# The kernel extension ships shims for these; PyPI's versions would shadow them.
KERNEL_SHIMS = ("ipykernel", "widgetsnbextension", "piplite", "pyodide-kernel")
# What setup.py needs to build the wheel with the course inside.
CHECKOUT_PARTS = ("pyproject.toml", "setup.py", "README.md", "MANIFEST.in", "lambdakit", "course", "notebooks")
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".pytest_cache", "*.egg-info")
# Pyodide's npm package also carries what a site never loads.
_PYODIDE_SKIPPED = (".map", ".d.ts", "README.md", "package.json", "console.html", "pyodide.js",
                    "pyodide.asm.js", "ffi.d.ts")


class SourceError(Exception):
    """A part of the site could not be fetched or built (its tool's own message)."""


def _run(command, what):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:
        last = (result.stderr.strip() or result.stdout.strip()).splitlines()[-1:] or ["no output"]
        raise SourceError(f"{what} failed: {last[0]}")
    return result.stdout


def build_tools(cache):
    """The Python of the build tools' environment (made, or remade when TOOLS changed)."""
    venv = cache / "build-tools"
    python, stamp = venv / "bin" / "python", venv / "lambdakit-tools.txt"
    if not python.is_file() or not stamp.is_file() or stamp.read_text() != "\n".join(TOOLS):
        shutil.rmtree(venv, ignore_errors=True)
        _run([sys.executable, "-m", "venv", str(venv)], "making the build tools' environment")
        _run([str(python), "-m", "pip", "install", "--quiet", *TOOLS], "pip install of the build tools")
        stamp.write_text("\n".join(TOOLS))
    return python


def kernel_extension_dir(cache):
    return cache / "build-tools/share/jupyter/labextensions/@jupyterlite/pyodide-kernel-extension"


def pyodide_version(cache):
    """The Pyodide version the kernel extension is made for (its constants say)."""
    return _run([str(build_tools(cache)), "-c", "from jupyterlite_pyodide_kernel.constants import "
                 "PYODIDE_VERSION; print(PYODIDE_VERSION)"], "reading the kernel's Pyodide version").strip()


def pyodide_core(cache, target):
    """Extracts npm's pyodide@<the kernel's version> into `target` (no source maps); returns the
    path of npm's own lock file, which lock.py takes the info block from."""
    version = pyodide_version(cache)
    archive = cache / f"pyodide-{version}.tgz"
    if not archive.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        name = _run(["npm", "pack", f"pyodide@{version}", "--pack-destination", str(cache), "--silent"],
                    f"npm pack pyodide@{version}").strip().splitlines()[-1]
        (cache / name).rename(archive)
    target.mkdir(parents=True, exist_ok=True)
    npm_lock = cache / f"pyodide-lock-{version}.json"
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            name = member.name.removeprefix("package/")
            if not member.isfile() or "/" in name:
                continue
            if name == "pyodide-lock.json":
                npm_lock.write_bytes(tar.extractfile(member).read())
            elif not name.endswith(_PYODIDE_SKIPPED):
                (target / name).write_bytes(tar.extractfile(member).read())
    return npm_lock


def kernel_wheels(cache, target):
    """The kernel extension's own wheels (the ipykernel and widgetsnbextension shims, piplite,
    pyodide_kernel), the newest of each."""
    newest = {}
    for wheel in sorted((kernel_extension_dir(cache) / "static/pypi").glob("*.whl")):
        name, version, *_ = parse_wheel_filename(wheel.name)
        if name not in newest or version > newest[name][0]:
            newest[name] = (version, wheel)
    copied = []
    for _, wheel in newest.values():
        (target / wheel.name).write_bytes(wheel.read_bytes())
        copied.append(target / wheel.name)
    return copied


def lambdakit_wheel(checkout, target, scratch):
    """lambdakit as a wheel built from a copy of this checkout (its setup.py packs the course into
    it; building in a copy leaves the checkout's build/ and egg-info alone)."""
    source = scratch / "lambdakit-source"
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir(parents=True)
    for name in CHECKOUT_PARTS:
        path = checkout / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=_IGNORED)
        else:
            shutil.copy2(path, source / name)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(target),
          str(source)], "building the lambdakit wheel")
    return next(target.glob("lambdakit-*.whl"))


def pypi_wheels(cache, target):
    """Pure-Python wheels of BROWSER_REQUIREMENTS and their dependencies for Pyodide's Python,
    downloaded from PyPI into `cache`; copies all but the kernel's shims into `target`."""
    python = ".".join(_npm_python(cache).split(".")[:2])
    download = cache / f"wheels-py{python}"
    _run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--platform", "any",
          "--python-version", python, "--implementation", "py", "--abi", "none", "--dest", str(download),
          *BROWSER_REQUIREMENTS], "pip download of the browser's wheels")
    shims = {canonicalize_name(name) for name in KERNEL_SHIMS}
    copied = []
    for wheel in sorted(download.glob("*.whl")):
        if parse_wheel_filename(wheel.name)[0] in shims:
            continue
        (target / wheel.name).write_bytes(wheel.read_bytes())
        copied.append(target / wheel.name)
    return copied


def _npm_python(cache):
    import json
    return json.loads((cache / f"pyodide-lock-{pyodide_version(cache)}.json").read_text())["info"]["python"]
