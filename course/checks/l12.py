"""Checks for lesson 12, observability."""

import json
from decimal import Decimal

from lambdakit.course.checking import deployed, handler_source, invoke_ok
from lambdakit.course.exercises import exercise, expect, fail
from lambdakit.cost.pricing import gb_seconds

WORKER = """
from lambdakit import work

def lambda_handler(event, context):
    work(io_ms=event["ms"])
    return "ok"
"""


def _report_lines():
    """REPORT lines of two functions at two memory sizes, cold and warm, and their records."""
    lines, records = [], []
    with deployed(WORKER, "small", memory=128) as lam:
        lam.create_function("large", WORKER, memory=3008)
        for n, (name, ms) in enumerate([("small", 12.3), ("large", 250.01), ("small", 0.2),
                                        ("large", 99.99), ("small", 1000)]):
            if n == 4:
                lam.advance(minutes=11)
            result = lam.invoke(name, {"ms": ms})
            lines.append(result.report)
            records.append(result.record)
    return lines, records


@exercise("12.1")
def summarize_reports(function):
    if not callable(function):
        fail("pass the function itself: check('12.1', summarize_reports).")
    lines, records = _report_lines()
    got = function(lines)
    if not isinstance(got, dict):
        fail(f"it returned {got!r}; expected a dict with invocations, cold_starts and gb_seconds.")
    expected = {"invocations": len(records), "cold_starts": sum(r.cold for r in records),
                "gb_seconds": sum((gb_seconds(r.billed_ms, r.memory_mb) for r in records), Decimal(0))}
    for key in ("invocations", "cold_starts"):
        expect(got.get(key) == expected[key], f"{key} is {got.get(key)!r}; expected {expected[key]}.",
               "A line with 'Init Duration' followed a cold start." if key == "cold_starts" else None)
    value = got.get("gb_seconds")
    expect(isinstance(value, Decimal), f"gb_seconds should be a Decimal, not {type(value).__name__}.",
           "Decimal(billed_ms) * memory_mb / 1024 / 1000 is exact.")
    expect(value == expected["gb_seconds"], f"gb_seconds is {value}; expected {expected['gb_seconds']}.",
           "Use Billed Duration (not Duration) and Memory Size from each line; GB = MB / 1024.")
    return (f"{expected['invocations']} lines, {expected['cold_starts']} cold starts, "
            f"{expected['gb_seconds']} GB-s, exact")


@exercise("12.2")
def emf_line(code):
    code = handler_source(code)
    with deployed(code, "emf-metrics") as lam:
        result = invoke_ok(lam, "emf-metrics", {})
        now_ms = lam.clock.now_ms()
    documents = []
    for line in result.log.splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict) and "_aws" in document:
            documents.append(document)
    expect(len(documents) == 1, f"expected one EMF JSON line in the log, found {len(documents)}.",
           "print(json.dumps(metrics)) once per invocation.")
    doc = documents[0]
    aws = doc["_aws"]
    expect(isinstance(aws.get("Timestamp"), int) and abs(aws["Timestamp"] - now_ms) < 60_000,
           f"_aws.Timestamp is {aws.get('Timestamp')!r}; it should be the current time in epoch ms, an int.")
    expect(aws.get("CloudWatchMetrics") == [{"Namespace": "MyApp", "Dimensions": [["FunctionName"]],
                                             "Metrics": [{"Name": "ItemsProcessed", "Unit": "Count"}]}],
           f"_aws.CloudWatchMetrics is {aws.get('CloudWatchMetrics')!r}.")
    expect(doc.get("FunctionName") == "emf-metrics" and doc.get("ItemsProcessed") == 100,
           f"the top-level values are FunctionName={doc.get('FunctionName')!r}, "
           f"ItemsProcessed={doc.get('ItemsProcessed')!r}.",
           "The dimension and the metric values sit at the top level of the JSON object.")
    return "one EMF line: MyApp/ItemsProcessed = 100, dimension FunctionName"


ALARM_CASES = [
    ([0, 0, 0.02, 0, 0.03, 0.05], 0.01, 2, 3, 4),
    ([0.02, 0.02, 0, 0], 0.01, 2, 3, 1),
    ([0.01, 0.01, 0.01], 0.01, 1, 1, None),
    ([0, 0.5, 0, 0, 0.5, 0, 0.5], 0.01, 2, 3, 6),
    ([11, 3, 12, 15], 10, 2, 2, 3),
    ([], 0.01, 2, 3, None),
    ([0.2], 0.01, 1, 3, 0),
]


@exercise("12.3")
def first_alarm(function):
    if not callable(function):
        fail("pass the function itself: check('12.3', first_alarm).")
    for datapoints, threshold, m, n, expected in ALARM_CASES:
        got = function(list(datapoints), threshold, m, n)
        if got != expected:
            hint = "Only values strictly greater than the threshold breach." if expected is None and datapoints \
                else "At minute i look at datapoints[max(0, i - n + 1) : i + 1] and count the breaches."
            fail(f"first_alarm({datapoints}, {threshold}, {m}, {n}) is {got!r}; expected {expected!r}.", hint)
    return "M out of N datapoints above the threshold, minute by minute"
