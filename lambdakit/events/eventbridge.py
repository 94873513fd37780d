"""EventBridge events: a rule's schedule firing, and a custom application event."""

from .identifiers import ACCOUNT_ID, REGION, derived_uuid
from .timestamps import epoch_ms, iso_seconds


def scheduled_event(rule="my-schedule", *, now=None, region=REGION, account_id=ACCOUNT_ID):
    """What a rule with a schedule expression sends: detail is always an empty object."""
    ms = epoch_ms(now)
    return _envelope("Scheduled Event", "aws.events", {},
                     [f"arn:aws:events:{region}:{account_id}:rule/{rule}"], ms, region, account_id)


def custom_event(detail=None, *, detail_type="OrderPlaced", source="com.example.orders",
                 resources=(), now=None, region=REGION, account_id=ACCOUNT_ID):
    """An event an application sent with PutEvents, as a matching rule delivers it."""
    ms = epoch_ms(now)
    detail = {"orderId": "1234", "amount": 42} if detail is None else detail
    return _envelope(detail_type, source, detail, list(resources), ms, region, account_id)


def _envelope(detail_type, source, detail, resources, ms, region, account_id):
    return {
        "version": "0",
        "id": derived_uuid(detail_type, source, detail, ms, region, account_id),
        "detail-type": detail_type,
        "source": source,
        "account": account_id,
        "time": iso_seconds(ms),
        "region": region,
        "resources": resources,
        "detail": detail,
    }
