"""SQS events: a batch of messages as the event source mapping delivers it.

A queue whose name ends in '.fifo' is a FIFO queue (AWS names them so), and its messages
carry the FIFO attributes: SequenceNumber, MessageGroupId and MessageDeduplicationId.
"""

import base64
import hashlib
import struct
from decimal import Decimal

from .identifiers import ACCOUNT_ID, REGION, derived_base64, derived_uuid, time_ordered_number
from .payloads import as_text, b64
from .timestamps import epoch_ms


def message_attribute(value):
    """An attribute as the Lambda event shows it: str is String, a number is Number,
    bytes are Binary (base64)."""
    if isinstance(value, (bytes, bytearray)):
        return {"binaryValue": b64(bytes(value)), "stringListValues": [],
                "binaryListValues": [], "dataType": "Binary"}
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return {"stringValue": str(value), "stringListValues": [], "binaryListValues": [],
                "dataType": "Number"}
    if isinstance(value, str):
        return {"stringValue": value, "stringListValues": [], "binaryListValues": [],
                "dataType": "String"}
    raise TypeError(f"an SQS message attribute is str, a number or bytes, not {type(value).__name__}")


def md5_of_message_attributes(attributes):
    """SQS's digest of event-shaped attributes: for each name in sorted order, the
    length-prefixed name, data type and value, with a transport byte (1 text, 2 binary)."""
    def field(data):
        return struct.pack(">I", len(data)) + data

    digest = hashlib.md5()
    for name in sorted(attributes):
        attribute = attributes[name]
        digest.update(field(name.encode()) + field(attribute["dataType"].encode()))
        if "binaryValue" in attribute:
            digest.update(b"\x02" + field(base64.b64decode(attribute["binaryValue"])))
        else:
            digest.update(b"\x01" + field(attribute["stringValue"].encode()))
    return digest.hexdigest()


def sqs_event(bodies=("Hello from SQS!",), *, queue="my-queue", message_attributes=None,
              message_group_id="default", receive_count=1, sender_id="AIDAIENQZJOLO23YVJ4VO",
              now=None, region=REGION, account_id=ACCOUNT_ID):
    """One record per body, sent a millisecond apart from `now` and received together.
    A body that is not a str is sent as its JSON text; `message_attributes` ({name: value})
    are set on every message."""
    ms = epoch_ms(now)
    fifo = queue.endswith(".fifo")
    received = ms + len(bodies)
    records = []
    for index, item in enumerate(bodies):
        body = as_text(item)
        sent = ms + index
        message_id = derived_uuid(queue, index, body, sent)
        # Attributes in the order SQS writes them.
        system = {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": str(sent)}
        if fifo:
            system["SequenceNumber"] = time_ordered_number(20, "18", sent, index)
            system["MessageGroupId"] = message_group_id
        system["SenderId"] = sender_id
        if fifo:
            # Content-based deduplication: the SHA-256 of the body.
            system["MessageDeduplicationId"] = hashlib.sha256(body.encode()).hexdigest()
        system["ApproximateFirstReceiveTimestamp"] = str(received)
        # Built per record so that no two records share (and can alter) one dict.
        attributes = {name: message_attribute(value)
                      for name, value in (message_attributes or {}).items()}
        record = {
            "messageId": message_id,
            "receiptHandle": "AQEB" + derived_base64(160, message_id, received),
            "body": body,
            "attributes": system,
            "messageAttributes": attributes,
            "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
        }
        if attributes:
            record["md5OfMessageAttributes"] = md5_of_message_attributes(attributes)
        record.update({"eventSource": "aws:sqs",
                       "eventSourceARN": f"arn:aws:sqs:{region}:{account_id}:{queue}",
                       "awsRegion": region})
        records.append(record)
    return {"Records": records}
