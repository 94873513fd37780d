"""Event source mappings, replayed for the queues-and-streams lesson: Lambda's poller in
a few lines, on a virtual-clock Runtime and moto's SQS.

lambdakit's runtime has no pollers of its own, so these helpers play the part: read a
batch, invoke the function synchronously with the event AWS would send, then do what the
mapping does with the result. Each invocation is real (records, logs, bill).

SQS (AWS Lambda Developer Guide, "Using Lambda with Amazon SQS"): a successful batch is
deleted from the queue; a failed one is left to reappear when its visibility timeout ends
(the clock is moved on by it), so every message in it is received again, and the queue's
redrive policy moves a message received more than maxReceiveCount times to its
dead-letter queue. With `ReportBatchItemFailures` the function may return
`{"batchItemFailures": [{"itemIdentifier": MESSAGE_ID}]}`; then only those messages stay.

Kinesis and DynamoDB Streams: one shard's records, in order, one batch at a time. A failed
batch is retried until it succeeds, expires or uses MaximumRetryAttempts (-1: no limit; the
replay stops after `max_attempts`, as a shard would stay blocked); then it goes to the
on-failure destination and the shard moves on. With BisectBatchOnFunctionError a failed
batch is split in two and each half retried, halves first in order; lambdakit's model
counts a split as one of the batch's attempts.
"""

import json
from dataclasses import dataclass, field

from ..limits import REGION

_HIDDEN_S = 3600


@dataclass
class Batch:
    items: list            # message bodies, or stream record indexes
    ok: bool
    reported_failures: list = field(default_factory=list)


@dataclass
class SqsRun:
    batches: list = field(default_factory=list)
    processed: dict = field(default_factory=dict)    # body -> times it was in a successful batch
    dead_letters: list = field(default_factory=list)  # bodies in the DLQ afterwards

    def describe(self):
        failed = sum(not b.ok for b in self.batches)
        return (f"{len(self.batches)} invocations ({failed} failed batches); "
                f"{len(self.processed)} messages done and deleted; "
                f"{len(self.dead_letters)} in the dead-letter queue")


def _sqs_record(message, queue_arn):
    attributes = message.get("Attributes", {})
    return {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {k: attributes[k] for k in ("ApproximateReceiveCount", "SentTimestamp",
                                                       "SenderId", "ApproximateFirstReceiveTimestamp")
                           if k in attributes},
            "messageAttributes": {}, "md5OfBody": message["MD5OfBody"], "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn, "awsRegion": REGION}


def poll_sqs(runtime, sqs, queue_url, function, *, batch_size=10, report_batch_item_failures=False,
             visibility_timeout_s=30, dead_letter_url=None, max_polls=500):
    """Run an SQS event source mapping until the queue is empty; return an SqsRun."""
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    run = SqsRun()
    for _ in range(max_polls):
        messages = []
        while len(messages) < batch_size:
            # Hidden while the batch is out (moto counts visibility in wall-clock time); failed
            # messages are made visible again below, when the virtual timeout has passed.
            got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=min(10, batch_size - len(messages)),
                                      VisibilityTimeout=_HIDDEN_S, AttributeNames=["All"]).get("Messages", [])
            if not got:
                break
            messages += got
        if not messages:
            break
        result = runtime.invoke(function, {"Records": [_sqs_record(m, queue_arn) for m in messages]})
        keep = {m["MessageId"] for m in messages}
        reported = []
        if not result.function_error:
            keep = set()
            if report_batch_item_failures and isinstance(result.result, dict):
                reported = [f.get("itemIdentifier") for f in result.result.get("batchItemFailures") or []]
                keep = set(reported) & {m["MessageId"] for m in messages}
        by_id = {m["MessageId"]: m for m in messages}
        run.batches.append(Batch([m["Body"] for m in messages], not result.function_error,
                                 [by_id[i]["Body"] for i in reported if i in by_id]))
        done = [m for m in messages if m["MessageId"] not in keep]
        for m in done:
            run.processed[m["Body"]] = run.processed.get(m["Body"], 0) + 1
        for start in range(0, len(done), 10):
            sqs.delete_message_batch(QueueUrl=queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start:start + 10])])
        if keep:
            runtime.advance(seconds=visibility_timeout_s)   # the failed messages reappear
            kept = [m for m in messages if m["MessageId"] in keep]
            for start in range(0, len(kept), 10):
                sqs.change_message_visibility_batch(QueueUrl=queue_url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                    for i, m in enumerate(kept[start:start + 10])])
    if dead_letter_url:
        while True:
            got = sqs.receive_message(QueueUrl=dead_letter_url, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                break
            run.dead_letters += [m["Body"] for m in got]
            sqs.delete_message_batch(QueueUrl=dead_letter_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])
    return run


@dataclass
class StreamRun:
    batches: list = field(default_factory=list)        # Batch of record indexes
    processed: list = field(default_factory=list)      # record indexes, in the order they succeeded
    to_destination: list = field(default_factory=list)  # record indexes sent to the on-failure destination
    blocked_at: int | None = None                       # first record of a batch still failing

    def describe(self):
        blocked = f"; shard blocked at record {self.blocked_at}" if self.blocked_at is not None else ""
        return (f"{len(self.batches)} invocations; {len(self.processed)} records processed, "
                f"{len(self.to_destination)} sent to the on-failure destination{blocked}")


def replay_shard(runtime, function, event, *, batch_size=100, bisect=False, max_retries=-1, max_attempts=50):
    """Feed one shard's records (the Records of a Kinesis or DynamoDB Streams `event`) to
    `function` in order; return a StreamRun."""
    records = event["Records"]
    run = StreamRun()
    pending = [list(range(start, min(start + batch_size, len(records))))
               for start in range(0, len(records), batch_size)]
    attempts = {}
    while pending:
        batch = pending.pop(0)
        result = runtime.invoke(function, {"Records": [records[i] for i in batch]})
        run.batches.append(Batch(batch, not result.function_error))
        if not result.function_error:
            run.processed += batch
            continue
        key = tuple(batch)
        attempts[key] = attempts.get(key, 0) + 1
        if bisect and len(batch) > 1:
            half = (len(batch) + 1) // 2
            pending[:0] = [batch[:half], batch[half:]]
        elif max_retries >= 0 and attempts[key] > max_retries:
            run.to_destination += batch
        elif attempts[key] >= max_attempts:
            run.blocked_at = batch[0]
            break
        else:
            pending.insert(0, batch)
    return run


def decoded(record):
    """A Kinesis record's data, decoded (as the exam guide's handler does)."""
    import base64
    return json.loads(base64.b64decode(record["kinesis"]["data"]))
