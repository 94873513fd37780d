"""A function as an AWS SAM application: template.yaml plus its code, ready for `sam build`
and `sam deploy`.

    export_sam(rt, "worker", "out/")    # out/template.yaml, out/worker/, out/layers/<name>/

What goes in: the function's $LATEST code and configuration (handler, runtime, memory,
timeout, /tmp size, architecture, environment, log format, description, reserved
concurrency), its layers published in this runtime (as AWS::Serverless::LayerVersion with
their content), and the triggers lambdakit knows of: event source mappings (SQS, Kinesis,
DynamoDB events), schedules (Schedule events), S3 notifications in local AWS (S3 events,
with the bucket as a resource of the template, as SAM requires) and local API Gateway
routes (Api events for REST APIs, HttpApi events for HTTP APIs). Aliases: SAM publishes a
version and points one alias at it (AutoPublishAlias); the others are listed in the
function's Metadata, since a template cannot recreate versions published earlier.

Queue, stream and destination ARNs name resources that must exist in the account deployed
to: lambdakit's account and region in them become the stack's own (Fn::Sub). On-failure
destinations carry their Type, so SAM grants the send; the AWS calls the handler's code makes
to buckets, tables, queues and topics of the local AWS services get SAM policy templates
(export/iam.py). Local streams (lambdakit.esm.streams) are not created.
"""

import os
import re
import shutil

import yaml

from ..apigw.gateway import REST, ApiGateway
from ..esm.mapping import DYNAMODB, KINESIS, SQS
from ..scale.schedule import Schedule
from .iam import code_policies, on_failure, portable_arn

TRANSFORM = "AWS::Serverless-2016-10-31"


def export_sam(runtime, function_name, directory):
    """Write `directory`/template.yaml and the code it points to; return the template (a dict)."""
    config = runtime.get_function_configuration(function_name)
    name = config["FunctionName"]
    function_id = _logical_id(name, "Function")
    os.makedirs(directory, exist_ok=True)
    code_dir = os.path.join(directory, name)
    shutil.rmtree(code_dir, ignore_errors=True)
    shutil.copytree(runtime.get_function(name)["Code"]["Location"].removeprefix("file://"), code_dir)

    resources = {}
    properties = {
        "FunctionName": name, "CodeUri": f"{name}/", "Handler": config["Handler"],
        "Runtime": config["Runtime"], "MemorySize": config["MemorySize"], "Timeout": config["Timeout"],
        "Architectures": config["Architectures"], "EphemeralStorage": config["EphemeralStorage"],
    }
    if config["Description"]:
        properties["Description"] = config["Description"]
    if config["Environment"]["Variables"]:
        properties["Environment"] = {"Variables": dict(config["Environment"]["Variables"])}
    policies = code_policies(code_dir, config["Environment"]["Variables"], _local_resources(runtime))
    if policies:
        properties["Policies"] = policies
    if config["LoggingConfig"]["LogFormat"] != "Text":
        properties["LoggingConfig"] = {"LogFormat": config["LoggingConfig"]["LogFormat"]}
    reserved = runtime.get_function_concurrency(name).get("ReservedConcurrentExecutions")
    if reserved is not None:
        properties["ReservedConcurrentExecutions"] = reserved
    layers = _layers(runtime, config, directory, resources)
    if layers:
        properties["Layers"] = layers
    aliases = sorted(runtime.list_aliases(name), key=lambda a: a["Name"])
    metadata = {}
    if aliases:
        properties["AutoPublishAlias"] = aliases[0]["Name"]
        metadata["lambdakitAliases"] = {a["Name"]: a["FunctionVersion"] for a in aliases}
    events = {}
    events.update(_mapping_events(runtime, name))
    events.update(_schedule_events(runtime, name))
    events.update(_s3_events(runtime, name, resources))
    events.update(_api_events(runtime, name))
    if events:
        properties["Events"] = events
    function = {"Type": "AWS::Serverless::Function", "Properties": properties}
    if metadata:
        function["Metadata"] = metadata
    resources[function_id] = function
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": TRANSFORM,
        "Description": f"{name}, exported by lambdakit",
        "Resources": resources,
        "Outputs": {f"{function_id}Arn": {"Value": {"Fn::GetAtt": [function_id, "Arn"]}}},
    }
    with open(os.path.join(directory, "template.yaml"), "w") as f:
        yaml.safe_dump(template, f, sort_keys=False, default_flow_style=False)
    return template


def _logical_id(name, suffix):
    """A CloudFormation logical id (alphanumeric) from a resource's name."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part) + suffix


def _layers(runtime, config, directory, resources):
    refs = []
    for layer in config["Layers"]:
        version = runtime.get_layer_version_by_arn(layer["Arn"])
        layer_name = version["LayerArn"].rsplit(":", 1)[1]
        content = os.path.join(directory, "layers", layer_name)
        shutil.rmtree(content, ignore_errors=True)
        shutil.copytree(version["Content"]["Location"].removeprefix("file://"), content)
        layer_id = _logical_id(layer_name, "Layer")
        properties = {"LayerName": layer_name, "ContentUri": f"layers/{layer_name}/"}
        if version["Description"]:
            properties["Description"] = version["Description"]
        if version["CompatibleRuntimes"]:
            properties["CompatibleRuntimes"] = version["CompatibleRuntimes"]
        if version["CompatibleArchitectures"]:
            properties["CompatibleArchitectures"] = version["CompatibleArchitectures"]
        resources[layer_id] = {"Type": "AWS::Serverless::LayerVersion", "Properties": properties}
        refs.append({"Ref": layer_id})
    return refs


_SQS_MEMBERS = ("BatchSize", "MaximumBatchingWindowInSeconds", "FunctionResponseTypes", "ScalingConfig",
                "FilterCriteria")
_STREAM_MEMBERS = ("StartingPosition", "BatchSize", "MaximumBatchingWindowInSeconds", "MaximumRetryAttempts",
                   "MaximumRecordAgeInSeconds", "BisectBatchOnFunctionError", "ParallelizationFactor",
                   "TumblingWindowInSeconds", "FunctionResponseTypes", "FilterCriteria")


def _mapping_events(runtime, name):
    events = {}
    for index, mapping in enumerate(runtime.list_event_source_mappings(function_name=name), 1):
        arn = mapping["EventSourceArn"]
        kind = arn.split(":")[2]
        if kind == SQS:
            properties = {"Queue": portable_arn(arn)}
            members = _SQS_MEMBERS
        else:
            properties = {"Stream": portable_arn(arn)}
            members = _STREAM_MEMBERS
            destination = mapping["DestinationConfig"]["OnFailure"].get("Destination")
            if destination:
                properties["DestinationConfig"] = {"OnFailure": on_failure(destination)}
        for member in members:
            value = mapping.get(member)
            if value not in (None, [], {}):
                properties[member] = value
        properties["Enabled"] = mapping["State"] != "Disabled"
        event_type = {SQS: "SQS", KINESIS: "Kinesis", DYNAMODB: "DynamoDB"}[kind]
        events[f"{event_type}Event{index}"] = {"Type": event_type, "Properties": properties}
    return events


def _local_resources(runtime):
    """Names of the buckets, tables, queues and topics in the local AWS services, by service."""
    aws = runtime.local_aws_if_running()
    if aws is None:
        return {}
    return {"s3": [b["Name"] for b in aws.client("s3").list_buckets().get("Buckets", [])],
            "dynamodb": aws.client("dynamodb").list_tables().get("TableNames", []),
            "sqs": [url.rsplit("/", 1)[1] for url in aws.client("sqs").list_queues().get("QueueUrls", [])],
            "sns": [t["TopicArn"].rsplit(":", 1)[1] for t in aws.client("sns").list_topics().get("Topics", [])]}


def _schedule_events(runtime, name):
    schedules = [d for d in runtime.timers.drivers if isinstance(d, Schedule) and d.function == name]
    return {f"ScheduleEvent{i}": {"Type": "Schedule", "Properties": {
        "Schedule": s.expression.expression, "Name": s.rule, "Enabled": s.enabled}}
        for i, s in enumerate(schedules, 1)}


def _s3_events(runtime, name, resources):
    aws = runtime._local_aws
    if aws is None or aws.closed:
        return {}
    s3, events = aws.client("s3"), {}
    for bucket in sorted(b["Name"] for b in s3.list_buckets().get("Buckets", [])):
        notifications = s3.get_bucket_notification_configuration(Bucket=bucket)
        for entry in notifications.get("LambdaFunctionConfigurations", []):
            if entry["LambdaFunctionArn"].split(":")[6] != name:
                continue
            bucket_id = _logical_id(bucket, "Bucket")
            resources[bucket_id] = {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": bucket}}
            for event_name in entry["Events"]:
                properties = {"Bucket": {"Ref": bucket_id}, "Events": event_name}
                rules = entry.get("Filter", {}).get("Key", {}).get("FilterRules", [])
                if rules:
                    properties["Filter"] = {"S3Key": {"Rules": [
                        {"Name": r["Name"].lower(), "Value": r["Value"]} for r in rules]}}
                events[f"S3Event{len(events) + 1}"] = {"Type": "S3", "Properties": properties}
    return events


def _api_events(runtime, name):
    events = {}
    gateways = [getattr(s, "gateway", s) for s in runtime._attached]
    for gateway in (g for g in gateways if isinstance(g, ApiGateway)):
        for route in gateway.routes:
            if route.function != name or route.path == "$default":
                continue
            method = route.method.lower()
            event_type = "Api" if gateway.kind == REST else "HttpApi"
            events[f"{event_type}Event{len(events) + 1}"] = {
                "Type": event_type, "Properties": {"Path": route.path, "Method": method}}
    return events
