"""lambdakit.events: generated events against AWS's shapes, and the HTTP mappers.

Two oracles, as the peers survey suggests: every event must validate against the matching
Powertools for AWS Lambda parser model, and must carry the same key set as a real sample
payload (tests/fixtures/events, sources in SOURCES.md).
"""

import base64
import gzip
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Callable
from urllib.parse import unquote_plus

import boto3
import pytest
from aws_lambda_powertools.utilities.data_classes import (
    APIGatewayProxyEventV2, CloudWatchLogsEvent, DynamoDBStreamEvent, KinesisStreamEvent,
    S3Event, SQSEvent)
from aws_lambda_powertools.utilities.parser import models
from boto3.dynamodb.types import TypeSerializer
from moto import mock_aws

from lambdakit import events
from lambdakit.events import (
    HttpRequest, alb_event, cloudwatch_logs_event, custom_event, decode_cloudwatch_logs,
    dynamodb_stream_event, encode_s3_key, function_url_event, function_url_event_from_request,
    generate, http_api_event, item_size, kinesis_event, list_events, md5_of_message_attributes,
    response_from_v1_payload, response_from_v2_payload, rest_api_event, s3_delete_event,
    s3_put_event, scheduled_event, sns_event, sqs_event, to_attribute_value, to_item,
    v1_event_from_request, v2_event_from_request)
from lambdakit.events.timestamps import iso_ms, request_time

FIXTURES = Path(__file__).parent / "fixtures" / "events"

# Maps whose keys are the caller's data (header names, item attributes): their contents
# are not part of the shape.
OPAQUE = {"headers", "multiValueHeaders", "queryStringParameters",
          "multiValueQueryStringParameters", "pathParameters", "stageVariables", "detail",
          "Keys", "NewImage", "OldImage", "claims"}
# Maps keyed by the caller's names whose values have a fixed shape.
NAMED_BY_CALLER = {"messageAttributes", "MessageAttributes"}


def fixture(name):
    return json.loads((FIXTURES / name).read_text())


def key_paths(value, prefix=""):
    """Every key's dotted path; list items share one '[]' path, caller-named keys '*'."""
    paths = set()
    if isinstance(value, dict):
        for key, child in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths.add(path)
            if key in NAMED_BY_CALLER:
                for inner in child.values():
                    paths |= key_paths(inner, f"{path}.*")
            elif key not in OPAQUE:
                paths |= key_paths(child, path)
    elif isinstance(value, list):
        for item in value:
            paths |= key_paths(item, f"{prefix}[]")
    return paths


def without(paths, excluded):
    return {p for p in paths if not any(p == e or p.startswith(e + ".") for e in excluded)}


def first_record(event):
    return {"Records": event["Records"][:1]}


def second_record(event):
    return {"Records": event["Records"][1:2]}


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[], dict]
    fixture: str
    model: type | None
    # Keys of the real sample that belong to features the generated event does not use.
    absent: tuple[str, ...] = ()
    part: Callable[[dict], dict] = lambda event: event


CASES = [
    Case("rest-api",
         lambda: rest_api_event(
             "GET", "/my/path", query="parameter1=value1&parameter1=value2&parameter2=value",
             body="Hello from Lambda!", authorizer={"claims": None, "scopes": None}),
         "powertools/apiGatewayProxyEvent.json", models.APIGatewayProxyEventModel,
         # 'version' is sent by HTTP APIs using payload 1.0, not by REST APIs; clientCert
         # only with mutual TLS.
         absent=("version", "requestContext.identity.clientCert")),
    Case("http-api",
         lambda: http_api_event(
             "POST", "/my/path", query="parameter1=value1&parameter1=value2&parameter2=value",
             headers={"Cookie": "cookie1; cookie2"}, body='{"message": "hello world"}',
             path_parameters={"parameter1": "value1"},
             stage_variables={"stageVariable1": "value1"},
             authorizer={"jwt": {"claims": {"sub": "user-1"}, "scopes": ["read"]}}),
         "powertools/apiGatewayProxyV2Event.json", models.APIGatewayProxyEventV2Model,
         absent=("requestContext.authentication",)),  # mutual TLS only
    Case("function-url", lambda: function_url_event("GET", "/"),
         "powertools/lambdaFunctionUrlEvent.json", models.LambdaFunctionUrlModel),
    Case("alb", lambda: alb_event("GET", "/", query="key=hello"),
         "aws-lambda-go/alb-lambda-target-request-headers-only.json", models.AlbModel),
    # Powertools' AlbModel describes single-value events only.
    Case("alb-multi-value", lambda: alb_event("GET", "/todos", multi_value_headers=True),
         "powertools/albMultiValueHeadersEvent.json", None),
    Case("s3-put", lambda: s3_put_event(), "powertools/s3Event.json", models.S3Model),
    Case("s3-delete", lambda: s3_delete_event(), "powertools/s3EventDeleteObject.json",
         models.S3Model),
    # The first record of the sample has hand-made attributes; the second is plain.
    Case("sqs", lambda: sqs_event(["Test message.", {"message": "foo1"}]),
         "powertools/sqsEvent.json", models.SqsModel, part=second_record),
    Case("sqs-fifo", lambda: sqs_event(["hello"], queue="Test.fifo"),
         "powertools/snsSqsFifoEvent.json", models.SqsModel),
    Case("sqs-attributes",
         lambda: sqs_event(["Message Body"], message_attributes={
             "Attribute1": "AttributeValue1", "Attribute2": 123, "Attribute3": b"1100"}),
         "aws-lambda-go/sqs-event.json", models.SqsModel),
    Case("sns",
         lambda: sns_event(subject="TestInvoke",
                           message_attributes={"Test": "TestString", "TestBinary": b"\x00\x01"}),
         "powertools/snsEvent.json", models.SnsModel),
    Case("eventbridge-custom", lambda: custom_event(), "powertools/eventBridgeEvent.json",
         models.EventBridgeModel, absent=("replay-name",)),  # archive replays only
    Case("eventbridge-scheduled", lambda: scheduled_event(), "powertools/eventBridgeEvent.json",
         models.EventBridgeModel, absent=("replay-name",)),
    Case("dynamodb", lambda: dynamodb_stream_event(), "powertools/dynamoStreamEvent.json",
         models.DynamoDBStreamModel, part=first_record),
    Case("kinesis", lambda: kinesis_event(), "powertools/kinesisStreamEventOneRecord.json",
         models.KinesisDataStreamModel),
    Case("cloudwatch-logs", lambda: cloudwatch_logs_event(policy_level="ACCOUNT_LEVEL_POLICY"),
         "powertools/cloudWatchLogEventWithPolicyLevel.json", models.CloudWatchLogsModel),
]


MODELLED = [case for case in CASES if case.model is not None]


@pytest.mark.parametrize("case", MODELLED, ids=lambda c: c.name)
def test_generated_event_validates_against_powertools_model(case):
    case.model.model_validate(case.build())


@pytest.mark.parametrize("case", MODELLED, ids=lambda c: c.name)
def test_real_sample_validates_against_the_same_model(case):
    case.model.model_validate(fixture(case.fixture))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_generated_event_has_the_key_set_of_a_real_sample(case):
    generated = case.part(case.build())
    real = case.part(fixture(case.fixture))
    assert key_paths(generated) == without(key_paths(real), case.absent)


def test_cloudwatch_logs_payload_has_the_key_set_of_a_real_sample():
    generated = cloudwatch_logs_event(policy_level="ACCOUNT_LEVEL_POLICY")
    real = fixture("powertools/cloudWatchLogEventWithPolicyLevel.json")
    assert key_paths(decode_cloudwatch_logs(generated)) == key_paths(decode_cloudwatch_logs(real))


# --- the registry -------------------------------------------------------------------

REGISTRY_MODELS = {
    ("alb", "request"): models.AlbModel,
    ("apigateway", "aws-proxy"): models.APIGatewayProxyEventModel,
    ("apigateway", "http-api-proxy"): models.APIGatewayProxyEventV2Model,
    ("cloudwatch", "logs"): models.CloudWatchLogsModel,
    ("dynamodb", "update"): models.DynamoDBStreamModel,
    ("eventbridge", "custom-event"): models.EventBridgeModel,
    ("eventbridge", "scheduled-event"): models.EventBridgeModel,
    ("kinesis", "get-records"): models.KinesisDataStreamModel,
    ("lambda", "function-url"): models.LambdaFunctionUrlModel,
    ("s3", "delete"): models.S3Model,
    ("s3", "put"): models.S3Model,
    ("sns", "notification"): models.SnsModel,
    ("sqs", "receive-message"): models.SqsModel,
}


def test_registry_lists_every_event_type_once_in_order():
    names = [(e.service, e.kind) for e in list_events()]
    assert names == sorted(REGISTRY_MODELS)


@pytest.mark.parametrize("service, kind", sorted(REGISTRY_MODELS), ids=" ".join)
def test_registry_event_is_valid_json_and_deterministic(service, kind):
    event = generate(service, kind)
    REGISTRY_MODELS[service, kind].model_validate(event)
    assert json.loads(json.dumps(event)) == event
    assert generate(service, kind) == event
    assert generate(service, kind, now=1_800_000_000_000) != event


def test_registry_passes_parameters_to_the_generator():
    event = generate("sqs", "receive-message", bodies=["a", "b", "c"], queue="orders")
    assert [r["body"] for r in event["Records"]] == ["a", "b", "c"]
    assert event["Records"][0]["eventSourceARN"] == "arn:aws:sqs:us-east-1:123456789012:orders"


def test_registry_rejects_an_unknown_event_naming_the_known_ones():
    with pytest.raises(events.UnknownEventType, match="sqs receive-message"):
        generate("sqs", "send-message")


# --- times and ids --------------------------------------------------------------------

def test_api_gateway_times_match_awss_formats():
    # The pair in AWS's payload 1.0 sample: requestTime and requestTimeEpoch agree.
    assert request_time(1583349317135) == "04/Mar/2020:19:15:17 +0000"
    assert iso_ms(1583349317135) == "2020-03-04T19:15:17.135Z"
    event = rest_api_event(now=1583349317135)
    assert event["requestContext"]["requestTime"] == "04/Mar/2020:19:15:17 +0000"
    assert event["requestContext"]["requestTimeEpoch"] == 1583349317135


def test_now_accepts_a_datetime_or_iso_text_and_defaults_to_the_virtual_epoch():
    assert scheduled_event()["time"] == "2026-01-01T00:00:00Z"
    assert scheduled_event(now="2025-06-30T12:34:56Z")["time"] == "2025-06-30T12:34:56Z"


def test_sequence_numbers_grow_with_order_and_time():
    sequences = [int(r["kinesis"]["sequenceNumber"])
                 for r in kinesis_event(["a", "b", "c"])["Records"]]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3
    assert all(len(str(s)) == 56 for s in sequences)
    later = int(kinesis_event(["a"], now=1_900_000_000_000)["Records"][0]["kinesis"]["sequenceNumber"])
    assert later > sequences[-1]


# --- S3 key encoding ---------------------------------------------------------------------

@pytest.mark.parametrize("key, encoded", [
    ("photo 1.jpg", "photo+1.jpg"),
    ("uploads/2026/a b.txt", "uploads/2026/a+b.txt"),
    ("my photo (1)+final.jpg", "my+photo+%281%29%2Bfinal.jpg"),
    ("café/naïve.png", "caf%C3%A9/na%C3%AFve.png"),
    ("a=b&c", "a%3Db%26c"),
])
def test_s3_keys_arrive_url_encoded_as_s3_writes_them(key, encoded):
    assert encode_s3_key(key) == encoded
    event = s3_put_event(key=key)
    assert event["Records"][0]["s3"]["object"]["key"] == encoded
    assert unquote_plus(event["Records"][0]["s3"]["object"]["key"]) == key
    assert S3Event(event).object_key == key  # how Powertools decodes it


def test_s3_put_with_a_body_reports_its_size_and_md5_etag():
    obj = s3_put_event(body=b"hello")["Records"][0]["s3"]["object"]
    assert obj["size"] == 5
    assert obj["eTag"] == "5d41402abc4b2a76b9719d911017c592"


def test_s3_delete_has_no_size_or_etag_and_version_appears_only_when_given():
    obj = s3_delete_event(version_id="v1")["Records"][0]["s3"]["object"]
    assert set(obj) == {"key", "sequencer", "versionId"}
    assert "versionId" not in s3_put_event()["Records"][0]["s3"]["object"]
    assert s3_delete_event()["Records"][0]["eventName"] == "ObjectRemoved:Delete"


# --- SQS and SNS ---------------------------------------------------------------------------

def test_sqs_batch_has_one_record_per_body_with_json_for_non_strings():
    event = sqs_event(["plain", {"order": 7}])
    bodies = [record.body for record in SQSEvent(event).records]
    assert bodies == ["plain", '{"order": 7}']
    record = event["Records"][0]
    assert record["md5OfBody"] == "ac7938d40cfc2307e2bf325d28e7884e"  # md5("plain")
    assert "md5OfMessageAttributes" not in record
    assert "SequenceNumber" not in record["attributes"]


def test_sqs_fifo_queue_records_carry_group_dedup_and_growing_sequence_numbers():
    records = sqs_event(["one", "two"], queue="orders.fifo", message_group_id="g1")["Records"]
    assert [r["attributes"]["MessageGroupId"] for r in records] == ["g1", "g1"]
    assert records[0]["attributes"]["MessageDeduplicationId"] == (
        "7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed")  # sha256("one")
    first, second = (int(r["attributes"]["SequenceNumber"]) for r in records)
    assert second > first and len(str(first)) == 20


def test_sqs_message_attribute_digest_matches_the_sqs_api():
    attributes = {"Author": "Ana", "Pages": 320, "Cover": b"\x89PNG"}
    record = sqs_event(["book"], message_attributes=attributes)["Records"][0]
    assert record["messageAttributes"]["Cover"]["binaryValue"] == "iVBORw=="
    assert base64.b64decode(record["messageAttributes"]["Cover"]["binaryValue"]) == b"\x89PNG"
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="books")["QueueUrl"]
        sent = sqs.send_message(QueueUrl=url, MessageBody="book", MessageAttributes={
            "Author": {"DataType": "String", "StringValue": "Ana"},
            "Pages": {"DataType": "Number", "StringValue": "320"},
            "Cover": {"DataType": "Binary", "BinaryValue": b"\x89PNG"}})
    assert record["md5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert record["md5OfBody"] == sent["MD5OfMessageBody"]
    assert md5_of_message_attributes(record["messageAttributes"]) == sent["MD5OfMessageAttributes"]


def test_sns_attributes_are_typed_and_subject_defaults_to_null():
    sns = sns_event({"id": 1}, message_attributes={"n": 2, "s": "x", "b": b"\xff"})["Records"][0]["Sns"]
    assert sns["Message"] == '{"id": 1}'
    assert sns["Subject"] is None
    assert sns["MessageAttributes"] == {"n": {"Type": "Number", "Value": "2"},
                                        "s": {"Type": "String", "Value": "x"},
                                        "b": {"Type": "Binary", "Value": "/w=="}}


# --- DynamoDB JSON and streams -------------------------------------------------------------

def test_python_values_become_typed_dynamodb_json():
    item = {"s": "text", "i": 7, "f": 1.5, "d": Decimal("0.10"), "t": True, "none": None,
            "b": b"\x00\x01", "l": [1, "a"], "m": {"k": False}, "ss": {"b", "a"},
            "ns": {3, 1}, "bs": {b"\x02"}}
    assert to_item(item) == {
        "s": {"S": "text"}, "i": {"N": "7"}, "f": {"N": "1.5"}, "d": {"N": "0.10"},
        "t": {"BOOL": True}, "none": {"NULL": True}, "b": {"B": "AAE="},
        "l": {"L": [{"N": "1"}, {"S": "a"}]}, "m": {"M": {"k": {"BOOL": False}}},
        "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "3"]}, "bs": {"BS": ["Ag=="]}}


def test_dynamodb_json_agrees_with_boto3_apart_from_base64_binary():
    value = {"n": Decimal("12.5"), "flag": False, "tags": {"x", "y"}, "nested": [{"a": None}]}
    ours = to_attribute_value(value)
    assert ours["M"]["tags"]["SS"] == sorted(TypeSerializer().serialize(value)["M"]["tags"]["SS"])
    ours["M"]["tags"]["SS"] = sorted(ours["M"]["tags"]["SS"])
    theirs = TypeSerializer().serialize(value)
    theirs["M"]["tags"]["SS"] = sorted(theirs["M"]["tags"]["SS"])
    assert ours == theirs


def test_dynamodb_json_refuses_what_dynamodb_cannot_store():
    with pytest.raises(ValueError):
        to_attribute_value(set())
    with pytest.raises(TypeError):
        to_attribute_value({1, "a"})
    with pytest.raises(ValueError):
        to_attribute_value(float("nan"))


def test_stream_records_are_insert_modify_remove_with_awss_size_bytes():
    records = dynamodb_stream_event()["Records"]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    # AWS's sample stream (the Powertools fixture) gives 26 and 59 bytes for these items.
    assert [r["dynamodb"]["SizeBytes"] for r in records] == [26, 59, 38]
    stream = DynamoDBStreamEvent(dynamodb_stream_event())
    first = next(iter(stream.records)).dynamodb
    assert first.new_image == {"Id": Decimal(101), "Message": "New item!"}
    assert first.keys == {"Id": Decimal(101)}


def test_item_size_follows_the_developer_guide():
    assert item_size(to_item({"Id": 101})) == 5  # 2 + (2 digit pairs + 1)
    assert item_size(to_item({"tags": ["ab", "c"]})) == 4 + 3 + (1 + 2) + (1 + 1)
    assert item_size(to_item({"ok": True, "n": None})) == 3 + 2


@pytest.mark.parametrize("view_type, images", [
    ("KEYS_ONLY", [set(), set(), set()]),
    ("NEW_IMAGE", [{"NewImage"}, {"NewImage"}, set()]),
    ("OLD_IMAGE", [set(), {"OldImage"}, {"OldImage"}]),
    ("NEW_AND_OLD_IMAGES", [{"NewImage"}, {"NewImage", "OldImage"}, {"OldImage"}]),
])
def test_stream_view_type_decides_which_images_records_carry(view_type, images):
    event = dynamodb_stream_event(view_type=view_type)
    models.DynamoDBStreamModel.model_validate(event)
    for record, expected in zip(event["Records"], images):
        assert set(record["dynamodb"]) & {"NewImage", "OldImage"} == expected
        assert record["dynamodb"]["Keys"] == {"Id": {"N": "101"}}
        assert record["dynamodb"]["StreamViewType"] == view_type


def test_stream_changes_need_their_keys_and_a_known_view_type():
    with pytest.raises(ValueError, match="key"):
        dynamodb_stream_event([(None, {"Message": "no id"})])
    with pytest.raises(ValueError, match="view_type"):
        dynamodb_stream_event(view_type="NEW")


# --- base64 and gzip round trips -------------------------------------------------------------

def test_kinesis_data_round_trips_through_base64():
    event = kinesis_event([b"\x00\xffraw", "text", {"k": 1}], partition_key=["p1", "p2", "p3"])
    data = [base64.b64decode(r["kinesis"]["data"]) for r in event["Records"]]
    assert data == [b"\x00\xffraw", b"text", b'{"k": 1}']
    assert [r.kinesis.partition_key for r in KinesisStreamEvent(event).records] == ["p1", "p2", "p3"]
    assert next(iter(KinesisStreamEvent(event).records)).kinesis.data_as_bytes() == b"\x00\xffraw"


def test_cloudwatch_logs_data_round_trips_through_gzip_and_base64():
    event = cloudwatch_logs_event(["START RequestId: 1", "END RequestId: 1"], now=1_000)
    raw = base64.b64decode(event["awslogs"]["data"])
    assert raw[:2] == b"\x1f\x8b"  # gzip, not bare zlib
    payload = json.loads(gzip.decompress(raw))
    assert [e["message"] for e in payload["logEvents"]] == ["START RequestId: 1", "END RequestId: 1"]
    assert [e["timestamp"] for e in payload["logEvents"]] == [1_000, 1_001]
    assert "policyLevel" not in payload
    parsed = CloudWatchLogsEvent(event).parse_logs_data()
    assert parsed.log_group == "/aws/lambda/my-function"
    assert parsed.log_stream.startswith("1970/01/01/[$LATEST]")


# --- request to event (the local API Gateway's half) ------------------------------------------

def request(**fields):
    return HttpRequest(**{"method": "GET", "path": "/items/42", **fields})


def test_v1_event_keeps_last_values_and_lists_every_value():
    event = v1_event_from_request(
        request(query_string="tag=a&tag=b&q=x%20y&flag",
                headers=[("Accept", "text/plain"), ("X-Multi", "1"), ("X-Multi", "2")]),
        resource="/items/{id}", path_parameters={"id": "42"}, stage="dev")
    assert event["path"] == "/items/42"
    assert event["resource"] == "/items/{id}"
    assert event["requestContext"]["path"] == "/dev/items/42"
    assert event["requestContext"]["resourcePath"] == "/items/{id}"
    assert event["queryStringParameters"] == {"tag": "b", "q": "x y", "flag": ""}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "q": ["x y"], "flag": [""]}
    assert event["headers"]["X-Multi"] == "2"
    assert event["multiValueHeaders"]["X-Multi"] == ["1", "2"]
    assert event["headers"]["Host"] == "abcdef1234.execute-api.us-east-1.amazonaws.com"
    assert event["pathParameters"] == {"id": "42"}
    assert event["body"] is None and event["isBase64Encoded"] is False


def test_v1_event_without_query_or_stage_variables_has_nulls():
    event = v1_event_from_request(request(), resource="/items/42")
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None and event["stageVariables"] is None


def test_api_gateway_appends_the_source_address_to_x_forwarded_for():
    event = v1_event_from_request(
        request(headers={"X-Forwarded-For": "198.51.100.1"}, source_ip="203.0.113.9"),
        resource="/items/42")
    assert event["headers"]["X-Forwarded-For"] == "198.51.100.1, 203.0.113.9"
    assert event["requestContext"]["identity"]["sourceIp"] == "203.0.113.9"


def test_v1_body_is_base64_only_for_the_apis_binary_media_types():
    png = b"\x89PNG\r\n\x1a\n\x00"
    binary = request(method="POST", headers={"Content-Type": "image/png"}, body=png)
    encoded = v1_event_from_request(binary, resource="/img", binary_media_types=["image/*"])
    assert encoded["isBase64Encoded"] is True
    assert base64.b64decode(encoded["body"]) == png
    as_text = v1_event_from_request(binary, resource="/img")
    assert as_text["isBase64Encoded"] is False
    assert as_text["body"] == png.decode("utf-8", "replace")
    text = request(method="POST", headers={"Content-Type": "application/json"}, body='{"a": 1}')
    assert v1_event_from_request(text, resource="/", binary_media_types=["image/*"])["body"] == '{"a": 1}'


def test_v2_event_lowercases_and_joins_headers_and_moves_cookies():
    event = v2_event_from_request(
        request(query_string="tag=a&tag=b", headers=[
            ("X-Multi", "1"), ("X-Multi", "2"), ("Cookie", "session=abc; theme=dark")]),
        route_key="GET /items/{id}", path_parameters={"id": "42"})
    assert event["headers"]["x-multi"] == "1,2"
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["session=abc", "theme=dark"]
    assert event["queryStringParameters"] == {"tag": "a,b"}
    assert event["rawQueryString"] == "tag=a&tag=b"
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "GET /items/{id}"
    assert event["pathParameters"] == {"id": "42"}
    assert "body" not in event and "stageVariables" not in event
    assert event["isBase64Encoded"] is False


def test_v2_raw_path_carries_a_named_stage_but_not_default():
    assert v2_event_from_request(request())["rawPath"] == "/items/42"
    named = v2_event_from_request(request(), stage="prod")
    assert named["rawPath"] == named["requestContext"]["http"]["path"] == "/prod/items/42"


@pytest.mark.parametrize("content_type, encoded", [
    ("application/json", False), ("text/plain; charset=utf-8", False),
    ("application/xml", False), ("application/octet-stream", True),
    ("application/x-www-form-urlencoded", True), ("image/png", True), (None, True),
])
def test_v2_and_function_url_bodies_are_base64_unless_text(content_type, encoded):
    headers = {"Content-Type": content_type} if content_type else {}
    sent = request(method="POST", headers=headers, body=b"a=1&b=2")
    for event in (v2_event_from_request(sent), function_url_event_from_request(sent)):
        assert event["isBase64Encoded"] is encoded
        body = base64.b64decode(event["body"]) if encoded else event["body"].encode()
        assert body == b"a=1&b=2"
        assert APIGatewayProxyEventV2(event).decoded_body == "a=1&b=2"


def test_function_url_with_iam_auth_names_the_caller():
    anonymous = function_url_event()
    assert anonymous["requestContext"]["accountId"] == "anonymous"
    assert "authorizer" not in anonymous["requestContext"]
    signed = function_url_event(auth_type="AWS_IAM")
    models.LambdaFunctionUrlModel.model_validate(signed)
    assert signed["requestContext"]["authorizer"]["iam"]["accountId"] == "123456789012"
    with pytest.raises(ValueError):
        function_url_event(auth_type="COGNITO")


def test_alb_passes_query_parameters_still_encoded_and_keeps_last_values():
    event = alb_event(query="q=a%20b&q=c", headers={"X-Custom": "1"})
    assert event["queryStringParameters"] == {"q": "c"}
    assert event["headers"]["x-custom"] == "1"
    multi = alb_event(query="q=a%20b&q=c", multi_value_headers=True)
    assert multi["multiValueQueryStringParameters"] == {"q": ["a%20b", "c"]}
    assert "headers" not in multi and "queryStringParameters" not in multi


# --- proxy response to HTTP response (the local API Gateway's other half) ------------------

def payload(value):
    return json.dumps(value).encode()


def test_v1_response_maps_status_headers_and_body():
    response = response_from_v1_payload(payload(
        {"statusCode": 201, "headers": {"X-Id": "7"}, "body": "created"}))
    assert (response.status, response.body) == (201, b"created")
    assert response.header("x-id") == "7"
    assert response.header("Content-Type") == "application/json"  # API Gateway's default
    assert response.integration_error is None


def test_v1_response_merges_multi_value_headers_without_repeating_pairs():
    response = response_from_v1_payload(payload({
        "statusCode": 200,
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "headers": {"Set-Cookie": "a=1", "X-One": "1"}}))
    assert [v for k, v in response.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert response.header("X-One") == "1"


def test_v1_response_without_status_code_is_200():
    response = response_from_v1_payload(payload({"body": "hi"}))
    assert (response.status, response.body) == (200, b"hi")


def test_v1_base64_body_is_decoded_only_for_an_accepted_binary_media_type():
    png = b"\x89PNG\x00"
    result = payload({"statusCode": 200, "headers": {"Content-Type": "image/png"},
                      "body": base64.b64encode(png).decode(), "isBase64Encoded": True})
    decoded = response_from_v1_payload(result, binary_media_types=["image/png"],
                                       accept="image/png, */*")
    assert decoded.body == png
    # Only the first media type of Accept counts.
    second = response_from_v1_payload(result, binary_media_types=["image/png"],
                                      accept="text/html, image/png")
    assert second.body == base64.b64encode(png)
    assert response_from_v1_payload(result).body == base64.b64encode(png)
    broken = payload({"statusCode": 200, "body": "***", "isBase64Encoded": True})
    assert response_from_v1_payload(broken, binary_media_types=["*/*"], accept="*/*").status == 502


@pytest.mark.parametrize("result", [
    b'"Hello"', b"[1, 2]", b"null", b"not json",
    payload({"statusCode": 200, "body": {"a": 1}}),
    payload({"statusCode": 200, "body": "x", "message": "extra key"}),
    payload({"statusCode": "abc"}),
    payload({"statusCode": True}),
    payload({"statusCode": 200, "headers": ["X"]}),
    payload({"statusCode": 200, "headers": {"X": {"nested": 1}}}),
    payload({"statusCode": 200, "isBase64Encoded": "yes"}),
], ids=["string", "list", "null", "not-json", "object-body", "extra-key", "text-status",
        "bool-status", "list-headers", "object-header", "bad-flag"])
def test_malformed_v1_response_is_apis_502_internal_server_error(result):
    response = response_from_v1_payload(result)
    assert response.status == 502
    assert response.body == b'{"message": "Internal server error"}'
    assert json.loads(response.body) == {"message": "Internal server error"}
    assert response.header("x-amzn-ErrorType") == "InternalServerErrorException"
    assert response.integration_error.startswith("Malformed Lambda proxy response")


@pytest.mark.parametrize("value", [
    "Hello, world!", {"message": "Hello, world!"}, [1, 2], 42, True, None])
def test_v2_plain_return_value_becomes_200_json_with_the_payload_as_body(value):
    raw = payload(value)
    response = response_from_v2_payload(raw)
    assert response.status == 200
    assert response.header("content-type") == "application/json"
    assert response.body == raw
    assert json.loads(response.body) == value


def test_v2_plain_return_keeps_the_payload_bytes_as_the_runtime_wrote_them():
    raw = '{"city": "Zürich"}'.encode()
    assert response_from_v2_payload(raw).body == raw


def test_v2_response_with_status_code_maps_cookies_and_base64():
    response = response_from_v2_payload(payload({
        "statusCode": 201, "headers": {"Content-Type": "application/octet-stream"},
        "cookies": ["a=1; Max-Age=60", "b=2"],
        "body": base64.b64encode(b"\x00\x01").decode(), "isBase64Encoded": True}))
    assert response.status == 201
    assert response.body == b"\x00\x01"
    assert [v for k, v in response.headers if k == "Set-Cookie"] == ["a=1; Max-Age=60", "b=2"]
    assert response.header("Content-Type") == "application/octet-stream"


@pytest.mark.parametrize("result", [
    b"not json",
    payload({"statusCode": 200, "body": {"a": 1}}),
    payload({"statusCode": "abc"}),
    payload({"statusCode": 200, "cookies": "a=1"}),
    payload({"statusCode": 200, "isBase64Encoded": True, "body": "***"}),
])
def test_malformed_v2_response_is_http_apis_500(result):
    response = response_from_v2_payload(result)
    assert response.status == 500
    assert json.loads(response.body) == {"message": "Internal Server Error"}


def test_binary_upload_round_trips_through_a_v2_handler():
    """What a local HTTP API does end to end: request -> event -> handler -> response."""
    upload = bytes(range(256))

    def echo_handler(event, context):
        return {"statusCode": 200, "headers": {"Content-Type": "application/octet-stream"},
                "body": event["body"], "isBase64Encoded": event["isBase64Encoded"]}

    event = v2_event_from_request(HttpRequest(
        "PUT", "/blob", headers={"Content-Type": "application/octet-stream"}, body=upload))
    response = response_from_v2_payload(payload(echo_handler(event, None)))
    assert response.body == upload
