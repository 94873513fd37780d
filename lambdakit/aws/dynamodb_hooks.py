"""DynamoDB in the moto process (lambdakit.aws.motoserver): each request is atomic, and reads
of a table can be made to meet.

Atomic: moto serves requests on threads and checks a ConditionExpression apart from the write
it guards, so two conditional puts at once could both succeed; DynamoDB never lets them.

Meeting (LocalAws.meet_reads): while lambdakit holds a meeting open for a table, each read
of it (GetItem, Query, Scan, BatchGetItem, TransactGetItems) asks lambdakit, then waits until
`parties` reads have arrived, a write to the table comes, or `timeout_s` passes. Duplicates
of one event delivered at once then all read before any of them writes, on every run and
whatever the machine's speed, so a read-then-write race always shows.
"""

import threading

READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def tables_of(action, params):
    """The tables a DynamoDB request reads or writes."""
    if action in ("BatchGetItem", "BatchWriteItem"):
        return list(params.get("RequestItems") or {})
    if action in ("TransactGetItems", "TransactWriteItems"):
        return [next(iter(item.values())).get("TableName") for item in params.get("TransactItems") or []]
    return [params.get("TableName")]


class Meetings:
    """The meetings the moto process knows of: {(table, meeting id): arrivals}."""

    def __init__(self):
        self._changed = threading.Condition()
        self._arrived = {}
        self._over = set()

    def read(self, table, meeting):
        """Wait at `meeting` ({"id", "parties", "timeout_s"}) until it is over."""
        key = (table, meeting["id"])
        with self._changed:
            if key in self._over:
                return
            self._arrived[key] = self._arrived.get(key, 0) + 1
            if self._arrived[key] >= meeting["parties"]:
                self._end(key)
                return
            if not self._changed.wait_for(lambda: key in self._over, meeting["timeout_s"]):
                self._end(key)  # a party that never reads must not hold the others forever

    def wrote(self, table, meeting):
        """A write to `table` ends its meeting: from here on its reads and writes no longer overlap
        (and a read that follows a write, as after a failed conditional put, need not wait)."""
        with self._changed:
            self._end((table, meeting["id"]))

    def _end(self, key):
        self._over.add(key)
        self._arrived.pop(key, None)
        self._changed.notify_all()


def install(channel):
    from moto.dynamodb.responses import DynamoHandler

    original_call_action = DynamoHandler.call_action
    atomic = threading.Lock()
    meetings = Meetings()

    def call_action(handler):
        action = handler._get_action()
        params = getattr(handler, "params", None) or {}
        if action in READS or action in WRITES:
            for table in tables_of(action, params):
                meeting = channel.ask({"op": "meeting", "table": table}).get("meeting")
                if meeting and action in READS:
                    meetings.read(table, meeting)
                elif meeting:
                    meetings.wrote(table, meeting)
        with atomic:
            return original_call_action(handler)

    DynamoHandler.call_action = call_action
