"""The SQS poller of an event source mapping, against the queue in local AWS (moto's SQS).

What Lambda does, and so this poller: it receives up to BatchSize messages (waiting up to
MaximumBatchingWindowInSeconds for more), invokes the function synchronously with them, and
deletes the messages of a successful batch. A failed batch (function error, timeout,
throttle) is not deleted: its messages reappear when the queue's visibility timeout (counted
from their receipt) runs out, and are received again. With ReportBatchItemFailures only the
messages the response names fail; the others are deleted. A message received more than the
RedrivePolicy's maxReceiveCount times is moved to the dead-letter queue by SQS itself (on
the next receive). FIFO queues deliver a message group's messages in order and hold the
group back while any of its messages is in flight. Up to ScalingConfig.MaximumConcurrency
batches run at once.

Time: a received message stays invisible in moto until this poller releases it at its
visibility deadline on the runtime's clock, so visibility timeouts pass in virtual time as
in real time. A batch's messages stay in flight until the invocation's end on that clock.
On the virtual clock the poller receives when `Runtime.advance()` is called, when a
deadline of its own is due, and after any invocation (a handler may have sent messages);
on the real clock it polls every SQS_POLL_INTERVAL_S. Not modelled: DelaySeconds and the
queue's message retention run on moto's own (real) clock; Lambda's gradual scale-up of
pollers (batches start at once up to the concurrency limit); the 6 MB batch payload limit.
"""

import base64
import logging
import threading
from dataclasses import dataclass

from ..core.errors import InvalidParameterValueException
from ..events.sqs import md5_of_message_attributes
from .batches import BatchAttempt, end_of, failed_items, invoke_batch, matches_any

log = logging.getLogger("lambdakit.esm")

# lambdakit's own parameters (AWS publishes neither): how often a real-clock poller asks an
# empty queue again, and how many batches run at once without ScalingConfig (Lambda scales
# SQS pollers up to 1,250 concurrent invocations; the function's concurrency limits apply).
SQS_POLL_INTERVAL_S = 0.2
DEFAULT_MAXIMUM_CONCURRENCY = 1_250
# Received messages are hidden in moto for the longest time SQS allows; the poller makes
# them visible again at their deadline on the runtime's clock.
HIDDEN_S = 43_200
RECEIVE_MAX = 10  # messages per ReceiveMessage call


@dataclass
class _Message:
    message_id: str
    receipt_handle: str
    received_ms: float
    visible_at_ms: float     # when the visibility timeout, counted from receipt, runs out
    record: dict


class SqsPoller:
    """A Timers driver for one SQS mapping."""

    def __init__(self, mapping, runtime):
        self.mapping, self.runtime = mapping, runtime
        self.clock = runtime.clock
        self.sqs = runtime.local_aws().client("sqs")
        arn = mapping.config.event_source_arn
        _, _, _, _, account, name = arn.split(":", 5)
        try:
            self.queue_url = self.sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        except self.sqs.exceptions.QueueDoesNotExist:
            raise InvalidParameterValueException(
                "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
                f"SQS Error Message: The specified queue does not exist. ({arn})")
        self._lock = threading.RLock()
        self._gathering = []         # received, waiting for the batching window to close
        self._hidden = []            # failed messages waiting for their visibility deadline
        self._running = []           # (end_ms, batch, failed ids) of invoked batches
        self._in_progress = 0        # real clock: batches whose invocation is still running
        self._poll_at = self.clock.now_ms()
        self._records_seen = runtime.records.total

    def __repr__(self):
        return f"SqsPoller({self.mapping.uuid})"

    # ----------------------------------------------------------- the driver
    def poke(self):
        with self._lock:
            self._poll_soon(self.clock.now_ms())

    def due_ms(self):
        config = self.mapping.config
        with self._lock:
            times = [end for end, _, _ in self._running]
            times += [m.visible_at_ms for m in self._hidden]
            if self._gathering:
                times.append(self._gathering[0].received_ms + config.maximum_batching_window_in_seconds * 1000.0)
            if self.clock.virtual and self.runtime.records.total != self._records_seen:
                self._poll_soon(self.clock.now_ms())  # an invocation may have sent messages
            if config.enabled and self._poll_at is not None:
                times.append(self._poll_at)
        return min(times) if times else None

    def step(self, at_ms):
        with self._lock:
            self._records_seen = self.runtime.records.total
            self._finish_batches(at_ms)
            self._release_hidden(at_ms)
            config = self.mapping.config
            window_closed = bool(self._gathering) and \
                self._gathering[0].received_ms + config.maximum_batching_window_in_seconds * 1000.0 <= at_ms
            if config.enabled and (window_closed or (self._poll_at is not None and self._poll_at <= at_ms)):
                self._poll(at_ms)

    # --------------------------------------------------------------- polling
    def _poll_soon(self, at_ms):
        self._poll_at = at_ms if self._poll_at is None else min(self._poll_at, at_ms)

    def _slots(self, at_ms):
        limit = self.mapping.config.maximum_concurrency or DEFAULT_MAXIMUM_CONCURRENCY
        return limit - self._in_progress - sum(1 for end, _, _ in self._running if end > at_ms)

    def _poll(self, at_ms):
        config = self.mapping.config
        window_ms = config.maximum_batching_window_in_seconds * 1000.0
        got_any = False
        while self._slots(at_ms) > 0:
            received = self._receive(config.batch_size - len(self._gathering), at_ms)
            got_any = got_any or bool(received)
            self._gathering += received
            if not self._gathering:
                break
            if len(self._gathering) < config.batch_size and self._gathering[0].received_ms + window_ms > at_ms:
                break  # the batching window is open: wait for more messages or its end
            batch, self._gathering = self._gathering, []
            self._invoke(batch, at_ms)
        if self._slots(at_ms) <= 0:
            # Full: ask again when a batch ends (virtual), or after a pause (real).
            self._poll_at = None if self.clock.virtual else at_ms + SQS_POLL_INTERVAL_S * 1000.0
        elif self.clock.virtual:
            self._poll_at = None  # until poked, or until a deadline of this poller's own
        else:
            self._poll_at = at_ms + (0.0 if got_any else SQS_POLL_INTERVAL_S * 1000.0)

    def _receive(self, wanted, at_ms):
        messages = []
        visibility_ms = None
        while len(messages) < wanted:
            reply = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=min(RECEIVE_MAX, wanted - len(messages)),
                VisibilityTimeout=HIDDEN_S, WaitTimeSeconds=0, AttributeNames=["All"],
                MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"])
            batch = reply.get("Messages", [])
            if not batch:
                break
            if visibility_ms is None:
                attributes = self.sqs.get_queue_attributes(QueueUrl=self.queue_url,
                                                           AttributeNames=["VisibilityTimeout"])
                visibility_ms = int(attributes["Attributes"]["VisibilityTimeout"]) * 1000.0
            messages += [_Message(m["MessageId"], m["ReceiptHandle"], at_ms, at_ms + visibility_ms,
                                  sqs_record(m, self.mapping.config.event_source_arn)) for m in batch]
        return messages

    def _invoke(self, batch, at_ms):
        config = self.mapping.config
        passing = [m for m in batch if matches_any(config.filter_patterns, m.record)]
        self._delete([m for m in batch if m not in passing])  # filtered out: deleted, as Lambda does
        if not passing:
            return
        if self.clock.virtual:
            self._run_batch(passing, at_ms)
            return
        self._in_progress += 1
        threading.Thread(target=self._run_batch, args=(passing, at_ms, True), daemon=True,
                         name="lambdakit-sqs-batch").start()

    def _run_batch(self, batch, at_ms, in_thread=False):
        config = self.mapping.config
        ids = tuple(m.message_id for m in batch)
        try:
            result = invoke_batch(self.runtime, config, {"Records": [m.record for m in batch]}, at_ms)
        except Exception:  # the runtime closed under a real-clock batch: nothing to report to
            if not in_thread:
                raise
            log.debug("an SQS batch ended with its runtime", exc_info=True)
            return
        outcome, failed = failed_items(result, ids, config.reports_item_failures)
        end = end_of(result, at_ms) if self.clock.virtual else self.clock.now_ms()
        with self._lock:
            self.mapping.record(BatchAttempt(at_ms, config.event_source_arn, ids,
                                             result.request_id if result else None, outcome, failed, end))
            self._running.append((end, batch, failed))
            if in_thread:
                self._in_progress -= 1

    def _finish_batches(self, at_ms):
        """Batches whose invocation has ended by `at_ms`: delete what succeeded, hide what failed."""
        for entry in sorted([r for r in self._running if r[0] <= at_ms], key=lambda r: r[0]):
            self._running.remove(entry)
            _, batch, failed = entry
            self._delete([m for m in batch if m.message_id not in failed])
            self._hidden += [m for m in batch if m.message_id in failed]
            self._poll_soon(at_ms)

    def _release_hidden(self, at_ms):
        due = [m for m in self._hidden if m.visible_at_ms <= at_ms]
        if due:
            self._make_visible(due)
            self._hidden = [m for m in self._hidden if m not in due]
            self._poll_soon(at_ms)

    def _make_visible(self, messages):
        for start in range(0, len(messages), RECEIVE_MAX):
            self.sqs.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m.receipt_handle, "VisibilityTimeout": 0}
                for i, m in enumerate(messages[start:start + RECEIVE_MAX])])

    def _delete(self, messages):
        for start in range(0, len(messages), RECEIVE_MAX):
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m.receipt_handle}
                for i, m in enumerate(messages[start:start + RECEIVE_MAX])])

    def close(self):
        """Give back what this poller holds: messages in hand become visible again."""
        with self._lock:
            held = self._gathering + self._hidden + [m for _, batch, _ in self._running for m in batch]
            self._gathering, self._hidden, self._running = [], [], []
        try:
            self._make_visible(held)
        except Exception:
            log.debug("local AWS stopped before the poller gave its messages back", exc_info=True)


def sqs_record(message, queue_arn):
    """A message from ReceiveMessage as the SQS event carries it (lambdakit.events.sqs's shape)."""
    received = message.get("Attributes", {})
    order = ("ApproximateReceiveCount", "SentTimestamp", "SequenceNumber", "MessageGroupId", "SenderId",
             "MessageDeduplicationId", "ApproximateFirstReceiveTimestamp")
    attributes = {name: received[name] for name in order if name in received}
    message_attributes = {name: _attribute(value) for name, value in message.get("MessageAttributes", {}).items()}
    record = {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
              "body": message["Body"], "attributes": attributes, "messageAttributes": message_attributes,
              "md5OfBody": message["MD5OfBody"]}
    if message_attributes:
        record["md5OfMessageAttributes"] = message.get("MD5OfMessageAttributes") or \
            md5_of_message_attributes(message_attributes)
    region = queue_arn.split(":")[3]
    record.update({"eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": region})
    return record


def _attribute(value):
    converted = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
    if "BinaryValue" in value:
        return {"binaryValue": base64.b64encode(value["BinaryValue"]).decode(), **converted}
    return {"stringValue": value.get("StringValue"), **converted}
