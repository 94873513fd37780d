"""S3 event notifications for Lambda: what moto saw (an object event that matched a bucket's
Lambda notification) becomes the event S3 sends, and a record of its delivery.
"""

from dataclasses import dataclass

from ..core.errors import ResourceNotFoundException
from ..events.s3 import s3_delete_event, s3_put_event
from ..core.limits import ACCOUNT_ID, REGION


@dataclass(frozen=True)
class S3Notice:
    """An object event moto matched to a Lambda notification configuration."""
    event_name: str          # e.g. "s3:ObjectCreated:Put"
    bucket: str
    region: str
    key: str                 # the object's real key (the event carries it URL-encoded)
    size: int
    etag: str
    version_id: str | None
    configuration_id: str
    function_arn: str
    trace: str | None        # the X-Amzn-Trace-Id of the request that caused the event
    source_ip: str | None

    @classmethod
    def from_message(cls, message):
        return cls(**{name: message.get(name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class S3Delivery:
    """One notification handed to Lambda: the invocation's request id, or why there was none."""
    function: str
    qualifier: str | None
    notice: S3Notice
    event: dict
    at_ms: float
    request_id: str | None = None
    chain_count: int = 1                # invocations of the function in this chain, this one included
    dropped: str | None = None          # "RecursiveLoop" (request_id: the stopped event's), or the error


@dataclass(frozen=True)
class RecursiveLoop:
    """An event Lambda stopped because its chain of requests had already invoked the function
    LOOP_LIMIT times. "Dropped" is AWS's word (the RecursiveInvocationsDropped metric); AWS also
    sends a notice, and the event to the function's DLQ or on-failure destination, if it has one."""
    function: str
    bucket: str
    key: str
    event_name: str
    invocations: int
    at_ms: float

    def __str__(self):
        return (f"Lambda stopped a recursive loop: {self.function} was invoked {self.invocations} times "
                f"in one chain of requests through S3 bucket {self.bucket}; the {self.event_name} "
                f"event for {self.key!r} was dropped.")


def split_function_arn(arn):
    """(name, qualifier) from arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER].

    Raises ResourceNotFoundException for anything that is not a function of this account
    and Region (the only ones lambdakit has)."""
    parts = (arn or "").split(":")
    if len(parts) not in (7, 8) or parts[:3] != ["arn", "aws", "lambda"] or parts[5] != "function" \
            or parts[3] != REGION or parts[4] != ACCOUNT_ID:
        raise ResourceNotFoundException(f"Function not found: {arn}")
    return parts[6], (parts[7] if len(parts) == 8 else None)


def s3_event(notice, now_ms):
    """The event S3 sends for `notice`, stamped `now_ms`; keys URL-encoded as S3 does."""
    options = dict(now=int(now_ms), region=notice.region, configuration_id=notice.configuration_id,
                   version_id=notice.version_id)
    if notice.source_ip:
        options["source_ip"] = notice.source_ip
    name = notice.event_name.removeprefix("s3:")
    if name.startswith("ObjectRemoved:"):
        event = s3_delete_event(notice.bucket, notice.key, **options)
    else:
        event = s3_put_event(notice.bucket, notice.key, size=notice.size, **options)
        event["Records"][0]["s3"]["object"]["eTag"] = notice.etag
    event["Records"][0]["eventName"] = name
    return event
