"""Checks for lesson 7, invocation models, retries, DLQs and idempotency. Asynchronous
events go through the runtime's own queue (retries, DLQ), settled on the virtual clock."""

import json
from concurrent.futures import ThreadPoolExecutor

from lambdakit.scale.async_retry import RETRIES_EXHAUSTED, SUCCESS
from lambdakit.course.checking import as_decimal, deployed, handler_source, learner_random
from lambdakit.course.exercises import exercise, expect, fail

ALWAYS_FAILS = """
def lambda_handler(event, context):
    raise RuntimeError("always")
"""
DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:orders-dlq"
AT_ONCE = 3   # deliveries of one order at the same instant in 7.3


def _event(lam, name, event):
    """Invoke asynchronously, let the queue finish; return the outcome and the attempts' records."""
    accepted = lam.invoke(name, event, invocation_type="Event")
    lam.settle()
    outcome = lam.async_outcome(accepted.request_id)
    return outcome, [r for r in lam.records if r.request_id == accepted.request_id]


@exercise("7.1")
def attempt_times(answer):
    if not isinstance(answer, (list, tuple)) or Ellipsis in answer:
        fail("attempt_seconds should be a list of numbers, e.g. [0, 10, 20].")
    given = [round(float(as_decimal(value, "each time"))) for value in answer]
    with deployed(ALWAYS_FAILS, "fails") as lam:
        lam.invoke("fails", {})                       # warm, as the exercise says
        outcome, records = _event(lam, "fails", {"n": 1})
    truth = [round((r.start_ms - outcome.accepted_ms) / 1000) for r in records]
    if len(given) != len(truth):
        fail(f"that is {len(given)} attempts; there are {len(truth)}.",
             "The first attempt, plus MaximumRetryAttempts retries (2 by default).")
    expect(given == truth, f"{given} are not the times.",
           "About 1 minute after the first failure, then 2 minutes after the second.")
    return f"attempts at {truth} seconds, then the event is dropped or sent to a DLQ"


@exercise("7.2")
def fail_loudly(code):
    code = handler_source(code)
    event = {"order_id": "o-17", "amount": 42}
    with deployed(code, "place-order", env={"PAYMENTS_DOWN": "1"},
                  dead_letter_config={"TargetArn": DLQ_ARN}) as lam:
        down, _ = _event(lam, "place-order", event)
        dead_letters = [d for d in lam.async_deliveries if d.kind == "dead_letter_queue"]
        logs = "\n".join(e.message for e in lam.log_events("place-order"))
    expect(down.condition == RETRIES_EXHAUSTED and down.invocations == 3,
           f"with the payment service down, the event ended {down.condition} after {down.invocations} "
           "invocation(s).",
           "A returned value is a success for Lambda: raise the exception again after logging it.")
    expect(len(dead_letters) == 1 and json.loads(dead_letters[0].body) == event,
           "the event did not reach the dead-letter queue.")
    expect("Error processing order o-17" in logs, "keep the log line before re-raising.")
    with deployed(code, "place-order") as lam:
        up, records = _event(lam, "place-order", event)
        response = lam.invoke("place-order", event).result
    expect(up.condition == SUCCESS and up.invocations == 1 and response.get("statusCode") == 200,
           f"with the payment service up, the order should succeed with statusCode 200; it returned {response!r}.")
    return "3 attempts at 0, 60 and 180 s, then the event is in the dead-letter queue"


@exercise("7.3")
def charge_once(code):
    code = handler_source(code)
    at_once = {"order_id": f"C-{learner_random('7.3').randint(100, 999)}", "amount": 17}
    # The check's own timeout: a delivery may wait at the table for the others' cold starts.
    with deployed(code, "charge-order", timeout=60) as lam:
        aws = lam.local_aws(kernel_env=False)
        sqs = aws.client("sqs")
        url = sqs.create_queue(QueueName="charges")["QueueUrl"]
        aws.client("dynamodb").create_table(
            TableName="processed-orders", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}])
        deliveries = [{"order_id": "A-1", "amount": 42, "delivery": 1},
                      {"order_id": "B-7", "amount": 9, "delivery": 1},
                      {"order_id": "A-1", "amount": 42, "delivery": 2}]
        results = []
        for n, event in enumerate(deliveries):
            if n == 2:
                lam.advance(minutes=11)               # the duplicate lands in a new environment
            results.append(lam.invoke("charge-order", event))
        later = [{**at_once, "delivery": n} for n in range(1, AT_ONCE + 1)]
        side_by_side = _deliver_at_once(lam, aws, later)
        charges = _drain(sqs, url)
    for event, result in zip(deliveries + later, results + side_by_side):
        if result.function_error:
            error = result.result or {}
            fail(f"delivery {event} failed: {error.get('errorType')}: {error.get('errorMessage')}",
                 "A duplicate is not an error: catch ConditionalCheckFailedException and return normally.")
    expect(len({r.record.environment_id for r in results}) == 2,
           "the check expected the duplicate in a second environment.")
    expect(len({r.record.environment_id for r in side_by_side}) == AT_ONCE,
           "the check expected the deliveries at once in environments of their own.")
    expect(sorted(c for c in charges if c != at_once["order_id"]) == ["A-1", "B-7"],
           f"the queue holds charges for {sorted(charges)}.",
           "Record each order_id with put_item(..., ConditionExpression='attribute_not_exists(order_id)') "
           "before charging; if that raises ConditionalCheckFailedException, the order was processed already.")
    times = charges.count(at_once["order_id"])
    expect(times == 1,
           f"{at_once['order_id']}, delivered {AT_ONCE} times at once, was charged {times} times: each "
           "delivery read the table before any of them wrote to it.",
           "A read followed by a write is not atomic. Let DynamoDB decide in one request: a put_item "
           "with a ConditionExpression succeeds for exactly one delivery.")
    return (f"A-1 charged once although delivered twice to two environments, B-7 once, and an order "
            f"delivered {AT_ONCE} times at once, once")


def _deliver_at_once(lam, aws, events):
    """Deliver `events` (duplicates of one order) at the same instant, side by side, as SQS's
    at-least-once delivery can; their reads of the table meet, so none writes before all read."""
    at_ms = lam.clock.now_ms()
    with aws.meet_reads("processed-orders", len(events)), ThreadPoolExecutor(len(events)) as pool:
        return list(pool.map(lambda event: lam.invoke_at("charge-order", event, at_ms), events))


def _drain(sqs, url):
    """The order ids of every charge message in the queue."""
    charges = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return charges
        charges += [json.loads(m["Body"])["order_id"] for m in batch]
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
