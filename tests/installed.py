"""lambdakit as a learner installs it: a wheel built from this checkout, installed into a fresh
virtual environment outside it, run with a clean environment and its own HOME.

Only lambdakit comes from the wheel. Its dependencies (JupyterLab, nbval, ...) are the test
environment's, reached through one .pth line, so nothing is downloaded; a .pth line adds the
directory without processing the editable install's own .pth files, and the fresh
environment's site-packages comes first, so `import lambdakit` is the wheel's.
"""

import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# What an sdist holds (see MANIFEST.in): the build sees nothing else of the checkout.
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "lambdakit", "course", "notebooks")


@dataclass(frozen=True)
class Installed:
    prefix: Path
    home: Path

    @property
    def python(self):
        return str(self.prefix / "bin" / "python")

    @property
    def lambdakit(self):
        return str(self.prefix / "bin" / "lambdakit")

    def env(self, **extra):
        """A learner's environment: no Jupyter, lambdakit or pytest settings from ours."""
        return {"HOME": str(self.home), "PATH": f"{self.prefix / 'bin'}:/usr/bin:/bin",
                "LANG": "C.UTF-8", **extra}

    def run(self, *args, cwd=None, timeout=300):
        # never the checkout: `python -c` imports from its working directory first
        return subprocess.run(args, cwd=cwd or self.home, env=self.env(), capture_output=True, text=True, timeout=timeout)


def build_wheel(workdir):
    source = workdir / "src"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "material")
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=ignore)
        else:
            shutil.copy(path, source / name)
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(workdir / "dist"), str(source))
    return next((workdir / "dist").glob("lambdakit-*.whl"))


def install(wheel, workdir):
    prefix = workdir / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", str(prefix))
    site = _run(str(prefix / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    Path(site.strip(), "test-environment-packages.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _run(sys.executable, "-m", "pip", "--python", str(prefix / "bin" / "python"), "install", "-q", "--no-deps", str(wheel))
    home = workdir / "home"
    home.mkdir()
    return Installed(prefix, home)


def _run(*command):
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout
