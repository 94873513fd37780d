"""The REST API and the local API Gateway as a web page or a greedy client meets them: unsigned
and browser-originated requests are refused, idle connections hold no threads, corrupt
packages are the client's error and leave nothing on disk. Raw HTTP where boto3 cannot send
the request under test, boto3 where it can."""

import http.client
import io
import json
import os
import socket
import threading
import time
import zipfile

import botocore.exceptions
import pytest

import lambdakit
from loopback import sigv4_headers, lambda_client

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
SOURCE = "def lambda_handler(event, context):\n    return 'ran'\n"
CREATE_BODY = json.dumps({
    "FunctionName": "from-a-page", "Runtime": "python3.12", "Role": ROLE,
    "Handler": "lambda_function.lambda_handler",
    "Code": {"ZipFile": __import__("base64").b64encode(lambdakit.runtime.package.zip_source(
        {"lambda_function.py": SOURCE})).decode()}}).encode()


@pytest.fixture(scope="module")
def runtime():
    with lambdakit.Runtime(clock="real") as service:
        service.create_function("target", SOURCE)
        yield service


def client_of(url):
    return lambda_client(url)


def send(url, method, path, body=b"", headers=None):
    """(status, headers, JSON body) of one raw request, sent exactly as given."""
    host, port = url.removeprefix("http://").split("/")[0].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, json.loads(response.read() or b"{}")
    finally:
        connection.close()


PAGE = {"Origin": "https://evil.example", "Content-Type": "text/plain"}


# ------------------------------------------------------------- who may call
@pytest.mark.parametrize("path", ["/2015-03-31/functions", "/2015-03-31/functions/target/invocations"])
def test_a_web_pages_unsigned_text_plain_post_is_refused(runtime, path):
    status, headers, body = send(runtime.endpoint_url, "POST", path, CREATE_BODY, PAGE)
    assert status == 403 and headers["x-amzn-errortype"] == "AccessDeniedException"
    assert "Origin https://evil.example" in body["message"]
    assert "from-a-page" not in [f["FunctionName"] for f in runtime.list_functions()]
    assert len(runtime.records) == 0  # the function never ran


def test_an_unsigned_request_gets_awss_missing_token_error(runtime):
    status, headers, body = send(runtime.endpoint_url, "POST", "/2015-03-31/functions/target/invocations", b"{}")
    assert (status, headers["x-amzn-errortype"], body) == \
        (403, "MissingAuthenticationTokenException", {"message": "Missing Authentication Token"})
    assert len(runtime.records) == 0


def test_a_signature_without_its_parts_is_incomplete(runtime):
    status, headers, body = send(runtime.endpoint_url, "GET", "/2015-03-31/functions",
                                 headers={"Authorization": "Bearer token"})
    assert (status, headers["x-amzn-errortype"]) == (403, "IncompleteSignatureException")
    assert body["message"].startswith("Authorization header requires 'Credential' parameter.")
    assert body["message"].endswith("Authorization=Bearer token")


def test_a_signed_request_from_a_page_is_still_refused(runtime):
    path = "/2015-03-31/functions/target/invocations"
    headers = sigv4_headers(runtime.endpoint_url, "POST", path, b"{}", {"Origin": "https://evil.example"})
    assert send(runtime.endpoint_url, "POST", path, b"{}", headers)[0] == 403


def test_a_dns_rebinding_host_is_refused(runtime):
    path = "/2015-03-31/functions"
    headers = sigv4_headers(runtime.endpoint_url, "GET", path, headers={"Host": "evil.example"})
    status, response_headers, body = send(runtime.endpoint_url, "GET", path, headers=headers)
    assert status == 403 and "Host evil.example" in body["message"]


def test_boto3_and_localhost_are_served_with_any_credentials(runtime):
    port = runtime.endpoint_url.rsplit(":", 1)[1]
    for url in (runtime.endpoint_url, f"http://localhost:{port}"):
        response = client_of(url).invoke(FunctionName="target", Payload=b"{}")
        assert response["Payload"].read() == b'"ran"'


def test_boto3_with_an_origin_header_is_refused(runtime):
    client = client_of(runtime.endpoint_url)
    client.meta.events.register("before-sign.lambda.*", lambda request, **_: request.headers.__setitem__(
        "Origin", "https://evil.example"))
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        client.create_function(FunctionName="from-a-page", Runtime="python3.12", Role=ROLE,
                               Handler="lambda_function.lambda_handler", Code={"ZipFile": b"PK"})
    assert excinfo.value.response["Error"]["Code"] == "AccessDeniedException"


def test_an_allowed_origin_is_served():
    from lambdakit.api.server import serve
    with lambdakit.Runtime() as service:
        service.create_function("target", SOURCE)
        server = serve(service, allowed_origins=("http://localhost:8888",))
        try:
            path = "/2015-03-31/functions/target/invocations"
            headers = sigv4_headers(server.url, "POST", path, b"{}", {"Origin": "http://localhost:8888"})
            assert send(server.url, "POST", path, b"{}", headers)[:1] == (200,)
        finally:
            server.stop()


def test_api_gateway_serves_unsigned_requests_but_refuses_pages_and_rebinding(runtime):
    api = runtime.api_gateway({"GET /hello": "target"}, kind="http")
    try:
        path = api.url.split("/", 3)[3] if api.url.count("/") > 2 else ""
        target = "/" + path + "hello" if path else "/hello"
        assert send(api.url, "GET", target)[0] == 200
        status, headers, body = send(api.url, "GET", target, headers={"Origin": "https://evil.example"})
        assert (status, body, headers["x-amzn-errortype"]) == (403, {"message": "Forbidden"}, "ForbiddenException")
        assert send(api.url, "GET", target, headers={"Host": "evil.example"})[0] == 403
    finally:
        api.close()


def test_api_gateway_refuses_a_chunked_body_over_its_cap_unread(runtime):
    api = runtime.api_gateway({"POST /hello": "target"}, kind="http")
    try:
        host, port = api.url.removeprefix("http://").split("/")[0].split(":")
        with socket.create_connection((host, int(port)), timeout=30) as s:
            s.sendall(f"POST /hello HTTP/1.1\r\nHost: {host}:{port}\r\nTransfer-Encoding: chunked\r\n\r\n"
                      f"{10 * 1024 * 1024 + 1:x}\r\n".encode())
            reply = b""
            while chunk := s.recv(65536):
                reply += chunk
        assert reply.startswith(b"HTTP/1.1 413 ") and reply.endswith(b'{"message":"Request Too Long"}')
    finally:
        api.close()


# ------------------------------------------------------ what a client holds
def _threads():
    return threading.active_count()


def test_idle_connections_hold_no_threads(runtime):
    url = runtime.endpoint_url
    host, port = url.removeprefix("http://").split(":")
    client_of(url).list_functions()  # the server is up and has served
    before = _threads()
    idle = [socket.create_connection((host, int(port)), timeout=30) for _ in range(300)]
    try:
        path = "/2015-03-31/functions"
        for s in idle[:100]:  # a third of them have served a request and wait in keep-alive
            head = "".join(f"{k}: {v}\r\n" for k, v in sigv4_headers(url, "GET", path).items())
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{head}\r\n".encode())
        for s in idle[:100]:
            assert s.recv(12) == b"HTTP/1.1 200"
        deadline = time.monotonic() + 30
        while _threads() - before > 64 and time.monotonic() < deadline:
            time.sleep(0.05)  # workers hand their connections to the idle selector
        assert _threads() - before <= 64  # the worker pool's bound, not one thread per connection
        assert client_of(url).invoke(FunctionName="target", Payload=b"{}")["Payload"].read() == b'"ran"'
    finally:
        for s in idle:
            s.close()


def test_a_parked_keep_alive_connection_serves_its_next_request(runtime):
    url = runtime.endpoint_url
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    path = "/2015-03-31/functions/target/invocations"
    try:
        for pause in (0, 0.3, 0.3):  # longer than a worker lingers: the connection was parked
            time.sleep(pause)
            connection.request("POST", path, b"{}", sigv4_headers(url, "POST", path, b"{}"))
            response = connection.getresponse()
            assert (response.status, response.read(), response.will_close) == (200, b'"ran"', False)
    finally:
        connection.close()


def test_clients_that_trickle_their_request_hold_no_worker_and_are_cut_off(runtime, monkeypatch):
    from lambdakit.core import httpserver
    monkeypatch.setattr(httpserver, "REQUEST_TIMEOUT_S", 2.0)  # a head must be whole 2 s after its first byte
    url = runtime.endpoint_url
    host, port = url.removeprefix("http://").split(":")
    path = "/2015-03-31/functions/target/invocations"
    head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nX-Slow: {'t' * 60_000}".encode()  # within every limit
    tricklers = [socket.create_connection((host, int(port)), timeout=30) for _ in range(100)]
    stop = threading.Event()

    def trickle():  # a byte per connection per round, until the test ends: heads that never finish
        for i in range(len(head)):
            for s in tricklers:
                try:
                    s.send(head[i:i + 1])
                except OSError:
                    pass  # cut off by the server
            if stop.wait(0.02):
                return
    sender = threading.Thread(target=trickle, daemon=True)
    sender.start()
    try:
        time.sleep(0.5)  # every trickler has begun its request
        client = client_of(url)  # boto3's own generous bound: a 60 s read timeout
        assert client.invoke(FunctionName="target", Payload=b"{}")["Payload"].read() == b'"ran"'
        assert client.list_functions()["Functions"]
        for s in tricklers:  # each is closed, never answered: an end of stream, or a reset
            try:
                assert s.recv(1024) == b""
            except ConnectionResetError:
                pass
    finally:
        stop.set()
        sender.join()
        for s in tricklers:
            s.close()


# ----------------------------------------------------------------- packages
def _corrupt_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("lambda_function.py", SOURCE * 50)
    data = bytearray(buffer.getvalue())
    data[60:80] = b"\xff" * 20  # inside the compressed member: the directory still reads
    return bytes(data)


@pytest.mark.parametrize("package", [_corrupt_zip(), b"PK\x03\x04 not a zip at all"], ids=["damaged", "garbage"])
def test_a_corrupt_zip_is_a_400_and_leaves_no_staging_directory(runtime, package):
    client = client_of(runtime.endpoint_url)
    with pytest.raises(client.exceptions.InvalidParameterValueException) as excinfo:
        client.create_function(FunctionName="corrupt", Runtime="python3.12", Role=ROLE,
                               Handler="lambda_function.lambda_handler", Code={"ZipFile": package})
    error = excinfo.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Message"] == \
        "Could not unzip uploaded file. Please check your file, then try to upload again."
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.update_function_code(FunctionName="target", ZipFile=package)
    leftovers = [os.path.join(root, d) for root, dirs, _ in os.walk(runtime.state_dir) for d in dirs
                 if d.startswith(".staging") or d.endswith(".tmp")]
    assert leftovers == []
    assert not os.path.exists(os.path.join(runtime.state_dir, "code", "corrupt")) or \
        os.listdir(os.path.join(runtime.state_dir, "code", "corrupt")) == []
