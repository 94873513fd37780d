"""CloudWatch Logs subscription events: log events gzip-compressed, then base64-encoded,
under awslogs.data."""

import json

from .identifiers import ACCOUNT_ID, derived_hex, time_ordered_number
from .payloads import gunzip_b64, gzip_b64
from .timestamps import epoch_ms, iso_ms

SAMPLE_MESSAGES = ("[ERROR] First test message", "[ERROR] Second test message")


def cloudwatch_logs_event(messages=SAMPLE_MESSAGES, *, log_group="/aws/lambda/my-function",
                          log_stream=None, subscription_filters=("LambdaStream_my-function",),
                          policy_level=None, now=None, account_id=ACCOUNT_ID):
    """One log event per message, a millisecond apart from `now`. `policy_level`
    (e.g. 'ACCOUNT_LEVEL_POLICY') appears only for account-level subscription policies."""
    ms = epoch_ms(now)
    if log_stream is None:
        # Lambda's stream names: YYYY/MM/DD/[VERSION] and 32 hex characters.
        date = iso_ms(ms)[:10].replace("-", "/")
        log_stream = f"{date}/[$LATEST]{derived_hex(32, log_group, ms)}"
    data = {
        "messageType": "DATA_MESSAGE",
        "owner": account_id,
        "logGroup": log_group,
        "logStream": log_stream,
        "subscriptionFilters": list(subscription_filters),
        "logEvents": [{"id": time_ordered_number(56, "3", ms + i),
                       "timestamp": ms + i,
                       "message": message}
                      for i, message in enumerate(messages)],
    }
    if policy_level is not None:
        data["policyLevel"] = policy_level
    return {"awslogs": {"data": gzip_b64(json.dumps(data).encode())}}


def decode_cloudwatch_logs(event):
    """The subscription payload inside an event, as a handler reads it."""
    return json.loads(gunzip_b64(event["awslogs"]["data"]))
