"""Helpers for checkers (course/checks/*.py): get the learner's handler code and run it.

A checker never trusts the learner's runtime or notebook state: it deploys the code it
was given on a fresh virtual-clock Runtime of its own, at dates, memory sizes and timeouts
of its choosing, and looks at what comes back.
"""

import getpass
import json
import os
import random
import threading
from contextvars import ContextVar
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

from ..runtime.layers import installed_layer
from ..runtime.service import Runtime
from .exercises import fail

CHECK_START = "2025-06-01T12:00:00Z"
LEARNER_VAR = "LAMBDAKIT_LEARNER"


def learner_random(exercise_id):
    """A random source for events made at check time, seeded per learner and exercise:
    an answer hard-coded to the lesson's example fails, and one learner sees the same
    events on every run (LAMBDAKIT_LEARNER, else the account name, picks the learner)."""
    learner = os.environ.get(LEARNER_VAR) or getpass.getuser()
    return random.Random(f"{learner}:{exercise_id}")


_GRADER_SOURCES = ContextVar("grader_sources", default=None)


@contextmanager
def deployed_functions(sources):
    """While grading: the functions the learner's kernel has deployed, {name: handler source}
    (the grader has no default runtime of its own to look them up in)."""
    token = _GRADER_SOURCES.set(dict(sources))
    try:
        yield
    finally:
        _GRADER_SOURCES.reset(token)


def handler_source(answer, what="your handler code"):
    """The source text of a handler: a string of code, or the name of a function on the
    kernel's default runtime (as `%%lambda NAME` registers it)."""
    if answer is Ellipsis or answer is None:
        fail(f"{what} is still `...`: write it first.")
    if not isinstance(answer, str):
        fail(f"{what} should be a string of Python source (or a function's name), "
             f"not {type(answer).__name__}.")
    if "def " in answer or "\n" in answer:
        return answer
    graded = _GRADER_SOURCES.get()
    if graded is not None:
        if answer not in graded:
            fail(f"there is no function {answer!r}; run the cell that creates it.")
        return graded[answer]
    return _default_runtime_source(answer)


def _default_runtime_source(name):
    from .evidence import function_source
    source = function_source(name)
    if source is None:
        fail(f"there is no function {name!r}; pass the handler's code or the name of a "
             "function you created.")
    return source


@contextmanager
def deployed(code, name="exercise", *, start=CHECK_START, seed=0, layer_packages=(), **settings):
    """A fresh virtual-clock Runtime with `code` deployed as `name`; `layer_packages` are
    installed distributions the function gets in layers (AWS's runtime lacks them)."""
    runtime = Runtime(clock="virtual", seed=seed, start=start)
    try:
        if layer_packages:
            settings["layers"] = [runtime.publish_layer_version(package, installed_layer(package))["LayerVersionArn"]
                                  for package in layer_packages]
        runtime.create_function(name, code, **settings)
        yield runtime
    finally:
        # Closing waits for the environments' processes to exit; the check's answer does
        # not depend on that, so the learner need not wait for it either.
        threading.Thread(target=runtime.close, daemon=True).start()


def invoke_ok(runtime, name, event, what="your handler"):
    """Invoke and return the result; a function error fails the exercise with its message."""
    result = runtime.invoke(name, event)
    if result.function_error:
        error = result.result or {}
        fail(f"{what} failed on the event {json.dumps(event)}: "
             f"{error.get('errorType')}: {error.get('errorMessage')}")
    return result


def json_body(payload, what="the response"):
    """The decoded `body` of a proxy-style response, insisting that it is a JSON string."""
    if not isinstance(payload, dict) or "body" not in payload:
        fail(f"{what} should be a dict with a 'body', got {payload!r}.")
    body = payload["body"]
    if not isinstance(body, str):
        fail(f"{what}'s body is a {type(body).__name__}, not a string.",
             "API Gateway and function URLs need body to be a string: json.dumps(...) it.")
    try:
        return json.loads(body)
    except ValueError:
        fail(f"{what}'s body is not JSON: {body[:80]!r}")


def as_decimal(value, what="your answer"):
    if value is Ellipsis or value is None:
        fail(f"{what} is still `...`: compute it first.")
    if isinstance(value, bool):
        fail(f"{what} should be a number, not {value!r}.")
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).replace("$", "").replace(",", ""))
    except InvalidOperation:
        fail(f"{what} should be a number (or a string like '$1.23'), not {value!r}.")


def as_count(value, what="your answer"):
    """A whole number of things (cold starts, environments, throttles): an int, not 5.0 or '5'."""
    if value is Ellipsis or value is None:
        fail(f"{what} is still `...`: compute it first.")
    if isinstance(value, bool) or not isinstance(value, int):
        fail(f"{what} is a count: it should be an int, not {type(value).__name__} {value!r}.")
    return value
