"""The asynchronous retry policy: AWS's delays, limits and validation messages."""

import pytest

from lambdakit.scale.async_retry import (EVENT_AGE_EXCEEDED, RETRIES_EXHAUSTED, EventInvokeConfig, NextStep,
                                   after_function_error, after_throttle, function_error_delay_s,
                                   throttle_delay_s)
from lambdakit.core.errors import ValidationException


def test_function_errors_are_retried_after_one_then_two_minutes():
    assert [function_error_delay_s(retry) for retry in (1, 2)] == [60, 120]


def test_throttles_back_off_from_one_second_doubling_to_five_minutes():
    assert [throttle_delay_s(n) for n in range(1, 12)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]


def test_an_always_failing_event_is_attempted_at_0_60_and_180_seconds_then_gives_up():
    config = EventInvokeConfig()
    attempts, started, errors = [], 0.0, 0
    while True:
        attempts.append(started)
        errors += 1
        step = after_function_error(config, first_seen_ms=0.0, ended_ms=started, function_errors=errors)
        if not step.retry:
            break
        started = step.at_ms
    assert attempts == [0.0, 60_000.0, 180_000.0]
    assert step == NextStep(180_000.0, RETRIES_EXHAUSTED)


def test_retry_delays_count_from_the_end_of_the_failed_attempt():
    step = after_function_error(EventInvokeConfig(), first_seen_ms=0.0, ended_ms=2_500.0, function_errors=1)
    assert step == NextStep(62_500.0)


def test_zero_retries_gives_up_after_the_first_error():
    config = EventInvokeConfig(maximum_retry_attempts=0)
    step = after_function_error(config, first_seen_ms=0.0, ended_ms=10.0, function_errors=1)
    assert step == NextStep(10.0, RETRIES_EXHAUSTED)


def test_a_retry_past_the_maximum_event_age_expires_the_event_at_that_age():
    config = EventInvokeConfig(maximum_event_age_s=60)
    step = after_function_error(config, first_seen_ms=0.0, ended_ms=151.0, function_errors=1)
    assert step == NextStep(60_000.0, EVENT_AGE_EXCEEDED)


def test_a_retry_exactly_at_the_maximum_age_still_runs():
    config = EventInvokeConfig(maximum_event_age_s=60)
    assert after_function_error(config, first_seen_ms=0.0, ended_ms=0.0, function_errors=1).retry


def test_a_throttled_event_is_retried_until_six_hours_old():
    config = EventInvokeConfig()
    now, throttles = 0.0, 0
    while True:
        throttles += 1
        step = after_throttle(config, first_seen_ms=0.0, throttled_ms=now, throttles=throttles)
        if not step.retry:
            break
        now = step.at_ms
    # 1 + 2 + ... + 256 = 511 s, then every 300 s: 70 more fit before 21,600 s.
    assert throttles == 1 + 9 + 70
    assert step == NextStep(21_600_000.0, EVENT_AGE_EXCEEDED)


@pytest.mark.parametrize("settings, message", [
    ({"maximum_retry_attempts": 3},
     "Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than "
     "or equal to 2"),
    ({"maximum_retry_attempts": -1},
     "Value '-1' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value greater "
     "than or equal to 0"),
    ({"maximum_event_age_s": 59},
     "Value '59' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value "
     "greater than or equal to 60"),
    ({"maximum_event_age_s": 21_601},
     "Value '21601' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value "
     "less than or equal to 21600"),
])
def test_settings_out_of_range_fail_with_aws_validation_message(settings, message):
    with pytest.raises(ValidationException) as caught:
        EventInvokeConfig(**settings)
    assert caught.value.message == "1 validation error detected: " + message
    assert caught.value.status == 400


def test_defaults_are_two_retries_and_six_hours():
    config = EventInvokeConfig()
    assert (config.maximum_retry_attempts, config.maximum_event_age_s) == (2, 21_600)
