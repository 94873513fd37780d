"""The process behind lambdakit.aws: moto's AWS services over HTTP on 127.0.0.1, with the
S3 notifications meant for Lambda functions handed to lambdakit instead of moto's own
Lambda backend, and every record put into a Kinesis stream or a DynamoDB table's stream
copied to lambdakit, whose event source mappings read it from there (on the runtime's clock).

Run as `python -m lambdakit.aws.motoserver CHANNEL_FD LIFELINE_FD PORT`. The channel is a
socket to the service, one JSON object per line: this process says `ready` once, and asks
`validate` (may S3 invoke a notification's function?), `s3` (an object event matched a
Lambda notification), `stream` (a record was added to a stream) and `meeting` (must this
DynamoDB request wait for others? see dynamodb_hooks), each answered before
the request that caused it returns. That
order is what lets the service know of every triggered invocation by the time the client's
PUT or DELETE has returned. The process exits when the lifeline pipe closes, so a dead
kernel leaves no server behind.
"""

import base64
import json
import logging
import os
import socket
import sys
import threading

from werkzeug.serving import make_server

from lambdakit.aws import dynamodb_hooks

# The request being served on this thread: its X-Ray header carries the chain of
# invocations (botocore sends it from inside a function), its address the source IP.
_current = threading.local()


class Channel:
    def __init__(self, fd):
        self._sock = socket.socket(fileno=fd)
        self._reader = self._sock.makefile("rb")
        self._lock = threading.Lock()

    def tell(self, message):
        with self._lock:
            self._sock.sendall(json.dumps(message).encode() + b"\n")

    def ask(self, message):
        with self._lock:
            self._sock.sendall(json.dumps(message).encode() + b"\n")
            line = self._reader.readline()
        if not line:
            raise ConnectionError("lambdakit closed the channel")
        return json.loads(line)


def remember_request(app):
    def wsgi(environ, start_response):
        _current.trace = environ.get("HTTP_X_AMZN_TRACE_ID")
        _current.source_ip = environ.get("REMOTE_ADDR")
        return app(environ, start_response)
    return wsgi


def install_hooks(channel):
    from moto.s3 import notifications
    from moto.s3.exceptions import InvalidArgumentError
    from moto.s3.models import FakeBucket

    original_send = notifications.send_event
    original_configure = FakeBucket.set_notification_configuration

    def send_event(account_id, event_name, bucket, key):
        config = bucket.notification_configuration
        if config is not None and key is not None:
            for notification in config.cloud_function:
                if notification.matches(event_name, key.name):
                    channel.ask(_s3_notice(event_name, bucket, key, notification))
        original_send(account_id, event_name, bucket, key)  # queues, topics, EventBridge

    def set_notification_configuration(bucket, notification_config):
        functions = (notification_config or {}).get("CloudFunctionConfiguration") or []
        for entry in functions:
            _lower_filter_names(entry)
        arns = [entry["CloudFunction"] for entry in functions]
        missing = channel.ask({"op": "validate", "arns": arns, "bucket": bucket.name})["missing"] if arns else []
        if missing:
            # S3 checks every destination when the configuration is put, as AWS does: the function
            # must exist and its resource-based policy must let S3 invoke it for this bucket.
            raise InvalidArgumentError("Unable to validate the following destination configurations",
                                       missing[0], f"Not authorized to invoke function [{missing[0]}]")
        original_configure(bucket, notification_config)

    notifications._invoke_awslambda = lambda *args: None  # Lambda targets are lambdakit's
    notifications.send_event = send_event
    FakeBucket.set_notification_configuration = set_notification_configuration
    _copy_stream_records(channel)
    dynamodb_hooks.install(channel)


def _copy_stream_records(channel):
    """Tell lambdakit of each record a Kinesis stream or a DynamoDB stream stores, before the
    PutRecord(s) or item write returns, so a mapping made at any time finds every record."""
    from moto.dynamodb.models.table import StreamShard
    from moto.kinesis.models import Stream

    original_put_record = Stream.put_record
    original_add = StreamShard.add

    def put_record(stream, partition_key, explicit_hash_key, data):
        sequence, shard_id = original_put_record(stream, partition_key, explicit_hash_key, data)
        channel.ask({"op": "stream", "kind": "kinesis", "arn": stream.arn, "name": stream.stream_name,
                     "shards": list(stream.shards), "retention_hours": stream.retention_period_hours,
                     "shard_id": shard_id, "sequence": sequence, "partition_key": partition_key,
                     "data": base64.b64encode(data).decode()})
        return sequence, shard_id

    def add(shard, old, new):
        original_add(shard, old, new)
        table, change = shard.table, shard.items[-1].to_json()["dynamodb"]
        channel.ask({"op": "stream", "kind": "dynamodb", "name": table.name,
                     "arn": f"{table.table_arn}/stream/{table.latest_stream_label}",
                     "shards": [shard.id], "shard_id": shard.id, "sequence": change["SequenceNumber"],
                     "view_type": change["StreamViewType"], "keys": change["Keys"],
                     "old": None if old is None else old.to_json()["Attributes"],
                     "new": None if new is None else new.to_json()["Attributes"]})

    Stream.put_record = put_record
    StreamShard.add = add


def _lower_filter_names(entry):
    # S3 accepts "Prefix" and "prefix" alike; moto only matches the lower-case names.
    rules = (entry.get("Filter") or {}).get("S3Key", {}).get("FilterRule") or []
    for rule in rules if isinstance(rules, list) else [rules]:
        rule["Name"] = rule["Name"].lower()


def _s3_notice(event_name, bucket, key, notification):
    version_id = key.version_id if bucket.is_versioned else None
    return {
        "op": "s3",
        "event_name": str(getattr(event_name, "value", event_name)),
        "bucket": bucket.name,
        "region": bucket.region_name,
        "key": key.name,
        "size": getattr(key, "size", 0),
        "etag": (getattr(key, "etag", "") or "").replace('"', ""),
        "version_id": None if version_id in (None, "null") else str(version_id),
        "configuration_id": notification.id,
        "function_arn": notification.arn,
        "trace": getattr(_current, "trace", None),
        "source_ip": getattr(_current, "source_ip", None),
    }


def main(argv):
    channel_fd, lifeline_fd, port = int(argv[0]), int(argv[1]), int(argv[2])
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from moto.moto_server.werkzeug_app import (DomainDispatcherApplication, MotoRequestHandler,
                                               create_backend_app)
    channel = Channel(channel_fd)
    install_hooks(channel)
    app = remember_request(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
    os.environ["MOTO_PORT"] = str(server.server_port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    channel.tell({"op": "ready", "port": server.server_port})
    while os.read(lifeline_fd, 1):
        pass
    server.shutdown()


if __name__ == "__main__":
    main(sys.argv[1:])
