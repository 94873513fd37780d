"""Kinesis and DynamoDB streams, and the poller of a mapping that reads one.

moto's Kinesis and DynamoDB Streams run on moto's own (real) clock, keep records forever,
and cannot be read shard by shard in virtual time, so lambdakit models a stream itself, in
the kernel: a LocalStream has shards, each an ordered list of records with sequence numbers
and arrival times on the runtime's clock, and trims records older than its retention period
(24 hours by default, as both services). Put records into it from the kernel:

    stream = rt.kinesis_stream("orders", shard_count=2)
    stream.put_record({"order": 1}, partition_key="customer-7")
    table = rt.dynamodb_stream("Orders", key_names=("Id",))
    table.put_change(None, {"Id": 1, "Status": "new"})          # INSERT

Streams made in local AWS (boto3's kinesis.create_stream, a DynamoDB table with a
StreamSpecification) have a LocalStream too: local AWS tells the runtime of each record it
stores (with its shard and sequence number) before the write returns, and the copy is made
when the first record arrives or a mapping names the stream.

The records the function receives have AWS's shapes (lambdakit.events.kinesis /
lambdakit.events.dynamodb).

What the poller does, as Lambda does for streams: per shard, one batch at a time, in order.
A batch of up to BatchSize records (waiting up to MaximumBatchingWindowInSeconds for more)
is retried until it succeeds, or until MaximumRetryAttempts retries have failed or a record
is older than MaximumRecordAgeInSeconds (by default, never: until the record expires from
the stream); then it is discarded, described to the on-failure destination (SQS, SNS or S3
in local AWS), and the shard moves on. BisectBatchOnFunctionError splits a failing batch in
two and tries each half, first half first, without spending a retry. With
ReportBatchItemFailures the shard is checkpointed before the first failed record (by
sequence number) and the batch is retried from there. ParallelizationFactor N processes
each shard as N lanes, a record's lane fixed by its partition key, so order holds per key.

Not modelled: Lambda reads each shard about once a second (here a record is read when it
arrives); tumbling windows; resharding. Retries wait STREAM_RETRY_DELAYS_S, lambdakit's
own parameter (AWS does not publish its backoff).
"""

import hashlib
import json
import threading
import uuid
from dataclasses import dataclass

from ..core import limits
from ..core.clock import iso_ms
from ..events.dynamodb import VIEW_TYPES, dynamodb_stream_record
from ..events.identifiers import time_ordered_number
from ..events.kinesis import kinesis_record
from .batches import OK, PARTIAL, BatchAttempt, end_of, failed_items, invoke_batch, matches_any

RETENTION_DEFAULT_S = 24 * 3600
# Delay before retry k (the last repeats): lambdakit's parameter, not an AWS figure.
STREAM_RETRY_DELAYS_S = (1, 2, 4, 8, 16, 32, 60)


@dataclass(frozen=True)
class StreamRecord:
    sequence: str            # decimal, growing along the shard
    arrival_ms: float
    partition_key: str
    payload: dict            # the record as the event carries it


class LocalStream:
    """An in-memory Kinesis data stream or DynamoDB stream on a runtime's clock."""

    def __init__(self, clock, kind, name, arn, shard_count, retention_s=RETENTION_DEFAULT_S, *,
                 key_names=("Id",), view_type="NEW_AND_OLD_IMAGES", shard_ids=None):
        if view_type not in VIEW_TYPES:
            raise ValueError(f"view_type must be one of {VIEW_TYPES}, not {view_type!r}")
        if not 1 <= shard_count <= 500:
            raise ValueError("shard_count must be between 1 and 500")
        self.clock, self.kind, self.name, self.arn = clock, kind, name, arn
        self.retention_s, self.key_names, self.view_type = retention_s, tuple(key_names), view_type
        self.shard_ids = list(shard_ids or (f"shardId-{i:012d}" for i in range(shard_count)))
        self._shards = {shard_id: [] for shard_id in self.shard_ids}
        self._counter = 0
        self._lock = threading.Lock()

    def __repr__(self):
        return f"LocalStream({self.kind} {self.name}, {len(self.shard_ids)} shards)"

    def shard_for(self, partition_key):
        """Kinesis's rule: the MD5 of the partition key, as a 128-bit number, picks the shard
        whose hash key range holds it (ranges split evenly)."""
        number = int(hashlib.md5(partition_key.encode()).hexdigest(), 16)
        return self.shard_ids[number * len(self.shard_ids) >> 128]

    def put_record(self, data, partition_key):
        """PutRecord: `data` is bytes, str (UTF-8) or JSON-able; returns (shard id, sequence)."""
        if self.kind != "kinesis":
            raise TypeError("a DynamoDB stream takes item changes: use put_change(old, new)")
        shard_id = self.shard_for(partition_key)

        def build(sequence, arrival):
            return kinesis_record(data, partition_key, sequence, arrival, stream=self.name, shard_id=shard_id)
        return self._append(shard_id, partition_key, build)

    def put_change(self, old, new):
        """An item change (None, item) INSERT, (item, item) MODIFY, (item, None) REMOVE."""
        if self.kind != "dynamodb":
            raise TypeError("a Kinesis stream takes records: use put_record(data, partition_key)")
        item = new if new is not None else old
        key = json.dumps([item.get(k) for k in self.key_names], default=str) if item else ""
        shard_id = self.shard_for(key)

        def build(sequence, arrival):
            return dynamodb_stream_record(old, new, sequence, int(arrival), table=self.name,
                                          key_names=self.key_names, view_type=self.view_type,
                                          stream_arn=self.arn)
        return self._append(shard_id, key, build)

    def add_copy(self, shard_id, sequence, partition_key, build):
        """A record local AWS already stored (in its shard, with its sequence number), copied here
        as it arrives so the mapping reads it on the runtime's clock; build(sequence, arrival_ms)
        makes the record the event carries."""
        return self._append(shard_id, partition_key, build, sequence)

    def _append(self, shard_id, partition_key, build, sequence=None):
        with self._lock:
            arrival = int(self.clock.now_ms())
            self._counter += 1
            if sequence is None:
                sequence = time_ordered_number(56, "49", arrival, self._counter) if self.kind == "kinesis" \
                    else time_ordered_number(21, "4", arrival, self._counter)
            self._shards[shard_id].append(StreamRecord(sequence, arrival, partition_key, build(sequence, arrival)))
        return shard_id, sequence

    def records(self, shard_id, now_ms):
        """The shard's records still within the retention period, oldest first."""
        horizon = now_ms - self.retention_s * 1000.0
        with self._lock:
            return [r for r in self._shards[shard_id] if r.arrival_ms >= horizon]


class _Lane:
    """One shard (or one of its ParallelizationFactor lanes): the position and the batch in hand."""

    def __init__(self, shard_id, lane, after_sequence):
        self.shard_id, self.lane = shard_id, lane
        self.after = after_sequence      # records up to this sequence number are done
        self.pending = []                # batches to try, first first (bisection adds halves)
        self.attempts = 0                # failed attempts of pending[0] that count as retries
        self.ready_ms = 0.0              # not before: the last invocation's end, or a retry delay
        self.first_attempt_ms = None


class StreamPoller:
    """A Timers driver for one Kinesis or DynamoDB Streams mapping."""

    def __init__(self, mapping, runtime, stream, deliver_failure):
        self.mapping, self.runtime, self.stream = mapping, runtime, stream
        self.clock = runtime.clock
        self.deliver_failure = deliver_failure
        config = mapping.config
        now = self.clock.now_ms()
        self._lock = threading.RLock()
        self._lanes = []
        for shard_id in stream.shard_ids:
            after = self._start_after(shard_id, config, now)
            self._lanes += [_Lane(shard_id, lane, after) for lane in range(config.parallelization_factor)]

    def __repr__(self):
        return f"StreamPoller({self.mapping.uuid})"

    def _start_after(self, shard_id, config, now):
        records = self.stream.records(shard_id, now)
        if config.starting_position == "LATEST":
            return int(records[-1].sequence) if records else -1
        if config.starting_position == "AT_TIMESTAMP":
            earlier = [r for r in records if r.arrival_ms < config.starting_position_timestamp * 1000.0]
            return int(earlier[-1].sequence) if earlier else -1
        return -1

    # ----------------------------------------------------------- the driver
    def due_ms(self):
        if not self.mapping.config.enabled:
            return None
        with self._lock:
            times = [t for t in (self._lane_due(lane) for lane in self._lanes) if t is not None]
        return min(times) if times else None

    def _unread(self, lane, now_ms):
        factor = self.mapping.config.parallelization_factor
        return [r for r in self.stream.records(lane.shard_id, now_ms)
                if int(r.sequence) > lane.after and _lane_of(r.partition_key, factor) == lane.lane]

    def _lane_due(self, lane):
        if lane.pending:
            return lane.ready_ms
        config = self.mapping.config
        unread = self._unread(lane, self.clock.now_ms())
        if not unread:
            return None
        if len(unread) >= config.batch_size:
            return lane.ready_ms
        return max(lane.ready_ms, unread[0].arrival_ms + config.maximum_batching_window_in_seconds * 1000.0)

    def step(self, at_ms):
        with self._lock:
            for lane in self._lanes:
                due = self._lane_due(lane)
                if due is not None and due <= at_ms:
                    self._step_lane(lane, at_ms)

    # --------------------------------------------------------------- one lane
    def _step_lane(self, lane, at_ms):
        config = self.mapping.config
        if not lane.pending:
            batch = self._unread(lane, at_ms)[:config.batch_size]
            lane.after = int(batch[-1].sequence)  # read; failures are handled on the batch in hand
            lane.pending = [[r for r in batch if matches_any(config.filter_patterns, r.payload)]]
            lane.attempts, lane.first_attempt_ms = 0, at_ms
        batch = lane.pending[0]
        if not batch:
            lane.pending.pop(0)
            return
        max_age = config.maximum_record_age_in_seconds
        if max_age != -1 and at_ms - batch[0].arrival_ms > max_age * 1000.0:
            self._discard(lane, batch, at_ms, "RecordAgeExceeded", None)
            return
        items = tuple(r.sequence for r in batch)
        result = invoke_batch(self.runtime, config, {"Records": [r.payload for r in batch]}, at_ms)
        outcome, failed = failed_items(result, items, config.reports_item_failures)
        end = end_of(result, at_ms)
        self.mapping.record(BatchAttempt(at_ms, lane.shard_id, items, result.request_id if result else None,
                                         outcome, failed, end))
        lane.ready_ms = end
        if outcome == OK:
            lane.pending.pop(0)
            lane.attempts = 0
            return
        if outcome == PARTIAL:  # checkpoint before the first failed record; retry from there
            first = min(items.index(f) for f in failed)
            lane.pending[0] = batch[first:]
            batch = lane.pending[0]
        if config.bisect_batch_on_function_error and outcome != PARTIAL and len(batch) > 1:
            half = len(batch) // 2
            lane.pending[0:1] = [batch[:half], batch[half:]]
            lane.attempts = 0
            return
        lane.attempts += 1
        limit = config.maximum_retry_attempts
        if limit != -1 and lane.attempts > limit:
            self._discard(lane, batch, end, "RetryAttemptsExhausted", result)
            return
        delay = STREAM_RETRY_DELAYS_S[min(lane.attempts, len(STREAM_RETRY_DELAYS_S)) - 1]
        lane.ready_ms = end + delay * 1000.0

    def _discard(self, lane, batch, at_ms, condition, result):
        lane.pending.pop(0)
        attempts = lane.attempts
        lane.attempts = 0
        self.mapping.discarded.append((lane.shard_id, tuple(r.sequence for r in batch), condition))
        if self.mapping.config.on_failure:
            self.deliver_failure(self.mapping.config.on_failure,
                                 self._failure_record(lane, batch, at_ms, condition, result, attempts))

    def _failure_record(self, lane, batch, at_ms, condition, result, attempts):
        """What the on-failure destination receives (the Lambda Developer Guide's example)."""
        config = self.mapping.config
        info_key = "KinesisBatchInfo" if self.stream.kind == "kinesis" else "DDBStreamBatchInfo"
        response = {"statusCode": 200, "executedVersion": result.executed_version if result else "$LATEST"}
        if result is not None and result.function_error:
            response["functionError"] = result.function_error
        return {
            "requestContext": {"requestId": str(uuid.UUID(int=self.clock.random().getrandbits(128), version=4)),
                               "functionArn": config.function_arn, "condition": condition,
                               # the failed attempts of this batch, the last one included
                               "approximateInvokeCount": attempts},
            "responseContext": response,
            "version": "1.0",
            "timestamp": iso_ms(at_ms),
            info_key: {"shardId": lane.shard_id, "startSequenceNumber": batch[0].sequence,
                       "endSequenceNumber": batch[-1].sequence,
                       "approximateArrivalOfFirstRecord": iso_ms(batch[0].arrival_ms),
                       "approximateArrivalOfLastRecord": iso_ms(batch[-1].arrival_ms),
                       "batchSize": len(batch), "streamArn": self.stream.arn},
        }

    def close(self):
        pass


def _lane_of(partition_key, factor):
    if factor == 1:
        return 0
    return int(hashlib.md5(partition_key.encode()).hexdigest(), 16) % factor


def kinesis_arn(name):
    return f"arn:aws:kinesis:{limits.REGION}:{limits.ACCOUNT_ID}:stream/{name}"


def dynamodb_stream_arn(table, created_ms):
    return f"arn:aws:dynamodb:{limits.REGION}:{limits.ACCOUNT_ID}:table/{table}/stream/{iso_ms(created_ms)[:-1]}"
