"""Checks for lesson 7, invocation models, retries, DLQs and idempotency. Asynchronous
events go through the runtime's own queue (retries, DLQ), settled on the virtual clock."""

import json

from lambdakit.scale.async_retry import RETRIES_EXHAUSTED, SUCCESS
from lambdakit.course.checking import as_decimal, deployed, handler_source
from lambdakit.course.exercises import exercise, expect, fail

ALWAYS_FAILS = """
def lambda_handler(event, context):
    raise RuntimeError("always")
"""
DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:orders-dlq"


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
    with deployed(code, "charge-order", timeout=10) as lam:
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
        environments = {r.record.environment_id for r in results}
        charges = []
        while True:
            batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                break
            charges += [json.loads(m["Body"])["order_id"] for m in batch]
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
    for event, result in zip(deliveries, results):
        if result.function_error:
            error = result.result or {}
            fail(f"delivery {event} failed: {error.get('errorType')}: {error.get('errorMessage')}",
                 "A duplicate is not an error: catch ConditionalCheckFailedException and return normally.")
    expect(len(environments) == 2, "the check expected the duplicate in a second environment.")
    expect(sorted(charges) == ["A-1", "B-7"], f"the queue holds charges for {sorted(charges)}.",
           "Record each order_id with put_item(..., ConditionExpression='attribute_not_exists(order_id)') "
           "before charging; if that raises ConditionalCheckFailedException, the order was processed already.")
    return "A-1 charged once although delivered twice to two environments; B-7 once"
