"""The grader's verdict on one exercise, decided outside the learner's kernel.

`lambdakit grade` runs each notebook under nbval; after each check cell the grading
conftest calls `judge` in the pytest process. It reads which values the course's own check
cell names (`check("4.1", my_monthly_cost)`), asks the kernel for them as evidence
(lambdakit.course.evidence), and runs the course's checker, loaded before any cell ran, on
them. What the check cell printed, a redefined `check` or a patched `lambdakit.course` in
the kernel change nothing here; a function the learner wrote is called where it lives.
"""

import ast
import json
import time
from dataclasses import dataclass
from queue import Empty

from . import checking, exercises
from .evidence import LearnerFunctionRaised, decode

EVIDENCE = "__import__('lambdakit.course.evidence', fromlist=['export'])"


class EvidenceMissing(Exception):
    pass


@dataclass
class Verdict:
    exercise: str
    passed: bool
    message: str        # "✅ 4.1 passed (...)" or "❌ 4.1 not yet: ..." with its hint
    seconds: float


def kernel_evaluator(client, timeout):
    """evaluate(expression) -> the str it returns in the kernel (via user_expressions)."""
    def evaluate(expression):
        msg_id = client.execute("", silent=True, store_history=False, user_expressions={"v": expression})
        deadline = time.monotonic() + timeout
        while True:
            try:
                reply = client.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
            except Empty:
                raise EvidenceMissing(f"the kernel did not answer within {timeout} s") from None
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        result = reply["content"].get("user_expressions", {}).get("v", {})
        if result.get("status") != "ok":
            raise EvidenceMissing(f"{result.get('ename', 'Error')}: {result.get('evalue', '')}")
        text = ast.literal_eval(result["data"]["text/plain"])
        if not isinstance(text, str):
            raise EvidenceMissing("the kernel's evidence is not text")
        return text
    return evaluate


def check_arguments(source):
    """The exercise id and argument nodes of the one check(...) call in a check cell."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "check" and node.args:
            return node.args[0].value, node.args[1:]
    raise ValueError(f"no check(...) call in {source!r}")


def gather(nodes, evaluate):
    """The values the check cell names, and the sources of functions it names."""
    values, sources = [], {}
    for node in nodes:
        if isinstance(node, ast.Constant):
            values.append(node.value)
            if isinstance(node.value, str):
                source = json.loads(evaluate(f"{EVIDENCE}.export_function({node.value!r})"))
                if isinstance(source, str):
                    sources[node.value] = source
        elif isinstance(node, ast.Name):
            try:
                values.append(decode(json.loads(evaluate(f"{EVIDENCE}.export({node.id})")), evaluate))
            except EvidenceMissing as missing:
                raise EvidenceMissing(f"`{node.id}` is not defined: run its cell first ({missing}).") from None
        else:
            raise ValueError(f"check cell argument {ast.unparse(node)!r} is not a name or a constant")
    return values, sources


def run_checker(exercise_id, values, sources=None):
    """Run the course's checker on the evidence; return (passed, message)."""
    run = exercises.checker(exercise_id)
    try:
        with checking.deployed_functions(sources or {}):
            summary = run(*values)
    except exercises.Failure as failure:
        return False, str(exercises.ExerciseFailed(exercise_id, failure.reason, failure.hint))
    except LearnerFunctionRaised as raised:
        return False, str(exercises.ExerciseFailed(exercise_id, f"your function raised {raised}"))
    except Exception as error:  # the learner's value broke the checker: still a miss, said plainly
        return False, str(exercises.ExerciseFailed(exercise_id, f"{type(error).__name__}: {error}"))
    return True, f"✅ {exercise_id} passed" + (f" ({summary})" if summary else "")


def judge(check_source, evaluate):
    exercise_id, nodes = check_arguments(check_source)
    started = time.monotonic()
    try:
        values, sources = gather(nodes, evaluate)
        passed, message = run_checker(exercise_id, values, sources)
    except EvidenceMissing as missing:
        passed, message = False, str(exercises.ExerciseFailed(exercise_id, str(missing)))
    return Verdict(exercise_id, passed, message, round(time.monotonic() - started, 3))
