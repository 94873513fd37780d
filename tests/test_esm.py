"""Event source mappings: SQS queues in local AWS (moto's server) and Kinesis / DynamoDB
streams modelled in the kernel, polled on the virtual clock (exact batches) and the real one;
the API's validation and its REST form through unmodified boto3."""

import json
import time

import boto3
import pytest
from botocore.exceptions import ClientError

from lambdakit import InvalidParameterValueException, ResourceConflictException, ResourceNotFoundException
from lambdakit.core.errors import ValidationException

ACCOUNT = "123456789012"
PARTIAL_HANDLER = '''
def lambda_handler(event, context):
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]
                                  if r["body"].startswith("poison")]}
'''
STREAM_HANDLER = '''
import base64
def lambda_handler(event, context):
    for r in event["Records"]:
        if base64.b64decode(r["kinesis"]["data"]) == b"poison":
            raise ValueError("poison record " + r["kinesis"]["sequenceNumber"])
    return len(event["Records"])
'''
SLOW_HANDLER = '''
import time
def lambda_handler(event, context):
    time.sleep(1)
    return [r["body"] for r in event["Records"]]
'''


def queue(aws, name, **attributes):
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]
    return url, f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}"


def drain(aws, url):
    sqs, bodies = aws.client("sqs"), []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=600).get("Messages", [])
        if not got:
            return bodies
        bodies += [m["Body"] for m in got]


def send(aws, url, bodies, **extra):
    sqs = aws.client("sqs")
    return {sqs.send_message(QueueUrl=url, MessageBody=b, **extra)["MessageId"]: b for b in bodies}


# ------------------------------------------------------------------------ SQS
def test_sqs_poison_messages_under_partial_batch_response_go_to_the_dlq(virtual):
    virtual.create_function("worker", PARTIAL_HANDLER)
    aws = virtual.local_aws()
    dlq_url, dlq_arn = queue(aws, "jobs-dlq")
    url, arn = queue(aws, "jobs", VisibilityTimeout=30,
                     RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"}))
    bodies = send(aws, url, ["ok-0", "ok-1", "poison-2", "ok-3", "ok-4", "poison-5", "ok-6"])
    mapping = virtual.create_event_source_mapping("worker", arn, batch_size=4,
                                                  function_response_types=["ReportBatchItemFailures"])
    assert mapping["State"] == "Creating"
    virtual.advance(seconds=200)

    attempts = virtual.event_source_mapping(mapping["UUID"]).attempts
    seen = [[bodies[i] for i in a.items] for a in attempts]
    # Two batches at once, then the two poison messages every visibility timeout (30 s),
    # three receipts in all; SQS moves them to the DLQ at the fourth receive.
    assert [(a.at_ms - attempts[0].at_ms) / 1000 for a in attempts] == [0, 0, 30, 60]
    assert sorted(b for batch in seen[:2] for b in batch) == sorted(bodies.values())
    assert [sorted(batch) for batch in seen[2:]] == [["poison-2", "poison-5"]] * 2
    assert [a.outcome for a in attempts] == ["partial"] * 4
    assert sorted(bodies[i] for a in attempts for i in a.failed) == ["poison-2"] * 3 + ["poison-5"] * 3
    assert sorted(drain(aws, dlq_url)) == ["poison-2", "poison-5"]
    assert drain(aws, url) == []
    assert virtual.get_event_source_mapping(mapping["UUID"])["State"] == "Enabled"


def test_sqs_batch_failure_without_partial_response_retries_the_whole_batch(virtual):
    virtual.create_function("strict", "def lambda_handler(e, c):\n"
                                      "    if any(r['body'] == 'bad' for r in e['Records']):\n"
                                      "        raise ValueError('bad')\n")
    aws = virtual.local_aws()
    url, arn = queue(aws, "strict", VisibilityTimeout=20)
    send(aws, url, ["a", "bad", "c"])
    mapping = virtual.create_event_source_mapping("strict", arn, batch_size=10)
    virtual.advance(seconds=45)
    attempts = virtual.event_source_mapping(mapping["UUID"]).attempts
    assert [(len(a.items), a.outcome, (a.at_ms - attempts[0].at_ms) / 1000) for a in attempts] == [
        (3, "error", 0), (3, "error", 20), (3, "error", 40)]
    virtual.update_event_source_mapping(mapping["UUID"], enabled=False)
    virtual.advance(seconds=60)
    assert len(virtual.event_source_mapping(mapping["UUID"]).attempts) == 3
    assert virtual.get_event_source_mapping(mapping["UUID"])["State"] == "Disabled"


def test_sqs_batching_window_and_maximum_concurrency(virtual):
    virtual.create_function("slow", SLOW_HANDLER)
    aws = virtual.local_aws()
    url, arn = queue(aws, "window")
    send(aws, url, ["w1", "w2", "w3"])
    windowed = virtual.create_event_source_mapping("slow", arn, batch_size=50,
                                                   maximum_batching_window_in_seconds=5)
    virtual.advance(seconds=10)
    attempts = virtual.event_source_mapping(windowed["UUID"]).attempts
    assert [(len(a.items), (a.at_ms - attempts[0].at_ms)) for a in attempts] == [(3, 0)]
    assert attempts[0].at_ms == virtual.event_source_mapping(windowed["UUID"]).last_modified_ms + 5000

    url2, arn2 = queue(aws, "capped")
    send(aws, url2, [f"m{i}" for i in range(6)])
    capped = virtual.create_event_source_mapping("slow", arn2, batch_size=1, scaling_config={"MaximumConcurrency": 2})
    virtual.advance(seconds=10)
    attempts = virtual.event_source_mapping(capped["UUID"]).attempts
    starts = [a.at_ms - attempts[0].at_ms for a in attempts]
    assert len(attempts) == 6
    # Two batches start together; a third waits until one of them has ended.
    assert all(sum(1 for b in attempts if b.at_ms <= a.at_ms < b.end_ms) <= 2 for a in attempts)
    assert starts[0] == starts[1] == 0 and starts[2] == min(a.end_ms for a in attempts[:2]) - attempts[0].at_ms


def test_fifo_queue_keeps_each_message_group_in_order(virtual):
    virtual.create_function("ordered", SLOW_HANDLER)
    aws = virtual.local_aws()
    url, arn = queue(aws, "orders.fifo", FifoQueue="true", ContentBasedDeduplication="true")
    bodies = {}
    for group, count in (("A", 4), ("B", 2)):
        bodies.update(send(aws, url, [f"{group}{i}" for i in range(count)], MessageGroupId=group))
    mapping = virtual.create_event_source_mapping("ordered", arn, batch_size=2)
    virtual.advance(seconds=30)
    attempts = sorted(virtual.event_source_mapping(mapping["UUID"]).attempts, key=lambda a: a.at_ms)
    delivered = [[bodies[i] for i in a.items] for a in attempts]
    assert sorted(b for batch in delivered for b in batch) == sorted(bodies.values())
    for group in "AB":
        in_order = [b for batch in delivered for b in batch if b[0] == group]
        assert in_order == sorted(in_order)
    # A group's next batch starts only after its previous batch ended.
    a_batches = [a for a, batch in zip(attempts, delivered) if batch[0][0] == "A"]
    assert len(a_batches) == 2 and a_batches[1].at_ms >= a_batches[0].end_ms > a_batches[0].at_ms


def test_filter_criteria_drop_messages_that_match_no_pattern(virtual):
    virtual.create_function("filtered", SLOW_HANDLER)
    aws = virtual.local_aws()
    url, arn = queue(aws, "filtered")
    bodies = send(aws, url, [json.dumps({"kind": "order", "amount": 5}), json.dumps({"kind": "refund"}), "text"])
    mapping = virtual.create_event_source_mapping(
        "filtered", arn, filter_criteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["order"]}})}]})
    virtual.advance(seconds=5)
    attempts = virtual.event_source_mapping(mapping["UUID"]).attempts
    assert [[json.loads(bodies[i])["kind"] for i in a.items] for a in attempts] == [["order"]]
    assert drain(aws, url) == []  # filtered-out messages are deleted, as Lambda does


# -------------------------------------------------------------------- streams
def test_kinesis_poison_record_under_bisect_gives_exact_batches(virtual):
    virtual.create_function("consumer", STREAM_HANDLER)
    aws = virtual.local_aws()
    failures_url, failures_arn = queue(aws, "stream-failures")
    stream = virtual.kinesis_stream("clicks")
    sequences = [stream.put_record("poison" if i == 5 else f"r{i}", "key")[1] for i in range(8)]
    mapping = virtual.create_event_source_mapping(
        "consumer", stream.arn, starting_position="TRIM_HORIZON", batch_size=8,
        bisect_batch_on_function_error=True, maximum_retry_attempts=1,
        destination_config={"OnFailure": {"Destination": failures_arn}})
    virtual.advance(seconds=60)

    found = virtual.event_source_mapping(mapping["UUID"])
    index = {s: i for i, s in enumerate(sequences)}
    batches = [([index[s] for s in a.items], a.outcome) for a in found.attempts]
    assert batches == [
        ([0, 1, 2, 3, 4, 5, 6, 7], "error"),   # split in two
        ([0, 1, 2, 3], "ok"),
        ([4, 5, 6, 7], "error"),               # split again
        ([4, 5], "error"),
        ([4], "ok"),
        ([5], "error"),                        # a single record cannot be split: retried once,
        ([5], "error"),                        # then discarded to the on-failure destination
        ([6, 7], "ok"),
    ]
    assert found.discarded == [("shardId-000000000000", (sequences[5],), "RetryAttemptsExhausted")]
    (failure,) = [json.loads(b) for b in drain(aws, failures_url)]
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["functionArn"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:consumer"
    assert failure["KinesisBatchInfo"]["startSequenceNumber"] == sequences[5]
    assert failure["KinesisBatchInfo"]["batchSize"] == 1
    assert failure["KinesisBatchInfo"]["streamArn"] == stream.arn
    assert virtual.get_event_source_mapping(mapping["UUID"])["LastProcessingResult"] == "OK"

    # The shard moves on: later records are read in order.
    later = [stream.put_record(f"late{i}", "key")[1] for i in range(3)]
    virtual.advance(seconds=5)
    assert [list(a.items) for a in found.attempts[8:]] == [later]


def test_stream_retries_until_the_record_is_too_old(virtual):
    virtual.create_function("consumer", STREAM_HANDLER)
    stream = virtual.kinesis_stream("ages")
    stream.put_record("poison", "k")
    mapping = virtual.create_event_source_mapping("consumer", stream.arn, starting_position="TRIM_HORIZON",
                                                  maximum_record_age_in_seconds=60)
    virtual.advance(minutes=5)
    found = virtual.event_source_mapping(mapping["UUID"])
    times = [a.at_ms - found.attempts[0].at_ms for a in found.attempts]
    assert all(a.outcome == "error" for a in found.attempts)
    assert times[-1] <= 60_000 and len(times) > 3
    assert found.discarded[0][2] == "RecordAgeExceeded"
    assert virtual.get_event_source_mapping(mapping["UUID"])["LastProcessingResult"] == \
        "PROBLEM: Function call failed"


def test_stream_partial_batch_response_checkpoints_at_the_first_failure(virtual):
    virtual.create_function("partial", '''
import base64
seen = set()
def lambda_handler(event, context):
    failures = []
    for r in event["Records"]:
        data = base64.b64decode(r["kinesis"]["data"])
        if data == b"flaky" and data not in seen:
            seen.add(data)
            failures.append({"itemIdentifier": r["kinesis"]["sequenceNumber"]})
    return {"batchItemFailures": failures}
''')
    stream = virtual.kinesis_stream("partial")
    sequences = [stream.put_record(d, "k")[1] for d in ("a", "flaky", "c")]
    mapping = virtual.create_event_source_mapping("partial", stream.arn, starting_position="TRIM_HORIZON",
                                                  function_response_types=["ReportBatchItemFailures"])
    virtual.advance(seconds=10)
    attempts = virtual.event_source_mapping(mapping["UUID"]).attempts
    assert [(list(a.items), a.outcome) for a in attempts] == [
        (sequences, "partial"), (sequences[1:], "ok")]


def test_parallelization_factor_keeps_order_per_partition_key(virtual):
    virtual.create_function("slowstream", "import time\ndef lambda_handler(e, c):\n    time.sleep(1)\n")
    stream = virtual.kinesis_stream("parallel")
    keys = ["alpha", "beta", "gamma", "delta"]
    put = [(key, stream.put_record(f"{key}-{i}", key)[1]) for i in range(3) for key in keys]
    mapping = virtual.create_event_source_mapping("slowstream", stream.arn, starting_position="TRIM_HORIZON",
                                                  batch_size=1, parallelization_factor=4)
    virtual.advance(seconds=30)
    attempts = virtual.event_source_mapping(mapping["UUID"]).attempts
    assert sorted(s for a in attempts for s in a.items) == sorted(s for _, s in put)
    for key in keys:
        mine = [s for k, s in put if k == key]
        assert [a.items[0] for a in attempts if a.items[0] in mine] == mine
    starts = {a.at_ms for a in attempts}
    assert len(starts) < len(attempts)  # some lanes ran side by side


def test_dynamodb_stream_mapping_delivers_item_changes(virtual):
    virtual.create_function("changes", "def lambda_handler(e, c):\n"
                                       "    return [(r['eventName'], r['dynamodb']['Keys']) for r in e['Records']]\n")
    table = virtual.dynamodb_stream("Orders", key_names=("Id",))
    table.put_change(None, {"Id": 1, "Status": "new"})
    latest = virtual.create_event_source_mapping("changes", table.arn, starting_position="LATEST")
    table.put_change({"Id": 1, "Status": "new"}, {"Id": 1, "Status": "paid"})
    table.put_change({"Id": 1, "Status": "paid"}, None)
    virtual.advance(seconds=2)
    (attempt,) = virtual.event_source_mapping(latest["UUID"]).attempts
    assert len(attempt.items) == 2  # LATEST: the INSERT before the mapping is not read
    result = [r for r in virtual.records if r.request_id == attempt.request_id]
    assert result and result[0].outcome == "ok"
    with pytest.raises(InvalidParameterValueException, match="Unsupported starting position"):
        virtual.create_event_source_mapping("changes", table.arn, starting_position="AT_TIMESTAMP",
                                            starting_position_timestamp=0)


# ----------------------------------------------------------------- validation
def test_mappings_are_validated_as_lambda_validates_them(virtual):
    virtual.create_function("fn", PARTIAL_HANDLER)
    aws = virtual.local_aws()
    _, arn = queue(aws, "valid")
    _, fifo = queue(aws, "valid.fifo", FifoQueue="true")
    stream = virtual.kinesis_stream("valid")
    cases = [
        (dict(function_name="fn", event_source_arn=arn, batch_size=11), InvalidParameterValueException,
         "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"),
        (dict(function_name="fn", event_source_arn=fifo, batch_size=11, maximum_batching_window_in_seconds=1),
         InvalidParameterValueException, "Batch size must not exceed 10 for FIFO queues"),
        (dict(function_name="fn", event_source_arn=arn, batch_size=10_001, maximum_batching_window_in_seconds=1),
         ValidationException, "Member must have value less than or equal to 10000"),
        (dict(function_name="fn", event_source_arn=stream.arn), InvalidParameterValueException,
         "Value null at 'startingPosition' failed to satisfy constraint: Member must not be null."),
        (dict(function_name="fn", event_source_arn=arn, starting_position="LATEST"),
         InvalidParameterValueException, "Unsupported StartingPosition parameter for given event source mapping type."),
        (dict(function_name="fn", event_source_arn=arn, scaling_config={"MaximumConcurrency": 1}),
         ValidationException, "Member must have value greater than or equal to 2"),
        (dict(function_name="fn", event_source_arn=stream.arn, starting_position="LATEST",
              maximum_record_age_in_seconds=30), InvalidParameterValueException, "MaximumRecordAgeInSeconds"),
        (dict(function_name="fn", event_source_arn=arn, function_response_types=["Other"]),
         ValidationException, "ReportBatchItemFailures"),
        (dict(function_name="nope", event_source_arn=arn), InvalidParameterValueException, "Function does not exist"),
        (dict(function_name="fn", event_source_arn="arn:aws:sns:us-east-1:123456789012:t"),
         InvalidParameterValueException, "Unrecognized event source"),
        (dict(function_name="fn", event_source_arn=f"arn:aws:sqs:us-east-1:{ACCOUNT}:missing"),
         InvalidParameterValueException, "NonExistentQueue"),
    ]
    for arguments, error, text in cases:
        with pytest.raises(error) as raised:
            virtual.create_event_source_mapping(**arguments)
        assert text in raised.value.message, arguments
    created = virtual.create_event_source_mapping("fn", arn)
    with pytest.raises(ResourceConflictException, match=f"existing mapping with UUID {created['UUID']}"):
        virtual.create_event_source_mapping("fn", arn)
    assert virtual.list_event_source_mappings() == [virtual.get_event_source_mapping(created["UUID"])]
    assert virtual.delete_event_source_mapping(created["UUID"])["State"] == "Deleting"
    with pytest.raises(ResourceNotFoundException):
        virtual.get_event_source_mapping(created["UUID"])
    assert virtual.timers.drivers == []


# ------------------------------------------------------------ REST and real clock
def test_event_source_mappings_over_the_rest_api(real):
    real.create_function("api", PARTIAL_HANDLER)
    aws = real.local_aws()
    url, arn = queue(aws, "rest")
    client = boto3.client("lambda", endpoint_url=real.endpoint_url, region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="x")
    created = client.create_event_source_mapping(FunctionName="api", EventSourceArn=arn, BatchSize=5,
                                                 FunctionResponseTypes=["ReportBatchItemFailures"],
                                                 ScalingConfig={"MaximumConcurrency": 3})
    assert (created["ResponseMetadata"]["HTTPStatusCode"], created["State"], created["BatchSize"]) == (202, "Creating", 5)
    uuid = created["UUID"]
    assert client.get_event_source_mapping(UUID=uuid)["ScalingConfig"] == {"MaximumConcurrency": 3}
    assert [m["UUID"] for m in client.list_event_source_mappings(FunctionName="api")["EventSourceMappings"]] == [uuid]
    assert client.list_event_source_mappings(EventSourceArn=arn + "x")["EventSourceMappings"] == []

    # The real clock polls by itself: sent messages are processed without advancing anything.
    bodies = send(aws, url, ["ok-a", "poison-b", "ok-c"])
    deadline = time.monotonic() + 60
    found = real.event_source_mapping(uuid)
    while {i for a in found.attempts for i in a.items} != set(bodies) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert {i for a in found.attempts for i in a.items} == set(bodies)
    assert {bodies[i] for a in found.attempts for i in a.failed} == {"poison-b"}

    updated = client.update_event_source_mapping(UUID=uuid, BatchSize=2, Enabled=False)
    assert (updated["BatchSize"], updated["State"]) == (2, "Updating")
    assert client.get_event_source_mapping(UUID=uuid)["State"] == "Disabled"
    with pytest.raises(ClientError) as invalid:
        client.update_event_source_mapping(UUID=uuid, BatchSize=20)
    assert invalid.value.response["Error"]["Code"] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as conflict:
        client.create_event_source_mapping(FunctionName="api", EventSourceArn=arn)
    assert conflict.value.response["Error"]["Code"] == "ResourceConflictException"
    assert client.delete_event_source_mapping(UUID=uuid)["State"] == "Deleting"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_event_source_mapping(UUID=uuid)

    stream = real.kinesis_stream("rest-stream", shard_count=2)
    streamed = client.create_event_source_mapping(FunctionName="api", EventSourceArn=stream.arn,
                                                  StartingPosition="TRIM_HORIZON", MaximumRetryAttempts=3,
                                                  BisectBatchOnFunctionError=True, ParallelizationFactor=2)
    assert (streamed["StartingPosition"], streamed["MaximumRetryAttempts"], streamed["ParallelizationFactor"],
            streamed["BisectBatchOnFunctionError"], streamed["MaximumRecordAgeInSeconds"]) == \
        ("TRIM_HORIZON", 3, 2, True, -1)
    with pytest.raises(ClientError) as missing:
        client.create_event_source_mapping(FunctionName="api", EventSourceArn=stream.arn + "x",
                                           StartingPosition="LATEST")
    assert missing.value.response["Error"]["Code"] == "InvalidParameterValueException"
