"""What a SAM template needs so the deployed function may do what it did here: ARNs that
name the account and region deployed to (not lambdakit's fake ones), on-failure destinations
with their Type (so SAM grants the send), and SAM policy templates for the AWS calls the
handler's code makes to resources lambdakit knows of."""

import os
import re

from ..core.limits import ACCOUNT_ID, REGION

# boto3.client("s3"), boto3.resource('dynamodb'), session.client(service_name="sqs") ...
_SERVICE_CALL = re.compile(r"""\b(?:client|resource)\(\s*(?:service_name\s*=\s*)?["'](s3|dynamodb|sqs|sns)["']""")
# The SAM policy template that lets a function use each kind of resource, and its parameter.
_TEMPLATES = {"s3": ("S3CrudPolicy", "BucketName"), "dynamodb": ("DynamoDBCrudPolicy", "TableName"),
              "sqs": ("SQSSendMessagePolicy", "QueueName"), "sns": ("SNSPublishMessagePolicy", "TopicName")}


def portable_arn(arn):
    """`arn` with lambdakit's account and region as the stack's own (Fn::Sub), else as it is."""
    parts = arn.split(":")
    if len(parts) < 6 or (parts[3], parts[4]) not in ((REGION, ACCOUNT_ID), ("", ACCOUNT_ID), (REGION, "")):
        return arn
    parts[3] = "${AWS::Region}" if parts[3] else ""
    parts[4] = "${AWS::AccountId}" if parts[4] else ""
    return {"Fn::Sub": ":".join(parts)}


def on_failure(arn):
    """A stream event's OnFailure destination; Type makes SAM add the send permission."""
    kind = {"sqs": "SQS", "sns": "SNS"}.get(arn.split(":")[2])
    destination = {"Destination": portable_arn(arn)}
    if kind:
        destination["Type"] = kind
    return destination


def _code_text(code_dir):
    text = []
    for root, _, names in sorted(os.walk(code_dir)):
        for name in sorted(names):
            if name.endswith(".py"):
                with open(os.path.join(root, name), encoding="utf-8", errors="replace") as f:
                    text.append(f.read())
    return "\n".join(text)


def code_policies(code_dir, environment, resources):
    """SAM policy templates for the resources (`{"s3": [bucket names], "dynamodb": [tables], ...}`)
    whose service the code calls and whose name appears in the code or its environment variables."""
    code = _code_text(code_dir)
    named = code + "\n" + "\n".join(environment.values())
    policies = []
    for service in sorted(set(_SERVICE_CALL.findall(code))):
        template, parameter = _TEMPLATES[service]
        for resource in sorted(resources.get(service, ())):
            if re.search(rf"(?<![\w-]){re.escape(resource)}(?![\w-])", named):
                policies.append({template: {parameter: resource}})
    return policies
