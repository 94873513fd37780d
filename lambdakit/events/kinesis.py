"""Kinesis Data Streams events: a batch of records from one shard."""

from .identifiers import ACCOUNT_ID, REGION, time_ordered_number
from .payloads import as_bytes, b64
from .timestamps import epoch_ms, epoch_seconds


def kinesis_event(records=("Hello, this is a test.",), *, stream="lambda-stream",
                  partition_key="1", shard_id="shardId-000000000000", role="lambda-role",
                  now=None, region=REGION, account_id=ACCOUNT_ID):
    """One record per item of `records`, arriving a millisecond apart from `now`. bytes
    are sent as they are, str as UTF-8, anything else as its JSON text; `data` carries
    them base64-encoded. `partition_key` is one key for all records or one per record."""
    ms = epoch_ms(now)
    keys = [partition_key] * len(records) if isinstance(partition_key, str) else list(partition_key)
    if len(keys) != len(records):
        raise ValueError("give one partition key, or one per record")
    batch = []
    for index, (data, key) in enumerate(zip(records, keys)):
        arrival = ms + index
        sequence = time_ordered_number(56, "49", arrival, index)
        batch.append(kinesis_record(data, key, sequence, arrival, stream=stream, shard_id=shard_id,
                                    role=role, region=region, account_id=account_id))
    return {"Records": batch}


def kinesis_record(data, partition_key, sequence, arrival_ms, *, stream="lambda-stream",
                   shard_id="shardId-000000000000", role="lambda-role", region=REGION,
                   account_id=ACCOUNT_ID):
    """One record as an event source mapping delivers it, for a record a stream already
    numbered (`sequence`, a decimal string) and stamped (`arrival_ms`)."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": partition_key,
            "sequenceNumber": sequence,
            "data": b64(as_bytes(data)),
            "approximateArrivalTimestamp": epoch_seconds(arrival_ms),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{sequence}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": f"arn:aws:iam::{account_id}:role/{role}",
        "awsRegion": region,
        "eventSourceARN": f"arn:aws:kinesis:{region}:{account_id}:stream/{stream}",
    }
