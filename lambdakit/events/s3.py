"""S3 event notifications: ObjectCreated:Put and ObjectRemoved:Delete.

The object key arrives URL-encoded the way S3 writes it: a space becomes '+', other
characters outside letters, digits, '-_.~' and '/' become %XX of their UTF-8 bytes. A
handler gets the real key back with urllib.parse.unquote_plus. (AWS documents the space
rule and percent-encoding; '~' and '*' follow RFC 3986 here, not checked against S3.)
"""

import hashlib
from urllib.parse import quote_plus

from .identifiers import ACCOUNT_ID, REGION, derived_base64, derived_hex
from .timestamps import epoch_ms, iso_ms


def encode_s3_key(key):
    return quote_plus(key, safe="/")


def s3_put_event(bucket="example-bucket", key="uploads/photo 1.jpg", *, body=None, size=1024,
                 version_id=None, **options):
    """An ObjectCreated:Put notification. Given `body`, size and eTag are those of the
    body (a single-part upload's eTag is its MD5); otherwise `size` is used and the eTag
    derived from the key. `version_id` appears only for versioned buckets."""
    if body is not None:
        body = body.encode() if isinstance(body, str) else bytes(body)
        size = len(body)
        etag = hashlib.md5(body).hexdigest()
    else:
        etag = derived_hex(32, bucket, key)
    obj = {"key": encode_s3_key(key), "size": size, "eTag": etag}
    if version_id is not None:
        obj["versionId"] = version_id
    return _notification("ObjectCreated:Put", bucket, obj, **options)


def s3_delete_event(bucket="example-bucket", key="uploads/photo 1.jpg", *, version_id=None,
                    **options):
    """An ObjectRemoved:Delete notification: the object has only a key and a sequencer."""
    obj = {"key": encode_s3_key(key)}
    if version_id is not None:
        obj["versionId"] = version_id
    return _notification("ObjectRemoved:Delete", bucket, obj, **options)


def _notification(event_name, bucket, obj, *, now=None, region=REGION, account_id=ACCOUNT_ID,
                  principal_id="AWS:AIDAINPONIXQXHT3IKHL2", owner_id="A3I5XTEXAMAI3E",
                  source_ip="203.0.113.7", configuration_id="lambdakit-notification"):
    ms = epoch_ms(now)
    # The sequencer orders events for one key: it grows with time.
    obj["sequencer"] = f"{ms * 1000:018X}"
    return {"Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": iso_ms(ms),
        "eventName": event_name,
        "userIdentity": {"principalId": principal_id},
        "requestParameters": {"sourceIPAddress": source_ip},
        "responseElements": {
            "x-amz-request-id": derived_hex(16, bucket, obj["key"], ms, upper=True),
            "x-amz-id-2": derived_base64(76, bucket, obj["key"], ms, account_id),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {"name": bucket, "ownerIdentity": {"principalId": owner_id},
                       "arn": f"arn:aws:s3:::{bucket}"},
            "object": obj,
        },
    }]}
