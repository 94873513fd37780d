"""What Lambda does with an asynchronous event after an attempt fails: data and pure functions.

From the AWS Lambda Developer Guide, "How Lambda handles errors and retries with
asynchronous invocation": a function error (including a timeout) is retried up to
MaximumRetryAttempts times (0-2, default 2), one minute after the first attempt and two
minutes after the second. A throttle (429) or a system error (5xx) returns the event to
the queue and is retried with a delay growing exponentially from 1 second to at most
5 minutes, for as long as the event is younger than MaximumEventAgeInSeconds (60-21,600,
default 21,600). An event that runs out of either ends in the DLQ or the OnFailure
destination, if there is one, with the condition below.

Delays are counted from the end of the failed attempt.
"""

from dataclasses import dataclass

from ..core.config import check_int

MAXIMUM_RETRY_ATTEMPTS_MIN = 0
MAXIMUM_RETRY_ATTEMPTS_MAX = 2
MAXIMUM_RETRY_ATTEMPTS_DEFAULT = 2
MAXIMUM_EVENT_AGE_MIN_S = 60
MAXIMUM_EVENT_AGE_MAX_S = 21_600
MAXIMUM_EVENT_AGE_DEFAULT_S = 21_600

FUNCTION_ERROR_DELAYS_S = (60, 120)   # before the first retry, before the second
THROTTLE_FIRST_DELAY_S = 1
THROTTLE_MAX_DELAY_S = 300

# requestContext.condition in destination records.
SUCCESS = "Success"
RETRIES_EXHAUSTED = "RetriesExhausted"
EVENT_AGE_EXCEEDED = "EventAgeExceeded"


@dataclass(frozen=True)
class EventInvokeConfig:
    """PutFunctionEventInvokeConfig's settings, validated as AWS validates them."""

    maximum_retry_attempts: int = MAXIMUM_RETRY_ATTEMPTS_DEFAULT
    maximum_event_age_s: int = MAXIMUM_EVENT_AGE_DEFAULT_S
    on_success: str | None = None     # destination ARN
    on_failure: str | None = None     # destination ARN

    def __post_init__(self):
        check_int(self.maximum_retry_attempts, "maximumRetryAttempts",
                  MAXIMUM_RETRY_ATTEMPTS_MIN, MAXIMUM_RETRY_ATTEMPTS_MAX)
        check_int(self.maximum_event_age_s, "maximumEventAgeInSeconds",
                  MAXIMUM_EVENT_AGE_MIN_S, MAXIMUM_EVENT_AGE_MAX_S)


@dataclass(frozen=True)
class NextStep:
    """Either a retry at `at_ms`, or the end of the event at `at_ms` with `condition`."""

    at_ms: float
    condition: str | None = None

    @property
    def retry(self):
        return self.condition is None


def function_error_delay_s(retry):
    """Seconds before retry number `retry` (1 or 2) of an event whose function failed."""
    return FUNCTION_ERROR_DELAYS_S[retry - 1]


def throttle_delay_s(throttles):
    """Seconds before the next attempt after the event's `throttles`-th throttle (1, 2, 4, ... 300)."""
    return min(THROTTLE_FIRST_DELAY_S * 2 ** (throttles - 1), THROTTLE_MAX_DELAY_S)


def after_function_error(config, *, first_seen_ms, ended_ms, function_errors):
    """The next step once the event's `function_errors`-th function error ended at `ended_ms`."""
    if function_errors > config.maximum_retry_attempts:
        return NextStep(ended_ms, RETRIES_EXHAUSTED)
    return _retry_if_young(config, first_seen_ms, ended_ms,
                           ended_ms + function_error_delay_s(function_errors) * 1000.0)


def after_throttle(config, *, first_seen_ms, throttled_ms, throttles):
    """The next step once the event's `throttles`-th throttle (or system error) happened."""
    return _retry_if_young(config, first_seen_ms, throttled_ms,
                           throttled_ms + throttle_delay_s(throttles) * 1000.0)


def _retry_if_young(config, first_seen_ms, now_ms, retry_ms):
    expires_ms = first_seen_ms + config.maximum_event_age_s * 1000.0
    if retry_ms > expires_ms:
        return NextStep(max(now_ms, expires_ms), EVENT_AGE_EXCEEDED)
    return NextStep(retry_ms)
