"""Grade a class: every learner's lesson notebooks under SUBMISSIONS (one folder per learner,
e.g. GitHub Classroom's clones) graded as `lambdakit grade` does, into one CSV: `lambdakit grade
--csv`'s columns (with attempts and times when a learner hands in their course folder's progress)
after a learner column, one row per learner and exercise."""

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
    course = syllabus.load()
    graded = [lesson.number for lesson in course.lessons if lesson.exercises]
    for number in args.lesson or ():
        if number not in graded:
            print(f"lambdakit gradebook: there is no lesson {number} with exercises", file=sys.stderr)
            return 2
    lessons = sorted(set(args.lesson or graded))
    if not args.out:
        gradebook(args.submissions, sys.stdout, course, lessons, args.timeout)
        return 0
    with open(args.out, "w", newline="", encoding="utf-8") as out:
        rows = gradebook(args.submissions, out, course, lessons, args.timeout)
    print(f"Graded {len({r['learner'] for r in rows})} learner(s): {sum(str(r['passed']) == '1' for r in rows)} "
          f"of {len(rows)} exercise results pass; written to {args.out}")
    return 0
