"""The event source mappings of one Runtime: create, get, list, update, delete, and the
pollers that run them (on the runtime's Timers, so on either clock)."""

import base64
import json
import threading
import uuid as uuidlib

from ..core.config import function_arn
from ..core.errors import (InvalidParameterValueException, ResourceConflictException,
                      ResourceNotFoundException, validation_error)
from ..events.dynamodb import record_of_images
from ..events.kinesis import kinesis_record
from ..runtime.functions import split_name
from .mapping import SQS, changes_from_settings, describe, from_settings, source_kind_of_destination
from .sqs import SqsPoller
from .streams import RETENTION_DEFAULT_S, LocalStream, StreamPoller, dynamodb_stream_arn, kinesis_arn

_UUID_LENGTH = 36


class EventSourceMapping:
    """One mapping: its configuration, its poller, and what it did (`attempts`, `discarded`)."""

    def __init__(self, uuid, config, created_ms):
        self.uuid, self.config = uuid, config
        self.last_modified_ms = created_ms
        self.state = "Creating"
        self.attempts = []          # BatchAttempt, in the order they started
        self.discarded = []         # (shard id, sequence numbers, condition) of batches given up on
        self.poller = None
        self._lock = threading.Lock()

    def __repr__(self):
        return (f"EventSourceMapping({self.uuid}: {self.config.event_source_arn} -> "
                f"{self.config.function_arn}, {self.state}, {len(self.attempts)} batches)")

    def record(self, attempt):
        with self._lock:
            self.attempts.append(attempt)

    @property
    def last_processing_result(self):
        if not self.attempts:
            return "No records processed"
        return "OK" if self.attempts[-1].outcome == "ok" else "PROBLEM: Function call failed"

    def describe(self):
        return describe(self.uuid, self.config, self.state, self.last_modified_ms, self.last_processing_result)


class EventSources:
    def __init__(self, runtime):
        self.runtime = runtime
        self._mappings = {}
        self._streams = {}          # ARN -> LocalStream
        self._lock = threading.RLock()

    # --------------------------------------------------------------- streams
    def kinesis_stream(self, name, shard_count=1, retention_hours=24):
        return self._add_stream(LocalStream(self.runtime.clock, "kinesis", name, kinesis_arn(name),
                                            shard_count, retention_hours * 3600))

    def dynamodb_stream(self, table, key_names=("Id",), view_type="NEW_AND_OLD_IMAGES", shard_count=1):
        arn = dynamodb_stream_arn(table, self.runtime.clock.now_ms())
        return self._add_stream(LocalStream(self.runtime.clock, "dynamodb", table, arn, shard_count,
                                            key_names=key_names, view_type=view_type))

    def _add_stream(self, stream):
        with self._lock:
            if stream.arn in self._streams:
                raise ResourceConflictException(f"Stream {stream.arn} already exists.")
            self._streams[stream.arn] = stream
        return stream

    def streams(self):
        with self._lock:
            return list(self._streams.values())

    def copy_record(self, message):
        """A record local AWS stored in a Kinesis stream or a DynamoDB table's stream (a `stream`
        message of lambdakit.aws.motoserver), copied into that stream's LocalStream."""
        stream = self._copy_of(message["kind"], message["arn"], message["name"], message["shards"],
                               message.get("retention_hours", RETENTION_DEFAULT_S // 3600))
        if message["kind"] == "kinesis":
            def build(sequence, arrival):
                return kinesis_record(base64.b64decode(message["data"]), message["partition_key"], sequence,
                                      arrival, stream=stream.name, shard_id=message["shard_id"])
            partition_key = message["partition_key"]
        else:
            def build(sequence, arrival):
                return record_of_images(message["keys"], message["old"], message["new"], sequence, int(arrival),
                                        table=stream.name, view_type=message["view_type"], stream_arn=stream.arn)
            partition_key = json.dumps(message["keys"], sort_keys=True)
        stream.add_copy(message["shard_id"], message["sequence"], partition_key, build)

    def _copy_of(self, kind, arn, name, shard_ids, retention_hours):
        with self._lock:
            stream = self._streams.get(arn)
            if stream is None:
                stream = self._streams[arn] = LocalStream(self.runtime.clock, kind, name, arn, len(shard_ids),
                                                          retention_hours * 3600, shard_ids=shard_ids)
            return stream

    def _stream_in_local_aws(self, arn, kind):
        """The copy of a stream local AWS holds (made now if no record has arrived yet), or None."""
        aws = self.runtime.local_aws_if_running()
        if aws is None:
            return None
        from botocore.exceptions import ClientError  # here: the browser's build has no botocore
        try:
            if kind == "kinesis":
                found = aws.client("kinesis").describe_stream(StreamARN=arn)["StreamDescription"]
                return self._copy_of(kind, arn, found["StreamName"], [s["ShardId"] for s in found["Shards"]],
                                     found["RetentionPeriodHours"])
            found = aws.client("dynamodbstreams").describe_stream(StreamArn=arn)["StreamDescription"]
            return self._copy_of(kind, arn, found["TableName"], [s["ShardId"] for s in found["Shards"]],
                                 RETENTION_DEFAULT_S // 3600)
        except ClientError:
            return None

    # ------------------------------------------------------------------- API
    def create(self, function_name, event_source_arn, settings):
        qualified = self._function_arn(function_name)
        config = from_settings(qualified, event_source_arn, settings)
        with self._lock:
            for existing in self._mappings.values():
                if existing.config.event_source_arn == event_source_arn and \
                        existing.config.function_arn == qualified:
                    name = split_name(function_name)[0]
                    if config.kind == SQS:
                        raise ResourceConflictException(
                            f'An event source mapping with SQS arn (" {event_source_arn} ") and function '
                            f'(" {name} ") already exists. Please update or delete the existing mapping '
                            f"with UUID {existing.uuid}")
                    raise ResourceConflictException(
                        f'The event source arn (" {event_source_arn} ") and function (" {name} ") provided '
                        f"mapping already exists. Please update or delete the existing mapping with UUID "
                        f"{existing.uuid}")
            uuid = self._new_uuid()
            found = EventSourceMapping(uuid, config, self.runtime.clock.now_ms())
            found.poller = self._poller(found)
            self._mappings[uuid] = found
        created = found.describe()
        found.state = "Enabled" if config.enabled else "Disabled"
        self.runtime.timers.add(found.poller)
        return created

    def get(self, uuid):
        return self._get(uuid).describe()

    def mapping(self, uuid):
        """The EventSourceMapping object itself (its batches and discards), for lessons and tests."""
        return self._get(uuid)

    def list(self, event_source_arn=None, function_name=None):
        wanted = self._function_arn(function_name) if function_name else None
        with self._lock:
            found = list(self._mappings.values())
        return [m.describe() for m in found
                if (event_source_arn is None or m.config.event_source_arn == event_source_arn)
                and (wanted is None or m.config.function_arn == wanted)]

    def update(self, uuid, settings):
        found = self._get(uuid)
        settings = dict(settings)
        function_name = settings.pop("function_name", None)
        changes = changes_from_settings(found.config, settings)
        if function_name is not None:
            changes["function_arn"] = self._function_arn(function_name)
        config = found.config.with_changes(**changes)
        with self._lock:
            found.config = config
            found.last_modified_ms = self.runtime.clock.now_ms()
            found.state = "Updating"
            reply = found.describe()
            found.state = "Enabled" if config.enabled else "Disabled"
        return reply

    def delete(self, uuid):
        found = self._get(uuid)
        with self._lock:
            self._mappings.pop(uuid, None)
        self.runtime.timers.remove(found.poller)
        found.poller.close()
        found.state = "Deleting"
        return found.describe()

    def close(self):
        with self._lock:
            found = list(self._mappings.values())
            self._mappings.clear()
        for mapping in found:
            self.runtime.timers.remove(mapping.poller)
            mapping.poller.close()

    # --------------------------------------------------------------- helpers
    def _get(self, uuid):
        if not isinstance(uuid, str) or len(uuid) != _UUID_LENGTH:
            raise validation_error(uuid, "UUID", f"Member must have length less than or equal to {_UUID_LENGTH}")
        with self._lock:
            found = self._mappings.get(uuid)
        if found is None:
            raise ResourceNotFoundException("The resource you requested does not exist.")
        return found

    def _new_uuid(self):
        if self.runtime.clock.virtual:
            return str(uuidlib.UUID(int=self.runtime.clock.random().getrandbits(128), version=4))
        return str(uuidlib.uuid4())

    def _function_arn(self, function_name):
        name, qualifier = split_name(function_name)
        try:
            self.runtime.get_function_configuration(name, qualifier)
        except ResourceNotFoundException:
            raise InvalidParameterValueException("Function does not exist")
        return function_arn(name, qualifier)

    def _poller(self, found):
        config = found.config
        if config.kind == SQS:
            return SqsPoller(found, self.runtime)
        stream = self._streams.get(config.event_source_arn) or \
            self._stream_in_local_aws(config.event_source_arn, config.kind)
        if stream is None:
            # AWS's words; lambdakit's streams are those of local AWS and Runtime.kinesis_stream() /
            # Runtime.dynamodb_stream().
            raise InvalidParameterValueException(f"Stream not found: {config.event_source_arn}")
        if config.on_failure:
            self._check_destination(config.on_failure)
        return StreamPoller(found, self.runtime, stream, self._deliver_failure)

    def _check_destination(self, arn):
        kind = source_kind_of_destination(arn)
        aws = self.runtime.local_aws()
        name = arn.split(":")[-1]
        try:
            if kind == "sqs":
                aws.client("sqs").get_queue_url(QueueName=name)
            elif kind == "sns":
                aws.client("sns").get_topic_attributes(TopicArn=arn)
            else:
                aws.client("s3").head_bucket(Bucket=name)
        except Exception:
            raise InvalidParameterValueException(
                f"The provided destination config DestinationConfig(onSuccess=null, onFailure=OnFailure"
                f"(destination={arn})) is invalid: the destination does not exist in local AWS.")

    def _deliver_failure(self, arn, record):
        """Send an on-failure record to its SQS queue, SNS topic or S3 bucket in local AWS."""
        aws = self.runtime.local_aws()
        body = json.dumps(record)
        kind = source_kind_of_destination(arn)
        if kind == "sqs":
            sqs = aws.client("sqs")
            sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName=arn.split(":")[-1])["QueueUrl"], MessageBody=body)
        elif kind == "sns":
            aws.client("sns").publish(TopicArn=arn, Message=body)
        else:
            stamp = record["timestamp"]
            key = (f"aws/lambda/{record['requestContext']['functionArn'].split(':')[6]}/{stamp[:4]}/{stamp[5:7]}/"
                   f"{stamp[8:10]}/{stamp}-{record['requestContext']['requestId']}")
            aws.client("s3").put_object(Bucket=arn.split(":")[-1], Key=key, Body=body.encode())

