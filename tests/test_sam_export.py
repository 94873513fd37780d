"""SAM export: a function with its layers, event source mappings, schedules, S3 trigger, API
routes and alias becomes a template that AWS's own tools accept (cfn-lint, and the SAM
translator that `sam deploy` runs), plus the code directories it points to."""

import json
import os

import pytest
import yaml
from cfnlint.api import ManualArgs, lint
from samtranslator.translator.transform import transform
from samtranslator.public.exceptions import InvalidDocumentException

from lambdakit.export import export_sam
from lambdakit.runtime.package import zip_source

HANDLER = "import helper\ndef lambda_handler(event, context):\n    return helper.VALUE\n"


class _ManagedPolicies:
    """The managed policies SAM attaches to the roles it makes (it would ask IAM for these)."""

    def load(self):
        return {name: f"arn:aws:iam::aws:policy/service-role/{name}" for name in (
            "AWSLambdaBasicExecutionRole", "AWSLambdaSQSQueueExecutionRole", "AWSLambdaKinesisExecutionRole",
            "AWSLambdaDynamoDBExecutionRole")}


def translate(template):
    """What `sam deploy` sends CloudFormation: first `sam package` uploads the local code
    directories and puts their S3 locations in the template, then the SAM transform
    (aws-sam-translator) expands it."""
    packaged = json.loads(json.dumps(template))
    for resource in packaged["Resources"].values():
        for member in ("CodeUri", "ContentUri"):
            if member in resource.get("Properties", {}):
                resource["Properties"][member] = f"s3://deploy-bucket/{resource['Properties'][member].strip('/')}.zip"
    return transform(packaged, {}, _ManagedPolicies())


def errors_of(path):
    with open(path) as f:
        text = f.read()
    return [str(m) for m in lint(text, config=ManualArgs(regions=["us-east-1"]))]


@pytest.fixture
def app(virtual, tmp_path):
    layer = virtual.publish_layer_version("helpers", zip_source({"python/helper.py": "VALUE = 42\n"}),
                                          compatible_runtimes=["python3.12"], description="shared helpers")
    virtual.create_function("order-worker", HANDLER, memory=256, timeout=30, env={"STAGE": "dev"},
                            layers=[layer["LayerVersionArn"]], description="processes orders")
    virtual.publish_version("order-worker")
    virtual.create_alias("order-worker", "live", "1")
    virtual.put_function_concurrency("order-worker", 5)
    aws = virtual.local_aws()
    sqs = aws.client("sqs")
    sqs.create_queue(QueueName="orders")
    sqs.create_queue(QueueName="order-failures")
    virtual.create_event_source_mapping("order-worker", "arn:aws:sqs:us-east-1:123456789012:orders", batch_size=20,
                                        maximum_batching_window_in_seconds=5,
                                        function_response_types=["ReportBatchItemFailures"],
                                        scaling_config={"MaximumConcurrency": 10})
    stream = virtual.kinesis_stream("clicks")
    virtual.create_event_source_mapping(
        "order-worker", stream.arn, starting_position="TRIM_HORIZON", bisect_batch_on_function_error=True,
        maximum_retry_attempts=3,
        destination_config={"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:123456789012:order-failures"}})
    virtual.schedule("cron(0 12 * * ? *)", "order-worker", rule="noon-report")
    aws.client("s3").create_bucket(Bucket="order-uploads")
    virtual.add_permission("order-worker", "s3-uploads", "lambda:InvokeFunction", "s3.amazonaws.com",
                           source_arn="arn:aws:s3:::order-uploads", source_account="123456789012")
    aws.add_s3_trigger("order-uploads", "order-worker", prefix="incoming/", suffix=".csv")
    virtual.api_gateway({"POST /orders": "order-worker"})
    out = tmp_path / "app"
    return virtual, out, export_sam(virtual, "order-worker", str(out))


def test_exported_template_is_valid_sam(app):
    _, out, template = app
    with open(out / "template.yaml") as f:
        assert yaml.safe_load(f) == template
    assert errors_of(out / "template.yaml") == []
    translated = translate(template)
    types = sorted({r["Type"] for r in translated["Resources"].values()})
    assert {"AWS::Lambda::Function", "AWS::Lambda::EventSourceMapping", "AWS::Lambda::LayerVersion",
            "AWS::Events::Rule", "AWS::Lambda::Alias", "AWS::S3::Bucket",
            "AWS::ApiGateway::RestApi"} <= set(types)
    function = next(r for r in translated["Resources"].values() if r["Type"] == "AWS::Lambda::Function")
    assert (function["Properties"]["MemorySize"], function["Properties"]["Timeout"],
            function["Properties"]["Environment"]) == (256, 30, {"Variables": {"STAGE": "dev"}})
    assert function["Properties"]["ReservedConcurrentExecutions"] == 5


def test_exported_triggers_and_code(app):
    _, out, template = app
    function = template["Resources"]["OrderWorkerFunction"]
    events = function["Properties"]["Events"]
    by_type = {}
    for event in events.values():
        by_type.setdefault(event["Type"], []).append(event["Properties"])
    assert by_type["SQS"] == [{"Queue": {"Fn::Sub": "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:orders"},
                               "BatchSize": 20,
                               "MaximumBatchingWindowInSeconds": 5,
                               "FunctionResponseTypes": ["ReportBatchItemFailures"],
                               "ScalingConfig": {"MaximumConcurrency": 10}, "Enabled": True}]
    kinesis, = by_type["Kinesis"]
    assert (kinesis["StartingPosition"], kinesis["BisectBatchOnFunctionError"], kinesis["MaximumRetryAttempts"],
            kinesis["DestinationConfig"]) == ("TRIM_HORIZON", True, 3, {"OnFailure": {
                "Destination": {"Fn::Sub": "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:order-failures"},
                "Type": "SQS"}})
    assert kinesis["Stream"] == {"Fn::Sub": "arn:aws:kinesis:${AWS::Region}:${AWS::AccountId}:stream/clicks"}
    assert "123456789012" not in json.dumps(template)
    assert by_type["Schedule"] == [{"Schedule": "cron(0 12 * * ? *)", "Name": "noon-report", "Enabled": True}]
    assert by_type["S3"] == [{"Bucket": {"Ref": "OrderUploadsBucket"}, "Events": "s3:ObjectCreated:*",
                              "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "incoming/"},
                                                             {"Name": "suffix", "Value": ".csv"}]}}}]
    assert by_type["Api"] == [{"Path": "/orders", "Method": "post"}]
    assert function["Properties"]["AutoPublishAlias"] == "live"
    assert function["Properties"]["Layers"] == [{"Ref": "HelpersLayer"}]
    assert os.path.isfile(out / "order-worker" / "lambda_function.py")
    assert os.path.isfile(out / "layers" / "helpers" / "python" / "helper.py")


def test_an_invalid_template_is_caught_by_the_same_tools(app):
    _, out, template = app
    broken = json.loads(json.dumps(template))
    broken["Resources"]["OrderWorkerFunction"]["Properties"]["Events"]["ScheduleEvent1"]["Type"] = "Cron"
    with pytest.raises(InvalidDocumentException):
        translate(broken)
    path = out / "broken.yaml"
    broken["Resources"]["OrderWorkerFunction"]["Properties"]["MemorySize"] = "lots"
    path.write_text(yaml.safe_dump(broken))
    assert errors_of(path)


STORE = """
import os
import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE"])
s3 = boto3.client("s3")

def lambda_handler(event, context):
    body = s3.get_object(Bucket="order-uploads", Key=event["key"])["Body"].read()
    TABLE.put_item(Item={"Id": event["key"], "Size": len(body)})
"""


def test_the_aws_calls_of_the_code_get_sam_policies_that_the_translator_expands(virtual, tmp_path):
    aws = virtual.local_aws()
    aws.client("s3").create_bucket(Bucket="order-uploads")
    aws.client("s3").create_bucket(Bucket="unrelated")
    aws.client("dynamodb").create_table(TableName="orders", KeySchema=[{"AttributeName": "Id", "KeyType": "HASH"}],
                                        AttributeDefinitions=[{"AttributeName": "Id", "AttributeType": "S"}],
                                        BillingMode="PAY_PER_REQUEST")
    virtual.create_function("store", STORE, env={"TABLE": "orders"})
    template = export_sam(virtual, "store", str(tmp_path / "app"))
    assert template["Resources"]["StoreFunction"]["Properties"]["Policies"] == [
        {"DynamoDBCrudPolicy": {"TableName": "orders"}}, {"S3CrudPolicy": {"BucketName": "order-uploads"}}]
    assert errors_of(tmp_path / "app" / "template.yaml") == []
    role = next(r for r in translate(template)["Resources"].values() if r["Type"] == "AWS::IAM::Role")
    statements = [s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]
    actions = {a for s in statements for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    assert {"dynamodb:PutItem", "s3:GetObject"} <= actions
