"""Instants, and the timestamp formats AWS writes into events.

Generators never read the wall clock. `now` is passed in (epoch milliseconds, a datetime or
an ISO 8601 string) and defaults to the virtual clock's fixed epoch, so the same call gives
the same event on every machine.
"""

from datetime import datetime, timezone

from lambdakit.core.clock import VIRTUAL_EPOCH, to_epoch_ms

# strftime's %b follows the process locale; API Gateway always writes English month names.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def epoch_ms(now=None):
    """`now` as whole epoch milliseconds; None means the virtual clock's epoch."""
    if now is None:
        now = VIRTUAL_EPOCH
    if isinstance(now, (int, float)) and not isinstance(now, bool):
        return int(now)
    return int(to_epoch_ms(now))


def _utc(ms):
    # Whole seconds plus integer milliseconds: dividing by 1000.0 can round 135 ms to 134.
    return datetime.fromtimestamp(ms // 1000, tz=timezone.utc), ms % 1000


def iso_ms(ms):
    """S3 eventTime, SNS Timestamp: 2019-09-03T19:37:27.192Z."""
    moment, millis = _utc(ms)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{millis:03d}Z"


def iso_seconds(ms):
    """EventBridge time: 2019-03-01T01:23:45Z."""
    moment, _ = _utc(ms)
    return f"{moment:%Y-%m-%dT%H:%M:%S}Z"


def request_time(ms):
    """API Gateway requestTime / time: 04/Mar/2020:19:15:17 +0000."""
    moment, _ = _utc(ms)
    return f"{moment.day:02d}/{_MONTHS[moment.month - 1]}/{moment:%Y:%H:%M:%S} +0000"


def epoch_seconds(ms):
    """Kinesis approximateArrivalTimestamp: seconds with millisecond precision."""
    return round(ms / 1000, 3)
