"""The catalogue of event generators, by service and kind, for `%lambda event` and the CLI.

Names follow `sam local generate-event` where SAM has the event, so `generate("sqs",
"receive-message")` is what `sam local generate-event sqs receive-message` is.
"""

from dataclasses import dataclass
from typing import Callable

from .alb import alb_event
from .apigateway import http_api_event, rest_api_event
from .cloudwatch_logs import cloudwatch_logs_event
from .dynamodb import dynamodb_stream_event
from .eventbridge import custom_event, scheduled_event
from .function_url import function_url_event
from .kinesis import kinesis_event
from .s3 import s3_delete_event, s3_put_event
from .sns import sns_event
from .sqs import sqs_event


class UnknownEventType(ValueError):
    """No generator has this service and kind."""


@dataclass(frozen=True, slots=True)
class EventType:
    service: str
    kind: str
    summary: str
    generator: Callable[..., dict]


_CATALOGUE = (
    EventType("alb", "request", "ALB request to a Lambda target group", alb_event),
    EventType("apigateway", "aws-proxy", "REST API proxy request (payload 1.0)", rest_api_event),
    EventType("apigateway", "http-api-proxy", "HTTP API request (payload 2.0)", http_api_event),
    EventType("cloudwatch", "logs", "CloudWatch Logs subscription (gzip + base64)",
              cloudwatch_logs_event),
    EventType("dynamodb", "update", "DynamoDB Streams INSERT, MODIFY and REMOVE records",
              dynamodb_stream_event),
    EventType("eventbridge", "custom-event", "EventBridge event from PutEvents", custom_event),
    EventType("eventbridge", "scheduled-event", "EventBridge rule schedule", scheduled_event),
    EventType("kinesis", "get-records", "Kinesis Data Streams records (base64 data)",
              kinesis_event),
    EventType("lambda", "function-url", "Lambda function URL request (payload 2.0)",
              function_url_event),
    EventType("s3", "delete", "S3 ObjectRemoved:Delete notification", s3_delete_event),
    EventType("s3", "put", "S3 ObjectCreated:Put notification", s3_put_event),
    EventType("sns", "notification", "SNS notification", sns_event),
    EventType("sqs", "receive-message", "SQS batch (a '.fifo' queue gets FIFO attributes)",
              sqs_event),
)


def list_events():
    """Every event type, ordered by service and kind."""
    return _CATALOGUE


def generate(service, kind, **params):
    """The event `service` `kind` with `params` passed to its generator."""
    for event_type in _CATALOGUE:
        if (event_type.service, event_type.kind) == (service, kind):
            return event_type.generator(**params)
    known = ", ".join(f"{e.service} {e.kind}" for e in _CATALOGUE)
    raise UnknownEventType(f"No event {service} {kind}. Known events: {known}.")
