"""Grade a lesson notebook: the course's check cells and their reference outputs are put
back into it, then it runs top to bottom under nbval in a fresh kernel, and after each
check cell the grader checks the exercise itself on what the kernel holds; one line per
exercise says whether it passes and, if not, why. The verdicts go into your progress (so
`lambdakit progress` agrees); --json and --csv give them with attempts and times, for a
teacher. Exit status 0 when every exercise passes."""

import json
import sys

HELP = "grade a lesson notebook with nbval (per-exercise report)"


def add_arguments(parser):
    parser.add_argument("notebooks", nargs="+", metavar="NOTEBOOK", help="lesson notebook(s) to grade")
    parser.add_argument("--timeout", type=int, default=300, help="seconds allowed per cell (default: %(default)s)")
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print the results as JSON (see course/README.md)")
    form.add_argument("--csv", action="store_true", help="print one CSV row per exercise")
    parser.add_argument("--no-record", action="store_true",
                        help="leave the progress file alone (grading someone else's notebook)")


def run(args):
    from ..course import grade_output
    from ..course.grade import GradingError, grade
    from ..course.progress import Progress

    try:
        reports = grade(*args.notebooks, timeout=args.timeout)
    except (GradingError, FileNotFoundError) as error:
        print(f"lambdakit grade: {error}", file=sys.stderr)
        return 2
    progress = Progress()
    if not args.no_record:
        grade_output.record(reports, progress)
    if args.json:
        print(json.dumps(grade_output.as_json(reports, progress), indent=1))
    elif args.csv:
        grade_output.write_csv(grade_output.as_json(reports, progress), sys.stdout)
    else:
        print("\n\n".join(report.render() for report in reports))
    return 0 if all(report.passed for report in reports) else 1
