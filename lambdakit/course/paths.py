"""Where the course material and the learner's progress live.

The material (syllabus, lesson sources, checks, solutions, reference outputs, grading
files) is the repository's `course/` directory; the notebooks are `notebooks/`. A wheel
carries both as `lambdakit/course/material/` (see setup.py); a checkout reads them in place.
Progress is a JSON file in the user's data directory, so a kernel restart (or a new clone)
loses nothing. Each location can be overridden by an environment variable, which tests use.
"""

import os
import sys
from pathlib import Path

COURSE_DIR_VAR = "LAMBDAKIT_COURSE_DIR"
NOTEBOOKS_DIR_VAR = "LAMBDAKIT_NOTEBOOKS_DIR"
PROGRESS_VAR = "LAMBDAKIT_PROGRESS"
# A learner's course folder (lambdakit/course/folder.py) is marked by the record of what it was given.
FOLDER_RECORD = ".lambdakit/copied.json"
FOLDER_PROGRESS = ".lambdakit/progress.json"
# The notebooks' folder in JupyterLite, which the browser stores (IndexedDB) across visits.
BROWSER_DRIVE = "/drive"

_PACKAGED = Path(__file__).resolve().parent / "material"
_REPO = Path(__file__).resolve().parents[2]


def _material(name):
    packaged = _PACKAGED / name
    return packaged if packaged.is_dir() else _REPO / name


def course_dir():
    return Path(os.environ.get(COURSE_DIR_VAR) or _material("course"))


def notebooks_dir():
    return Path(os.environ.get(NOTEBOOKS_DIR_VAR) or _material("notebooks"))


def course_folder_around(path):
    """The course folder `path` is in (or is), or None."""
    return next((folder for folder in (path, *path.parents) if (folder / FOLDER_RECORD).is_file()), None)


def progress_file():
    """LAMBDAKIT_PROGRESS if set; else, run inside a course folder (`lambdakit course --dir`),
    that folder's; else in the browser its drive's; else progress.json in the user's data directory."""
    override = os.environ.get(PROGRESS_VAR)
    if override:
        return Path(override)
    try:
        folder = course_folder_around(Path.cwd())
    except FileNotFoundError:  # the working directory was removed
        folder = None
    if folder:
        return folder / FOLDER_PROGRESS
    if sys.platform == "emscripten":  # JupyterLite: its /drive is kept in the browser's storage
        return Path(BROWSER_DRIVE) / FOLDER_PROGRESS
    from platformdirs import user_data_dir
    return Path(user_data_dir("lambdakit", appauthor=False)) / "progress.json"
