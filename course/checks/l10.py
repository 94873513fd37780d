"""Checks for lesson 10, versions, aliases and safe deployments."""

import math
from collections import Counter
from types import SimpleNamespace

from lambdakit.course.checking import as_decimal, deployed
from lambdakit.course.exercises import exercise, expect, fail
from lambdakit.core.errors import LambdaError

VERSIONED = """
def lambda_handler(event, context):
    return context.function_version
"""


@exercise("10.1")
def weighted_alias(routing):
    if not isinstance(routing, dict) or "FunctionVersion" not in routing:
        fail("routing should stay a dict with FunctionVersion and RoutingConfig.")
    weights = (routing.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    with deployed(VERSIONED, "prices") as lam:
        lam.publish_version("prices")
        lam.update_function_configuration("prices", memory=256)
        lam.publish_version("prices")
        try:
            lam.create_alias("prices", "prod", str(routing["FunctionVersion"]),
                             weights={str(k): v for k, v in weights.items()})
        except LambdaError as error:
            fail(f"Lambda rejects it: {type(error).__name__}: {error}",
                 "AdditionalVersionWeights names one version other than FunctionVersion.")
        runs = Counter(lam.invoke("prices", {}, qualifier="prod").result for _ in range(2000))
    share_2 = runs["2"] / 2000
    expect(set(runs) <= {"1", "2"} and abs(share_2 - 0.10) < 0.03,
           f"it routes {dict(runs)} out of 2,000: not 90 % to version 1 and 10 % to version 2.",
           "The primary (FunctionVersion) gets whatever the additional version does not.")
    return f"version 1 primary with {{'2': 0.1}}: {runs['1']} and {runs['2']} of 2,000 requests"


@exercise("10.2")
def canary_range(answer):
    if not isinstance(answer, (tuple, list)) or len(answer) != 3:
        fail("canary_range should be (expected, low, high).")
    expected, low, high = (float(as_decimal(v, "each value")) for v in answer)
    sd = math.sqrt(1000 * 0.1 * 0.9)
    expect(abs(expected - 100) < 0.5, f"{answer[0]} is not the expected count.", "n x p.")
    expect(abs(low - (100 - 1.96 * sd)) < 1 and abs(high - (100 + 1.96 * sd)) < 1,
           f"{answer[1]} .. {answer[2]} is not mean ± 1.96 standard deviations.",
           "The standard deviation is sqrt(1000 x 0.1 x 0.9), about 9.49.")
    return f"100 expected, 95 % of runs between {100 - 1.96 * sd:.1f} and {100 + 1.96 * sd:.1f}"


def _records(counts):
    """Records with .version and .outcome from {(version, outcome): count}."""
    return [SimpleNamespace(version=v, outcome=o) for (v, o), n in counts.items() for _ in range(n)]


CANARIES = [
    ({("2", "ok"): 900, ("3", "ok"): 95, ("3", "function_error"): 5}, ("rollback", 0.05)),
    ({("2", "ok"): 900, ("3", "ok"): 100}, ("promote", 0.0)),
    ({("2", "ok"): 880, ("2", "function_error"): 20, ("3", "ok"): 99, ("3", "timeout"): 1}, ("promote", 0.01)),
    ({("2", "ok"): 500, ("3", "ok"): 48, ("3", "throttled"): 2}, ("rollback", 0.04)),
    ({("2", "ok"): 50}, ("wait", None)),
]


@exercise("10.3")
def canary_verdict(function):
    if not callable(function):
        fail("pass the function itself: check('10.3', canary_verdict).")
    for counts, expected in CANARIES:
        got = function(_records(counts), "2", "3")
        if not isinstance(got, tuple) or len(got) != 2:
            fail(f"it returned {got!r}; expected a pair such as {expected!r}.")
        verdict, rate = got
        same_rate = rate is None if expected[1] is None else rate is not None and abs(rate - expected[1]) < 1e-9
        if not (verdict == expected[0] and same_rate):
            described = ", ".join(f"{n} {o} on v{v}" for (v, o), n in counts.items())
            hint = "Count only the canary's records; any outcome other than 'ok' is an error." \
                if expected[0] != "wait" else "No canary records means there is nothing to judge yet."
            fail(f"for {described} it returned {got!r}; expected {expected!r}.", hint)
    return "rolls back above 1 % canary errors, promotes at or below, waits without data"
