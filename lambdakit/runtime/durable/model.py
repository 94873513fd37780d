"""A durable execution and its operations, as the service keeps them (no rules, no HTTP).

Times are epoch milliseconds inside lambdakit. The wire forms differ by who reads them:
the invocation event carries milliseconds (the SDK's Operation.from_json_dict), the REST
API epoch seconds (botocore's rest-json timestamps).
"""

import base64
import hashlib
from dataclasses import dataclass, field

RUNNING, PAUSING, PAUSED = "RUNNING", "PAUSING", "PAUSED"
SUCCEEDED, FAILED, TIMED_OUT, STOPPED = "SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"
TERMINAL = frozenset({SUCCEEDED, FAILED, TIMED_OUT, STOPPED})

# Operation statuses (botocore's OperationStatus)
STARTED, PENDING, READY, CANCELLED = "STARTED", "PENDING", "READY", "CANCELLED"
CLOSED = frozenset({SUCCEEDED, FAILED, CANCELLED, TIMED_OUT, STOPPED})

_DETAILS = {"EXECUTION": "ExecutionDetails", "CONTEXT": "ContextDetails", "STEP": "StepDetails",
            "WAIT": "WaitDetails", "CALLBACK": "CallbackDetails", "CHAINED_INVOKE": "ChainedInvokeDetails"}
_TIME_DETAILS = ("NextAttemptTimestamp", "ScheduledEndTimestamp")


@dataclass
class Operation:
    id: str
    type: str
    status: str
    start_ms: float
    sub_type: str | None = None
    name: str | None = None
    parent_id: str | None = None
    end_ms: float | None = None
    details: dict = field(default_factory=dict)   # the <Type>Details members (times in ms)
    due_ms: float | None = None       # the service's timer: wait end, retry due, callback timeout
    heartbeat_due_ms: float | None = None
    heartbeat_s: int = 0

    def wire(self, seconds):
        """The Operation shape; timestamps in epoch seconds (REST) or milliseconds (event)."""
        convert = (lambda ms: ms / 1000.0) if seconds else (lambda ms: int(ms))
        shaped = {"Id": self.id, "Type": self.type, "Status": self.status,
                  "StartTimestamp": convert(self.start_ms)}
        for key, value in (("SubType", self.sub_type), ("Name", self.name), ("ParentId", self.parent_id)):
            if value is not None:
                shaped[key] = value
        if self.end_ms is not None:
            shaped["EndTimestamp"] = convert(self.end_ms)
        details = {k: (convert(v) if k in _TIME_DETAILS else v) for k, v in self.details.items()
                   if v is not None and not k.startswith("_")}  # "_" members are the service's own
        shaped[_DETAILS[self.type]] = details
        return shaped


@dataclass
class Invocation:
    """One invocation (the first or a replay) of an execution."""
    request_id: str
    start_ms: float
    end_ms: float
    status: str                  # the handler's output Status, or "ERROR" when it did not return one
    record: object = None        # the InvocationRecord (duration, billed ms, cost)
    error: dict | None = None


@dataclass
class Execution:
    arn: str
    name: str
    id: str
    function: str
    version: str                 # the version it runs on (replays use it too)
    qualifier: str
    input_payload: str
    start_ms: float
    config: dict                 # the function's DurableConfig
    status: str = RUNNING
    end_ms: float | None = None
    result: str | None = None
    error: dict | None = None
    operations: dict = field(default_factory=dict)   # id -> Operation, in start order
    events: list = field(default_factory=list)       # history events (history.py), in order
    invocations: list = field(default_factory=list)  # Invocation
    token: str | None = None     # the checkpoint token the running invocation may use next
    token_seq: int = 0
    running: bool = False        # an invocation is in progress
    ready_ms: float | None = None   # a replay is owed from this instant
    updated: list = field(default_factory=list)      # ids the service changed since the last invocation began
    unreported: list = field(default_factory=list)   # ids changed by the service, not yet in a checkpoint reply
    client_tokens: dict = field(default_factory=dict)  # ClientToken -> (ms, reply)
    pause: dict | None = None    # PauseDetails while PAUSING/PAUSED
    paused_ms: float = 0.0       # time spent paused with the execution timeout paused
    operations_billed: int = 0   # durable operations (checkpointed actions) for the bill
    bytes_written: int = 0       # payload bytes checkpointed (the "data written" dimension)
    failed_invocations: int = 0  # invocations in a row that ended without the SDK's output
    closing: tuple | None = None  # (status, result, error) checkpointed by the EXECUTION update
    parent: tuple | None = None   # (execution ARN, operation id) of the chained invoke that started it

    @property
    def terminal(self):
        return self.status in TERMINAL

    def timeout_ms(self):
        return self.start_ms + self.config["ExecutionTimeout"] * 1000.0 + self.paused_ms

    def new_token(self):
        self.token_seq += 1
        digest = hashlib.sha256(f"{self.arn}#{self.token_seq}".encode()).digest()
        self.token = base64.b64encode(digest).decode()
        return self.token

    def mark_updated(self, op_id, at_ms):
        """The service changed an operation (a timer fired, a callback arrived): replay owed."""
        for ids in (self.updated, self.unreported):
            if op_id not in ids:
                ids.append(op_id)
        if self.ready_ms is None:
            self.ready_ms = at_ms


def callback_id(execution_arn, op_id):
    """A CallbackId in the base64 alphabet the API requires, unique per execution and operation."""
    digest = hashlib.sha256(f"{execution_arn}#{op_id}".encode()).digest()
    return base64.b64encode(digest).decode().replace("+", "A").replace("/", "B").rstrip("=")
