"""Grade a class: every learner's lesson notebooks under SUBMISSIONS (one folder per learner,
e.g. GitHub Classroom's clones) graded as `lambdakit grade` does, into one CSV with a row per
learner and exercise (learner, lesson, notebook, exercise, title, passed, message)."""

import sys

HELP = "grade a folder of learners' submissions into one CSV"


def add_arguments(parser):
    parser.add_argument("submissions", metavar="SUBMISSIONS", help="a folder with one folder per learner")
    parser.add_argument("--out", metavar="FILE", help="write the CSV here (default: standard output)")
    parser.add_argument("--lesson", type=int, action="append", metavar="N",
                        help="grade only lesson N (repeatable; default: every lesson with exercises)")
    parser.add_argument("--timeout", type=int, default=300, help="seconds allowed per cell (default: %(default)s)")


def run(args):
    from pathlib import Path

    from ..course import syllabus
    from ..course.gradebook import gradebook

    if not Path(args.submissions).is_dir():
        print(f"lambdakit gradebook: {args.submissions} is not a folder", file=sys.stderr)
        return 2
    graded = {lesson.number for lesson in syllabus.load().lessons if lesson.exercises}
    for number in args.lesson or ():
        if number not in graded:
            print(f"lambdakit gradebook: there is no lesson {number} with exercises", file=sys.stderr)
            return 2
    if args.out:
        with open(args.out, "w", newline="", encoding="utf-8") as out:
            rows = gradebook(args.submissions, out, args.lesson, args.timeout)
        learners = len({row.learner for row in rows})
        print(f"Graded {learners} learner(s): {sum(r.passed == '1' for r in rows)} of {len(rows)} "
              f"exercise results pass; written to {args.out}")
    else:
        gradebook(args.submissions, sys.stdout, args.lesson, args.timeout)
    return 0
