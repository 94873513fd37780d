"""Checks for lesson 2, the context object and the execution environment's life."""

import json

from lambdakit.course.checking import deployed, handler_source, invoke_ok
from lambdakit.course.exercises import exercise, expect, fail

COUNTER = """
invocations = 0

def lambda_handler(event, context):
    global invocations
    invocations += 1
    return invocations
"""


@exercise("2.1")
def structured_logging(code):
    code = handler_source(code)
    with deployed(code, "structured-log") as lam:
        for user in ("u-42", "u-7"):
            result = invoke_ok(lam, "structured-log", {"user_id": user})
            lines = []
            for line in result.log.splitlines():
                try:
                    lines.append(json.loads(line))
                except ValueError:
                    continue
            objects = [entry for entry in lines if isinstance(entry, dict)]
            expect(objects, "no log line is a JSON object.",
                   "Print one json.dumps(...) of a dict per log line.")
            matching = [entry for entry in objects if entry.get("request_id") == result.request_id]
            expect(matching, f"no JSON log line has request_id {result.request_id!r} (the "
                   f"invocation's request id); got {objects[0]}.",
                   "The request id is on the context object; `dir(context)` lists what it has.")
            expect(matching[0].get("user_id") == user,
                   f"the log line should still carry user_id {user!r}: {matching[0]}.")
    return "JSON log lines carry context.aws_request_id"


def _counter_truth():
    with deployed(COUNTER, "counter") as lam:
        seen = [lam.invoke("counter", {}).result for _ in range(3)]
        lam.advance(minutes=11)
        seen += [lam.invoke("counter", {}).result for _ in range(2)]
        lam.update_function_configuration("counter", memory=256)
        seen.append(lam.invoke("counter", {}).result)
    return seen


@exercise("2.2")
def counter_prediction(prediction):
    if not isinstance(prediction, (list, tuple)) or Ellipsis in prediction:
        fail("counter_prediction should be a list of six ints, e.g. [1, 2, 3, 4, 5, 6].")
    expect(len(prediction) == 6, f"that is {len(prediction)} values; the script invokes six times.")
    truth = _counter_truth()
    wrong = [i + 1 for i, (a, b) in enumerate(zip(prediction, truth)) if a != b]
    if wrong:
        first = wrong[0]
        if first <= 3:
            hint = "One warm environment serves all three; its first invocation counts 1."
        elif first <= 5:
            hint = "11 idle minutes is longer than the modelled 10-minute reclaim time."
        else:
            hint = "Changing the configuration retires $LATEST's warm environments."
        fail(f"invocation {first} is not {prediction[first - 1]!r}.", hint)
    return f"{truth}: reuse, reclaim after idling, retire on a configuration change"


@exercise("2.3")
def stop_before_deadline(code):
    code = handler_source(code)
    cases = [(3, 20, 7), (5, 20, 12), (3, 3, 3)]
    for timeout, items, expected in cases:
        with deployed(code, "batch-worker", timeout=timeout) as lam:
            result = lam.invoke("batch-worker", {"items": list(range(items))})
        if result.function_error:
            error = result.result or {}
            if error.get("errorType") == "Sandbox.Timedout":
                fail(f"with {items} items and a {timeout} s timeout the function timed out.",
                     "Check context.get_remaining_time_in_millis() before each item.")
            fail(f"the function failed: {error.get('errorType')}: {error.get('errorMessage')}")
        body = result.result
        expect(isinstance(body, dict) and body.get("processed") == expected
               and body.get("remaining") == items - expected,
               f"with {items} items and a {timeout} s timeout it returned {body!r}; expected "
               f"{{'processed': {expected}, 'remaining': {items - expected}}}.",
               "Start an item only if at least 500 ms remain; each item takes 400 ms.")
    return "7 of 20 items in 3 s, 12 in 5 s, no timeout"
