"""The AWS Lambda REST API, driven only through an unmodified boto3 client (and raw HTTP where
boto3 cannot send the request under test). Assertions are on what boto3 returns."""

import base64
import concurrent.futures
import hashlib
import http.client
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

import lambdakit
from loopback import sigv4_headers

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
CREDENTIALS = {"region_name": "us-east-1", "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
NO_RETRIES = Config(retries={"total_max_attempts": 1})

ECHO = """
import os

def lambda_handler(event, context):
    print("echo", event)
    return {"event": event, "memory": context.memory_limit_in_mb,
            "greeting": os.environ.get("GREETING"), "version": context.function_version}
"""


def zip_of(source, module="lambda_function.py"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(module, source)
    return buffer.getvalue()


def returning(value):
    return f"def lambda_handler(event, context):\n    return {value!r}\n"


def lambda_client(url, **config):
    return boto3.client("lambda", endpoint_url=url, config=NO_RETRIES.merge(Config(**config)), **CREDENTIALS)


@pytest.fixture(scope="module")
def runtime():
    with lambdakit.Runtime(clock="real") as service:
        yield service


@pytest.fixture(scope="module")
def client(runtime):
    return lambda_client(runtime.endpoint_url)


@pytest.fixture
def name(request):
    return re.sub(r"[^a-zA-Z0-9_-]", "-", request.node.name)[:64]


def create(client, name, source=ECHO, **settings):
    settings = {"Runtime": "python3.12", "Role": ROLE, "Handler": "lambda_function.lambda_handler", **settings}
    return client.create_function(FunctionName=name, Code={"ZipFile": zip_of(source)}, **settings)


def invoke(client, name, event=None, **kwargs):
    response = client.invoke(FunctionName=name, Payload=json.dumps(event or {}), **kwargs)
    response["Body"] = response.pop("Payload").read()
    return response


def tail(response):
    return base64.b64decode(response["LogResult"]).decode()


def error_of(excinfo):
    error = excinfo.value.response
    return error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Message"]


def raw(url, method, path, body=b"", headers=None):
    """A request boto3 cannot send, signed as boto3 signs."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request(method, path, body=body, headers=sigv4_headers(url, method, path, body, headers))
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


# ----------------------------------------------------------------- functions
def test_create_from_zip_then_get_list_and_delete(client, name):
    package = zip_of(ECHO)
    created = client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                     Handler="lambda_function.lambda_handler", Code={"ZipFile": package},
                                     Description="echo", Timeout=5)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["FunctionName"] == name
    assert created["FunctionArn"] == f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
    assert (created["Runtime"], created["MemorySize"], created["Timeout"], created["Version"]) == \
        ("python3.12", 128, 5, "$LATEST")
    assert created["CodeSha256"] == base64.b64encode(hashlib.sha256(package).digest()).decode()
    assert created["CodeSize"] == len(package)

    function = client.get_function(FunctionName=name)
    assert function["Configuration"]["Description"] == "echo"
    assert function["Code"]["RepositoryType"] == "S3"
    location = function["Code"]["Location"]
    assert location.startswith(client.meta.endpoint_url + "/")
    with urllib.request.urlopen(location, timeout=30) as download:  # unsigned, as a presigned S3 URL
        downloaded = zipfile.ZipFile(io.BytesIO(download.read()))
    assert downloaded.read("lambda_function.py").decode() == ECHO
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(location.replace("token=", "token=0"), timeout=30)
    assert refused.value.code == 403
    assert client.get_function_configuration(FunctionName=name)["Handler"] == "lambda_function.lambda_handler"
    assert name in [f["FunctionName"] for f in client.list_functions()["Functions"]]

    deleted = client.delete_function(FunctionName=name)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(client.exceptions.ResourceNotFoundException) as excinfo:
        client.get_function(FunctionName=name)
    assert error_of(excinfo) == ("ResourceNotFoundException", 404,
                                 f"Function not found: arn:aws:lambda:us-east-1:123456789012:function:{name}")
    assert name not in [f["FunctionName"] for f in client.list_functions()["Functions"]]


def test_list_functions_pages_with_markers(client, name):
    names = {f"{name[:60]}-{i}" for i in range(3)}
    for each in names:
        create(client, each, returning(1))
    pages = list(client.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 2}))
    listed = [f["FunctionName"] for page in pages for f in page["Functions"]]
    assert len(pages) >= 2 and all(len(page["Functions"]) <= 2 for page in pages)
    assert names <= set(listed) and len(listed) == len(set(listed))


def test_update_code_runs_new_code_in_a_cold_environment(client, name):
    create(client, name, returning("v1"))
    first = invoke(client, name, LogType="Tail")
    warm = invoke(client, name, LogType="Tail")
    assert json.loads(first["Body"]) == json.loads(warm["Body"]) == "v1"
    assert "Init Duration" in tail(first) and "Init Duration" not in tail(warm)

    updated = client.update_function_code(FunctionName=name, ZipFile=zip_of(returning("v2")))
    assert updated["CodeSha256"] == base64.b64encode(hashlib.sha256(zip_of(returning("v2"))).digest()).decode()
    after = invoke(client, name, LogType="Tail")
    assert json.loads(after["Body"]) == "v2"
    assert "Init Duration" in tail(after)


def test_update_configuration_is_visible_to_the_handler(client, name):
    create(client, name)
    assert json.loads(invoke(client, name)["Body"])["memory"] == "128"
    updated = client.update_function_configuration(
        FunctionName=name, MemorySize=256, Timeout=10, Environment={"Variables": {"GREETING": "hi"}})
    assert (updated["MemorySize"], updated["Timeout"]) == (256, 10)
    assert updated["Environment"] == {"Variables": {"GREETING": "hi"}}
    result = json.loads(invoke(client, name)["Body"])
    assert (result["memory"], result["greeting"]) == ("256", "hi")
    assert client.get_function_configuration(FunctionName=name)["MemorySize"] == 256


def test_function_addressed_by_arn(client, name):
    create(client, name, returning("ok"))
    arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
    assert json.loads(invoke(client, arn)["Body"]) == "ok"
    assert client.get_function_configuration(FunctionName=arn)["FunctionName"] == name


def test_aws_endpoint_url_lambda_environment_variable(runtime, name, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", runtime.endpoint_url)
    plain = boto3.client("lambda", config=NO_RETRIES, **CREDENTIALS)
    create(plain, name, returning("via env"))
    assert json.loads(invoke(plain, name)["Body"]) == "via env"


# -------------------------------------------------------------------- invoke
def test_invoke_request_response_event_and_dry_run(client, name):
    create(client, name)
    sync = invoke(client, name, {"a": 1})
    assert sync["StatusCode"] == 200 and sync["ExecutedVersion"] == "$LATEST"
    assert json.loads(sync["Body"])["event"] == {"a": 1}
    assert "FunctionError" not in sync and "LogResult" not in sync
    assert sync["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/json"

    event = invoke(client, name, {"a": 2}, InvocationType="Event")
    assert (event["StatusCode"], event["Body"]) == (202, b"")
    assert event["ResponseMetadata"]["RequestId"]

    dry = invoke(client, name, InvocationType="DryRun")
    assert (dry["StatusCode"], dry["Body"]) == (204, b"")


def test_log_type_tail_returns_the_log_ending_in_report(client, name):
    create(client, name)
    response = invoke(client, name, {"k": "v"}, LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    lines = tail(response).splitlines()
    start = lines.index(f"START RequestId: {request_id} Version: $LATEST")  # INIT output may precede it
    assert "echo {'k': 'v'}" in lines[start:]
    assert lines[-2] == f"END RequestId: {request_id}"
    assert lines[-1].startswith(f"REPORT RequestId: {request_id}\tDuration: ")
    for field in ("Billed Duration: ", "Memory Size: 128 MB", "Max Memory Used: "):
        assert field in lines[-1]


def test_log_tail_is_the_last_4_kb(client, name):
    create(client, name, "def lambda_handler(event, context):\n"
                         "    for i in range(500):\n        print('line', i, 'x' * 40)\n")
    log = tail(invoke(client, name, LogType="Tail"))
    assert len(log.encode()) == 4096
    assert "line 499" in log and "line 0 " not in log
    assert log.rstrip("\n").splitlines()[-1].startswith("REPORT RequestId: ")


def test_unhandled_function_error(client, name):
    create(client, name, "def lambda_handler(event, context):\n    raise ValueError('bad thing')\n")
    response = invoke(client, name)
    assert (response["StatusCode"], response["FunctionError"]) == (200, "Unhandled")
    error = json.loads(response["Body"])
    assert (error["errorMessage"], error["errorType"]) == ("bad thing", "ValueError")
    assert error["requestId"] == response["ResponseMetadata"]["RequestId"]
    assert "raise ValueError('bad thing')" in "".join(error["stackTrace"])


def test_init_error_is_a_function_error(client, name):
    create(client, name, "import not_a_module\n")
    response = invoke(client, name)
    assert response["FunctionError"] == "Unhandled"
    error = json.loads(response["Body"])
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert error["errorMessage"] == "Unable to import module 'lambda_function': No module named 'not_a_module'"


def test_client_context_reaches_the_handler(client, name):
    create(client, name, "def lambda_handler(event, context):\n"
                         "    return {'custom': context.client_context.custom, 'env': context.client_context.env}\n")
    context = {"custom": {"tenant": "t-1"}, "env": {"platform": "test"}, "client": {}}
    response = invoke(client, name, ClientContext=base64.b64encode(json.dumps(context).encode()).decode())
    assert json.loads(response["Body"]) == {"custom": {"tenant": "t-1"}, "env": {"platform": "test"}}
    with pytest.raises(client.exceptions.InvalidRequestContentException):
        invoke(client, name, ClientContext="not base64!")


# --------------------------------------------------------------------- errors
def test_create_twice_is_a_conflict(client, name):
    create(client, name)
    with pytest.raises(client.exceptions.ResourceConflictException) as excinfo:
        create(client, name)
    assert error_of(excinfo)[:2] == ("ResourceConflictException", 409)


def test_unknown_function_is_not_found_for_every_operation(client, name):
    calls = [lambda: client.get_function_configuration(FunctionName=name),
             lambda: client.invoke(FunctionName=name),
             lambda: client.delete_function(FunctionName=name),
             lambda: client.update_function_code(FunctionName=name, ZipFile=zip_of(ECHO)),
             lambda: client.update_function_configuration(FunctionName=name, Timeout=5),
             lambda: client.publish_version(FunctionName=name),
             lambda: client.list_aliases(FunctionName=name),
             lambda: client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)]
    for call in calls:
        with pytest.raises(client.exceptions.ResourceNotFoundException) as excinfo:
            call()
        assert error_of(excinfo)[:2] == ("ResourceNotFoundException", 404)


def test_out_of_range_numbers_are_validation_errors(runtime, client, name):
    # ValidationException is not a modeled Lambda error: botocore (as with AWS) raises ClientError
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        create(client, name, Timeout=901)
    assert error_of(excinfo) == ("ValidationException", 400,
                                 "1 validation error detected: Value '901' at 'timeout' failed to satisfy "
                                 "constraint: Member must have value less than or equal to 900")
    unchecked = lambda_client(runtime.endpoint_url, parameter_validation=False)  # botocore checks minimums itself
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        create(unchecked, name, MemorySize=64)
    assert error_of(excinfo)[2] == ("1 validation error detected: Value '64' at 'memorySize' failed to satisfy "
                                    "constraint: Member must have value greater than or equal to 128")


def test_invalid_parameters(client, name):
    with pytest.raises(client.exceptions.InvalidParameterValueException) as excinfo:
        create(client, name, Environment={"Variables": {"AWS_REGION": "eu-west-1"}})
    assert error_of(excinfo)[:2] == ("InvalidParameterValueException", 400)
    assert "Reserved keys used in this request: AWS_REGION" in error_of(excinfo)[2]
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        create(client, name, Runtime="python2.7")
    with pytest.raises(client.exceptions.InvalidParameterValueException) as excinfo:
        client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                               Handler="lambda_function.lambda_handler", Code={"ZipFile": b"not a zip"})
    assert "Could not unzip uploaded file" in error_of(excinfo)[2]
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                               Handler="lambda_function.lambda_handler", Code={"S3Bucket": "bucket", "S3Key": "key.zip"})


def test_payload_over_the_limits_is_request_too_large(client, name):
    create(client, name)
    # AWS's code, which botocore does not model: boto3 raises a plain ClientError for it.
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        client.invoke(FunctionName=name, Payload=b'"' + b"x" * (6 * 1024 * 1024) + b'"')
    assert error_of(excinfo) == ("RequestEntityTooLargeException", 413,
                                 "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        client.invoke(FunctionName=name, InvocationType="Event", Payload=b'"' + b"x" * (1024 * 1024) + b'"')
    assert error_of(excinfo) == ("RequestEntityTooLargeException", 413,
                                 "1048578 byte payload is too large for the Event invocation type (limit 1048576 bytes)")
    assert invoke(client, name)["StatusCode"] == 200


def test_reserved_concurrency_and_throttling(client, name):
    create(client, name, returning("ok"))
    assert client.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions") is None
    put = client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    assert put["ReservedConcurrentExecutions"] == 0
    assert client.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 0
    assert client.get_function(FunctionName=name)["Concurrency"] == {"ReservedConcurrentExecutions": 0}

    with pytest.raises(client.exceptions.TooManyRequestsException) as excinfo:
        client.invoke(FunctionName=name)
    assert error_of(excinfo) == ("TooManyRequestsException", 429, "Rate Exceeded.")
    assert excinfo.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"

    with pytest.raises(client.exceptions.InvalidParameterValueException) as excinfo:
        client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=950)
    assert "below its minimum value of [100]" in error_of(excinfo)[2]

    deleted = client.delete_function_concurrency(FunctionName=name)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert "ReservedConcurrentExecutions" not in client.get_function_concurrency(FunctionName=name)
    assert json.loads(invoke(client, name)["Body"]) == "ok"


def test_concurrent_requests_run_in_parallel_and_throttle(client, name):
    """Two requests at once with one reserved environment: one runs, the other gets a 429 at
    once. A server that served one request at a time would run both, one after the other."""
    create(client, name, "import time\n\ndef lambda_handler(event, context):\n"
                         "    time.sleep(3)\n    return 'slept'\n", Timeout=30)
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)

    def attempt(_):
        try:
            return json.loads(invoke(client, name)["Body"])
        except client.exceptions.TooManyRequestsException as error:
            return error.response["Reason"]

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(attempt, range(2)))
    assert outcomes == ["ReservedFunctionConcurrentInvocationLimitExceeded", "slept"]


def test_malformed_body_is_invalid_request_content(runtime, client, name):
    def corrupt(request, **_):
        request.data = b'{"FunctionName": '

    client.meta.events.register("before-sign.lambda.CreateFunction", corrupt)
    try:
        with pytest.raises(client.exceptions.InvalidRequestContentException) as excinfo:
            create(client, name)
    finally:
        client.meta.events.unregister("before-sign.lambda.CreateFunction", corrupt)
    assert error_of(excinfo)[:2] == ("InvalidRequestContentException", 400)

    for body in (b"[1, 2]", b'{"FunctionName": "x", "Code": "not an object"}', b"\xff\xfe"):
        status, headers, reply = raw(runtime.endpoint_url, "POST", "/2015-03-31/functions", body)
        assert (status, headers["x-amzn-ErrorType"]) == (400, "InvalidRequestContentException")
        assert json.loads(reply)["Type"] == "User"


def test_unknown_route_is_a_json_404(runtime, client):
    status, headers, body = raw(runtime.endpoint_url, "GET", "/2015-03-31/no-such-thing")
    assert (status, headers["x-amzn-ErrorType"]) == (404, "UnknownOperationException")
    assert json.loads(body)["message"] == "Unknown operation: GET /2015-03-31/no-such-thing"
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        client.list_capacity_providers()  # out of scope (README): not served
    assert error_of(excinfo)[:2] == ("UnknownOperationException", 404)


# ----------------------------------------------------------- versions, aliases
def test_versions_run_their_own_code(client, name):
    create(client, name, returning("one"))
    one = client.publish_version(FunctionName=name, Description="first")
    assert one["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (one["Version"], one["FunctionArn"].rsplit(":", 1)[1], one["Description"]) == ("1", "1", "first")
    client.update_function_code(FunctionName=name, ZipFile=zip_of(returning("two")))
    assert client.publish_version(FunctionName=name)["Version"] == "2"
    assert [v["Version"] for v in client.list_versions_by_function(FunctionName=name)["Versions"]] == \
        ["$LATEST", "1", "2"]

    for qualifier, expected in (("1", "one"), ("2", "two"), ("$LATEST", "two")):
        response = invoke(client, name, Qualifier=qualifier)
        assert (response["ExecutedVersion"], json.loads(response["Body"])) == (qualifier, expected)
    assert invoke(client, f"{name}:1")["ExecutedVersion"] == "1"
    assert client.get_function_configuration(FunctionName=name, Qualifier="1")["Version"] == "1"

    client.delete_function(FunctionName=name, Qualifier="1")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName=name, Qualifier="1")
    assert [v["Version"] for v in client.list_versions_by_function(FunctionName=name)["Versions"]] == \
        ["$LATEST", "2"]


@pytest.fixture
def two_versions(client, name):
    create(client, name, "def lambda_handler(event, context):\n    return context.function_version\n")
    client.publish_version(FunctionName=name)
    client.update_function_configuration(FunctionName=name, Description="changed")
    client.publish_version(FunctionName=name)
    return name


def test_alias_lifecycle_and_executed_version(client, two_versions):
    name = two_versions
    alias = client.create_alias(FunctionName=name, Name="live", FunctionVersion="1", Description="prod")
    assert alias["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert alias["AliasArn"] == f"arn:aws:lambda:us-east-1:123456789012:function:{name}:live"
    assert (alias["FunctionVersion"], alias["Description"]) == ("1", "prod")
    response = invoke(client, name, Qualifier="live")
    assert (response["ExecutedVersion"], json.loads(response["Body"])) == ("1", "1")

    client.update_alias(FunctionName=name, Name="live", FunctionVersion="2")
    assert invoke(client, name, Qualifier="live")["ExecutedVersion"] == "2"
    assert client.get_alias(FunctionName=name, Name="live")["Description"] == "prod"
    assert client.get_function_configuration(FunctionName=name, Qualifier="live")["Version"] == "2"

    client.create_alias(FunctionName=name, Name="old", FunctionVersion="1")
    assert [a["Name"] for a in client.list_aliases(FunctionName=name)["Aliases"]] == ["live", "old"]
    assert [a["Name"] for a in client.list_aliases(FunctionName=name, FunctionVersion="1")["Aliases"]] == ["old"]

    with pytest.raises(client.exceptions.ResourceConflictException):
        client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    with pytest.raises(client.exceptions.ResourceConflictException):
        client.delete_function(FunctionName=name, Qualifier="1")  # "old" still points at it

    assert client.delete_alias(FunctionName=name, Name="old")["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(client.exceptions.ResourceNotFoundException) as excinfo:
        client.get_alias(FunctionName=name, Name="old")
    assert error_of(excinfo)[2] == f"Alias not found: arn:aws:lambda:us-east-1:123456789012:function:{name}:old"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName=name, Qualifier="old")


def test_weighted_alias_routes_to_both_versions(client, two_versions):
    name = two_versions
    client.create_alias(FunctionName=name, Name="all-new", FunctionVersion="1",
                        RoutingConfig={"AdditionalVersionWeights": {"2": 1.0}})
    assert {invoke(client, name, Qualifier="all-new")["ExecutedVersion"] for _ in range(5)} == {"2"}

    updated = client.update_alias(FunctionName=name, Name="all-new",
                                  RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    assert updated["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.5}}
    executed = [invoke(client, name, Qualifier="all-new") for _ in range(40)]
    assert {r["ExecutedVersion"] for r in executed} == {"1", "2"}
    assert all(json.loads(r["Body"]) == r["ExecutedVersion"] for r in executed)

    cleared = client.update_alias(FunctionName=name, Name="all-new", RoutingConfig={"AdditionalVersionWeights": {}})
    assert "RoutingConfig" not in cleared
    assert {invoke(client, name, Qualifier="all-new")["ExecutedVersion"] for _ in range(5)} == {"1"}


def test_weighted_routing_validation(client, two_versions):
    name = two_versions

    def alias(version, weights, alias_name="canary"):
        return client.create_alias(FunctionName=name, Name=alias_name, FunctionVersion=version,
                                   RoutingConfig={"AdditionalVersionWeights": weights})

    cases = [(("1", {"2": 0.1, "$LATEST": 0.1}), "InvalidParameterValueException"),
             (("1", {"1": 0.1}), "InvalidParameterValueException"),
             (("$LATEST", {"1": 0.1}), "InvalidParameterValueException"),
             (("1", {"2": 1.5}), "ValidationException"),
             (("1", {"7": 0.1}), "ResourceNotFoundException"),
             (("9", {}), "ResourceNotFoundException")]
    for args, code in cases:
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            alias(*args)
        assert error_of(excinfo)[0] == code, args
        assert error_of(excinfo)[1] == {"InvalidParameterValueException": 400, "ValidationException": 400,
                                        "ResourceNotFoundException": 404}[code]
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        alias("1", {}, alias_name="123")
    assert error_of(excinfo)[:2] == ("ValidationException", 400)
    assert client.list_aliases(FunctionName=name)["Aliases"] == []


# ---------------------------------------------------------------- the server
class _Exploding:
    """A stand-in service whose every call fails with an unexpected (non-Lambda) exception."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise RuntimeError("secret internal detail")
        return fail


def test_internal_failure_is_a_500_without_traceback_and_the_server_lives_on(caplog):
    from lambdakit.api.server import serve
    server = serve(_Exploding())
    try:
        client = lambda_client(server.url)
        for _ in range(2):
            with pytest.raises(botocore.exceptions.ClientError) as excinfo:
                client.get_function(FunctionName="anything")
            code, status, message = error_of(excinfo)
            assert (code, status) == ("ServiceException", 500)
            assert "secret" not in message and "Traceback" not in message
            status, _, body = raw(server.url, "GET", "/2015-03-31/functions/anything")
            assert status == 500 and b"Traceback" not in body and b"secret" not in body
    finally:
        server.stop()
    assert "secret internal detail" in caplog.text  # logged on the server side instead


def test_broken_connections_do_not_stop_the_server(runtime, client, name):
    create(client, name, returning("still here"))
    host, port = runtime.endpoint_url.removeprefix("http://").split(":")
    for junk in (b"POST /2015-03-31/functions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"Fun",
                 b"NOT-HTTP\r\n\r\n", b"GET /2015-03-31/functions HTTP/1.1\r\nHost: x", b""):
        with socket.create_connection((host, int(port))) as s:
            s.sendall(junk)
    status, headers, body = raw(runtime.endpoint_url, "BREW", "/2015-03-31/functions")
    assert status == 404 and headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert json.loads(invoke(client, name)["Body"]) == "still here"


def test_a_body_over_the_request_cap_is_refused_unread(runtime):
    host, port = runtime.endpoint_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        signed = sigv4_headers(runtime.endpoint_url, "POST", "/2015-03-31/functions")
        head = "".join(f"{k}: {v}\r\n" for k, v in signed.items() if k.lower() != "content-length")
        s.sendall(f"POST /2015-03-31/functions HTTP/1.1\r\nHost: {host}:{port}\r\n{head}"
                  "Content-Length: 100000000\r\n\r\n".encode())
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk  # the server closes the connection after answering
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"x-amzn-ErrorType: RequestEntityTooLargeException" in head
    assert json.loads(body)["message"] == \
        "Request must be smaller than 69905067 bytes for the CreateFunction operation"


def test_keep_alive_connection_serves_many_requests(runtime, client, name):
    create(client, name, returning("ok"))
    host, port = runtime.endpoint_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        for _ in range(20):
            path = f"/2015-03-31/functions/{name}/invocations"
            connection.request("POST", path, body=b"{}",
                               headers=sigv4_headers(runtime.endpoint_url, "POST", path, b"{}"))
            response = connection.getresponse()
            assert (response.status, response.read()) == (200, b'"ok"')
            assert response.getheader("X-Amz-Executed-Version") == "$LATEST"
            assert not response.will_close
        path = f"/2015-03-31/functions/{name}/aliases"
        connection.request("GET", path, headers=sigv4_headers(runtime.endpoint_url, "GET", path))
        assert connection.getresponse().read() == b'{"Aliases":[]}'
    finally:
        connection.close()


def test_endpoint_url_is_started_once_and_stopped_on_close(name):
    service = lambdakit.Runtime()
    url = service.endpoint_url
    assert url.startswith("http://127.0.0.1:") and service.endpoint_url == url == service.serve_http()
    client = lambda_client(url)
    create(client, name, returning("virtual"))
    assert json.loads(invoke(client, name)["Body"]) == "virtual"
    service.close()
    host, port = url.removeprefix("http://").split(":")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, int(port)), timeout=5).close()


# ----------------------------------------------------------- lambdakit serve
def _non_loopback_address():
    """An address of this host on a non-loopback interface, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: routing only, never contacted
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def _listening_addresses(port):
    """Local IPv4 addresses listening on `port`, from /proc/net/tcp (Linux)."""
    found = set()
    with open("/proc/net/tcp") as table:
        for line in list(table)[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


@pytest.fixture
def served():
    process = subprocess.Popen([sys.executable, "-m", "lambdakit", "serve", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        found = re.search(r"http://[\d.]+:(\d+)", first)
        assert found, (first, process.stderr.read() if process.poll() is not None else "")
        yield process, found.group(0), int(found.group(1))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_lambdakit_serve_answers_boto3_and_stops_on_sigterm(served):
    process, url, _ = served
    client = lambda_client(url)
    create(client, "served", returning("from the CLI"))
    response = invoke(client, "served", LogType="Tail")
    assert json.loads(response["Body"]) == "from the CLI"
    assert "REPORT RequestId:" in tail(response)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err


def test_lambdakit_serve_binds_only_loopback(served):
    _, url, port = served
    assert url == f"http://127.0.0.1:{port}"
    if os.path.exists("/proc/net/tcp"):
        assert _listening_addresses(port) == {"127.0.0.1"}
    address = _non_loopback_address()
    if address is None and not os.path.exists("/proc/net/tcp"):
        pytest.skip("no non-loopback interface and no /proc/net/tcp to inspect")
    if address is not None:
        with pytest.raises(OSError):
            socket.create_connection((address, port), timeout=5).close()


def test_lambdakit_serve_reports_a_busy_port(served):
    _, _, port = served
    busy = subprocess.run([sys.executable, "-m", "lambdakit", "serve", "--port", str(port)],
                          capture_output=True, text=True, timeout=60)
    assert busy.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in busy.stderr and "Traceback" not in busy.stderr


def test_cli_lists_its_subcommands():
    result = subprocess.run([sys.executable, "-m", "lambdakit", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and "serve" in result.stdout


def test_lambdakit_serve_starts_and_prints_local_aws_so_a_queue_can_come_before_its_mapping(served):
    process, url, _ = served
    process.stdout.readline()  # the boto3 hint
    line = process.stdout.readline()
    found = re.search(r"local AWS services .* on (http://127\.0\.0\.1:\d+)", line)
    assert found, line
    sqs = boto3.client("sqs", endpoint_url=found.group(1), **CREDENTIALS)
    queue_url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    client = lambda_client(url)
    create(client, "consumer", returning("ok"))
    mapping = client.create_event_source_mapping(FunctionName="consumer", EventSourceArn=queue_arn, BatchSize=1)
    assert mapping["EventSourceArn"] == queue_arn and mapping["State"] == "Creating"
