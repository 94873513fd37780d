"""Course maintenance: `python -m lambdakit.course build [N ...]`, `... syllabus` and `... classroom`.

`build` executes the lessons (solutions filled in) and writes the learner notebooks and
the check cells' reference outputs; `syllabus` regenerates course/SYLLABUS.md; `classroom`
prints the GitHub Classroom autograding workflow (deploy/classroom/classroom.yml).
"""

import argparse
import sys

from . import build, classroom, paths, syllabus


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m lambdakit.course", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="execute lessons and write notebooks/ and course/reference/")
    build_cmd.add_argument("lessons", nargs="*", type=int, help="lesson numbers (default: every ready lesson)")
    commands.add_parser("syllabus", help="regenerate course/SYLLABUS.md from course/syllabus.toml")
    commands.add_parser("classroom", help="print the GitHub Classroom autograding workflow")
    args = parser.parse_args(argv)
    if args.command == "build":
        build.build_all(args.lessons)
    elif args.command == "classroom":
        sys.stdout.write(classroom.render(syllabus.load()))
    else:
        target = paths.course_dir() / "SYLLABUS.md"
        target.write_text(syllabus.render(syllabus.load()), encoding="utf-8")
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
