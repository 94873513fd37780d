"""Node.js functions (nodejs22.x, nodejs24.x) through the Runtime API: handler styles, errors,
timeouts, memory, cold and warm starts, INIT, the context object and the log lines, through
the Python API and through unmodified boto3 against the REST API. They run with the
machine's `node` (tests/run_all.py installs Debian's nodejs where it is missing)."""

import base64
import http.client
import io
import json
import os
import re
import shutil
import subprocess
import zipfile

import pytest

import lambdakit
from lambdakit.runtime.response_stream import CollectedStream
from lambdakit.runtime.runtimes import RuntimeMissing
from loopback import lambda_client

# tests/run_all.py sets LAMBDAKIT_NODE_TESTS where node is (or on CI must be) installed.
pytestmark = pytest.mark.skipif(shutil.which("node") is None and not os.environ.get("LAMBDAKIT_NODE_TESTS"),
                                reason="node is not installed")

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t[0-9a-f-]{36}\tINFO\t")


@pytest.fixture(scope="module")
def runtime():
    with lambdakit.Runtime(clock="real") as service:
        yield service


@pytest.fixture
def name(request):
    return re.sub(r"[^a-zA-Z0-9_-]", "-", request.node.name)[:64]


def deploy(runtime, name, code, node="nodejs22.x", **settings):
    runtime.create_function(name, code, runtime=node, handler="index.handler", **settings)
    return name


def test_async_handler_cold_then_warm(runtime, name):
    deploy(runtime, name, """
let calls = 0;
console.log("module loaded");
export const handler = async (event) => {
  calls += 1;
  console.log("event", JSON.stringify(event));
  return {calls, doubled: event.n * 2};
};
""")
    first = runtime.invoke(name, {"n": 4})
    second = runtime.invoke(name, {"n": 5})
    assert first.result == {"calls": 1, "doubled": 8} and second.result == {"calls": 2, "doubled": 10}
    assert first.record.cold and not second.record.cold
    assert first.record.init_ms > 0 and "Init Duration" in first.report and "Init Duration" not in second.report
    lines = second.log.splitlines()
    assert lines[0].startswith("START RequestId: ") and lines[-1].startswith("REPORT RequestId: ")
    event_line = next(line for line in lines if line.endswith('event {"n":5}'))
    assert LOG_LINE.match(event_line) and second.request_id in event_line
    assert "\tundefined\tINFO\tmodule loaded" in first.log  # INIT's lines: no request id yet, as on AWS


@pytest.mark.parametrize("node", ["nodejs22.x", "nodejs24.x"])
def test_sync_handler(runtime, name, node):
    deploy(runtime, name, "export const handler = (event) => ({got: event});\n", node)
    result = runtime.invoke(name, {"a": 1}).result
    # RIC 3 (nodejs22.x) ignores a plain return value; RIC 4 (nodejs24.x) returns it.
    assert result == (None if node == "nodejs22.x" else {"got": {"a": 1}})


def test_callback_handler_on_nodejs22(runtime, name):
    deploy(runtime, name, """
export const handler = (event, context, callback) => {
  setTimeout(() => callback(null, {later: true, id: context.awsRequestId}), 10);
};
""")
    invoked = runtime.invoke(name, {})
    assert invoked.function_error is None and invoked.result == {"later": True, "id": invoked.request_id}


def test_callback_handler_fails_init_on_nodejs24(runtime, name):
    deploy(runtime, name, "export const handler = (event, context, callback) => callback(null, 1);\n", "nodejs24.x")
    invoked = runtime.invoke(name, {})
    assert invoked.function_error == "Unhandled"
    assert invoked.error_type == "Runtime.CallbackHandlerDeprecated"
    assert invoked.result["errorMessage"].startswith("ERROR: AWS Lambda has removed support for callback-based")


def test_a_thrown_error_is_awss_node_error_shape(runtime, name):
    deploy(runtime, name, """
export const handler = async () => {
  throw new TypeError("bad input");
};
""")
    invoked = runtime.invoke(name, {})
    error = invoked.result
    assert invoked.function_error == "Unhandled"
    assert set(error) == {"errorType", "errorMessage", "trace"}
    assert (error["errorType"], error["errorMessage"]) == ("TypeError", "bad input")
    assert error["trace"][0] == "TypeError: bad input" and "index.mjs" in error["trace"][1]
    assert invoked.record.outcome == "function_error" and invoked.record.error_type == "TypeError"
    logged = next(line for line in invoked.log.splitlines() if "\tERROR\tInvoke Error \t" in line)
    assert json.loads(logged.split("Invoke Error \t", 1)[1])["errorType"] == "TypeError"
    assert runtime.invoke(name, {}).function_error == "Unhandled"  # the environment stays warm


def test_a_thrown_string_and_a_callback_error(runtime, name):
    deploy(runtime, name, """
export const handler = (event, context, callback) => {
  if (event.kind === "throw") throw "boom";
  callback(new RangeError("out of range"));
};
""")
    thrown = runtime.invoke(name, {"kind": "throw"}).result
    assert thrown == {"errorType": "string", "errorMessage": "boom", "trace": []}
    called = runtime.invoke(name, {"kind": "callback"}).result
    assert (called["errorType"], called["errorMessage"]) == ("RangeError", "out of range")


def test_timeout_kills_the_environment(runtime, name):
    deploy(runtime, name, "export const handler = () => new Promise((r) => setTimeout(r, 60000));\n", timeout=1)
    invoked = runtime.invoke(name, {})
    assert invoked.error_type == "Sandbox.Timedout"
    assert invoked.result["errorMessage"].endswith("Task timed out after 1.00 seconds")
    assert invoked.record.outcome == "timeout" and invoked.record.duration_ms == 1000.0
    assert runtime.invoke(name, {}).record.cold  # the next request gets a new environment


def test_memory_kill(runtime, name):
    deploy(runtime, name, """
const kept = [];
export const handler = async () => {
  for (;;) kept.push(Buffer.alloc(16 * 1024 * 1024, 1));
};
""", memory_size=128, timeout=30)  # only the memory size may stop it
    invoked = runtime.invoke(name, {})
    assert invoked.error_type == "Runtime.OutOfMemory"
    assert invoked.record.outcome == "oom" and invoked.record.max_memory_used_mb >= 128


def test_init_errors(runtime, name):
    deploy(runtime, name, "export const other = async () => 1;\n")
    missing = runtime.invoke(name, {})
    assert missing.result["errorType"] == "Runtime.HandlerNotFound"
    assert missing.result["errorMessage"] == "index.handler is undefined or not exported"
    runtime.update_function_code(name, "throw new Error('init failed');\nexport const handler = 1;\n")
    thrown = runtime.invoke(name, {})
    assert (thrown.result["errorType"], thrown.result["errorMessage"]) == ("Error", "init failed")
    assert "Uncaught Exception" in thrown.log


def test_context(runtime, name):
    deploy(runtime, name, """
export const handler = async (event, context) => ({
  functionName: context.functionName, version: context.functionVersion,
  memory: context.memoryLimitInMB, requestId: context.awsRequestId,
  arn: context.invokedFunctionArn, remaining: context.getRemainingTimeInMillis(),
  group: context.logGroupName, clientContext: context.clientContext,
  trace: process.env._X_AMZN_TRACE_ID, runtimeApi: process.env.AWS_LAMBDA_RUNTIME_API,
  env: process.env.AWS_EXECUTION_ENV,
});
""", memory_size=256, timeout=5)
    invoked = runtime.invoke(name, {}, client_context={"custom": {"k": "v"}})
    context = invoked.result
    assert context["functionName"] == name and context["version"] == "$LATEST"
    assert context["memory"] == "256" and context["requestId"] == invoked.request_id
    assert context["arn"] == f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
    assert 0 < context["remaining"] <= 5000
    assert context["group"] == f"/aws/lambda/{name}" and context["clientContext"] == {"custom": {"k": "v"}}
    assert context["trace"].startswith("Root=1-") and context["env"] == "AWS_Lambda_nodejs22.x"
    assert re.fullmatch(r"127\.0\.0\.1:\d+", context["runtimeApi"])


def test_virtual_clock_is_deterministic(make_runtime):
    code = """
console.log("init at", new Date().toISOString());
export const handler = async (event, context) => {
  console.log("now", Date.now(), context.getRemainingTimeInMillis());
  return event;
};
"""
    runs = []
    for _ in range(2):
        runtime = make_runtime(clock="virtual")
        runtime.create_function("det", code, runtime="nodejs22.x", handler="index.handler")
        runs.append([runtime.invoke("det", {"i": i}) for i in range(2)])
    (a1, a2), (b1, b2) = runs
    assert (a1.log, a2.log) == (b1.log, b2.log)
    assert a1.record.init_ms == 150.0 and a1.record.duration_ms == 1.0
    now_line = next(line for line in a1.log.splitlines() if "\tINFO\tnow " in line)
    assert now_line.endswith(" 3000")  # the remaining time: the virtual clock stands still


def test_node_missing_is_one_line(make_runtime, monkeypatch):
    runtime = make_runtime(clock="virtual")
    runtime.create_function("nonode", "export const handler = async () => 1;\n", runtime="nodejs22.x",
                            handler="index.handler")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(RuntimeMissing) as caught:
        runtime.invoke("nonode", {})
    assert "\n" not in str(caught.value) and "apt-get install nodejs" in str(caught.value)


def test_through_boto3(runtime, name):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.mjs", "export const handler = async (event) => {\n"
                                      "  console.log('from boto3');\n  if (event.fail) throw new Error('nope');\n"
                                      "  return {hello: event.who};\n};\n")
    client = lambda_client(runtime.endpoint_url)
    created = client.create_function(FunctionName=name, Runtime="nodejs24.x", Handler="index.handler",
                                     Role="arn:aws:iam::123456789012:role/r", Code={"ZipFile": buffer.getvalue()})
    assert created["Runtime"] == "nodejs24.x"
    ok = client.invoke(FunctionName=name, Payload=json.dumps({"who": "node"}), LogType="Tail")
    assert json.loads(ok["Payload"].read()) == {"hello": "node"} and "FunctionError" not in ok
    assert "\tINFO\tfrom boto3" in base64.b64decode(ok["LogResult"]).decode()
    failed = client.invoke(FunctionName=name, Payload=json.dumps({"fail": True}))
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorMessage"] == "nope"


def test_the_magic_takes_javascript(shell, make_runtime, monkeypatch):
    from IPython.utils.capture import capture_output

    from lambdakit.notebook import default
    from lambdakit.notebook.magic_requests import CommandError

    previous = default.set_default_runtime(make_runtime(clock="virtual"))
    try:
        with capture_output() as created:
            shell.run_cell("%%lambda greet --runtime nodejs22.x\n"
                           "export const handler = async (event) => `Hello, ${event.name}!`;\n")
        assert "Created greet" in created.stdout
        assert default.default_runtime().get_function_configuration("greet")["Handler"] == "index.handler"
        with capture_output() as invoked:
            shell.run_cell("""%lambda invoke greet --event '{"name": "Ada"}'""")
        card = invoked.outputs[0].data["text/plain"]
        assert '"Hello, Ada!"' in card and "cold start" in card
        monkeypatch.setenv("PATH", "/nonexistent")
        shell.run_cell("%%lambda greet2 --runtime nodejs24.x\nexport const handler = async () => 1;\n")
        with pytest.raises(CommandError, match=r"^lambdakit runs Node\.js functions with the machine's node"):
            shell.run_cell("%lambda invoke greet2")
    finally:
        default.set_default_runtime(previous)


def test_only_the_environment_itself_may_use_its_runtime_api(runtime, name):
    deploy(runtime, name, "export const handler = async () => process.env.AWS_LAMBDA_RUNTIME_API;\n")
    address = runtime.invoke(name, {}).result
    host, port = address.split(":")

    def take_next():
        connection = http.client.HTTPConnection(host, int(port), timeout=5)
        connection.request("GET", "/2018-06-01/runtime/invocation/next")
        return connection.getresponse().status

    with pytest.raises((ConnectionError, http.client.HTTPException)):
        take_next()  # this process (the kernel's neighbour) is refused
    runtime.create_function(name + "-py", (
        "import urllib.request\n\ndef lambda_handler(event, context):\n    try:\n"
        "        urllib.request.urlopen(f\"http://{event['address']}/2018-06-01/runtime/invocation/next\", timeout=5)\n"
        "        return 'served'\n    except Exception as e:\n        return type(e).__name__\n"))
    assert runtime.invoke(name + "-py", {"address": address}).result != "served"  # another function's handler too
    assert runtime.invoke(name, {}).result == address  # and the function itself still runs


def test_commonjs_handlers_and_node_path(runtime, name, tmp_path):
    (tmp_path / "app.js").write_text("exports.main = async (event) => ({\n"
                                     "  path: process.env.NODE_PATH, cjs: typeof require === 'function'});\n")
    runtime.create_function(name, str(tmp_path), runtime="nodejs24.x", handler="app.main")
    assert runtime.invoke(name, {}).result == {
        "path": "/opt/nodejs/node24/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task",
        "cjs": True}


def test_concurrent_requests_get_environments_of_their_own(runtime, name):
    from concurrent.futures import ThreadPoolExecutor

    deploy(runtime, name, "export const handler = async (event) => {\n"
                          "  await new Promise((r) => setTimeout(r, 300));\n  return event.i;\n};\n")
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda i: runtime.invoke(name, {"i": i}), range(4)))
    assert [r.result for r in results] == [0, 1, 2, 3]
    assert len({r.record.environment_id for r in results}) == 4 and all(r.record.cold for r in results)


def test_provisioned_concurrency_initialises_node_ahead(make_runtime):
    runtime = make_runtime(clock="virtual")
    runtime.create_function("pc", "console.log('INIT', process.env.AWS_LAMBDA_INITIALIZATION_TYPE);\n"
                                  "export const handler = async () => 'ready';\n",
                            runtime="nodejs22.x", publish=True)
    runtime.create_alias("pc", "live", "1")
    runtime.put_provisioned_concurrency_config("pc", "live", 2)
    assert [e.message.split("\t")[-1] for e in runtime.log_events("pc")] == ["INIT provisioned-concurrency"] * 2
    runtime.advance(seconds=1)
    invoked = runtime.invoke("pc", {}, qualifier="live")
    assert invoked.result == "ready" and not invoked.record.cold


def test_json_log_format(runtime, name):
    deploy(runtime, name, "console.log('at init');\nexport const handler = async () => {\n"
                          "  console.warn('careful');\n  return 1;\n};\n", log_format="JSON")
    invoked = runtime.invoke(name, {})
    records = [json.loads(line) for line in invoked.log.splitlines() if '"level":"WARN"' in line]
    assert len(records) == 1
    assert set(records[0]) == {"timestamp", "level", "requestId", "message"}
    assert (records[0]["requestId"], records[0]["message"]) == (invoked.request_id, "careful")


def test_a_node_older_than_18_is_refused_in_one_line(make_runtime, monkeypatch, tmp_path):
    old_node = tmp_path / "node"
    old_node.write_text("#!/bin/sh\necho v16.20.2\n")
    old_node.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    runtime = make_runtime(clock="virtual")
    runtime.create_function("old", "export const handler = async () => 1;\n", runtime="nodejs22.x")
    with pytest.raises(RuntimeMissing, match=r"needs node 18 or later and .* is 16\.20\.2: install Node\.js"):
        runtime.invoke("old", {})


# -- response streaming: the awslambda global of AWS's Node.js runtime --------------------------
@pytest.mark.parametrize("node", ["nodejs22.x", "nodejs24.x"])
def test_streamify_response_streams_through_the_runtime_api(runtime, name, node):
    # (event, responseStream, context) is not a callback handler, even on nodejs24.x
    deploy(runtime, name, """
export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  responseStream.setContentType("application/x-ndjson");
  for (const n of [1, 2]) responseStream.write(JSON.stringify({n, id: context.awsRequestId}) + "\\n");
  responseStream.end();
  return "ignored";
});
""", node)
    stream = CollectedStream()
    invoked = runtime.invoke_with_response_stream(name, {}, response_stream=stream)
    assert invoked.function_error is None and stream.content_type == "application/x-ndjson"
    assert [json.loads(line) for line in stream.body.splitlines()] == [
        {"n": 1, "id": invoked.request_id}, {"n": 2, "id": invoked.request_id}]
    assert "Streaming handlers ignore return values." in invoked.log  # RIC's warning


def test_a_streaming_handler_must_be_async_and_end_its_stream(runtime, name):
    deploy(runtime, name, """
export const handler = awslambda.streamifyResponse((event, responseStream) => {
  if (event.sync) return responseStream.write("x") && undefined;
  return (async () => responseStream.write("never ended"))();
});
""")
    sync = runtime.invoke(name, {"sync": True})
    assert sync.result["errorType"] == "string"
    assert sync.result["errorMessage"] == "Streaming does not support non-async handlers."
    unfinished = runtime.invoke_with_response_stream(name, {}, response_stream=CollectedStream())
    assert unfinished.result["errorMessage"] == "Response stream is not finished."


HEAP_LIMIT = ('import v8 from "node:v8";\nexport const handler = async () => '
              '({ heap: v8.getHeapStatistics().heap_size_limit });')


def _heap_limit_of_node(*flags):
    script = "console.log(require('v8').getHeapStatistics().heap_size_limit)"
    return int(subprocess.run([shutil.which("node"), *flags, "-e", script], capture_output=True, text=True,
                              check=True, env={"PATH": os.environ.get("PATH", "")}).stdout)


@pytest.mark.parametrize("memory", [128, 1024])
def test_the_v8_heap_is_sized_from_the_memory_size(runtime, name, memory):
    # AWS's bootstrap: a tenth of the memory is new space (half of it per semi-space), the rest old space.
    deploy(runtime, name, HEAP_LIMIT, memory_size=memory)
    heap = runtime.invoke(name, {}).result["heap"]
    new_space = memory // 10
    assert heap == _heap_limit_of_node(f"--max-semi-space-size={new_space // 2}",
                                       f"--max-old-space-size={memory - new_space}")
    assert heap < 1.1 * memory * 1024 * 1024 < _heap_limit_of_node()


def test_node_options_that_size_the_heap_replace_awss_sizes(runtime, name):
    deploy(runtime, name, HEAP_LIMIT, memory_size=128, env={"NODE_OPTIONS": "--max_old_space_size=300"})
    assert runtime.invoke(name, {}).result["heap"] == _heap_limit_of_node("--max_old_space_size=300")
