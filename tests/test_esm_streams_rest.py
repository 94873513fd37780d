"""Kinesis and DynamoDB Streams event source mappings over the REST API, as `lambdakit serve`
users make them: the stream created first in local AWS with unmodified boto3, then mapped
with AWS's parameters; records put there reach the function in AWS's event shapes, and a
batch that keeps failing is described to its on-failure SQS queue."""

import base64
import json
import time

import boto3
import pytest
from botocore.exceptions import ClientError

from lambdakit.core.limits import ACCOUNT_ID, REGION
from loopback import lambda_client

# Prints each event on one line (so the test reads what the function got), fails on "poison".
HANDLER = '''
import base64, json
def lambda_handler(event, context):
    print("EVENT " + json.dumps(event))
    for r in event["Records"]:
        if "kinesis" in r and base64.b64decode(r["kinesis"]["data"]) == b"poison":
            raise ValueError("poison record " + r["kinesis"]["sequenceNumber"])
    return len(event["Records"])
'''
PATIENCE_S = 60  # generous: a busy machine may take seconds for a cold start


def clients(aws):
    options = dict(endpoint_url=aws.url, region_name=REGION, aws_access_key_id="testing",
                   aws_secret_access_key="testing")
    return boto3.client("kinesis", **options), boto3.client("dynamodb", **options), boto3.client("sqs", **options)


def events_seen(runtime, function):
    return [json.loads(e.message.split("EVENT ", 1)[1]) for e in runtime.log_events(function)
            if e.message.startswith("EVENT ")]


def wait_for(condition):
    deadline = time.monotonic() + PATIENCE_S
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert condition()


@pytest.fixture
def served(real):
    real.create_function("consumer", HANDLER, memory_size=512)
    return real, real.local_aws(kernel_env=False), lambda_client(real.endpoint_url)


def test_kinesis_mapping_over_rest_delivers_records_and_sends_a_failed_batch_to_sqs(served):
    runtime, aws, client = served
    kinesis, _, sqs = clients(aws)
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    arn = kinesis.describe_stream(StreamName="clicks")["StreamDescription"]["StreamARN"]
    queue = sqs.create_queue(QueueName="clicks-failed")["QueueUrl"]
    failed_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:clicks-failed"
    first = kinesis.put_record(StreamName="clicks", Data=b'{"page": "/"}', PartitionKey="user-1")

    created = client.create_event_source_mapping(
        FunctionName="consumer", EventSourceArn=arn, StartingPosition="TRIM_HORIZON", BatchSize=10,
        MaximumBatchingWindowInSeconds=1, ParallelizationFactor=1, BisectBatchOnFunctionError=False,
        MaximumRetryAttempts=1, MaximumRecordAgeInSeconds=3600,
        DestinationConfig={"OnFailure": {"Destination": failed_arn}},
        FunctionResponseTypes=["ReportBatchItemFailures"])
    assert (created["ResponseMetadata"]["HTTPStatusCode"], created["State"], created["StartingPosition"],
            created["MaximumRetryAttempts"], created["MaximumRecordAgeInSeconds"],
            created["DestinationConfig"]) == \
        (202, "Creating", "TRIM_HORIZON", 1, 3600, {"OnFailure": {"Destination": failed_arn}})
    uuid = created["UUID"]
    assert client.get_event_source_mapping(UUID=uuid)["State"] == "Enabled"
    assert [m["UUID"] for m in client.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"]] == [uuid]

    # TRIM_HORIZON: the record put before the mapping existed is read, in AWS's Kinesis shape.
    wait_for(lambda: events_seen(runtime, "consumer"))
    [record] = events_seen(runtime, "consumer")[0]["Records"]
    assert record["eventSource"] == "aws:kinesis" and record["eventSourceARN"] == arn
    assert record["eventID"] == f"{first['ShardId']}:{first['SequenceNumber']}"
    assert (record["kinesis"]["partitionKey"], record["kinesis"]["sequenceNumber"]) == \
        ("user-1", first["SequenceNumber"])
    assert base64.b64decode(record["kinesis"]["data"]) == b'{"page": "/"}'

    # A poison record fails its batch, is retried once, then described to the SQS queue.
    poison = kinesis.put_record(StreamName="clicks", Data=b"poison", PartitionKey="user-2")
    got = []
    wait_for(lambda: got.extend(sqs.receive_message(QueueUrl=queue).get("Messages", [])) or got)
    failure = json.loads(got[0]["Body"])
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 2
    assert failure["responseContext"]["functionError"] == "Unhandled"
    info = failure["KinesisBatchInfo"]
    assert (info["streamArn"], info["shardId"], info["startSequenceNumber"], info["batchSize"]) == \
        (arn, poison["ShardId"], poison["SequenceNumber"], 1)

    updated = client.update_event_source_mapping(UUID=uuid, BatchSize=50, MaximumRetryAttempts=5)
    assert (updated["BatchSize"], updated["MaximumRetryAttempts"], updated["State"]) == (50, 5, "Updating")
    assert client.delete_event_source_mapping(UUID=uuid)["State"] == "Deleting"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_event_source_mapping(UUID=uuid)


def test_dynamodb_stream_mapping_over_rest_filters_item_changes(served):
    runtime, aws, client = served
    _, dynamodb, _ = clients(aws)
    table = dynamodb.create_table(
        TableName="Orders", KeySchema=[{"AttributeName": "Id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "Id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    arn = table["TableDescription"]["LatestStreamArn"]
    created = client.create_event_source_mapping(
        FunctionName="consumer", EventSourceArn=arn, StartingPosition="LATEST", BatchSize=5,
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT", "REMOVE"]})}]})
    assert (created["EventSourceArn"], created["BatchSize"], created["FilterCriteria"]["Filters"][0]["Pattern"]) == \
        (arn, 5, '{"eventName": ["INSERT", "REMOVE"]}')

    dynamodb.put_item(TableName="Orders", Item={"Id": {"S": "o-1"}, "Total": {"N": "12.5"}})
    dynamodb.put_item(TableName="Orders", Item={"Id": {"S": "o-1"}, "Total": {"N": "20"}})   # MODIFY: filtered
    dynamodb.delete_item(TableName="Orders", Key={"Id": {"S": "o-1"}})
    wait_for(lambda: sum(len(e["Records"]) for e in events_seen(runtime, "consumer")) == 2)
    records = [r for e in events_seen(runtime, "consumer") for r in e["Records"]]
    assert [r["eventName"] for r in records] == ["INSERT", "REMOVE"]
    insert, remove = records
    assert (insert["eventSource"], insert["eventSourceARN"], insert["dynamodb"]["StreamViewType"]) == \
        ("aws:dynamodb", arn, "NEW_AND_OLD_IMAGES")
    assert insert["dynamodb"]["Keys"] == {"Id": {"S": "o-1"}}
    assert insert["dynamodb"]["NewImage"] == {"Id": {"S": "o-1"}, "Total": {"N": "12.5"}}
    assert "OldImage" not in insert["dynamodb"]
    assert remove["dynamodb"]["OldImage"] == {"Id": {"S": "o-1"}, "Total": {"N": "20"}}
    assert int(insert["dynamodb"]["SequenceNumber"]) < int(remove["dynamodb"]["SequenceNumber"])


REFUSED = [
    (dict(EventSourceArn=f"arn:aws:kinesis:{REGION}:{ACCOUNT_ID}:stream/nowhere", StartingPosition="LATEST"),
     "InvalidParameterValueException", f"Stream not found: arn:aws:kinesis:{REGION}:{ACCOUNT_ID}:stream/nowhere"),
    (dict(EventSourceArn="KINESIS"), "InvalidParameterValueException",
     "Value null at 'startingPosition' failed to satisfy constraint: Member must not be null."),
    (dict(EventSourceArn="KINESIS", StartingPosition="OLDEST"), "ValidationException",
     "Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]"),
    (dict(EventSourceArn="KINESIS", StartingPosition="LATEST", ParallelizationFactor=11), "ValidationException",
     "Value '11' at 'parallelizationFactor' failed to satisfy constraint"),
    (dict(EventSourceArn="KINESIS", StartingPosition="LATEST", MaximumRecordAgeInSeconds=30),
     "InvalidParameterValueException", "Invalid MaximumRecordAgeInSeconds value 30"),
    (dict(EventSourceArn="KINESIS", StartingPosition="LATEST", FunctionResponseTypes=["Partial"]),
     "ValidationException", "Member must satisfy enum value set: [ReportBatchItemFailures]"),
    (dict(EventSourceArn="KINESIS", StartingPosition="LATEST",
          DestinationConfig={"OnFailure": {"Destination": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:absent"}}),
     "InvalidParameterValueException", "The provided destination config DestinationConfig"),
    (dict(EventSourceArn="KINESIS", StartingPosition="LATEST", FilterCriteria={"Filters": [{"Pattern": "["}]}),
     "InvalidParameterValueException", "Invalid filter pattern definition."),
    (dict(EventSourceArn="DYNAMODB", StartingPosition="AT_TIMESTAMP", StartingPositionTimestamp=0),
     "InvalidParameterValueException", "Unsupported starting position for arn type"),
]


def test_stream_mappings_are_refused_over_rest_in_aws_words(served):
    _, aws, client = served
    kinesis, dynamodb, _ = clients(aws)
    kinesis.create_stream(StreamName="checked", ShardCount=1)
    table = dynamodb.create_table(
        TableName="Checked", KeySchema=[{"AttributeName": "Id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "Id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    arns = {"KINESIS": kinesis.describe_stream(StreamName="checked")["StreamDescription"]["StreamARN"],
            "DYNAMODB": table["TableDescription"]["LatestStreamArn"]}
    for members, code, text in REFUSED:
        members = {**members, "EventSourceArn": arns.get(members["EventSourceArn"], members["EventSourceArn"])}
        with pytest.raises(ClientError) as refused:
            client.create_event_source_mapping(FunctionName="consumer", **members)
        assert (refused.value.response["Error"]["Code"], text in refused.value.response["Error"]["Message"]) == \
            (code, True), (members, refused.value.response["Error"])
    assert client.list_event_source_mappings()["EventSourceMappings"] == []
