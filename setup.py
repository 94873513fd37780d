"""Build hook: the wheel carries the course.

The course's material lives at the top of the repository (course/, notebooks/); a wheel
copies both into the package as lambdakit/course/material/, where lambdakit.course.paths
finds them once installed. An editable install reads them in place, so it copies nothing.
Everything else about the build is declared in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

MATERIAL = ("course", "notebooks")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".pytest_cache")


class build_py_with_course(build_py):
    def run(self):
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "lambdakit" / "course" / "material"
        for name in MATERIAL:
            source = Path(name)
            if not source.is_dir():
                raise SystemExit(f"setup.py: {name}/ is missing; build from a checkout or its sdist")
            shutil.rmtree(target / name, ignore_errors=True)
            shutil.copytree(source, target / name, ignore=IGNORED)


setup(cmdclass={"build_py": build_py_with_course})
