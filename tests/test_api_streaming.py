"""InvokeWithResponseStream and InvokeAsync through an unmodified boto3 client: botocore's
EventStream must parse what lambdakit sends, chunk by chunk as a Node.js handler streams them."""

import base64
import json
import os
import shutil

import botocore.exceptions
import pytest

import lambdakit
from lambdakit.runtime.response_stream import CollectedStream
from loopback import lambda_client
from stream_gate import NODE_HANDLER, Gate

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


# -- functions that stream (Node.js's awslambda.streamifyResponse) -----------------------------
needs_node = pytest.mark.skipif(shutil.which("node") is None and not os.environ.get("LAMBDAKIT_NODE_TESTS"),
                                reason="node is not installed")


@pytest.fixture(scope="module")
def node_function(runtime):
    runtime.create_function("streamer", NODE_HANDLER, runtime="nodejs22.x", handler="index.handler")
    return "streamer"


@needs_node
def test_chunks_arrive_separately_in_order_while_the_handler_runs(client, node_function):
    with Gate() as gate:
        response = client.invoke_with_response_stream(
            FunctionName=node_function, Payload=json.dumps({"gate": gate.url}).encode(), LogType="Tail")
        chunks, complete = [], None
        for event in response["EventStream"]:
            if "PayloadChunk" in event:
                chunks.append(event["PayloadChunk"]["Payload"])
                gate.open(len(chunks))  # the handler writes the next chunk only after this
            else:
                complete = event["InvokeComplete"]
    assert chunks == [b"one,", b"two,", b"three"]
    assert "ErrorCode" not in complete
    log = base64.b64decode(complete["LogResult"]).decode()
    # each gate opened only once the client held the chunk before it: streamed, not buffered
    assert "gate 1: open" in log and "gate 2: open" in log and "shut" not in log
    assert log.index("wrote 1") < log.index("gate 1: open") < log.index("wrote 2") < log.index("handler finished")


@needs_node
def test_an_error_mid_stream_ends_it_with_the_error(client, node_function):
    with Gate() as gate:
        response = client.invoke_with_response_stream(
            FunctionName=node_function, Payload=json.dumps({"gate": gate.url, "fail": True}).encode())
        events = []
        for event in response["EventStream"]:
            events.append(event)
            gate.open(len(events))
    chunks = [e["PayloadChunk"]["Payload"] for e in events if "PayloadChunk" in e]
    complete = events[-1]["InvokeComplete"]
    assert chunks == [b"one,", b"two,"]
    assert complete["ErrorCode"] == "Error"
    details = json.loads(complete["ErrorDetails"])
    assert (details["errorType"], details["errorMessage"]) == ("Error", "broke after two chunks")


@needs_node
def test_a_streaming_function_through_invoke_is_buffered(runtime, node_function):
    with Gate() as gate:
        for n in (1, 2):
            gate.open(n)  # nobody reads chunks here: the whole response comes at the end
        invoked = runtime.invoke(node_function, {"gate": gate.url})
    assert invoked.payload == b"one,two,three" and invoked.function_error is None


@needs_node
def test_the_python_api_takes_a_response_stream(runtime, node_function):
    with Gate() as gate:
        for n in (1, 2):
            gate.open(n)
        stream = CollectedStream()
        result = runtime.invoke_with_response_stream(node_function, {"gate": gate.url}, response_stream=stream)
    assert stream.chunks == [b"one,", b"two,", b"three"] and stream.content_type == "text/plain"
    assert result.payload == b"" and result.function_error is None


def test_a_python_function_cannot_stream_so_its_response_is_one_chunk(runtime):
    # AWS's managed Python runtime has no streaming API: the whole response comes at once.
    stream = CollectedStream()
    result = runtime.invoke_with_response_stream("stream", {"n": 3}, response_stream=stream)
    assert not stream.started and stream.chunks == [] and result.result == {"echo": {"n": 3}}


@needs_node
def test_a_timeout_mid_stream_ends_it_with_sandbox_timedout(client, runtime):
    runtime.create_function("stalls", NODE_HANDLER, runtime="nodejs22.x", handler="index.handler", timeout=1)
    with Gate() as gate:  # never opened: the handler waits at it past its timeout
        response = client.invoke_with_response_stream(FunctionName="stalls", Payload=json.dumps({"gate": gate.url}).encode())
        events = list(response["EventStream"])
    assert events[0] == {"PayloadChunk": {"Payload": b"one,"}} and len(events) == 2
    complete = events[-1]["InvokeComplete"]
    assert complete["ErrorCode"] == "Sandbox.Timedout"
    assert json.loads(complete["ErrorDetails"])["errorMessage"].endswith("Task timed out after 1.00 seconds")
