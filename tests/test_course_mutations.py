"""The mutation suite: every exercise's checker against wrong answers that must fail and
different correct answers that must pass (tests/course_mutants.py holds them).

Each answer is what a learner would write in the exercise's cell: a `%%lambda NAME` cell
(its handler is handed to the checker as the grader hands over a deployed function) or
Python that defines the values the check cell names. The checkers run here, in-process, on
their own virtual-clock runtimes, exactly as `lambdakit grade`'s judge runs them; no
notebook is executed. The run time is printed."""

import ast
import json
import time
from decimal import Decimal

import pytest

from course_mutants import MUTANTS
from lambdakit.course import judge, paths, syllabus

COURSE = syllabus.load()
EXERCISES = [e.id for lesson in COURSE.lessons if lesson.ready for e in lesson.exercises]
CASES = [(eid, kind, name) for eid in EXERCISES for kind in ("correct", "wrong")
         for name in MUTANTS.get(eid, {}).get(kind, {})]
_timings = []


def _check_source(exercise_id):
    lesson = COURSE.lesson(exercise_id.split(".")[0])
    checks = json.loads((paths.course_dir() / "reference" / f"{lesson.key}.json").read_text())["checks"]
    return checks[exercise_id]["source"]


def _prelude():
    import math
    import re
    from lambdakit.cost import billing
    return {"Decimal": Decimal, "math": math, "re": re, "json": json, "billing": billing}


def grade_answer(exercise_id, answer):
    """Run the exercise's checker on `answer` (cell sources, one or several); (passed, message)."""
    _, nodes = judge.check_arguments(_check_source(exercise_id))
    cells = [answer] if isinstance(answer, str) else answer
    namespace, sources = _prelude(), {}
    for cell in cells:
        cell = cell.strip("\n")
        if cell.startswith("%%lambda"):
            header, code = cell.split("\n", 1)
            sources[header.split()[1]] = code
        else:
            exec(compile(cell, f"<{exercise_id}>", "exec"), namespace)
    values = [node.value if isinstance(node, ast.Constant) else namespace[node.id] for node in nodes]
    return judge.run_checker(exercise_id, values, sources)


def test_every_exercise_has_three_kinds_of_wrong_answer_and_two_correct_ones():
    for eid in EXERCISES:
        mutants = MUTANTS.get(eid, {})
        assert len(mutants.get("correct", {})) >= 2, eid
        wrong = mutants.get("wrong", {})
        assert len(wrong) >= 3 and {"hard-coded", "anti-pattern", "off"} <= {k.split(":")[0] for k in wrong}, eid


@pytest.mark.parametrize("exercise_id,kind,name", CASES, ids=[f"{e}-{k}-{n}" for e, k, n in CASES])
def test_mutant(exercise_id, kind, name):
    started = time.monotonic()
    passed, message = grade_answer(exercise_id, MUTANTS[exercise_id][kind][name])
    _timings.append(time.monotonic() - started)
    assert passed == (kind == "correct"), message
    if kind == "wrong":
        assert message.startswith(f"❌ {exercise_id} not yet: ") and "lambdakit/" not in message


def test_mutation_suite_size_and_time(capsys):
    with capsys.disabled():
        print(f"\nmutation suite: {len(CASES)} answers to {len(EXERCISES)} exercises, "
              f"checked in {sum(_timings):.1f} s")
