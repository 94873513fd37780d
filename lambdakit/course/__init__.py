"""The course side of lambdakit: exercise checks, hints, solutions, progress, grading.

In a lesson notebook:

    from lambdakit.course import check, hint, solution
    check("4.2", answer)      # ✅ 4.2 passed (...)  or ExerciseFailed with a hint
    hint("4.2")               # the next hint; hint("4.2", 3) for a given one
    solution("4.2")           # the reference solution (progress notes that you looked)

    show_progress()           # which exercises pass (as `lambdakit progress` shows it)

From a shell: `lambdakit progress` and `lambdakit grade NOTEBOOK`.
"""

from .exercises import ExerciseFailed, check, hint, solution
from .progress import Progress


def show_progress():
    """Print which exercises pass (the same report as `lambdakit progress`)."""
    from . import syllabus
    from .progress import report
    print(report(syllabus.load()))


__all__ = ["check", "hint", "solution", "show_progress", "ExerciseFailed", "Progress"]
