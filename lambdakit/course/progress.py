"""The learner's progress: which exercises pass, attempts, hints and solutions seen.

One JSON file (see paths.progress_file), rewritten atomically on every change so that a
kernel restart, a crash or two kernels at once never leave it half written.
"""

import json
import os
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone

from . import paths

PASSED = "passed"
ATTEMPTED = "attempted"
NOT_STARTED = "not started"
FORMAT = 1


def _now():
    # Wall time of the learner's machine: progress is never part of a notebook's output.
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Progress:
    def __init__(self, path=None):
        self.path = paths.progress_file() if path is None else path

    def load(self):
        try:
            with open(self.path, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            return {"format": FORMAT, "exercises": {}}
        except json.JSONDecodeError:
            # A damaged file must not stop the course; keep it aside and start afresh.
            os.replace(self.path, f"{self.path}.damaged")
            return {"format": FORMAT, "exercises": {}}
        data.setdefault("exercises", {})
        return data

    def exercise(self, exercise_id):
        return self.load()["exercises"].get(exercise_id, {})

    def status(self, exercise_id):
        entry = self.exercise(exercise_id)
        if entry.get("passed_at"):
            return PASSED
        return ATTEMPTED if entry.get("attempts") or entry.get("graded_at") else NOT_STARTED

    @contextmanager
    def _editing(self, exercise_id):
        data = self.load()
        entry = data["exercises"].setdefault(exercise_id, {"attempts": 0})
        yield entry
        self._save(data)

    def _save(self, data):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".progress-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
        os.replace(tmp, self.path)

    def record_attempt(self, exercise_id, passed, detail):
        with self._editing(exercise_id) as entry:
            entry["attempts"] = entry.get("attempts", 0) + 1
            entry["last_attempt_at"] = _now()
            if passed:
                entry.setdefault("passed_at", entry["last_attempt_at"])
                entry["summary"] = detail
                entry.pop("last_error", None)
            else:
                entry["last_error"] = detail

    def record_grade(self, exercise_id, passed, detail):
        """`lambdakit grade`'s verdict replaces whatever the kernel's checks recorded, so
        `lambdakit progress` shows what the grade shows."""
        with self._editing(exercise_id) as entry:
            entry["graded_at"] = entry["last_attempt_at"] = _now()
            if passed:
                entry.setdefault("passed_at", entry["graded_at"])
                entry["summary"] = detail
                entry.pop("last_error", None)
            else:
                entry.pop("passed_at", None)
                entry["last_error"] = detail

    def record_hint(self, exercise_id, level):
        with self._editing(exercise_id) as entry:
            entry["hints_seen"] = max(entry.get("hints_seen", 0), level)

    def record_solution_seen(self, exercise_id):
        with self._editing(exercise_id) as entry:
            entry["solution_seen"] = True

    def reset(self, exercise_id=None):
        data = self.load()
        if exercise_id is None:
            data["exercises"] = {}
        else:
            data["exercises"].pop(exercise_id, None)
        self._save(data)


def report(syllabus, progress=None):
    """Progress as stable text: one line per lesson, one per exercise under it."""
    progress = progress or Progress()
    exercises = progress.load()["exercises"]
    lines = [f"lambdakit course progress ({progress.path})"]
    done = total = 0
    width = max(len(lesson.title) for lesson in syllabus.lessons) + 2   # scores in one column
    for lesson in syllabus.lessons:
        passed = sum(1 for e in lesson.exercises if exercises.get(e.id, {}).get("passed_at"))
        done, total = done + passed, total + len(lesson.exercises)
        state = "" if lesson.ready else "  (coming soon)"
        lines.append(f"L{lesson.number:<3}{lesson.title:<{width}}{passed:>2}/{len(lesson.exercises)}{state}")
        for e in lesson.exercises:
            entry = exercises.get(e.id, {})
            if entry.get("passed_at"):
                mark, note = "✅", entry.get("summary", "")
            elif entry.get("attempts") or entry.get("graded_at"):
                mark, note = "❌", f"{entry.get('attempts', 0)} attempt(s), not passed yet"
            else:
                mark, note = "·", ""
            extra = []
            if entry.get("hints_seen"):
                extra.append(f"{entry['hints_seen']} hint(s)")
            if entry.get("solution_seen"):
                extra.append("solution viewed")
            note = "; ".join(x for x in [note, *extra] if x)
            lines.append(f"     {mark} {e.id:<5}{e.title}" + (f"  [{note}]" if note else ""))
    lines.append(f"{done} of {total} exercises passed.")
    return "\n".join(lines)
