"""EventBridge schedule expressions (rate and cron, UTC, AWS's validation) and schedules that
invoke functions with EventBridge's scheduled event, on the virtual clock."""

from datetime import datetime, timezone

import pytest

from lambdakit import ResourceNotFoundException, ValidationException
from lambdakit.events import scheduled_event
from lambdakit.scale.schedule import INVALID, parse

HANDLER = "def lambda_handler(event, context):\n    return [event['time'], event['detail-type'], event['resources']]\n"


def ms(text):
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()) * 1000


def iso(epoch_ms):
    return datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M")


def test_cron_schedule_over_a_virtual_day_fires_at_exact_times(virtual):
    virtual.create_function("report", HANDLER)
    noon = virtual.schedule("cron(0 12 * * ? *)", "report", rule="noon")
    quarter = virtual.schedule("cron(0/15 9-10 * * ? *)", "report", rule="business")
    virtual.advance(hours=24)

    assert [iso(f.at_ms) for f in noon.firings] == ["2026-01-01 12:00"]
    assert [iso(f.at_ms) for f in quarter.firings] == [
        "2026-01-01 09:00", "2026-01-01 09:15", "2026-01-01 09:30", "2026-01-01 09:45",
        "2026-01-01 10:00", "2026-01-01 10:15", "2026-01-01 10:30", "2026-01-01 10:45"]
    # Each firing is one asynchronous invocation that starts at the scheduled minute, with the
    # event EventBridge sends.
    records = sorted(virtual.records, key=lambda r: r.start_ms)
    assert [(iso(r.start_ms), r.invocation_type, r.outcome) for r in records][-1] == \
        ("2026-01-01 12:00", "Event", "ok")
    assert len(records) == 9
    assert virtual.clock.now_ms() == ms("2026-01-02 00:00")

    result = virtual.invoke("report", scheduled_event("noon", now=noon.firings[0].at_ms))
    assert result.result == ["2026-01-01T12:00:00Z", "Scheduled Event",
                             ["arn:aws:events:us-east-1:123456789012:rule/noon"]]


def test_rate_fires_a_period_after_creation_then_every_period(virtual):
    virtual.create_function("tick", HANDLER)
    virtual.advance(seconds=90)  # created at 00:01:30
    tick = virtual.schedule("rate(5 minutes)", "tick")
    virtual.advance(minutes=16)
    assert [datetime.fromtimestamp(f.at_ms / 1000, tz=timezone.utc).strftime("%H:%M:%S")
            for f in tick.firings] == ["00:06:30", "00:11:30", "00:16:30"]
    tick.delete()
    virtual.advance(hours=1)
    assert len(tick.firings) == 3


def test_a_schedule_outlives_failures_of_its_function(virtual):
    virtual.create_function("flaky", "def lambda_handler(e, c):\n    raise ValueError('no')\n")
    flaky = virtual.schedule("rate(1 hour)", "flaky")
    virtual.advance(hours=3)
    assert len(flaky.firings) == 3
    # Each firing is an asynchronous invocation, which Lambda retries twice (1 and 2 minutes
    # after the failed attempts); the third firing's retries are still to come.
    assert [(r.attempt, r.outcome) for r in virtual.records] == \
        [(1, "function_error"), (2, "function_error"), (3, "function_error")] * 2 + [(1, "function_error")]


@pytest.mark.parametrize("expression, start, expected", [
    ("cron(0 2 * * ? *)", "2026-01-01 02:00", ["2026-01-02 02:00", "2026-01-03 02:00"]),
    ("cron(15 10 ? * 6L 2026)", "2026-01-01 00:00", ["2026-01-30 10:15", "2026-02-27 10:15"]),
    ("cron(0 18 ? * MON-FRI *)", "2026-01-02 17:00", ["2026-01-02 18:00", "2026-01-05 18:00"]),
    ("cron(0 8 1 * ? *)", "2026-01-01 08:00", ["2026-02-01 08:00", "2026-03-01 08:00"]),
    ("cron(0 0 L * ? *)", "2026-01-31 00:00", ["2026-02-28 00:00", "2026-03-31 00:00"]),
    ("cron(0 9 15W * ? *)", "2026-01-01 00:00", ["2026-01-15 09:00", "2026-02-16 09:00"]),
    ("cron(0 9 1W * ? *)", "2026-02-01 00:00", ["2026-02-02 09:00", "2026-03-02 09:00"]),
    ("cron(0 9 ? * 3#2 *)", "2026-01-01 00:00", ["2026-01-13 09:00", "2026-02-10 09:00"]),
    ("cron(0 12 ? * L *)", "2026-01-01 00:00", ["2026-01-03 12:00", "2026-01-10 12:00"]),
    ("cron(0/30 * ? JAN,jul SUN 2027/2)", "2026-01-01 00:00", ["2027-01-03 00:00", "2027-01-03 00:30"]),
    ("cron(5,10-12 23 29 FEB ? *)", "2026-01-01 00:00", ["2028-02-29 23:05", "2028-02-29 23:10"]),
    ("cron(59 23 31 12 ? 2199)", "2199-12-31 23:59", [None]),
])
def test_cron_next_firings(expression, start, expected):
    parsed = parse(expression)
    at, out = ms(start), []
    for _ in expected:
        at = parsed.next_after(at)
        out.append(None if at is None else iso(at))
        if at is None:
            break
    assert out == expected


def test_rate_units():
    assert parse("rate(1 minute)").period_ms == 60_000
    assert parse("rate(2 hours)").period_ms == 7_200_000
    assert parse("rate(7 days)").period_ms == 604_800_000


@pytest.mark.parametrize("expression", [
    "rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(-1 minutes)", "rate(5 seconds)",
    "rate(5  minutes)", "rate(1.5 hours)", "rate(5 Minutes)", "every 5 minutes",
    "cron(0 12 * * * *)",          # neither day field is '?'
    "cron(0 12 ? * ? *)",          # both are
    "cron(0 12 * * ?)",            # five fields
    "cron(0 12 * * ? * *)",        # seven
    "cron(60 12 * * ? *)", "cron(0 24 * * ? *)", "cron(0 12 32 * ? *)", "cron(0 12 0 * ? *)",
    "cron(0 12 * 13 ? *)", "cron(0 12 ? * 8 *)", "cron(0 12 ? * 0 *)", "cron(0 12 * * ? 1969)",
    "cron(0 12 * * ? 2200)", "cron(0 12 ? * 3#6 *)", "cron(0 12 ? * FUN *)", "cron(0 12 * JANUARY ? *)",
    "cron(0/0 12 * * ? *)", "cron(30-10 12 * * ? *)", "cron(0 12 * * ? *", "cron(0  12 * * ? *)",
    "cron(0 12 W * ? *)", "cron(a 12 * * ? *)", "", None, 5,
])
def test_invalid_expressions_are_refused_as_eventbridge_refuses_them(expression):
    with pytest.raises(ValidationException) as raised:
        parse(expression)
    assert raised.value.message == INVALID == "Parameter ScheduleExpression is not valid."


def test_schedule_needs_an_existing_function_and_a_valid_expression(virtual):
    virtual.create_function("f", HANDLER)
    with pytest.raises(ValidationException):
        virtual.schedule("cron(0 12 * * * *)", "f")
    with pytest.raises(ResourceNotFoundException):
        virtual.schedule("rate(1 hour)", "missing")
    assert virtual.timers.drivers == []
