"""SNS events: one notification delivered to a Lambda subscription."""

from decimal import Decimal

from .identifiers import ACCOUNT_ID, REGION, derived_base64, derived_hex, derived_uuid
from .payloads import as_text, b64
from .timestamps import epoch_ms, iso_ms


def sns_message_attribute(value):
    """{'Type', 'Value'}: str is String, a number is Number, bytes are Binary (base64)."""
    if isinstance(value, (bytes, bytearray)):
        return {"Type": "Binary", "Value": b64(bytes(value))}
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return {"Type": "Number", "Value": str(value)}
    if isinstance(value, str):
        return {"Type": "String", "Value": value}
    raise TypeError(f"an SNS message attribute is str, a number or bytes, not {type(value).__name__}")


def sns_event(message="Hello from SNS!", *, topic="sns-lambda", subject=None,
              message_attributes=None, now=None, region=REGION, account_id=ACCOUNT_ID):
    """A message that is not a str is published as its JSON text; Subject is null unless
    the publisher set one."""
    ms = epoch_ms(now)
    message = as_text(message)
    topic_arn = f"arn:aws:sns:{region}:{account_id}:{topic}"
    subscription_arn = f"{topic_arn}:{derived_uuid('subscription', topic_arn)}"
    endpoint = f"https://sns.{region}.amazonaws.com"
    return {"Records": [{
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription_arn,
        "EventSource": "aws:sns",
        "Sns": {
            "SignatureVersion": "1",
            "Timestamp": iso_ms(ms),
            # Only SNS can sign; this has the length and alphabet of a real RSA-2048
            # signature but will not verify.
            "Signature": derived_base64(344, topic_arn, message, ms),
            "SigningCertUrl": (f"{endpoint}/SimpleNotificationService-"
                               f"{derived_hex(32, region)}.pem"),
            "MessageId": derived_uuid(topic_arn, message, ms),
            "Message": message,
            "MessageAttributes": {name: sns_message_attribute(value)
                                  for name, value in (message_attributes or {}).items()},
            "Type": "Notification",
            "UnsubscribeUrl": f"{endpoint}/?Action=Unsubscribe&SubscriptionArn={subscription_arn}",
            "TopicArn": topic_arn,
            "Subject": subject,
        },
    }]}
