"""A learner's course folder: the lessons copied in once, their work never overwritten.

The folder keeps a hidden record (.lambdakit/copied.json) of the version of each file it was
given. A file still equal to its record is untouched and may be replaced by a newer version;
a file that differs is the learner's work, so a newer version goes beside it instead
(`03-cold-starts.new.ipynb`). The folder also holds the learner's progress and a hidden
.pytest.ini, so `pytest --nbval LESSON.ipynb` in it compares as the course does.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from . import paths

PYTEST_INI = "[pytest]\naddopts = -p lambdakit.course.nbval_plugin -p no:cacheprovider\n"


@dataclass(frozen=True)
class Placed:
    name: str         # the lesson's file name in the course
    written_as: str   # where its newer version went ("" when nothing was written)
    how: str          # "copied", "updated", "beside", "kept" (edited twice; nothing written)


def shipped_lessons(source=None):
    """The lesson notebooks the course ships (NN-name.ipynb; no conftest.py or other files)."""
    return sorted(Path(source or paths.notebooks_dir()).glob("[0-9][0-9]-*.ipynb"))


def _digest(data):
    return hashlib.sha256(data).hexdigest()


class CourseFolder:
    def __init__(self, root, source=None):
        self.root = Path(root).expanduser().resolve()
        self.source = Path(source) if source else paths.notebooks_dir()
        self._record_path = self.root / paths.FOLDER_RECORD

    @property
    def progress_file(self):
        return self.root / paths.FOLDER_PROGRESS

    def lessons(self):
        return shipped_lessons(self.source)

    def is_set_up(self):
        return self._record_path.exists()

    def set_up(self):
        """Copy every lesson in (once); an existing file of the same name is left alone."""
        record = self._record()
        placed = [self._place(lesson, record, beside=False) for lesson in self.lessons()]
        self._save(record)
        return [p for p in placed if p.written_as]

    def update(self):
        """Bring in every lesson whose version differs from the one this folder was given."""
        record = self._record()
        placed = [self._place(lesson, record, beside=True) for lesson in self.outdated()]
        self._save(record)
        return placed

    def outdated(self):
        """Lessons whose shipped version is not the one this folder last received."""
        record = self._record()
        return [lesson for lesson in self.lessons()
                if record.get(lesson.name) != _digest(lesson.read_bytes())]

    def _place(self, lesson, record, beside):
        data = lesson.read_bytes()
        target = self.root / lesson.name
        if self._writable(target, record):
            how = "updated" if target.exists() else "copied"
        elif beside:
            target = target.with_suffix(".new.ipynb")
            if not self._writable(target, record):
                return Placed(lesson.name, "", "kept")
            how = "beside"
        else:
            return Placed(lesson.name, "", "kept")
        self.root.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        record[target.name] = record[lesson.name] = _digest(data)
        return Placed(lesson.name, target.name, how)

    def _writable(self, target, record):
        """Absent, or exactly the version this folder was given (so not the learner's work)."""
        return not target.exists() or record.get(target.name) == _digest(target.read_bytes())

    def _record(self):
        try:
            return json.loads(self._record_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def _save(self, record):
        self._record_path.parent.mkdir(parents=True, exist_ok=True)
        (self.root / ".pytest.ini").write_text(PYTEST_INI, encoding="utf-8")  # ours: always the current one
        self._record_path.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
