"""The execution history: AWS's event types and detail fields (botocore's `Event` shape).

Events are kept with millisecond times and every payload; `shaped()` gives what
GetDurableExecutionHistory returns (seconds; payloads only with IncludeExecutionData).
"""

import copy

# <Type>Details members whose value is a payload wrapper ({Payload, Truncated})
_PAYLOAD_MEMBERS = ("Input", "Result", "Error", "Reason")
_TIME_MEMBERS = ("ScheduledEndTimestamp", "StartTimestamp", "EndTimestamp", "PauseRequestTimestamp",
                 "ResumeRequestTimestamp")


def add(execution, event_type, at_ms, op=None, **details):
    """Append one event; `op` names the operation it is about (Id, Name, SubType, ParentId)."""
    event = {"EventType": event_type, "EventId": len(execution.events) + 1, "EventTimestamp": at_ms}
    if op is not None:
        for member, value in (("SubType", op.sub_type), ("Id", op.id), ("Name", op.name),
                              ("ParentId", op.parent_id)):
            if value is not None:
                event[member] = value
    event[f"{event_type}Details"] = {k: v for k, v in details.items() if v is not None}
    execution.events.append(event)
    return event


def result(payload):
    return None if payload is None else {"Payload": payload, "Truncated": False}


def error(error_object):
    return None if error_object is None else {"Payload": error_object, "Truncated": False}


def shaped(event, include_data):
    """One event as the REST API returns it."""
    out = copy.deepcopy(event)
    out["EventTimestamp"] = event["EventTimestamp"] / 1000.0
    details = out[f"{event['EventType']}Details"]
    for member in _TIME_MEMBERS:
        if member in details:
            details[member] = details[member] / 1000.0
    if not include_data:
        for member in _PAYLOAD_MEMBERS:
            if isinstance(details.get(member), dict):
                details[member].pop("Payload", None)
    return out
