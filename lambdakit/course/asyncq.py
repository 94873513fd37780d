"""Asynchronous delivery of one event, replayed on a virtual-clock Runtime: the attempts
Lambda makes, when, how the event ends, and what a dead-letter queue or an on-failure
destination receives.

lambdakit's runtime runs an `Event` invocation once; the lessons use this to show what
Lambda's internal queue does with it, with the retry policy of `lambdakit.async_retry`
(AWS's rules) and the public Runtime API only: each attempt is a real invocation, and the
virtual clock is moved to the next retry. One difference: on AWS every attempt of an
event carries the event's one request id; here each attempt gets its own.
"""

from dataclasses import dataclass, field

from ..async_retry import (SUCCESS, EventInvokeConfig, after_function_error, after_throttle)
from ..clock import iso_ms
from ..config import function_arn
from ..errors import TooManyRequestsException


@dataclass
class Delivery:
    event: object
    condition: str = ""                       # Success, RetriesExhausted or EventAgeExceeded
    attempts: list = field(default_factory=list)  # InvocationResults of the attempts that ran
    throttles: int = 0
    attempt_times_s: list = field(default_factory=list)  # from the event's arrival
    dead_letter: dict | None = None           # the message a DLQ receives (the event itself)
    destination: dict | None = None           # the record an OnSuccess/OnFailure destination receives

    def describe(self):
        times = ", ".join(f"{t:.2f} s" for t in self.attempt_times_s)
        return (f"{self.condition} after {len(self.attempts)} attempt(s) at {times}"
                + (f", {self.throttles} throttle(s)" if self.throttles else ""))


def deliver(runtime, function, event, config=None, *, dead_letter_queue=False):
    """Deliver `event` to `function` as Lambda's asynchronous queue would; return a Delivery."""
    config = config or EventInvokeConfig()
    delivery = Delivery(event)
    first_seen_ms = runtime.clock.now_ms()
    function_errors = 0
    while True:
        try:
            result = runtime.invoke(function, event)
        except TooManyRequestsException:
            delivery.throttles += 1
            step = after_throttle(config, first_seen_ms=first_seen_ms, throttled_ms=runtime.clock.now_ms(),
                                  throttles=delivery.throttles)
        else:
            delivery.attempts.append(result)
            delivery.attempt_times_s.append((result.record.start_ms - first_seen_ms) / 1000)
            if not result.function_error:
                delivery.condition = SUCCESS
                break
            function_errors += 1
            step = after_function_error(config, first_seen_ms=first_seen_ms,
                                        ended_ms=result.record.end_ms, function_errors=function_errors)
        if not step.retry:
            delivery.condition = step.condition
            break
        runtime.advance(seconds=max(0.0, step.at_ms - runtime.clock.now_ms()) / 1000)
    last = delivery.attempts[-1] if delivery.attempts else None
    if delivery.condition == SUCCESS:
        if config.on_success:
            delivery.destination = _record(runtime, function, event, delivery, last)
    else:
        if config.on_failure:
            delivery.destination = _record(runtime, function, event, delivery, last)
        if dead_letter_queue:
            delivery.dead_letter = event
    return delivery


def _record(runtime, function, event, delivery, last):
    """A destination record in AWS's format."""
    version = last.executed_version if last else "$LATEST"
    response = {"statusCode": 200, "executedVersion": version}
    if last is not None and last.function_error:
        response["functionError"] = last.function_error
    return {
        "version": "1.0",
        "timestamp": iso_ms(runtime.clock.now_ms()),
        "requestContext": {"requestId": last.request_id if last else None,
                           "functionArn": function_arn(function, version),
                           "condition": delivery.condition,
                           "approximateInvokeCount": len(delivery.attempts)},
        "requestPayload": event,
        "responseContext": response,
        "responsePayload": last.result if last else None,
    }
