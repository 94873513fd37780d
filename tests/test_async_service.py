"""Asynchronous invocation in the service: the internal queue, AWS's retries and event age,
dead-letter queues and OnSuccess/OnFailure destinations with AWS's exact records. Exact
times on the virtual clock; the real clock and the REST API (boto3) too."""

import json

import pytest

from lambdakit import InvalidParameterValueException, ResourceNotFoundException, ValidationException
from lambdakit.core import records
from lambdakit.core.clock import iso_ms
from lambdakit.runtime.destinations import DEAD_LETTER_QUEUE, LOCAL_AWS, MEMORY, ON_FAILURE, ON_SUCCESS
from loopback import lambda_client

ARN = "arn:aws:lambda:us-east-1:123456789012:function"
DLQ = "arn:aws:sqs:us-east-1:123456789012:failed-orders"
TOPIC = "arn:aws:sns:us-east-1:123456789012:order-results"
BUS = "arn:aws:events:us-east-1:123456789012:event-bus/default"

FAILING = "def lambda_handler(event, context):\n    raise ValueError(f\"order {event['order']} failed\")\n"
ECHO = "def lambda_handler(event, context):\n    return {'order': event['order'], 'status': 'shipped'}\n"
SLOW = "from lambdakit import work\n\ndef lambda_handler(event, context):\n    work(io_ms=event['ms'])\n    return 'done'\n"


def seconds_from(start_ms, records_):
    return [round((r.start_ms - start_ms) / 1000, 3) for r in records_]


# ------------------------------------------------------------------- retries
def test_an_always_failing_event_is_tried_at_0_60_and_180_s_then_lands_in_the_dlq(virtual):
    virtual.create_function("orders", FAILING, dead_letter_config={"TargetArn": DLQ})
    start = virtual.clock.now_ms()
    accepted = virtual.invoke("orders", {"order": 7}, invocation_type="Event")
    assert (accepted.status_code, accepted.payload) == (202, b"")
    # The first attempt runs before invoke returns; the retries wait for the clock.
    assert [r.attempt for r in virtual.records] == [1]
    assert virtual.async_outcome(accepted.request_id) is None
    (outcome,) = virtual.settle()
    attempts = virtual.records
    # Each retry waits 1, then 2 minutes after the end of the failed attempt (the first had
    # a 150 ms cold start).
    assert seconds_from(start, attempts) == [0.0, 60.15, 180.15]
    assert [(r.request_id, r.attempt, r.outcome, r.invocation_type) for r in attempts] == [
        (accepted.request_id, n, records.FUNCTION_ERROR, "Event") for n in (1, 2, 3)]
    assert (outcome.request_id, outcome.condition, outcome.attempts, outcome.invocations, outcome.destinations) == (
        accepted.request_id, "RetriesExhausted", 3, 3, (DEAD_LETTER_QUEUE,))
    assert outcome.finished_ms - start == 180_150
    (letter,) = virtual.async_deliveries
    # The DLQ gets the event itself, with AWS's three message attributes.
    assert (letter.kind, letter.target_arn, letter.service, letter.where) == (DEAD_LETTER_QUEUE, DLQ, "sqs", MEMORY)
    assert letter.message == {"order": 7}
    assert letter.attributes == (("RequestID", "String", accepted.request_id), ("ErrorCode", "Number", "200"),
                                 ("ErrorMessage", "String", "order 7 failed"))
    assert virtual.get_function_configuration("orders")["DeadLetterConfig"] == {"TargetArn": DLQ}


@pytest.mark.parametrize("retries, expected", [(0, [0.0]), (1, [0.0, 60.15])])
def test_maximum_retry_attempts(virtual, retries, expected):
    virtual.create_function("orders", FAILING)
    virtual.put_function_event_invoke_config("orders", maximum_retry_attempts=retries)
    start = virtual.clock.now_ms()
    virtual.invoke("orders", {"order": 1}, invocation_type="Event")
    (outcome,) = virtual.settle()
    assert seconds_from(start, virtual.records) == expected
    assert (outcome.condition, outcome.invocations, outcome.destinations) == ("RetriesExhausted", retries + 1, ())


def test_a_throttled_event_is_retried_with_backoff_until_it_is_too_old(virtual):
    """Reserved concurrency 1, held for 2 minutes by a first event: the second is throttled
    at 0 s and retried 1, 2, 4, 8, 16 s later; the next wait (32 s) would pass its maximum
    age of 60 s, so it ends then, EventAgeExceeded, never having run."""
    virtual.create_function("slow", SLOW, timeout=300)
    virtual.put_function_concurrency("slow", 1)
    virtual.put_function_event_invoke_config("slow", maximum_event_age_in_seconds=60, on_failure=BUS)
    start = virtual.clock.now_ms()
    holder = virtual.invoke("slow", {"ms": 120_000}, invocation_type="Event")
    late = virtual.invoke("slow", {"ms": 10}, invocation_type="Event")
    virtual.settle()
    tries = [r for r in virtual.records if r.request_id == late.request_id]
    assert seconds_from(start, tries) == [0.0, 1.0, 3.0, 7.0, 15.0, 31.0]
    assert {(r.outcome, r.error_type) for r in tries} == {(records.THROTTLED, "ReservedFunctionConcurrentInvocationLimitExceeded")}
    ended = virtual.async_outcome(late.request_id)
    assert (ended.condition, ended.attempts, ended.invocations, ended.finished_ms - start) == (
        "EventAgeExceeded", 6, 0, 60_000)
    assert virtual.async_outcome(holder.request_id).condition == "Success"
    (delivery,) = virtual.async_deliveries
    event = delivery.message
    assert (event["source"], event["detail-type"], event["resources"]) == (
        "aws.lambda", "Lambda Function Invocation Result - Failure", [f"{ARN}:slow:$LATEST", BUS])
    # An event that never ran has no response in its record.
    assert event["detail"] == {
        "version": "1.0", "timestamp": "2026-01-01T00:01:00.000Z",
        "requestContext": {"requestId": late.request_id, "functionArn": f"{ARN}:slow:$LATEST",
                           "condition": "EventAgeExceeded", "approximateInvokeCount": 0},
        "requestPayload": {"ms": 10}}


def test_reserved_concurrency_0_sends_events_to_the_dlq_at_once_without_retries(virtual):
    virtual.create_function("paused", ECHO, dead_letter_config={"TargetArn": TOPIC})
    virtual.put_function_concurrency("paused", 0)
    accepted = virtual.invoke("paused", {"order": 3}, invocation_type="Event")
    outcome = virtual.async_outcome(accepted.request_id)
    assert (outcome.condition, outcome.attempts, outcome.invocations) == ("RetriesExhausted", 1, 0)
    (letter,) = virtual.async_deliveries
    assert (letter.service, letter.message) == ("sns", {"order": 3})
    assert letter.message_attributes == {"RequestID": accepted.request_id, "ErrorCode": "429",
                                         "ErrorMessage": "Rate Exceeded."}


def test_nothing_accepted_is_ever_lost(virtual):
    virtual.create_function("mixed", "def lambda_handler(e, c):\n    if e['n'] % 3 == 0:\n"
                                     "        raise RuntimeError('bad')\n    return e['n']\n")
    virtual.put_function_event_invoke_config("mixed", maximum_retry_attempts=1)
    accepted = [virtual.invoke("mixed", {"n": n}, invocation_type="Event").request_id for n in range(12)]
    outcomes = virtual.settle()
    assert sorted(o.request_id for o in outcomes) == sorted(accepted)
    assert sorted(o.condition for o in outcomes) == ["RetriesExhausted"] * 4 + ["Success"] * 8
    # Every attempt is a record of its event.
    assert len(virtual.records) == 8 + 4 * 2


# ---------------------------------------------------------------- destinations
def test_on_success_and_on_failure_records_have_aws_shape(virtual):
    virtual.create_function("shipper", ECHO)
    virtual.create_function("failing", FAILING)
    virtual.put_function_event_invoke_config("shipper", on_success=DLQ)
    virtual.put_function_event_invoke_config("failing", maximum_retry_attempts=0,
                                             destination_config={"OnFailure": {"Destination": TOPIC}})
    ok = virtual.invoke("shipper", {"order": 1}, invocation_type="Event")
    bad = virtual.invoke("failing", {"order": 2}, invocation_type="Event")
    virtual.settle()
    success, failure = virtual.async_deliveries
    assert (success.kind, success.service, success.condition) == (ON_SUCCESS, "sqs", "Success")
    assert success.message == {
        "version": "1.0", "timestamp": iso_ms(virtual.records[0].end_ms),
        "requestContext": {"requestId": ok.request_id, "functionArn": f"{ARN}:shipper:$LATEST",
                           "condition": "Success", "approximateInvokeCount": 1},
        "requestPayload": {"order": 1},
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
        "responsePayload": {"order": 1, "status": "shipped"}}
    record = failure.message
    assert (failure.kind, failure.service) == (ON_FAILURE, "sns")
    assert list(record) == ["version", "timestamp", "requestContext", "requestPayload", "responseContext",
                            "responsePayload"]
    assert record["requestContext"] == {"requestId": bad.request_id, "functionArn": f"{ARN}:failing:$LATEST",
                                        "condition": "RetriesExhausted", "approximateInvokeCount": 1}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert (record["responsePayload"]["errorType"], record["responsePayload"]["errorMessage"]) == (
        "ValueError", "order 2 failed")


def test_a_lambda_destination_is_invoked_asynchronously_with_the_record(virtual):
    virtual.create_function("auditor", "import json\n\ndef lambda_handler(event, context):\n"
                                       "    print(json.dumps(event))\n")
    virtual.create_function("shipper", ECHO, publish=True)
    virtual.create_alias("shipper", "live", "1")
    virtual.put_function_event_invoke_config("shipper", "live", on_success=f"{ARN}:auditor")
    accepted = virtual.invoke("shipper", {"order": 5}, invocation_type="Event", qualifier="live")
    virtual.settle()
    destination, audit = virtual.async_deliveries[0], virtual.async_outcomes[-1]
    assert (destination.where, destination.key) == ("lambda", audit.request_id)
    (line,) = [e.message for e in virtual.log_events("auditor") if e.message.startswith("{")]
    seen = json.loads(line)
    assert seen["requestContext"]["functionArn"] == f"{ARN}:shipper:1"
    assert seen["requestContext"]["requestId"] == accepted.request_id
    assert seen["responseContext"] == {"statusCode": 200, "executedVersion": "1"}


def test_event_invoke_config_api_and_validation(virtual):
    virtual.create_function("f", ECHO, publish=True)
    put = virtual.put_function_event_invoke_config("f", maximum_event_age_in_seconds=3600, maximum_retry_attempts=0)
    assert put == {"LastModified": 1767225600.0, "FunctionArn": f"{ARN}:f:$LATEST", "MaximumRetryAttempts": 0,
                   "MaximumEventAgeInSeconds": 3600, "DestinationConfig": {"OnSuccess": {}, "OnFailure": {}}}
    updated = virtual.update_function_event_invoke_config("f", on_failure=DLQ)
    assert (updated["MaximumRetryAttempts"], updated["DestinationConfig"]) == (
        0, {"OnSuccess": {}, "OnFailure": {"Destination": DLQ}})
    # Put replaces: what it leaves out goes back to the default.
    assert "MaximumRetryAttempts" not in virtual.put_function_event_invoke_config("f", maximum_event_age_in_seconds=60)
    virtual.put_function_event_invoke_config("f", "1", maximum_retry_attempts=1)
    assert [c["FunctionArn"] for c in virtual.list_function_event_invoke_configs("f")] == [
        f"{ARN}:f:$LATEST", f"{ARN}:f:1"]
    with pytest.raises(ValidationException) as caught:
        virtual.put_function_event_invoke_config("f", maximum_retry_attempts=3)
    assert caught.value.message == ("1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to "
                                    "satisfy constraint: Member must have value less than or equal to 2")
    with pytest.raises(ValidationException):
        virtual.put_function_event_invoke_config("f", maximum_event_age_in_seconds=59)
    with pytest.raises(InvalidParameterValueException):
        virtual.put_function_event_invoke_config("f", on_success="arn:aws:s3:::records")  # S3: on failure only
    with pytest.raises(InvalidParameterValueException):
        virtual.put_function_event_invoke_config("f", on_failure=f"{ARN}:f")  # itself
    with pytest.raises(ResourceNotFoundException):
        virtual.put_function_event_invoke_config("f", "9", maximum_retry_attempts=1)
    virtual.delete_function_event_invoke_config("f", "1")
    with pytest.raises(ResourceNotFoundException) as caught:
        virtual.get_function_event_invoke_config("f", "1")
    assert caught.value.message == f"The function {ARN}:f:1 doesn't have an EventInvokeConfig"
    with pytest.raises(InvalidParameterValueException):
        virtual.update_function_configuration("f", dead_letter_config={"TargetArn": BUS})
    virtual.update_function_configuration("f", dead_letter_config={"TargetArn": ""})
    assert "DeadLetterConfig" not in virtual.get_function_configuration("f")


# ------------------------------------------------------------- local AWS targets
def test_dlq_and_destinations_in_local_aws(virtual):
    aws = virtual.local_aws(kernel_env=False)
    sqs, s3 = aws.client("sqs"), aws.client("s3")
    queue_url = sqs.create_queue(QueueName="failed-orders")["QueueUrl"]
    s3.create_bucket(Bucket="failure-records")
    virtual.create_function("orders", FAILING, dead_letter_config={"TargetArn": DLQ})
    virtual.put_function_event_invoke_config("orders", maximum_retry_attempts=0,
                                             on_failure="arn:aws:s3:::failure-records")
    accepted = virtual.invoke("orders", {"order": 9}, invocation_type="Event")
    virtual.settle()
    assert {(d.kind, d.where, d.error) for d in virtual.async_deliveries} == {
        (ON_FAILURE, LOCAL_AWS, None), (DEAD_LETTER_QUEUE, LOCAL_AWS, None)}
    (message,) = sqs.receive_message(QueueUrl=queue_url, MessageAttributeNames=["All"])["Messages"]
    assert json.loads(message["Body"]) == {"order": 9}
    assert {k: v["StringValue"] for k, v in message["MessageAttributes"].items()} == {
        "RequestID": accepted.request_id, "ErrorCode": "200", "ErrorMessage": "order 9 failed"}
    (stored,) = s3.list_objects_v2(Bucket="failure-records")["Contents"]
    assert stored["Key"].startswith("aws/lambda/async/orders/2026/01/01/2026-01-01T00.00.00-")
    body = json.loads(s3.get_object(Bucket="failure-records", Key=stored["Key"])["Body"].read())
    assert body["requestContext"]["condition"] == "RetriesExhausted"
    # A queue that does not exist: the delivery fails (AWS counts DeadLetterErrors) but is kept.
    virtual.update_function_configuration("orders", dead_letter_config={"TargetArn": DLQ + "-gone"})
    virtual.invoke("orders", {"order": 10}, invocation_type="Event")
    virtual.settle()
    gone = [d for d in virtual.async_deliveries if d.target_arn == DLQ + "-gone"]
    assert len(gone) == 1 and gone[0].error and gone[0].message == {"order": 10}


# ------------------------------------------------------------------ real clock
def test_real_clock_events_run_in_the_background_and_throttles_are_retried(real):
    real.create_function("slow", "import time\n\ndef lambda_handler(e, c):\n    time.sleep(1.5)\n    return 1\n",
                         memory_size=1769)
    real.put_function_concurrency("slow", 1)
    first = real.invoke("slow", {}, invocation_type="Event")
    second = real.invoke("slow", {}, invocation_type="Event")
    outcomes = {o.request_id: o for o in real.settle(timeout=60)}
    ended = sorted((outcomes[r.request_id].attempts, outcomes[r.request_id].condition) for r in (first, second))
    # One ran at once; the other was throttled (429) and retried after 1 s, 2 s, ... until it ran.
    assert ended[0] == (1, "Success") and ended[1][0] >= 2 and ended[1][1] == "Success"
    assert records.THROTTLED in {r.outcome for r in real.records}


# -------------------------------------------------------------------- REST API
@pytest.fixture
def client(real):
    return lambda_client(real.endpoint_url)


def test_event_invoke_config_and_dlq_over_the_rest_api(real, client):
    real.create_function("orders", FAILING)
    put = client.put_function_event_invoke_config(FunctionName="orders", MaximumRetryAttempts=0,
                                                  DestinationConfig={"OnFailure": {"Destination": BUS}})
    assert (put["FunctionArn"], put["MaximumRetryAttempts"], put["DestinationConfig"]) == (
        f"{ARN}:orders:$LATEST", 0, {"OnSuccess": {}, "OnFailure": {"Destination": BUS}})
    assert put["LastModified"].year >= 2024  # a timestamp boto3 parsed
    updated = client.update_function_event_invoke_config(FunctionName="orders", MaximumEventAgeInSeconds=120)
    assert (updated["MaximumRetryAttempts"], updated["MaximumEventAgeInSeconds"]) == (0, 120)
    got = client.get_function_event_invoke_config(FunctionName="orders")
    assert got["DestinationConfig"]["OnFailure"] == {"Destination": BUS}
    listed = client.list_function_event_invoke_configs(FunctionName="orders")["FunctionEventInvokeConfigs"]
    assert [c["FunctionArn"] for c in listed] == [f"{ARN}:orders:$LATEST"]
    with pytest.raises(client.exceptions.ClientError) as caught:
        client.put_function_event_invoke_config(FunctionName="orders", MaximumRetryAttempts=3)
    assert caught.value.response["Error"]["Code"] == "ValidationException"

    configured = client.update_function_configuration(FunctionName="orders", DeadLetterConfig={"TargetArn": DLQ})
    assert configured["DeadLetterConfig"] == {"TargetArn": DLQ}
    response = client.invoke(FunctionName="orders", InvocationType="Event", Payload=b'{"order": 4}')
    assert response["StatusCode"] == 202
    real.settle(timeout=60)
    request_id = response["ResponseMetadata"]["RequestId"]
    assert {(d.kind, d.request_id) for d in real.async_deliveries} == {
        (ON_FAILURE, request_id), (DEAD_LETTER_QUEUE, request_id)}

    assert client.delete_function_event_invoke_config(
        FunctionName="orders")["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        client.get_function_event_invoke_config(FunctionName="orders")
    assert caught.value.response["Error"]["Message"] == f"The function {ARN}:orders:$LATEST doesn't have an EventInvokeConfig"
