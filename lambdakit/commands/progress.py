"""Show which course exercises pass, lesson by lesson. Progress is recorded by each check
cell you run (`check("4.2", ...)`) in a file in your user data directory (LAMBDAKIT_PROGRESS
overrides it), so it survives kernel restarts; with `lambdakit course`, in the course folder."""

HELP = "show which course exercises pass"


def add_arguments(parser):
    parser.add_argument("--reset", metavar="EXERCISE", nargs="?", const="all",
                        help="forget one exercise's progress (or all of it)")
    parser.add_argument("--dir", metavar="DIR", help="the course folder `lambdakit course --dir DIR` uses")


def run(args):
    from ..course import syllabus
    from ..course.folder import CourseFolder
    from ..course.progress import Progress, report

    store = Progress(CourseFolder(args.dir).progress_file if args.dir else None)
    if args.reset:
        store.reset(None if args.reset == "all" else args.reset)
    print(report(syllabus.load(), store))
    return 0
