"""Checks for lesson 9, queues and streams, on the runtime's own event source mappings."""

import json
from collections import Counter

from lambdakit.cost import billing
from lambdakit.course.checking import as_decimal, deployed, handler_source, learner_random
from lambdakit.course.exercises import exercise, expect, fail
from lambdakit.cost.pricing import to_cents

SENSORS = """
import base64
import json

def lambda_handler(event, context):
    for record in event["Records"]:
        reading = json.loads(base64.b64decode(record["kinesis"]["data"]))
        if reading["temperature"] is None:
            raise ValueError("no temperature")
"""


def _drain(sqs, url):
    found = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        found += [m["Body"] for m in messages]
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
    return found


@exercise("9.1")
def partial_batch(code):
    code = handler_source(code)
    poisoned = sorted(learner_random("9.1").sample(range(100), 3))   # not the lesson's 17, 42, 81
    with deployed(code, "orders-partial") as lam:
        sqs = lam.local_aws(kernel_env=False).client("sqs")
        dlq = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue = sqs.create_queue(QueueName="orders", Attributes={"VisibilityTimeout": "30", "RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})})["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        bodies = {}
        for n in range(100):
            body = f"POISON-{n}" if n in poisoned else f"order-{n}"
            bodies[sqs.send_message(QueueUrl=queue, MessageBody=body)["MessageId"]] = body
        mapping = lam.create_event_source_mapping("orders-partial", arn, batch_size=10,
                                                  function_response_types=["ReportBatchItemFailures"])
        lam.advance(minutes=5)
        attempts = list(lam.event_source_mapping(mapping["UUID"]).attempts)
        lam.update_event_source_mapping(mapping["UUID"], enabled=False)
        dead_letters = _drain(sqs, dlq)
    failed_batches = sum(a.outcome == "error" for a in attempts)
    expect(failed_batches == 0, f"{failed_batches} invocations failed as a whole.",
           "Catch the exception around process(body) for each record, so one bad record does not fail the batch.")
    poison = sorted(f"POISON-{n}" for n in poisoned)
    expect(sorted(dead_letters) == poison,
           f"the dead-letter queue holds {len(dead_letters)} messages: {sorted(dead_letters)[:6]}...",
           "Report exactly the records whose processing raised, by their messageId.")
    done = Counter(bodies[item] for a in attempts for item in a.items if item not in a.failed)
    good = {f"order-{n}": 1 for n in range(100) if n not in poisoned}
    expect({k: v for k, v in done.items() if k.startswith("order-")} == good,
           "some good messages were not processed exactly once.", "Do not report records that succeeded.")
    return "exactly the 3 poison pills in the DLQ; 97 orders processed once each"


def _shard_truth():
    with deployed(SENSORS, "sensors") as lam:
        stream = lam.kinesis_stream("sensors")
        for n in range(30):
            stream.put_record(json.dumps({"sensor": n, "temperature": None if n == 14 else 20.5}), "site-1")
        mapping = lam.create_event_source_mapping("sensors", stream.arn, starting_position="TRIM_HORIZON",
                                                  batch_size=10, maximum_retry_attempts=2)
        lam.advance(minutes=10)
        found = lam.event_source_mapping(mapping["UUID"])
        attempts, discarded = len(found.attempts), sum(len(items) for _, items, _ in found.discarded)
        lam.update_event_source_mapping(mapping["UUID"], enabled=False)
    return attempts, discarded


@exercise("9.2")
def retry_limits(answer):
    if not isinstance(answer, (tuple, list)) or len(answer) != 2 or Ellipsis in answer:
        fail("retry_limited should be a pair: (invocations, records_to_destination).")
    invocations, lost = (as_decimal(value, "each number") for value in answer)
    truth = _shard_truth()
    if lost == 1:
        fail("1 record would be bisection's result; without it the whole batch is given up.")
    expect(invocations == truth[0], f"{answer[0]} invocations is not it.",
           "Batch 1 once, batch 2 once plus 2 retries, batch 3 once.")
    expect(lost == truth[1], f"{answer[1]} records is not it.", "The whole failing batch goes to the destination.")
    return f"{truth[0]} invocations; the whole batch of {truth[1]} records, 9 of them good, to the destination"


@exercise("9.3")
def scenario_3(answer):
    if not isinstance(answer, dict):
        fail("scenario_3 should stay a dict with the four keys.")
    invocations = as_decimal(answer.get("invocations"), "invocations")
    shards = as_decimal(answer.get("shards_at_full_parallelization"), "shards_at_full_parallelization")
    listed = to_cents(as_decimal(answer.get("list_price"), "list_price"))
    free = to_cents(as_decimal(answer.get("after_free_tier"), "after_free_tier"))
    expect(invocations == 1_000_000, f"{answer['invocations']} invocations is not it.", "100 million / 100 per batch.")
    expect(shards == 10, f"{answer['shards_at_full_parallelization']} shards is not it.",
           "Each shard at parallelization factor 10 uses 10 concurrent executions.")
    truth_list = to_cents(billing.monthly_cost(1_000_000, 1000, 1024))
    truth_free = to_cents(billing.monthly_cost(1_000_000, 1000, 1024, free_tier=True))
    expect(listed == truth_list, f"the list price is not ${listed}.",
           "1M x 1 s x 1 GB = 1,000,000 GB-s; plus 1M requests.")
    expect(free == truth_free, f"after the free tier it is not ${free}.",
           "Take 1M requests and 400,000 GB-s off.")
    return f"1,000,000 invocations, 10 shards, ${truth_list} list, ${truth_free} after the free tier"
