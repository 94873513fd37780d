"""Warm invoke over the Lambda REST API (HTTP/1.1 keep-alive on 127.0.0.1), beside the Python API.

    .venv/bin/python bench/bench_rest_api.py [--invokes N]

Prints medians and p99 for: Runtime.invoke; a raw keep-alive http.client connection to
Runtime.endpoint_url (the server's own cost); and an unmodified boto3 client (what a
learner's code pays, request signing and parsing included). A server that sent headers
and body in two writes without TCP_NODELAY would show ~40-90 ms here instead of ~1 ms.
"""

import argparse
import http.client
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import boto3  # noqa: E402

import lambdakit  # noqa: E402

MEMORY_MB = 1_769
HANDLER = "def lambda_handler(event, context):\n    return event\n"
EVENT = b'{"key": "value"}'


def _timed(call, count, warmup=100):
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def _line(label, samples_s):
    ordered = sorted(samples_s)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(f"  {label:<44} median {statistics.median(ordered) * 1000:8.3f} ms   p99 {p99 * 1000:8.3f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invokes", type=int, default=2_000)
    args = parser.parse_args()
    print(f"lambdakit REST API bench: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"{args.invokes} warm invokes each, function at {MEMORY_MB} MB")
    with lambdakit.Runtime(clock="real") as rt:
        rt.create_function("bench", HANDLER, memory_size=MEMORY_MB)
        _line("Runtime.invoke (no HTTP)", _timed(lambda: rt.invoke("bench", EVENT), args.invokes))

        host, port = rt.endpoint_url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port))

        # Signed once: the server checks a signature's shape, not its key or age.
        signed = {"X-Amz-Date": "20250101T000000Z", "Authorization": (
            "AWS4-HMAC-SHA256 Credential=bench/20250101/us-east-1/lambda/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64)}

        def raw_invoke():
            connection.request("POST", "/2015-03-31/functions/bench/invocations", body=EVENT, headers=signed)
            connection.getresponse().read()

        _line("raw HTTP keep-alive (http.client)", _timed(raw_invoke, args.invokes))
        connection.close()

        client = boto3.client("lambda", endpoint_url=rt.endpoint_url, region_name="us-east-1",
                              aws_access_key_id="bench", aws_secret_access_key="bench")
        _line("boto3 client.invoke", _timed(
            lambda: client.invoke(FunctionName="bench", Payload=EVENT)["Payload"].read(), args.invokes))


if __name__ == "__main__":
    main()
