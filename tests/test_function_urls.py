"""Function URLs as the AWS CLI sets them up and a client calls them: configs through boto3,
requests over real HTTP with urllib (unsigned) and with a SigV4-signed request, and a Node.js
function streaming through a RESPONSE_STREAM URL."""

import json
import os
import shutil
import urllib.error
import urllib.request
from http.client import IncompleteRead

import pytest

import lambdakit
from loopback import sigv4_headers, lambda_client
from stream_gate import NODE_HANDLER, Gate

ECHO = """
import json

def lambda_handler(event, context):
    return {"statusCode": 201, "headers": {"x-echo": "yes"},
            "body": json.dumps({"path": event["rawPath"], "method": event["requestContext"]["http"]["method"],
                                "version": event["version"], "domain": event["requestContext"]["domainName"],
                                "iam": "authorizer" in event["requestContext"], "body": event.get("body")})}
"""


@pytest.fixture(scope="module")
def runtime():
    with lambdakit.Runtime(clock="real") as service:
        yield service


@pytest.fixture(scope="module")
def client(runtime):
    return lambda_client(runtime.endpoint_url)


@pytest.fixture
def function(runtime, request):
    name = request.node.name[:64]
    runtime.create_function(name, ECHO)
    yield name
    runtime.delete_function(name)


def http(url, method="GET", body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_auth_none_needs_the_public_permission_as_on_aws(client, function):
    created = client.create_function_url_config(FunctionName=function, AuthType="NONE")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    url = created["FunctionUrl"]
    assert url.startswith("http://127.0.0.1:") and url.endswith("/")
    status, _, body = http(url + "orders?id=7")
    assert (status, json.loads(body)) == (403, {"Message": "Forbidden"})
    client.add_permission(FunctionName=function, StatementId="FunctionURLAllowPublicAccess",
                          Action="lambda:InvokeFunctionUrl", Principal="*", FunctionUrlAuthType="NONE")
    status, headers, body = http(url + "orders?id=7", "POST", b'{"n": 1}', {"Content-Type": "application/json"})
    answer = json.loads(body)
    assert (status, headers["x-echo"]) == (201, "yes")
    assert (answer["path"], answer["method"], answer["version"], answer["iam"], answer["body"]) == \
        ("/orders", "POST", "2.0", False, '{"n": 1}')
    assert answer["domain"].endswith(".lambda-url.us-east-1.on.aws") and len(answer["domain"].split(".")[0]) == 32


def test_auth_aws_iam_needs_a_signed_request(client, function):
    url = client.create_function_url_config(FunctionName=function, AuthType="AWS_IAM")["FunctionUrl"]
    assert http(url)[0] == 403
    status, _, body = http(url, headers=sigv4_headers(url.rstrip("/"), "GET", "/", service="lambda"))
    assert status == 201 and json.loads(body)["iam"] is True


def test_cors_preflight_and_origins(client, function):
    url = client.create_function_url_config(
        FunctionName=function, AuthType="NONE",
        Cors={"AllowOrigins": ["https://shop.example"], "AllowMethods": ["POST"], "MaxAge": 60})["FunctionUrl"]
    client.add_permission(FunctionName=function, StatementId="public", Action="lambda:InvokeFunctionUrl",
                          Principal="*", FunctionUrlAuthType="NONE")
    status, headers, _ = http(url, "OPTIONS", headers={"Origin": "https://shop.example",
                                                        "Access-Control-Request-Method": "POST"})
    assert (status, headers["Access-Control-Allow-Origin"], headers["Access-Control-Allow-Methods"],
            headers["Access-Control-Max-Age"]) == (200, "https://shop.example", "POST", "60")
    status, headers, _ = http(url, "POST", b"{}", {"Origin": "https://shop.example"})
    assert (status, headers["Access-Control-Allow-Origin"]) == (201, "https://shop.example")
    assert http(url, "POST", b"{}", {"Origin": "https://evil.example"})[0] == 403
    assert http(url, headers={"Host": "evil.example"})[0] == 403


def test_config_crud_and_list(client, function):
    client.publish_version(FunctionName=function)
    client.create_alias(FunctionName=function, Name="live", FunctionVersion="1")
    client.create_function_url_config(FunctionName=function, AuthType="NONE")
    client.create_function_url_config(FunctionName=function, Qualifier="live", AuthType="AWS_IAM")
    with pytest.raises(client.exceptions.ResourceConflictException):
        client.create_function_url_config(FunctionName=function, AuthType="NONE")
    with pytest.raises(client.exceptions.ClientError):
        client.create_function_url_config(FunctionName=function, Qualifier="1", AuthType="NONE")
    listed = client.list_function_url_configs(FunctionName=function)["FunctionUrlConfigs"]
    assert [c["FunctionArn"].rsplit(":", 1)[1] for c in listed] == [function, "live"]
    updated = client.update_function_url_config(FunctionName=function, AuthType="AWS_IAM",
                                                Cors={"AllowOrigins": ["*"]})
    assert (updated["AuthType"], updated["Cors"]) == ("AWS_IAM", {"AllowOrigins": ["*"]})
    got = client.get_function_url_config(FunctionName=function, Qualifier="live")
    assert got["AuthType"] == "AWS_IAM" and got["InvokeMode"] == "BUFFERED"
    url = got["FunctionUrl"]
    client.delete_function_url_config(FunctionName=function, Qualifier="live")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_function_url_config(FunctionName=function, Qualifier="live")
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=5)


# -- InvokeMode RESPONSE_STREAM ----------------------------------------------------------------
needs_node = pytest.mark.skipif(shutil.which("node") is None and not os.environ.get("LAMBDAKIT_NODE_TESTS"),
                                reason="node is not installed")


def streaming_url(client, service, name, code, **settings):
    service.create_function(name, code, **settings)
    url = client.create_function_url_config(FunctionName=name, AuthType="NONE",
                                            InvokeMode="RESPONSE_STREAM")["FunctionUrl"]
    client.add_permission(FunctionName=name, StatementId="public", Action="lambda:InvokeFunctionUrl",
                          Principal="*", FunctionUrlAuthType="NONE")
    return url


@needs_node
def test_response_stream_sends_chunks_with_the_preludes_status_and_headers(client, runtime):
    url = streaming_url(client, runtime, "url-streamer", NODE_HANDLER, runtime="nodejs22.x", handler="index.handler")
    prelude = {"statusCode": 201, "headers": {"Content-Type": "text/csv", "x-stream": "yes"}, "cookies": ["s=1"]}
    with Gate() as gate:
        request = urllib.request.Request(url, method="POST", data=json.dumps({"gate": gate.url, "prelude": prelude}).encode())
        with urllib.request.urlopen(request, timeout=60) as response:
            status, headers = response.status, response.headers
            pieces = []
            while piece := response.read1(1 << 16):  # one HTTP chunk at a time, as it comes
                pieces.append(piece)
                gate.open(len(pieces))
    assert (status, headers["Content-Type"], headers["x-stream"], headers["Set-Cookie"]) == (201, "text/csv", "yes", "s=1")
    assert headers["Transfer-Encoding"] == "chunked" and "Content-Length" not in headers
    assert pieces == [b"one,", b"two,", b"three"]  # the prelude and its 8 NUL bytes are not in the body


def test_a_python_function_behind_a_streaming_url_answers_whole(client, runtime):
    # AWS's Python runtime cannot stream: its response is mapped as in BUFFERED mode.
    url = streaming_url(client, runtime, "url-python", ECHO)
    status, headers, body = http(url + "p")
    assert (status, headers["x-echo"], json.loads(body)["path"]) == (201, "yes", "/p")


@needs_node
def test_an_error_after_the_first_chunk_cuts_the_streamed_body_short(client, runtime):
    url = streaming_url(client, runtime, "url-breaks", NODE_HANDLER, runtime="nodejs22.x", handler="index.handler")
    with Gate() as gate:
        request = urllib.request.Request(url, method="POST", data=json.dumps({"gate": gate.url, "fail": True}).encode())
        with urllib.request.urlopen(request, timeout=60) as response:
            status, first = response.status, response.read1(1 << 16)
            gate.open(1)
            with pytest.raises(IncompleteRead) as cut:
                response.read()
    assert (status, first) == (200, b"one,")  # the status went out with the first chunk
    assert cut.value.partial == b"two,"
