"""Lambda event payloads in AWS's exact shapes, generated deterministically.

Generators are plain functions returning JSON-ready dicts; ids and times derive from
their arguments (pass `now`, epoch milliseconds or a datetime, to move the clock). The
`*_from_request` builders and the `response_from_*_payload` mappers are the two halves
of a local HTTP front door: request to event, function payload to HTTP response.
"""

from .alb import alb_event, alb_event_from_request
from .apigateway import (
    http_api_event, rest_api_event, v1_event_from_request, v2_event_from_request)
from .cloudwatch_logs import cloudwatch_logs_event, decode_cloudwatch_logs
from .dynamodb import VIEW_TYPES, dynamodb_stream_event
from .dynamodb_json import item_size, to_attribute_value, to_item
from .eventbridge import custom_event, scheduled_event
from .function_url import function_url_event, function_url_event_from_request
from .http_request import HttpRequest
from .kinesis import kinesis_event
from .proxy_responses import (
    HttpResponse, response_from_v1_payload, response_from_v2_payload, v1_error_response,
    v2_error_response)
from .registry import EventType, UnknownEventType, generate, list_events
from .s3 import encode_s3_key, s3_delete_event, s3_put_event
from .sns import sns_event
from .sqs import md5_of_message_attributes, sqs_event

__all__ = [
    "EventType", "HttpRequest", "HttpResponse", "UnknownEventType", "VIEW_TYPES",
    "alb_event", "alb_event_from_request", "cloudwatch_logs_event", "custom_event",
    "decode_cloudwatch_logs", "dynamodb_stream_event", "encode_s3_key",
    "function_url_event", "function_url_event_from_request", "generate", "http_api_event",
    "item_size", "kinesis_event", "list_events", "md5_of_message_attributes",
    "response_from_v1_payload", "response_from_v2_payload", "rest_api_event",
    "s3_delete_event", "s3_put_event", "scheduled_event", "sns_event", "sqs_event",
    "to_attribute_value", "to_item", "v1_error_response", "v1_event_from_request",
    "v2_error_response", "v2_event_from_request",
]
