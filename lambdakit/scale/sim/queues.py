"""An SQS queue and its event source mapping, as the simulator models them.

What AWS documents, and so the simulator does (docs.aws.amazon.com/lambda/latest/dg/
services-sqs-scaling.html, services-sqs-configure.html, and the Operator Guide's
"Handling errors for an SQS event source"):

- A message waits in the queue until the mapping receives it; the mapping invokes the
  function synchronously, one message per invocation here (BatchSize 1).
- With ScalingConfig MaximumConcurrency set, the mapping runs at most that many invocations
  at once and stops reading while they run: the rest of the queue waits, nothing is throttled.
- A received message whose invocation is throttled (reserved concurrency, the account's
  limit or scaling rate) or fails (function error, timeout) is not deleted: it becomes visible
  again when the queue's visibility timeout, counted from its receipt, runs out, and is
  received again. With a redrive policy, SQS moves a message received maxReceiveCount times
  to the dead-letter queue instead of delivering it again; a message older than the queue's
  retention period is deleted.

lambdakit's model, like its runtime's poller (lambdakit.esm.sqs): a throttled message waits
out its visibility timeout rather than Lambda's back-off retries inside it; pollers start at
once up to the limit, without Lambda's gradual scale-up (300 more per minute) or scale-down;
messages become visible again in the order their timeouts run out.
"""

import math
from collections import deque
from dataclasses import dataclass

from ...core.config import check_int
from ...core.errors import InvalidParameterValueException
from ...esm.mapping import MAXIMUM_CONCURRENCY_MAX, MAXIMUM_CONCURRENCY_MIN
from ...esm.sqs import DEFAULT_MAXIMUM_CONCURRENCY

# SQS's own ranges and defaults (Amazon SQS Developer Guide: SetQueueAttributes, RedrivePolicy).
VISIBILITY_TIMEOUT_DEFAULT_S, VISIBILITY_TIMEOUT_MAX_S = 30, 43_200
RETENTION_DEFAULT_S, RETENTION_MIN_S, RETENTION_MAX_S = 345_600, 60, 1_209_600
MAX_RECEIVE_COUNT_MAX = 1_000

PROCESSED, DEAD_LETTERED, EXPIRED = "processed", "to_dead_letter_queue", "expired"


@dataclass(frozen=True)
class SqsSource:
    """The queue a workload's messages are sent to, and the mapping that polls it."""

    maximum_concurrency: int | None = None   # the mapping's ScalingConfig
    visibility_timeout_s: int = VISIBILITY_TIMEOUT_DEFAULT_S
    max_receive_count: int | None = None     # the queue's redrive policy; None: no DLQ
    retention_s: int = RETENTION_DEFAULT_S   # MessageRetentionPeriod

    def __post_init__(self):
        if self.maximum_concurrency is not None:
            check_int(self.maximum_concurrency, "scalingConfig.maximumConcurrency",
                      MAXIMUM_CONCURRENCY_MIN, MAXIMUM_CONCURRENCY_MAX)
        check_int(self.visibility_timeout_s, "VisibilityTimeout", 0, VISIBILITY_TIMEOUT_MAX_S)
        if self.max_receive_count is not None:
            check_int(self.max_receive_count, "maxReceiveCount", 1, MAX_RECEIVE_COUNT_MAX)
        check_int(self.retention_s, "MessageRetentionPeriod", RETENTION_MIN_S, RETENTION_MAX_S)

    @property
    def limit(self):
        """Invocations the mapping runs at once."""
        return self.maximum_concurrency or DEFAULT_MAXIMUM_CONCURRENCY

    def check_function(self, function):
        """CreateEventSourceMapping refuses a function whose timeout exceeds the visibility timeout."""
        if function.timeout_s > self.visibility_timeout_s:
            raise InvalidParameterValueException(
                f"Queue visibility timeout: {self.visibility_timeout_s} seconds is less than "
                f"Function timeout: {function.timeout_s} seconds")


def wait_bucket_ms(wait_ms):
    """A message's wait rounded up to the ms and then to 3 significant digits, so a month of
    waits fits a few thousand histogram buckets."""
    ms = math.ceil(wait_ms)
    if ms < 1000:
        return ms
    step = 10 ** (len(str(ms)) - 3)
    return -(-ms // step) * step


class Message:
    """One message in the queue (the exact engine's)."""

    __slots__ = ("request_id", "sent_ms", "received_ms", "receives", "attempts")

    def __init__(self, request_id, sent_ms):
        self.request_id, self.sent_ms = request_id, sent_ms
        self.received_ms = sent_ms
        self.receives = self.attempts = 0


class Queue:
    """A workload's queue: visible messages, oldest first, and the mapping's running invocations."""

    def __init__(self, workload):
        self.workload = workload
        self.source = workload.source
        self.visible = deque()
        self.running = 0

    def receive(self, now_ms):
        """The next message to invoke, or (None, ending) for one SQS removes instead, or (None, None)
        when the mapping is at its limit or the queue is empty."""
        while self.visible and self.running < self.source.limit:
            message = self.visible.popleft()
            if now_ms - message.sent_ms >= self.source.retention_s * 1000.0:
                return message, EXPIRED
            if self.source.max_receive_count is not None and message.receives >= self.source.max_receive_count:
                return message, DEAD_LETTERED
            message.receives += 1
            message.received_ms = now_ms
            return message, None
        return None, None

    def visible_again_ms(self, message):
        return message.received_ms + self.source.visibility_timeout_s * 1000.0
