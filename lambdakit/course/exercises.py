"""Exercise checks: `check("4.2", answer)` passes with one stable line or raises ExerciseFailed.

The checkers live in course/checks/*.py, one file per lesson, each registered with
`@exercise("4.2")`. A checker receives what the learner passed to `check`, raises
`ExerciseFailed` (via `fail`) with a targeted hint when the answer is wrong, and returns a
short summary of what passed, e.g. "monthly_total=$0.62". Hints (a ladder from concept to
near-solution) come from the syllabus; solutions from course/solutions/ID.py.
"""

import importlib.util
import sys

from . import paths, syllabus
from .progress import Progress

_CHECKERS = {}
_loaded_from = None


class ExerciseFailed(AssertionError):
    """A graded exercise is not solved yet. The message says why and how to get a hint."""

    def __init__(self, exercise_id, reason, hint=None):
        self.exercise_id, self.reason, self.hint = exercise_id, reason, hint
        text = f"❌ {exercise_id} not yet: {reason}"
        if hint:
            text += f"\n   Hint: {hint}"
        text += f'\n   Stuck? hint("{exercise_id}") reveals the hints one by one.'
        super().__init__(text)

    def _render_traceback_(self):
        # IPython shows this instead of a traceback through lambdakit's own frames.
        return [f"ExerciseFailed: {self}"]


class Failure(Exception):
    """Raised by `fail` inside a checker; `check` adds the exercise id."""

    def __init__(self, reason, hint=None):
        super().__init__(reason)
        self.reason, self.hint = reason, hint


def fail(reason, hint=None):
    raise Failure(reason, hint)


def expect(condition, reason, hint=None):
    if not condition:
        fail(reason, hint)


def exercise(exercise_id):
    """Register a checker for an exercise (used in course/checks/*.py)."""
    def register(checker):
        _CHECKERS[exercise_id] = checker
        return checker
    return register


def _load_checkers():
    global _loaded_from
    directory = paths.course_dir() / "checks"
    if _loaded_from == directory:
        return
    _CHECKERS.clear()
    for path in sorted(directory.glob("*.py")):
        name = f"lambdakit_course_checks.{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    _loaded_from = directory


def load_checkers():
    """Load every checker now (the grader does so before any learner cell runs)."""
    _load_checkers()


def checker(exercise_id):
    _load_checkers()
    try:
        return _CHECKERS[exercise_id]
    except KeyError:
        raise KeyError(f"No exercise {exercise_id!r}; the exercises are "
                       f"{', '.join(sorted(_CHECKERS, key=_order))}.") from None


def _order(exercise_id):
    return tuple(int(part) for part in exercise_id.split("."))


def check(exercise_id, *answer, **options):
    """Check an exercise: print `✅ ID passed (...)`, or raise ExerciseFailed with a hint."""
    run = checker(exercise_id)
    progress = Progress()
    try:
        summary = run(*answer, **options)
    except Failure as failure:
        progress.record_attempt(exercise_id, False, failure.reason)
        raise ExerciseFailed(exercise_id, failure.reason, failure.hint) from None
    except Exception as error:
        progress.record_attempt(exercise_id, False, f"{type(error).__name__}: {error}")
        raise
    progress.record_attempt(exercise_id, True, summary)
    print(f"✅ {exercise_id} passed" + (f" ({summary})" if summary else ""))


def hint(exercise_id, level=None):
    """Print the next hint for an exercise (or hint `level`, 1-based)."""
    hints = syllabus.load().exercise(exercise_id).hints
    progress = Progress()
    if level is None:
        level = min(progress.exercise(exercise_id).get("hints_seen", 0) + 1, len(hints))
    if not 1 <= level <= len(hints):
        raise ValueError(f"Exercise {exercise_id} has hints 1 to {len(hints)}.")
    progress.record_hint(exercise_id, level)
    more = f' (hint("{exercise_id}") again for the next)' if level < len(hints) else \
        f' (that was the last; solution("{exercise_id}") shows a full solution)'
    print(f"💡 {exercise_id} hint {level}/{len(hints)}: {hints[level - 1]}{more}")


def solution_source(exercise_id):
    path = paths.course_dir() / "solutions" / f"{exercise_id}.py"
    return path.read_text(encoding="utf-8")


def solution(exercise_id):
    """Print the reference solution (progress notes that you looked)."""
    source = solution_source(exercise_id)
    Progress().record_solution_seen(exercise_id)
    print(f"# Solution to {exercise_id}: put this in the exercise's code cell, then run the check.")
    print(source.rstrip())
