"""DynamoDB Streams events: item changes as a Lambda event source mapping delivers them.

A change is an (old item, new item) pair: no old item is an INSERT, no new item a
REMOVE, both a MODIFY. The stream's view type decides which images each record carries:

    KEYS_ONLY           Keys only
    NEW_IMAGE           NewImage after INSERT and MODIFY
    OLD_IMAGE           OldImage after MODIFY and REMOVE
    NEW_AND_OLD_IMAGES  both, where they exist
"""

from .dynamodb_json import item_size, to_item
from .identifiers import ACCOUNT_ID, REGION, derived_hex, time_ordered_number
from .timestamps import epoch_ms, iso_ms

VIEW_TYPES = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")

# The insert, update and delete of one item, as in `sam local generate-event dynamodb update`.
SAMPLE_CHANGES = (
    (None, {"Id": 101, "Message": "New item!"}),
    ({"Id": 101, "Message": "New item!"}, {"Id": 101, "Message": "This item has changed"}),
    ({"Id": 101, "Message": "This item has changed"}, None),
)


def dynamodb_stream_event(changes=SAMPLE_CHANGES, *, table="my-table", key_names=("Id",),
                          view_type="NEW_AND_OLD_IMAGES", now=None, region=REGION,
                          account_id=ACCOUNT_ID):
    """One record per (old, new) change, in order, with items given as plain Python
    values and delivered in DynamoDB JSON."""
    if view_type not in VIEW_TYPES:
        raise ValueError(f"view_type must be one of {VIEW_TYPES}, not {view_type!r}")
    ms = epoch_ms(now)
    # A stream is named by the time it was enabled; the batch's time stands in for it.
    arn = f"arn:aws:dynamodb:{region}:{account_id}:table/{table}/stream/{iso_ms(ms)[:-1]}"
    records = [dynamodb_stream_record(old, new, time_ordered_number(21, "4", ms, index), ms,
                                      table=table, key_names=key_names, view_type=view_type,
                                      region=region, stream_arn=arn)
               for index, (old, new) in enumerate(changes)]
    return {"Records": records}


def dynamodb_stream_record(old, new, sequence, ms, *, table="my-table", key_names=("Id",),
                           view_type="NEW_AND_OLD_IMAGES", region=REGION, stream_arn):
    """One change as the mapping delivers it, for a change a stream already numbered
    (`sequence`, a decimal string) and stamped (`ms`)."""
    if view_type not in VIEW_TYPES:
        raise ValueError(f"view_type must be one of {VIEW_TYPES}, not {view_type!r}")
    if old is None and new is None:
        raise ValueError("a change needs an old item, a new item, or both")
    item = new if new is not None else old
    missing = [name for name in key_names if name not in item]
    if missing:
        raise ValueError(f"the item lacks its key attributes {missing}")
    return record_of_images(to_item({name: item[name] for name in key_names}),
                            None if old is None else to_item(old), None if new is None else to_item(new),
                            sequence, ms, table=table, view_type=view_type, region=region,
                            stream_arn=stream_arn)


def record_of_images(keys, old_image, new_image, sequence, ms, *, table, view_type, region=REGION,
                     stream_arn):
    """One change as the mapping delivers it, from its keys and images already in DynamoDB
    JSON (as DynamoDB itself holds them); the view type decides which images it carries."""
    event_name = "INSERT" if old_image is None else "REMOVE" if new_image is None else "MODIFY"
    images = {}
    if new_image is not None and view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        images["NewImage"] = new_image
    if old_image is not None and view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        images["OldImage"] = old_image
    return {
        "eventID": derived_hex(32, table, sequence),
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": {
            "ApproximateCreationDateTime": ms // 1000,
            "Keys": keys,
            **images,
            "SequenceNumber": sequence,
            # The record's size is that of the keys and images it carries.
            "SizeBytes": item_size(keys) + sum(item_size(i) for i in images.values()),
            "StreamViewType": view_type,
        },
        "eventSourceARN": stream_arn,
    }
