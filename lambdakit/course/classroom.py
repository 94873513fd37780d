"""The GitHub Classroom autograding workflow for the course, made from the syllabus: one test per
lesson with exercises, running `lambdakit grade` on the learner's notebook (exit status 0 when
every exercise of the lesson passes), worth one point per exercise.

    python -m lambdakit.course classroom > deploy/classroom/classroom.yml
"""

HEADER = """\
# GitHub Classroom autograding for the lambdakit course: one test per lesson, `lambdakit grade`
# on the learner's notebook (exit status 0 when every exercise of the lesson passes), worth one
# point per exercise. Copy this file to .github/workflows/classroom.yml in the assignment's
# template repository (a copy of this repository). Made from course/syllabus.toml by
# `python -m lambdakit.course classroom`.
name: Autograding Tests
'on':
- push
- repository_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
    - name: Checkout code
      uses: actions/checkout@v4
    - name: Python 3.11
      uses: actions/setup-python@v5
      with:
        python-version: '3.11'
    - name: Install lambdakit
      run: python -m pip install .
"""
TIMEOUT_MINUTES = 10


def render(course):
    graded = [lesson for lesson in course.lessons if lesson.exercises]
    ids = [f"lesson-{lesson.number:02d}" for lesson in graded]
    lines = [HEADER.rstrip("\n")]
    for step, lesson in zip(ids, graded):
        lines += [f"    - name: Lesson {lesson.number}",
                  f"      id: {step}",
                  "      uses: classroom-resources/autograding-command-grader@v1",
                  "      with:",
                  f"        test-name: Lesson {lesson.number}",
                  f"        command: lambdakit grade notebooks/{lesson.notebook}",
                  f"        timeout: {TIMEOUT_MINUTES}",
                  f"        max-score: {len(lesson.exercises)}"]
    lines += ["    - name: Autograding Reporter",
              "      uses: classroom-resources/autograding-grading-reporter@v1",
              "      env:"]
    lines += [f'        {step.upper()}_RESULTS: "${{{{steps.{step}.outputs.result}}}}"' for step in ids]
    lines += ["      with:", f"        runners: {','.join(ids)}"]
    return "\n".join(lines) + "\n"
