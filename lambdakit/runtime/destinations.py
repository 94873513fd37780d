"""Where an asynchronous event goes when it ends: OnSuccess / OnFailure destinations and the
dead-letter queue, with the records AWS sends them.

From the AWS Lambda Developer Guide, "Capturing records of Lambda asynchronous invocations":

- A destination receives the invocation record (`invocation_record`): as the message body
  (SQS) or `Message` (SNS), as the event of an asynchronous invocation (Lambda), as the
  `detail` of an event whose source is `aws.lambda` and detail-type "Lambda Function
  Invocation Result - Success" / "- Failure", resources the function and destination ARNs
  (EventBridge), or as a JSON object under `aws/lambda/async/FUNCTION/YYYY/MM/DD/
  YYYY-MM-DDTHH.MM.SS-UUID` (S3, on failure only).
- A dead-letter queue (SQS or SNS, set on the function) receives the event itself, with the
  message attributes RequestID (String), ErrorCode (Number, the HTTP status code) and
  ErrorMessage (String, the first 1 KB of the error message).
- An event that recursive loop detection stopped goes to the same DLQ or on-failure destination
  (asyncq.AsyncQueue.stop); its DLQ attributes carry RecursiveInvocationException's status and text.

SQS, SNS and S3 targets are the local AWS services (moto) when `Runtime.local_aws()` is on,
so a queue's consumer reads them with boto3; otherwise, and for EventBridge always, the
message is kept in memory. Every delivery, made or failed, is a `Delivery` in
`Runtime.async_deliveries`, so nothing an event ended with is ever out of the learner's sight.
"""

import json
import re
import uuid
from dataclasses import dataclass, replace

from ..scale.async_retry import SUCCESS
from ..core.clock import iso_ms
from ..core.config import function_arn
from ..core.errors import InvalidParameterValueException, LambdaError, validation_error
from ..events.identifiers import derived_uuid
from ..events.timestamps import iso_seconds
from ..core.limits import ACCOUNT_ID, REGION

ON_SUCCESS = "on_success"
ON_FAILURE = "on_failure"
DEAD_LETTER_QUEUE = "dead_letter_queue"

DESTINATION_SERVICES = ("sqs", "sns", "lambda", "events", "s3")
DEAD_LETTER_SERVICES = ("sqs", "sns")
ERROR_MESSAGE_MAX_BYTES = 1024
# The ARN pattern of OnSuccess/OnFailure.Destination in the Lambda API reference.
DESTINATION_PATTERN = (r"^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:"
                       r"(\d{12})?:(.*)")
_DESTINATION_RE = re.compile(DESTINATION_PATTERN)
_DETAIL_TYPES = {True: "Lambda Function Invocation Result - Success",
                 False: "Lambda Function Invocation Result - Failure"}
# Where a delivery went.
LOCAL_AWS = "local-aws"
MEMORY = "memory"
LAMBDA = "lambda"


@dataclass(frozen=True)
class Ending:
    """How an asynchronous event ended: what its records and messages are made of."""

    request_id: str
    function: str
    executed_version: str     # the version of the last attempt (the one it resolves to if none ran)
    condition: str            # Success, RetriesExhausted or EventAgeExceeded
    invocations: int          # attempts that ran: approximateInvokeCount
    request_payload: bytes    # the event
    response: object          # the last attempt's InvocationResult, None if no attempt ran
    at_ms: float
    refusal: object = None    # the LambdaError that ended it unrun (loop detection), if one did


@dataclass(frozen=True)
class Delivery:
    """One message sent to a DLQ or destination when an asynchronous event ended."""

    kind: str                 # ON_SUCCESS, ON_FAILURE or DEAD_LETTER_QUEUE
    target_arn: str
    service: str              # sqs, sns, lambda, events or s3
    request_id: str           # the event's request id
    function: str
    condition: str            # Success, RetriesExhausted or EventAgeExceeded
    body: str                 # what the target received: the record, the event, or an EventBridge event
    attributes: tuple = ()    # (name, data type, value) message attributes (the DLQ's)
    at_ms: float = 0.0
    where: str = MEMORY       # LOCAL_AWS, MEMORY or LAMBDA (an asynchronous invocation)
    key: str | None = None    # the S3 object key, or the Lambda destination's request id
    error: str | None = None  # why the target refused it (AWS counts DestinationDeliveryFailures)

    @property
    def message(self):
        """The body parsed as JSON."""
        return json.loads(self.body)

    @property
    def message_attributes(self):
        return {name: value for name, _, value in self.attributes}


# ------------------------------------------------------------------ configuration
def parse_arn(arn):
    """(service, resource) of an ARN in this account and Region; S3 buckets have neither."""
    parts = arn.split(":", 5) if isinstance(arn, str) else []
    if len(parts) != 6 or parts[0] != "arn" or not parts[1].startswith("aws"):
        return None, None
    service, region, account, resource = parts[2], parts[3], parts[4], parts[5]
    if service == "s3":
        return ("s3", resource) if not region and not account and resource else (None, None)
    if region != REGION or account != ACCOUNT_ID:
        return None, None
    return service, resource


def check_destination(arn, member, function_name, *, on_success):
    """Validate OnSuccess/OnFailure.Destination as PutFunctionEventInvokeConfig does."""
    if arn in (None, ""):
        return None
    if not isinstance(arn, str) or not _DESTINATION_RE.match(arn) or len(arn) > 350:
        raise validation_error(arn, member, f"Member must satisfy regular expression pattern: {DESTINATION_PATTERN}")
    service, resource = parse_arn(arn)
    # AWS's wording for these refusals is not documented; these name the rule broken.
    if service not in DESTINATION_SERVICES:
        raise InvalidParameterValueException(
            f"The destination ARN {arn} is invalid: a destination is an SQS queue, an SNS topic, a "
            "Lambda function, an EventBridge event bus or (on failure only) an S3 bucket.")
    if service == "s3" and on_success:
        raise InvalidParameterValueException("S3 buckets are supported only for on-failure destinations.")
    if service == "lambda" and resource.split(":")[1:2] == [function_name]:
        raise InvalidParameterValueException("You can't specify the function as a destination for itself.")
    return arn


def check_dead_letter_target(arn):
    """DeadLetterConfig.TargetArn: an SQS queue or SNS topic, or "" to remove it."""
    if arn in (None, ""):
        return None
    service, _ = parse_arn(arn)
    if service not in DEAD_LETTER_SERVICES:
        raise InvalidParameterValueException(
            f"The provided target arn {arn} is invalid: a dead-letter queue is an SQS queue or an SNS topic.")
    return arn


# ----------------------------------------------------------------------- records
def invocation_record(ending):
    """The JSON document a destination receives (AWS's "invocation record")."""
    record = {
        "version": "1.0",
        "timestamp": iso_ms(ending.at_ms),
        "requestContext": {
            "requestId": ending.request_id,
            "functionArn": function_arn(ending.function, ending.executed_version),
            "condition": ending.condition,
            "approximateInvokeCount": ending.invocations,
        },
        "requestPayload": _json(ending.request_payload),
    }
    if ending.response is not None:  # an event that never ran (only throttled) has no response
        response = {"statusCode": 200, "executedVersion": ending.executed_version}
        if ending.response.function_error:
            response["functionError"] = ending.response.function_error
        record["responseContext"] = response
        record["responsePayload"] = _json(ending.response.payload)
    return record


def dead_letter_attributes(ending):
    """The DLQ message's attributes: RequestID, ErrorCode (HTTP status), ErrorMessage."""
    if ending.response is not None:
        status, message = 200, _error_message(ending.response.payload)
    elif ending.refusal is not None:  # loop detection stopped it: its error, as Lambda would answer it
        status, message = ending.refusal.status, ending.refusal.message
    else:  # throttled until it was too old (or throttled with reserved concurrency 0)
        status, message = 429, "Rate Exceeded."
    message = message.encode()[:ERROR_MESSAGE_MAX_BYTES].decode("utf-8", "ignore")
    return (("RequestID", "String", ending.request_id), ("ErrorCode", "Number", str(status)),
            ("ErrorMessage", "String", message))


def _json(payload):
    if not payload:
        return None
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", "replace")


def _error_message(payload):
    parsed = _json(payload)
    return str(parsed.get("errorMessage", "")) if isinstance(parsed, dict) else ""


# ---------------------------------------------------------------------- delivery
def deliver_ending(runtime, ending, on_success, on_failure, dead_letter_target):
    """Send an ended event where its configuration says; return the Deliveries made."""
    deliveries = []
    if ending.condition == SUCCESS:
        if on_success:
            deliveries.append(_deliver_record(runtime, ending, ON_SUCCESS, on_success))
        return deliveries
    if on_failure:
        deliveries.append(_deliver_record(runtime, ending, ON_FAILURE, on_failure))
    if dead_letter_target:
        deliveries.append(_deliver_dead_letter(runtime, ending, dead_letter_target))
    return deliveries


def _deliver_record(runtime, ending, kind, arn):
    record = invocation_record(ending)
    body = json.dumps(record)
    service, resource = parse_arn(arn)
    base = dict(kind=kind, target_arn=arn, service=service, request_id=ending.request_id,
                function=ending.function, condition=ending.condition, at_ms=ending.at_ms)
    if service == "lambda":
        return _invoke_destination(runtime, base, body, resource, record)
    if service == "events":
        event = {"version": "0",
                 "id": derived_uuid("destination", ending.request_id, arn, ending.at_ms),
                 "detail-type": _DETAIL_TYPES[ending.condition == SUCCESS], "source": "aws.lambda",
                 "account": ACCOUNT_ID, "time": iso_seconds(int(ending.at_ms)), "region": REGION,
                 "resources": [function_arn(ending.function, ending.executed_version), arn],
                 "detail": record}
        return Delivery(**base, body=json.dumps(event), where=MEMORY)
    if service == "s3":
        key = _s3_key(runtime, ending)
        return _to_local_aws(runtime, Delivery(**base, body=body, key=key),
                             lambda aws: aws.client("s3").put_object(Bucket=resource, Key=key, Body=body.encode()))
    return _to_queue_or_topic(runtime, Delivery(**base, body=body), ())


def _deliver_dead_letter(runtime, ending, arn):
    service, _ = parse_arn(arn)
    body = ending.request_payload.decode("utf-8", "replace")
    attributes = dead_letter_attributes(ending)
    delivery = Delivery(DEAD_LETTER_QUEUE, arn, service, ending.request_id, ending.function, ending.condition,
                        body, attributes, ending.at_ms)
    return _to_queue_or_topic(runtime, delivery, attributes)


def _to_queue_or_topic(runtime, delivery, attributes):
    message_attributes = {name: {"DataType": kind, "StringValue": value} for name, kind, value in attributes}
    name = delivery.target_arn.rsplit(":", 1)[1]
    if delivery.service == "sqs":
        def send(aws):
            sqs = aws.client("sqs")
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=delivery.body, MessageAttributes=message_attributes)
    else:
        def send(aws):
            aws.client("sns").publish(TopicArn=delivery.target_arn, Message=delivery.body,
                                      MessageAttributes=message_attributes)
    return _to_local_aws(runtime, delivery, send)


def _to_local_aws(runtime, delivery, send):
    aws = runtime.local_aws_if_running()
    if aws is None:
        return delivery
    try:
        send(aws)
    except Exception as error:  # a queue, topic or bucket that does not exist: AWS drops the message
        return replace(delivery, where=LOCAL_AWS, error=str(error))
    return replace(delivery, where=LOCAL_AWS)


def _invoke_destination(runtime, base, body, resource, record):
    name, _, qualifier = resource.removeprefix("function:").partition(":")
    try:
        accepted = runtime.invoke(name, record, invocation_type="Event", qualifier=qualifier or None)
    except LambdaError as error:
        return Delivery(**base, body=body, where=LAMBDA, error=str(error))
    return Delivery(**base, body=body, where=LAMBDA, key=accepted.request_id)


def _s3_key(runtime, ending):
    stamp = iso_ms(ending.at_ms)
    day, moment = stamp[:10].replace("-", "/"), stamp[:19].replace(":", ".")
    random = runtime.clock.random()
    unique = uuid.UUID(int=random.getrandbits(128), version=4) if runtime.clock.virtual else uuid.uuid4()
    return f"aws/lambda/async/{ending.function}/{day}/{moment}-{unique}"
