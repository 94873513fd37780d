"""Custom runtimes (provided.al2023, provided.al2): the function's own executable `bootstrap`
speaks the Runtime API. AWS's tutorial's shell script runs unchanged (it needs bash as /bin/sh
and curl, as Amazon Linux has: the sandbox gives it that). A bootstrap streams its response
through the Runtime API with curl."""

import base64
import json
import os
import shutil

import pytest

import lambdakit
from loopback import lambda_client
from stream_gate import Gate

# AWS's files from "Tutorial: Building a custom runtime"
# (docs.aws.amazon.com/lambda/latest/dg/runtimes-walkthrough.html), unchanged.
TUTORIAL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "custom-runtime-tutorial")

pytestmark = pytest.mark.skipif(shutil.which("curl") is None or shutil.which("bash") is None,
                                reason="the tutorial's bootstrap needs bash and curl")


@pytest.fixture(scope="module")
def runtime():
    with lambdakit.Runtime(clock="real") as service:
        if not service.isolation["sandbox"]:
            pytest.skip("the tutorial's /bin/sh must be bash: only the sandbox (root on Linux) provides that here")
        yield service


def package(tmp_path, files, executable=("bootstrap",)):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        (tmp_path / name).chmod(0o755 if name in executable else 0o644)
    return str(tmp_path)


def test_the_aws_tutorial_runs_unchanged(runtime):
    runtime.create_function("tutorial", TUTORIAL, runtime="provided.al2023", handler="function.handler")
    first, second = runtime.invoke("tutorial", {"key": "value"}), runtime.invoke("tutorial", {})
    assert first.result == {"statusCode": 200, "body": "Hello from Lambda!"} and first.function_error is None
    assert first.record.cold and not second.record.cold and second.result == first.result
    assert '{"status":"OK"}' in second.log  # curl prints the Runtime API's answer, as in CloudWatch
    assert second.log.splitlines()[-1].startswith(f"REPORT RequestId: {second.request_id}")


def test_a_bootstrap_given_as_text_is_executable(runtime):
    script = ("#!/bin/sh\nAPI=http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime\n"
              "while true; do\n  H=$(mktemp)\n  E=$(curl -sS -D $H $API/invocation/next)\n"
              "  ID=$(grep -i Lambda-Runtime-Aws-Request-Id $H | tr -d '[:space:]' | cut -d: -f2)\n"
              "  echo \"got $E\"\n  curl -sS -o /dev/null $API/invocation/$ID/response -d \"[$E]\"\ndone\n")
    runtime.create_function("astext", script, runtime="provided.al2")
    invoked = runtime.invoke("astext", {"n": 1})
    assert invoked.result == [{"n": 1}] and 'got {"n": 1}' in invoked.log


def test_errors_posted_by_the_runtime(runtime, tmp_path):
    script = ("#!/bin/sh\nAPI=http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime\n"
              "H=$(mktemp)\ncurl -sS -D $H $API/invocation/next >/dev/null\n"
              "ID=$(grep -i Lambda-Runtime-Aws-Request-Id $H | tr -d '[:space:]' | cut -d: -f2)\n"
              "curl -sS -o /dev/null $API/invocation/$ID/error -H 'Lambda-Runtime-Function-Error-Type: Function.Bad' "
              "-d '{\"errorMessage\": \"Error parsing event data.\", \"errorType\": \"InvalidEventDataException\"}'\n"
              "sleep 60\n")
    runtime.create_function("posts-error", package(tmp_path, {"bootstrap": script}), runtime="provided.al2023")
    invoked = runtime.invoke("posts-error", {})
    assert invoked.function_error == "Unhandled"
    assert invoked.result == {"errorMessage": "Error parsing event data.", "errorType": "InvalidEventDataException"}


def test_missing_or_unrunnable_bootstrap_is_invalid_entrypoint(runtime, tmp_path):
    # AWS's words, from the platform (as in awslabs/aws-lambda-dart-runtime#20 and
    # softprops/serverless-rust#122): "RequestId: <id> Error: ...", also logged with the type.
    runtime.create_function("no-bootstrap", package(tmp_path, {"main.sh": "echo hi\n"}), runtime="provided.al2023")
    missing = runtime.invoke("no-bootstrap", {})
    expected = (f"RequestId: {missing.request_id} Error: "
                "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]")
    assert missing.result == {"errorMessage": expected, "errorType": "Runtime.InvalidEntrypoint"}
    assert f"{expected}\nRuntime.InvalidEntrypoint\nEND RequestId: {missing.request_id}" in missing.log
    plain = tmp_path / "plain"
    plain.mkdir()
    runtime.create_function("not-executable", package(plain, {"bootstrap": "#!/bin/sh\n"}, executable=()),
                            runtime="provided.al2023")
    refused = runtime.invoke("not-executable", {})
    assert refused.result == {"errorMessage": f"RequestId: {refused.request_id} Error: "
                                              "fork/exec /var/task/bootstrap: permission denied",
                              "errorType": "Runtime.InvalidEntrypoint"}


def test_an_init_error_a_runtime_posts_is_kept_as_posted(runtime, tmp_path):
    script = ("#!/bin/sh\ncurl -sS -o /dev/null http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/init/error "
              "-d '{\"errorMessage\": \"no handler\", \"errorType\": \"Runtime.NoHandler\"}'\n")
    runtime.create_function("init-error", package(tmp_path, {"bootstrap": script}), runtime="provided.al2023")
    assert runtime.invoke("init-error", {}).result == {"errorMessage": "no handler", "errorType": "Runtime.NoHandler"}


def test_a_bootstrap_that_exits_is_runtime_exit_error(runtime, tmp_path):
    runtime.create_function("exits", package(tmp_path, {"bootstrap": "#!/bin/sh\necho leaving\nexit 3\n"}),
                            runtime="provided.al2023")
    invoked = runtime.invoke("exits", {})
    assert invoked.error_type == "Runtime.ExitError"
    assert invoked.result["errorMessage"].endswith("Error: Runtime exited with error: exit status 3")


def test_a_crashing_bootstrap_leaves_its_last_words_in_the_log(runtime, tmp_path):
    script = "#!/bin/bash\necho 'about to fail' >&2\nno_such_command_here\nexit 3\n"
    runtime.create_function("last-words", package(tmp_path, {"bootstrap": script}), runtime="provided.al2023")
    log = runtime.invoke("last-words", {}).log
    assert "about to fail\n" in log and "no_such_command_here: command not found" in log


def test_the_tutorial_as_a_zip_through_boto3(runtime):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, mode in (("bootstrap", 0o755), ("function.sh", 0o644)):
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16  # as `chmod 755 bootstrap && zip` stores it
            with open(os.path.join(TUTORIAL, name)) as f:
                archive.writestr(info, f.read())
    client = lambda_client(runtime.endpoint_url)
    client.create_function(FunctionName="tutorial-zip", Runtime="provided.al2023", Handler="function.handler",
                           Role="arn:aws:iam::123456789012:role/r", Code={"ZipFile": buffer.getvalue()})
    reply = client.invoke(FunctionName="tutorial-zip", Payload=b"{}")
    assert "FunctionError" not in reply
    assert reply["Payload"].read() == b'{"statusCode": 200, "body": "Hello from Lambda!"}'


# A bootstrap that streams its response with curl, as AWS's custom runtime docs say: the
# /response POST carries Lambda-Runtime-Function-Response-Mode: streaming and a chunked body.
STREAMING_BOOTSTRAP = r"""#!/bin/sh
API=http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime
while true; do
  HEADERS=$(mktemp)
  EVENT=$(curl -sS -D "$HEADERS" "$API/invocation/next")
  ID=$(grep -i Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  GATE=$(echo "$EVENT" | sed 's/.*"gate": *"\([^"]*\)".*/\1/')
  {
    printf 'one,'
    echo "gate 1: $(curl -sS "$GATE/1")" >&2
    printf 'two,'
    echo "gate 2: $(curl -sS "$GATE/2")" >&2
    printf 'three'
  } | curl -sS -o /dev/null -X POST -T - "$API/invocation/$ID/response" -H "Expect:" \
      -H "Lambda-Runtime-Function-Response-Mode: streaming" -H "Transfer-Encoding: chunked" \
      -H "Content-Type: text/plain"
  echo "streamed"
done
"""


def test_a_bootstrap_streams_its_response_with_curl(runtime, tmp_path):
    runtime.create_function("streams", package(tmp_path, {"bootstrap": STREAMING_BOOTSTRAP}), runtime="provided.al2023")
    client = lambda_client(runtime.endpoint_url)
    with Gate() as gate:
        response = client.invoke_with_response_stream(
            FunctionName="streams", Payload=json.dumps({"gate": gate.url}).encode(), LogType="Tail")
        chunks, complete = [], None
        for event in response["EventStream"]:
            if "PayloadChunk" in event:
                chunks.append(event["PayloadChunk"]["Payload"])
                gate.open(len(chunks))
            else:
                complete = event["InvokeComplete"]
    assert chunks == [b"one,", b"two,", b"three"] and "ErrorCode" not in complete
    log = base64.b64decode(complete["LogResult"]).decode()
    assert "gate 1: open" in log and "gate 2: open" in log and "streamed" in log
