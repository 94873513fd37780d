"""Loopback helpers for tests: a free port, and which local addresses a port listens on (from /proc/net)."""

import os
import socket

import pytest


def free_port():
    """A TCP port nothing listens on now (a server told to use it moves up if it is taken meanwhile)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_addresses(port):
    """The addresses listening on `port` ("127.0.0.1", "0.0.0.0", "::", ...), from /proc/net."""
    tables = [path for path in ("/proc/net/tcp", "/proc/net/tcp6") if os.path.exists(path)]
    if not tables:
        pytest.skip("no /proc/net/tcp on this system")
    found = set()
    for path in tables:
        with open(path) as table:
            for line in list(table)[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.rsplit(":", 1)
                if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                    found.add(_address(address))
    return found


def _address(hex_address):
    if len(hex_address) == 8:  # IPv4, little-endian
        return ".".join(str(int(hex_address[i:i + 2], 16)) for i in (6, 4, 2, 0))
    return "::" if set(hex_address) == {"0"} else hex_address


def sigv4_headers(url, method, path, body=b"", headers=None, service="lambda"):
    """`headers` plus the SigV4 Authorization boto3 would send for this request (any key works)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    request = AWSRequest(method=method, url=url + path, data=body, headers=dict(headers or {}))
    SigV4Auth(Credentials("testing", "testing"), service, "us-east-1").add_auth(request)
    return dict(request.headers.items())


def lambda_client(endpoint_url):
    """boto3's Lambda client for a local endpoint: any credentials sign, and no retries hide an error."""
    import boto3
    from botocore.config import Config
    return boto3.client("lambda", endpoint_url=endpoint_url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(retries={"total_max_attempts": 1}))
