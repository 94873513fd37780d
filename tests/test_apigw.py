"""The local API Gateway over real HTTP: routes, REST (payload 1.0) and HTTP API (payload
2.0) events, response mapping, base64 bodies, integration timeouts and errors, and the
seed Flask simulation's curl examples (seed 004) run against it with curl itself.
"""

import base64
import json
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
from datetime import datetime

import pytest

import lambdakit
from lambdakit.apigw import RouteError, parse_route, parse_routes, routes_from_specs
from lambdakit.apigw.routes import select
from lambdakit.events.eventbridge import scheduled_event
from loopback import listening_addresses

needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")

ECHO = "def lambda_handler(event, context):\n    return {'statusCode': 200, 'body': __import__('json').dumps(event)}\n"


def http(method, url, body=None, headers=None):
    """(status, headers, body bytes) for a request sent with urllib."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def curl(*args):
    """(status, body text) for a curl command line, as a learner would type it."""
    done = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", *args], capture_output=True, text=True,
                          timeout=120, check=True)
    body, _, status = done.stdout.rpartition("\n")
    return int(status), body


# ---------------------------------------------------------------- the seed Flask simulation
# Seed 004's endpoints as Lambda functions behind a REST API. Its handlers took the posted
# JSON as their event; behind API Gateway the event is the proxy event and the JSON is its
# `body` string, so these read event["body"] (course-plan E63).
FLASK_FUNCTIONS = {
    "list_functions": '''
import json

ENDPOINTS = [
    ("GET", "/", "List all Lambda functions"),
    ("POST", "/lambda/hello", "Hello World handler"),
    ("POST", "/lambda/process", "Data processor handler"),
    ("POST", "/lambda/api", "API Gateway handler"),
    ("POST", "/lambda/scheduled", "Scheduled event handler"),
    ("POST", "/lambda/error", "Error handler demo"),
]

def lambda_handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"functions": [{"method": m, "path": p, "description": d}
                                              for m, p, d in ENDPOINTS]})}
''',
    "hello_world_handler": '''
import json
from datetime import datetime

def lambda_handler(event, context):
    name = json.loads(event.get("body") or "{}").get("name", "World")
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"message": f"Hello, {name}!",
                                "functionName": context.function_name,
                                "timestamp": datetime.now().isoformat()})}
''',
    "data_processor_handler": '''
import json
import time

def lambda_handler(event, context):
    data = json.loads(event.get("body") or "{}").get("data", [])
    time.sleep(0.00523)  # the seed's 5.23 ms of work
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"original": data, "processed": [x * x for x in data],
                                "count": len(data),
                                "memoryLimit": f"{context.memory_limit_in_mb}MB",
                                "remainingTime": f"{context.get_remaining_time_in_millis()}ms"})}
''',
    "api_gateway_handler": '''
import json

def lambda_handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"method": event["httpMethod"], "path": event["path"],
                                "userId": (event.get("pathParameters") or {}).get("id"),
                                "query": event.get("queryStringParameters") or {}})}
''',
    "scheduled_handler": '''
import json

def lambda_handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"message": "Scheduled task executed",
                                                   "source": event.get("source"),
                                                   "detailType": event.get("detail-type")})}
''',
    "error_handler": '''
import json

def lambda_handler(event, context):
    if json.loads(event.get("body") or "{}").get("shouldFail"):
        raise RuntimeError("Simulated failure")
    return {"statusCode": 200, "body": json.dumps({"message": "Success: no error occurred"})}
''',
}

FLASK_ROUTES = {
    "GET /": "list_functions",
    "POST /lambda/hello": "hello_world_handler",
    "POST /lambda/process": "data_processor_handler",
    "POST /lambda/api": "api_gateway_handler",
    "GET /users/{id}": "api_gateway_handler",
    "POST /lambda/scheduled": "scheduled_handler",
    "POST /lambda/error": "error_handler",
}


@pytest.fixture
def flask_api(virtual):
    for name, code in FLASK_FUNCTIONS.items():
        virtual.create_function(name, code, timeout=30 if name == "data_processor_handler" else 3)
    return virtual.api_gateway(FLASK_ROUTES)


@needs_curl
def test_flask_list_functions(flask_api):
    status, body = curl(flask_api.url + "/")
    assert status == 200
    assert [f["path"] for f in json.loads(body)["functions"]] == [
        "/", "/lambda/hello", "/lambda/process", "/lambda/api", "/lambda/scheduled", "/lambda/error"]


@needs_curl
def test_flask_hello(flask_api):
    status, body = curl("-X", "POST", flask_api.url + "/lambda/hello",
                        "-H", "Content-Type: application/json", "-d", '{"name": "AWS Lambda"}')
    assert status == 200
    answer = json.loads(body)
    # The seed shows {"statusCode": 200, "body": {...}, "requestId": "sim-...", "executionTime": ...}:
    # its simulation's envelope. Through API Gateway, statusCode becomes the HTTP status, the
    # body string is the whole response body, and the request id travels in a header.
    assert set(answer) == {"message", "functionName", "timestamp"}
    assert answer["message"] == "Hello, AWS Lambda!"
    assert answer["functionName"] == "hello_world_handler"
    assert datetime.fromisoformat(answer["timestamp"]).date().isoformat() == "2026-01-01"


@needs_curl
def test_flask_process(flask_api):
    status, body = curl("-X", "POST", flask_api.url + "/lambda/process",
                        "-H", "Content-Type: application/json", "-d", '{"data": [1, 2, 3, 4, 5]}')
    assert status == 200
    answer = json.loads(body)
    assert answer["original"] == [1, 2, 3, 4, 5]
    assert answer["processed"] == [1, 4, 9, 16, 25]
    assert answer["count"] == 5
    assert answer["memoryLimit"] == "128MB"
    # The seed's "29994.77ms" cannot come from Lambda: get_remaining_time_in_millis() returns
    # whole milliseconds. A 30 s timeout less 5.23 ms of (virtual) work leaves 29995 ms.
    assert answer["remainingTime"] == "29995ms"


@needs_curl
def test_flask_api_event_is_built_by_api_gateway(flask_api):
    # The seed posts a hand-made API Gateway event; API Gateway builds the event from the real
    # request instead, so the handler sees a POST to /lambda/api with that JSON as its body...
    status, body = curl("-X", "POST", flask_api.url + "/lambda/api", "-H", "Content-Type: application/json",
                        "-d", '{"httpMethod": "GET", "path": "/users/123", '
                              '"queryStringParameters": {"include": "profile"}}')
    assert status == 200
    assert json.loads(body) == {"method": "POST", "path": "/lambda/api", "userId": None, "query": {}}
    # ...and the request that event describes is a GET of /users/123?include=profile.
    status, body = curl(flask_api.url + "/users/123?include=profile")
    assert status == 200
    assert json.loads(body) == {"method": "GET", "path": "/users/123", "userId": "123",
                                "query": {"include": "profile"}}


@needs_curl
def test_flask_scheduled(virtual, flask_api):
    status, body = curl("-X", "POST", flask_api.url + "/lambda/scheduled", "-H", "Content-Type: application/json",
                        "-d", '{"source": "aws.events", "detail-type": "Scheduled Event"}')
    assert status == 200
    # Over HTTP the posted JSON is only the body: the event's source is not aws.events.
    assert json.loads(body) == {"message": "Scheduled task executed", "source": None, "detailType": None}
    # A schedule invokes the function with EventBridge's event, not through API Gateway.
    direct = virtual.invoke("scheduled_handler", scheduled_event("every-5-minutes")).result
    assert json.loads(direct["body"])["source"] == "aws.events"


@needs_curl
def test_flask_error_success_and_failure(virtual, flask_api):
    status, body = curl("-X", "POST", flask_api.url + "/lambda/error", "-H", "Content-Type: application/json",
                        "-d", '{"shouldFail": false}')
    assert (status, json.loads(body)) == (200, {"message": "Success: no error occurred"})
    status, body = curl("-X", "POST", flask_api.url + "/lambda/error", "-H", "Content-Type: application/json",
                        "-d", '{"shouldFail": true}')
    # An unhandled exception never reaches the client: API Gateway answers 502.
    assert (status, json.loads(body)) == (502, {"message": "Internal server error"})
    failed = [r for r in virtual.records if r.function == "error_handler"][-1]
    assert failed.outcome == "function_error" and failed.error_type == "RuntimeError"


# ---------------------------------------------------------------- REST API, payload 1.0
def test_rest_event_and_response_mapping(virtual):
    virtual.create_function("echo", ECHO)
    virtual.create_function("shaped", '''
def lambda_handler(event, context):
    return {"statusCode": 201, "headers": {"X-Custom": "yes", "Content-Type": "text/plain"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}, "body": "created"}
''')
    api = virtual.api_gateway({"ANY /items/{id}": "echo", "POST /items": "shaped"})
    assert api.url.endswith("/prod")

    status, _, body = http("PUT", api.url + "/items/a%20b?tag=x&tag=y&one=1", b'{"n": 1}',
                           {"Content-Type": "application/json", "X-Trace": "t1"})
    assert status == 200
    event = json.loads(body)
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/items/{id}", "/items/a%20b", "PUT")
    assert event["pathParameters"] == {"id": "a b"}
    assert event["queryStringParameters"] == {"tag": "y", "one": "1"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["x", "y"], "one": ["1"]}
    assert event["headers"]["X-Trace"] == "t1"
    assert event["body"] == '{"n": 1}' and event["isBase64Encoded"] is False
    assert event["requestContext"]["stage"] == "prod"
    assert event["requestContext"]["path"] == "/prod/items/a%20b"

    status, headers, body = http("POST", api.url + "/items", b"")
    assert (status, body) == (201, b"created")
    assert headers["X-Custom"] == "yes" and headers["Content-Type"] == "text/plain"
    assert headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    assert headers["x-amzn-RequestId"] and headers["x-amz-apigw-id"]


def test_rest_binary_bodies_both_ways(virtual):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    virtual.create_function("image", '''
import base64
def lambda_handler(event, context):
    data = base64.b64decode(event["body"]) if event["isBase64Encoded"] else event["body"].encode()
    return {"statusCode": 200, "headers": {"Content-Type": "image/png"},
            "body": base64.b64encode(data[::-1]).decode(), "isBase64Encoded": True}
''')
    api = virtual.api_gateway({"POST /image": "image"}, binary_media_types=["image/png"])
    status, _, body = http("POST", api.url + "/image", png, {"Content-Type": "image/png", "Accept": "image/png"})
    assert (status, body) == (200, png[::-1])
    # Without an Accept that matches a binary media type, REST APIs return the base64 text.
    status, _, body = http("POST", api.url + "/image", png, {"Content-Type": "image/png", "Accept": "*/*"})
    assert (status, base64.b64decode(body)) == (200, png[::-1])


def test_rest_errors(virtual):
    virtual.create_function("raises", "def lambda_handler(event, context):\n    raise KeyError('id')\n")
    virtual.create_function("object-body", "def lambda_handler(event, context):\n"
                                           "    return {'statusCode': 200, 'body': {'message': 'hi'}}\n")
    virtual.create_function("too-slow", "import time\ndef lambda_handler(event, context):\n    time.sleep(2)\n",
                            timeout=1)
    virtual.create_function("throttled", ECHO)
    virtual.put_function_concurrency("throttled", 0)
    api = virtual.api_gateway({"GET /raises": "raises", "GET /object-body": "object-body",
                               "GET /too-slow": "too-slow", "GET /throttled": "throttled"})
    internal = {"message": "Internal server error"}
    for path, expected in [("/raises", 502), ("/object-body", 502), ("/too-slow", 502), ("/throttled", 500)]:
        status, headers, body = http("GET", api.url + path)
        assert (path, status, json.loads(body)) == (path, expected, internal)
    status, headers, body = http("GET", api.url + "/nowhere")
    assert (status, json.loads(body)) == (403, {"message": "Missing Authentication Token"})
    assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    status, _, body = http("GET", api.url.rsplit("/", 1)[0] + "/dev/raises")
    assert (status, json.loads(body)) == (403, {"message": "Forbidden"})
    reasons = {entry.path: entry.integration_error for entry in api.access_log}
    assert reasons["/object-body"].startswith("Malformed Lambda proxy response")
    assert reasons["/raises"] == "Lambda function error: KeyError"


def test_rest_integration_timeout_on_the_virtual_clock(virtual):
    virtual.create_function("slow", "import time\ndef lambda_handler(event, context):\n    time.sleep(40)\n"
                                    "    return {'statusCode': 200, 'body': 'done'}\n", timeout=60)
    virtual.create_function("just-in-time", "import time\ndef lambda_handler(event, context):\n    time.sleep(28)\n"
                                            "    return {'statusCode': 200, 'body': 'done'}\n", timeout=60)
    api = virtual.api_gateway({"GET /slow": "slow", "GET /just-in-time": "just-in-time"})
    status, _, body = http("GET", api.url + "/slow")
    assert (status, json.loads(body)) == (504, {"message": "Endpoint request timed out"})
    status, _, body = http("GET", api.url + "/just-in-time")
    assert (status, body) == (200, b"done")
    # The function ran to its end all the same: Lambda does not stop it when API Gateway gives up.
    assert [r.outcome for r in virtual.records if r.function == "slow"] == ["ok"]


def test_integration_timeout_on_the_real_clock():
    with lambdakit.Runtime(clock="real") as runtime:
        runtime.create_function("sleeper", "import time\ndef lambda_handler(event, context):\n    time.sleep(5)\n",
                                timeout=10)
        api = runtime.api_gateway({"GET /sleep": "sleeper"}, integration_timeout_ms=500)
        status, _, body = http("GET", api.url + "/sleep")
        assert (status, json.loads(body)) == (504, {"message": "Endpoint request timed out"})
        assert api.access_log[-1].integration_error == "Integration timeout after 500 ms"


# ---------------------------------------------------------------- HTTP API, payload 2.0
def test_http_api_event_and_lenient_responses(virtual):
    virtual.create_function("echo", ECHO)
    virtual.create_function("plain", "def lambda_handler(event, context):\n    return {'hello': 'world'}\n")
    virtual.create_function("binary", '''
import base64
def lambda_handler(event, context):
    data = base64.b64decode(event["body"]) if event["isBase64Encoded"] else event["body"].encode()
    return {"statusCode": 200, "body": base64.b64encode(data + b"!").decode(), "isBase64Encoded": True,
            "cookies": ["session=1"]}
''')
    api = virtual.api_gateway({"GET /users/{id}": "echo", "GET /plain": "plain", "POST /binary": "binary"},
                              kind="http")
    assert api.url == f"http://127.0.0.1:{api.port}"

    status, _, body = http("GET", api.url + "/users/42?a=1&a=2", headers={"Cookie": "c=3; d=4", "X-Mixed": "v"})
    event = json.loads(body)
    assert status == 200
    assert (event["version"], event["routeKey"], event["rawPath"]) == ("2.0", "GET /users/{id}", "/users/42")
    assert event["rawQueryString"] == "a=1&a=2" and event["queryStringParameters"] == {"a": "1,2"}
    assert event["pathParameters"] == {"id": "42"} and event["cookies"] == ["c=3", "d=4"]
    assert event["headers"]["x-mixed"] == "v"
    assert event["requestContext"]["http"]["method"] == "GET"

    status, headers, body = http("GET", api.url + "/plain")
    assert (status, json.loads(body), headers["Content-Type"]) == (200, {"hello": "world"}, "application/json")
    assert headers["apigw-requestid"]

    status, headers, body = http("POST", api.url + "/binary", b"\x00\xff", {"Content-Type": "application/octet-stream"})
    assert (status, body, headers["Set-Cookie"]) == (200, b"\x00\xff!", "session=1")


def test_http_api_errors_and_timeout(virtual):
    virtual.create_function("raises", "def lambda_handler(event, context):\n    raise ValueError('no')\n")
    virtual.create_function("slow", "import time\ndef lambda_handler(event, context):\n    time.sleep(31)\n",
                            timeout=60)
    api = virtual.api_gateway({"GET /raises": "raises", "GET /slow": "slow"}, kind="http")
    assert http("GET", api.url + "/raises")[::2] == (500, b'{"message":"Internal Server Error"}')
    status, _, body = http("GET", api.url + "/slow")
    assert (status, json.loads(body)) == (503, {"message": "Service Unavailable"})
    status, _, body = http("GET", api.url + "/missing")
    assert (status, json.loads(body)) == (404, {"message": "Not Found"})


def test_http_api_default_route(virtual):
    virtual.create_function("echo", ECHO)
    virtual.create_function("special", "def lambda_handler(event, context):\n    return {'route': 'special'}\n")
    api = virtual.api_gateway({"$default": "echo", "GET /special": "special"}, kind="http")
    assert json.loads(http("GET", api.url + "/special")[2]) == {"route": "special"}
    assert json.loads(http("DELETE", api.url + "/any/thing")[2])["routeKey"] == "$default"


# ---------------------------------------------------------------- routes and the server
def test_the_most_specific_route_wins():
    routes = parse_routes({"GET /users/me": "me", "GET /users/{id}": "user", "ANY /users/{id}": "any-user",
                           "ANY /{proxy+}": "proxy"})
    def chosen(method, path):
        found = select(routes, method, path)
        return found and (found[0].function, found[1])
    assert chosen("GET", "/users/me") == ("me", {})
    assert chosen("GET", "/users/7") == ("user", {"id": "7"})
    assert chosen("DELETE", "/users/7") == ("any-user", {"id": "7"})
    assert chosen("GET", "/files/a/b.txt") == ("proxy", {"proxy": "files/a/b.txt"})
    assert select(parse_routes({"GET /a": "a"}), "GET", "/b") is None


def test_route_keys_are_checked():
    assert parse_route("post /lambda/hello", "hello:live").key == "POST /lambda/hello"
    assert parse_route("GET /x", "arn:aws:lambda:us-east-1:123456789012:function:f:3").qualifier == "3"
    for key in ["FETCH /x", "GET x", "GET /{proxy+}/more", "GET /a//b"]:
        with pytest.raises(RouteError):
            parse_route(key, "f")
    with pytest.raises(RouteError):
        parse_routes({"$default": "f"})  # REST APIs have no $default route
    assert routes_from_specs(["POST /lambda/hello=hello", "$default=fn:live"]) == {
        "POST /lambda/hello": "hello", "$default": "fn:live"}
    with pytest.raises(RouteError):
        routes_from_specs(["GET /x"])


def test_integration_timeout_limits(virtual):
    with pytest.raises(ValueError):
        virtual.api_gateway({"GET /": "f"}, integration_timeout_ms=30_000)
    with pytest.raises(ValueError):
        virtual.api_gateway({"GET /": "f"}, kind="http", integration_timeout_ms=31_000)


def test_in_process_requests_match_http(virtual):
    virtual.create_function("hello_world_handler", FLASK_FUNCTIONS["hello_world_handler"])
    api = virtual.api_gateway({"POST /lambda/hello": "hello_world_handler"})
    response = api.request("POST", "/lambda/hello", json_body={"name": "notebook"})
    assert response.status == 200
    assert json.loads(response.body)["message"] == "Hello, notebook!"


def test_loopback_only_and_closed_with_the_runtime():
    runtime = lambdakit.Runtime(clock="virtual")
    runtime.create_function("echo", ECHO)
    api = runtime.api_gateway({"GET /": "echo"})
    assert listening_addresses(api.port) == {"127.0.0.1"}
    assert http("GET", api.url + "/")[0] == 200
    runtime.close()
    assert api.closed
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", api.port), timeout=2).close()
