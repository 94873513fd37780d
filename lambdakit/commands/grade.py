"""Grade a lesson notebook: the course's check cells and their reference outputs are put
back into it, then it runs top to bottom under nbval in a fresh kernel; one line per
exercise says whether it passes and, if not, why. Exit status 0 when every exercise passes."""

import sys

HELP = "grade a lesson notebook with nbval (per-exercise report)"


def add_arguments(parser):
    parser.add_argument("notebooks", nargs="+", metavar="NOTEBOOK", help="lesson notebook(s) to grade")
    parser.add_argument("--timeout", type=int, default=300, help="seconds allowed per cell (default: %(default)s)")


def run(args):
    from ..course.grade import GradingError, grade

    try:
        reports = grade(*args.notebooks, timeout=args.timeout)
    except (GradingError, FileNotFoundError) as error:
        print(f"lambdakit grade: {error}", file=sys.stderr)
        return 2
    print("\n\n".join(report.render() for report in reports))
    return 0 if all(report.passed for report in reports) else 1
