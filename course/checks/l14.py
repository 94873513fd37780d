"""Checks for lesson 14, durable functions. Each check runs the workflow on a fresh virtual-clock
runtime with AWS's durable execution SDK as a layer, so days of waiting take no time."""

import json
from decimal import Decimal
from functools import cache

from lambdakit.course.checking import as_decimal, deployed, handler_source
from lambdakit.course.exercises import exercise, expect, fail
from lambdakit.cost.pricing import US_EAST_1

SDK = ("aws-durable-execution-sdk-python",)
DAY_S = 86_400
DURABLE = {"ExecutionTimeout": 30 * DAY_S}
CHECKPOINTED = ("Step", "Wait", "Callback", "ChainedInvoke", "Context")   # history event types

PRINTS = '''
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import Duration

@durable_execution
def handler(event, context):
    print("handler starts")
    total = context.step(lambda step_context: print("adding up") or 42)
    context.wait(Duration.from_hours(1))
    context.wait(Duration.from_days(1))
    return total
'''

RETRIED = '''
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

RETRY = StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(
    max_attempts=5, initial_delay=Duration.from_minutes(1), jitter_strategy=JitterStrategy.NONE)))

def pay(step_context):
    if step_context.attempt < 3:
        raise ConnectionError("the payment service is busy")
    return "paid"

@durable_execution
def handler(event, context):
    context.step(lambda step_context: "reserved", name="reserve")
    context.wait(Duration.from_days(2))
    receipt = context.step(pay, name="pay", config=RETRY)
    context.wait(Duration.from_days(5))
    return receipt
'''


def _run(code, name, event=None):
    """Deploy `code` as a durable function, run one execution to its end (or to a callback)."""
    with deployed(code, name, handler="lambda_function.handler", layer_packages=SDK,
                  durable_config=DURABLE) as lam:
        arn = lam.invoke(f"{name}:$LATEST", event or {}, invocation_type="Event").durable_execution_arn
        lam.wait_durable_execution(arn)
        return lam, arn


# 14.2 and 14.3 ask about the lesson's workflows, not the learner's code: what they do is the
# same on every check, so each runs once per process (three cold starts with the SDK, seconds).
@cache
def _prints_per_execution():
    """How many times PRINTS prints 'handler starts' and 'adding up' in one execution."""
    lam, _ = _run(PRINTS, "prints")
    logs = [e.message for e in lam.log_events("prints")]
    return sum(m == "handler starts" for m in logs), sum(m == "adding up" for m in logs)


@cache
def _invocations_of_retried():
    """How many invocations one execution of RETRIED takes."""
    lam, arn = _run(RETRIED, "retried")
    return len(lam.durable_execution(arn).invocations)


@exercise("14.1")
def approval_workflow(code):
    code = handler_source(code)
    with deployed(code, "approval", handler="lambda_function.handler", layer_packages=SDK,
                  durable_config=DURABLE) as lam:
        arn = lam.invoke("approval:$LATEST", {"order": "o-7"}, invocation_type="Event").durable_execution_arn
        lam.wait_durable_execution(arn)
        described = lam.get_durable_execution(arn, include_execution_data=True)
        events = lam.get_durable_execution_history(arn, include_execution_data=True)["Events"]
        if described["Status"] == "FAILED":
            error = described.get("Error") or {}
            failed = f"the execution failed: {error.get('ErrorType')}: {error.get('ErrorMessage')}"
            if not any(e["EventType"].startswith(CHECKPOINTED) for e in events):
                fail(f"{failed}; its history holds no step, wait or callback: nothing was checkpointed.",
                     "Decorate the handler with @durable_execution: it hands your code a DurableContext "
                     "whose steps, waits and callbacks are checkpointed.")
            fail(failed)
        waits = [e["WaitStartedDetails"]["Duration"] for e in events if e["EventType"] == "WaitStarted"]
        expect(waits == [2 * DAY_S], f"the waits are {waits} seconds, not one of 2 days.",
               "context.wait(Duration.from_days(2)), once.")
        steps = [e.get("Name") for e in events if e["EventType"] == "StepSucceeded"]
        expect(steps[:1] == ["reserve"], "the first step, named reserve, should succeed before the wait.",
               'context.step(reserve_stock, name="reserve") before the wait.')
        callbacks = [e for e in events if e["EventType"] == "CallbackStarted"]
        expect(len(callbacks) == 1 and callbacks[0].get("Name") == "approval",
               "after the wait the workflow should wait for one callback named approval.",
               'context.create_callback(name="approval"), then its .result().')
        expect(described["Status"] == "RUNNING", "the execution should still wait for the approval.")
        lam.send_durable_execution_callback_success(callbacks[0]["CallbackStartedDetails"]["CallbackId"],
                                                    b"yes")  # the raw text the approver sends
        done = lam.wait_durable_execution(arn)
        expect(done["Status"] == "SUCCEEDED", f"after the approval the execution is {done['Status']}.")
        result = json.loads(done.get("Result") or "null")
        expect(result == {"order": "o-7", "approved": "yes"},
               f"it returned {result!r}, not {{'order': 'o-7', 'approved': 'yes'}}.",
               "Return the event's order and the callback's result.")
        replays = len(lam.durable_execution(arn).invocations)
    return f"reserve, wait 2 days, approval: {replays} invocations, SUCCEEDED"


@exercise("14.2")
def replay_prints(answer):
    if not isinstance(answer, (tuple, list)) or len(answer) != 2 or Ellipsis in answer:
        fail("replay_prints should be a pair: (times 'handler starts' prints, times 'adding up' prints).")
    given = tuple(int(as_decimal(value, "each count")) for value in answer)
    truth = _prints_per_execution()
    expect(given[1] == truth[1], f"the step's body does not print {given[1]} times.",
           "A completed step is not run again: replays read its checkpointed result.")
    expect(given[0] == truth[0], f"'handler starts' does not print {given[0]} times.",
           "Code outside steps runs in every invocation: the first, and one replay per wait.")
    return f"'handler starts' {truth[0]} times (every invocation), 'adding up' {truth[1]} time"


@exercise("14.3")
def retried_workflow_requests(answer):
    if not isinstance(answer, (tuple, list)) or len(answer) != 2 or Ellipsis in answer:
        fail("retried_workflow_requests should be a pair: (invocations, dollars of requests per million orders).")
    invocations = int(as_decimal(answer[0], "invocations"))
    dollars = as_decimal(answer[1], "dollars")
    truth = _invocations_of_retried()
    expect(invocations == truth, f"one order does not take {invocations} invocations.",
           "One to start, one after each wait, one for each retry of the failing step.")
    per_million = truth * US_EAST_1.request.value * 1_000_000
    expect(dollars.quantize(Decimal("0.01")) == per_million.quantize(Decimal("0.01")),
           f"{truth} requests per order, for a million orders, is not ${dollars}.",
           "$0.20 per million requests, times the invocations per order.")
    return f"{truth} invocations per order: ${per_million:.2f} of requests per million orders"
