"""InvokeWithResponseStream and InvokeAsync through an unmodified boto3 client: botocore's
EventStream must parse what lambdakit sends."""

import base64
import json

import botocore.exceptions
import pytest

import lambdakit
from loopback import lambda_client

SOURCE = """
def lambda_handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail")
    print("handling", event)
    return {"echo": event}
"""


@pytest.fixture(scope="module")
def runtime():
    with lambdakit.Runtime() as service:
        service.create_function("stream", SOURCE)
        yield service


@pytest.fixture(scope="module")
def client(runtime):
    return lambda_client(runtime.endpoint_url)


def test_response_stream_parses_into_chunks_and_completion(client):
    response = client.invoke_with_response_stream(FunctionName="stream", Payload=b'{"n": 1}', LogType="Tail")
    assert response["ExecutedVersion"] == "$LATEST"
    events = list(response["EventStream"])
    payload = b"".join(e["PayloadChunk"]["Payload"] for e in events if "PayloadChunk" in e)
    assert json.loads(payload) == {"echo": {"n": 1}}
    complete = events[-1]["InvokeComplete"]
    assert "handling {'n': 1}" in base64.b64decode(complete["LogResult"]).decode()
    assert "ErrorCode" not in complete


def test_a_function_error_ends_the_stream_with_its_error(client):
    events = list(client.invoke_with_response_stream(FunctionName="stream", Payload=b'{"fail": true}')["EventStream"])
    complete = events[-1]["InvokeComplete"]
    assert complete["ErrorCode"] == "ValueError"
    assert json.loads(complete["ErrorDetails"])["errorMessage"] == "asked to fail"


def test_invoke_async_queues_an_event(client, runtime):
    before = len(runtime.records)
    response = client.invoke_async(FunctionName="stream", InvokeArgs=b'{"n": 2}')
    assert (response["Status"], response["ResponseMetadata"]["HTTPStatusCode"]) == (202, 202)
    (outcome,) = runtime.settle()
    assert len(runtime.records) == before + 1 and runtime.records[-1].invocation_type == "Event"
    with pytest.raises(botocore.exceptions.ClientError, match="RequestEntityTooLargeException"):
        client.invoke_async(FunctionName="stream", InvokeArgs=b'"' + b"x" * (256 * 1024) + b'"')
