"""What a handler sees: the context object (names and types of AWS's Python runtime) and
the environment variables (Lambda's, the function's own, and nothing of the kernel's)."""

import re

import pytest
from awslambdaric.lambda_context import LambdaContext as AwsLambdaContext

ARN = "arn:aws:lambda:us-east-1:123456789012:function"
STREAM = re.compile(r"\d{4}/\d{2}/\d{2}/\[(\$LATEST|\d+)\][0-9a-f]{32}")

DESCRIBE_CONTEXT = """
def lambda_handler(event, context):
    c = context
    names = ["aws_request_id", "function_name", "function_version", "invoked_function_arn",
             "memory_limit_in_mb", "log_group_name", "log_stream_name", "tenant_id"]
    client = c.client_context
    return {
        "class": type(c).__name__,
        "public": sorted(n for n in dir(c) if not n.startswith("_")),
        "values": {n: getattr(c, n) for n in names},
        "types": {n: type(getattr(c, n)).__name__ for n in names},
        "identity": [type(c.identity).__name__, c.identity.cognito_identity_id,
                     c.identity.cognito_identity_pool_id],
        "client_context": None if client is None else {
            "custom": client.custom, "env": client.env,
            "client": None if client.client is None else [
                client.client.installation_id, client.client.app_title, client.client.app_version_name,
                client.client.app_version_code, client.client.app_package_name]},
        "w3c": c.w3c(),
        "remaining": c.get_remaining_time_in_millis(),
        "remaining_type": type(c.get_remaining_time_in_millis()).__name__,
        "repr": repr(c),
    }
"""


def describe(runtime, name="ctx", **invoke):
    result = runtime.invoke(name, {}, **invoke)
    assert result.function_error is None, result.payload
    return result, result.result


def test_attributes_and_types(virtual):
    virtual.create_function("ctx", DESCRIBE_CONTEXT, memory_size=256)
    result, seen = describe(virtual)
    assert seen["class"] == "LambdaContext"
    assert seen["values"] == {
        "aws_request_id": result.request_id, "function_name": "ctx", "function_version": "$LATEST",
        "invoked_function_arn": f"{ARN}:ctx", "memory_limit_in_mb": "256",
        "log_group_name": "/aws/lambda/ctx", "log_stream_name": virtual.environments("ctx")[0].log_stream,
        "tenant_id": None}
    assert seen["types"] == {name: "str" for name in seen["types"]} | {"tenant_id": "NoneType"}
    assert STREAM.fullmatch(seen["values"]["log_stream_name"])
    assert seen["repr"].startswith(f"LambdaContext([aws_request_id={result.request_id},log_group_name=/aws/lambda/ctx,")


def test_same_public_attributes_as_awslambdaric(virtual):
    virtual.create_function("ctx", DESCRIBE_CONTEXT)
    aws = AwsLambdaContext("id", None, None, 0, f"{ARN}:ctx")
    _, seen = describe(virtual)
    assert seen["public"] == sorted(n for n in dir(aws) if not n.startswith("_"))


def test_invoked_function_arn_carries_the_qualifier(virtual):
    virtual.create_function("ctx", DESCRIBE_CONTEXT)
    virtual.publish_version("ctx")
    virtual.create_alias("ctx", "live", "1")
    cases = [({}, f"{ARN}:ctx", "$LATEST"), ({"qualifier": "$LATEST"}, f"{ARN}:ctx:$LATEST", "$LATEST"),
             ({"qualifier": "1"}, f"{ARN}:ctx:1", "1"), ({"qualifier": "live"}, f"{ARN}:ctx:live", "1")]
    for invoke, arn, version in cases:
        result, seen = describe(virtual, **invoke)
        assert (seen["values"]["invoked_function_arn"], seen["values"]["function_version"]) == (arn, version)
        assert result.executed_version == version
    _, seen = describe(virtual, "ctx:live")
    assert seen["values"]["invoked_function_arn"] == f"{ARN}:ctx:live"
    _, seen = describe(virtual, f"{ARN}:ctx:1")
    assert seen["values"]["invoked_function_arn"] == f"{ARN}:ctx:1"


def test_identity_and_client_context_by_default(virtual):
    virtual.create_function("ctx", DESCRIBE_CONTEXT)
    _, seen = describe(virtual)
    assert seen["identity"] == ["CognitoIdentity", None, None]
    assert seen["client_context"] is None
    assert seen["w3c"] == {}


def test_client_context_from_a_mobile_sdk(virtual):
    virtual.create_function("ctx", DESCRIBE_CONTEXT)
    client_context = {
        "custom": {"theme": "dark"}, "env": {"platform": "Android"},
        "client": {"installation_id": "i-1", "app_title": "App", "app_version_name": "1.0",
                   "app_version_code": "10", "app_package_name": "com.example"},
        "w3c": {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "other": "x",
                "tracestate": 7},
    }
    _, seen = describe(virtual, client_context=client_context)
    assert seen["client_context"] == {"custom": {"theme": "dark"}, "env": {"platform": "Android"},
                                      "client": ["i-1", "App", "1.0", "10", "com.example"]}
    # As awslambdaric: only string W3C fields of the allowed names, and not in client_context.
    assert seen["w3c"] == {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}


REMAINING = """
import time
from lambdakit import work

def lambda_handler(event, context):
    seen = [context.get_remaining_time_in_millis()]
    time.sleep(1.25)
    seen.append(context.get_remaining_time_in_millis())
    work(cpu_ms=177)
    seen.append(context.get_remaining_time_in_millis())
    work(io_ms=1)
    seen.append(context.get_remaining_time_in_millis())
    return seen
"""


def test_remaining_time_is_exact_on_the_virtual_clock(virtual):
    virtual.create_function("f", REMAINING, timeout=3, memory_size=1_769)
    for _ in range(3):  # cold, then warm at later virtual times
        assert virtual.invoke("f", {}).result == [3000, 1750, 1573, 1572]
        virtual.advance(seconds=2)


def test_remaining_time_on_the_real_clock(real):
    real.create_function("ctx", DESCRIBE_CONTEXT, timeout=3)
    _, seen = describe(real)
    assert seen["remaining_type"] == "int"
    assert 0 < seen["remaining"] <= 3000


ENVIRON = """
import os

def lambda_handler(event, context):
    with open("/proc/self/environ", "rb") as f:
        initial = f.read().decode("utf-8", "replace")
    return {"environ": dict(os.environ), "initial": initial}
"""

LAMBDA_VARIABLES = {
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "LANG", "PATH", "LD_LIBRARY_PATH", "TZ",
    "AWS_XRAY_CONTEXT_MISSING", "AWS_XRAY_DAEMON_ADDRESS",
}


@pytest.fixture
def kernel_secrets(monkeypatch):
    """Variables a learner's kernel might hold, set before the runtime exists."""
    secrets = {"LAMBDAKIT_TEST_SECRET": "s3cr3t-kernel-value", "AWS_ACCESS_KEY_ID": "AKIAKERNELHOSTKEY",
               "AWS_SECRET_ACCESS_KEY": "kernel-host-secret-key", "AWS_PROFILE": "kernel-profile"}
    for key, value in secrets.items():
        monkeypatch.setenv(key, value)
    return secrets


@pytest.mark.parametrize("clock", ["virtual", "real"])
def test_lambda_variables_and_nothing_from_the_kernel(make_runtime, kernel_secrets, clock):
    runtime = make_runtime(clock=clock)
    runtime.create_function("envs", ENVIRON, memory_size=512, environment={"TABLE_NAME": "orders"})
    seen = runtime.invoke("envs", {}).result
    environ = seen["environ"]
    assert set(environ) == LAMBDA_VARIABLES | {"TABLE_NAME"}
    for secret in kernel_secrets.values():
        assert secret not in repr(environ)
        assert secret not in seen["initial"]
    stream = runtime.environments("envs")[0].log_stream
    assert {key: environ[key] for key in LAMBDA_VARIABLES - {"_X_AMZN_TRACE_ID", "PATH", "LD_LIBRARY_PATH",
                                                              "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                                              "AWS_SESSION_TOKEN"}} == {
        "_HANDLER": "lambda_function.lambda_handler", "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_LAMBDA_FUNCTION_NAME": "envs", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/envs", "AWS_LAMBDA_LOG_STREAM_NAME": stream,
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", "LAMBDA_TASK_ROOT": "/var/task",
        "LAMBDA_RUNTIME_DIR": "/var/runtime", "LANG": "en_US.UTF-8", "TZ": ":UTC",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR", "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000"}
    assert environ["TABLE_NAME"] == "orders"
    assert environ["AWS_ACCESS_KEY_ID"].startswith("ASIA")  # the role's temporary credentials
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0;Lineage=1:[0-9a-f]{8}:0",
                        environ["_X_AMZN_TRACE_ID"])


def test_trace_header_changes_per_invocation(virtual):
    virtual.create_function("envs", ENVIRON)
    first = virtual.invoke("envs", {}).result["environ"]["_X_AMZN_TRACE_ID"]
    second = virtual.invoke("envs", {}).result["environ"]["_X_AMZN_TRACE_ID"]
    assert first != second


def test_runtime_setting_shows_in_the_execution_env(virtual):
    virtual.create_function("envs", ENVIRON, runtime="python3.13")
    assert virtual.invoke("envs", {}).result["environ"]["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.13"


def test_version_variables_of_a_published_version(virtual):
    virtual.create_function("envs", ENVIRON, environment={"STAGE": "one"})
    virtual.publish_version("envs")
    virtual.update_function_configuration("envs", environment={"STAGE": "two"})
    published = virtual.invoke("envs", {}, qualifier="1").result["environ"]
    latest = virtual.invoke("envs", {}).result["environ"]
    assert (published["AWS_LAMBDA_FUNCTION_VERSION"], published["STAGE"]) == ("1", "one")
    assert (latest["AWS_LAMBDA_FUNCTION_VERSION"], latest["STAGE"]) == ("$LATEST", "two")
    assert "[1]" in published["AWS_LAMBDA_LOG_STREAM_NAME"]
