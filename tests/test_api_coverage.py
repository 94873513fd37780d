"""Coverage of botocore's Lambda model: every operation is either served (and then called here
through an unmodified boto3 client, its raw JSON reply checked member by member against the
model's output shape) or listed as out of scope with the reason the README gives.

Fails if a served operation is not called, if a reply has a member the shape lacks, misses a
required one or has a value of the wrong type or outside its enum, or if an operation of a
newer botocore is neither served nor listed."""

import json

import botocore.session
import pytest

import lambdakit
from lambdakit.api.routes import ROUTES
from lambdakit.runtime.package import zip_source
from loopback import lambda_client

MODEL = botocore.session.get_session().get_service_model("lambda")
# Served on another operation's path (a query parameter tells them apart).
SHARED_PATHS = {"ListProvisionedConcurrencyConfigs", "GetLayerVersionByArn"}
SERVED = {name for _, _, name, _ in ROUTES} | SHARED_PATHS
# Served to handlers only (a checkpoint token lives only inside an invocation): AWS's durable SDK calls
# them in every test of tests/test_durable.py, which checks their replies too.
CALLED_BY_HANDLERS = {"CheckpointDurableExecution", "GetDurableExecutionState"}
OUT_OF_SCOPE = {
    # Lambda Managed Instances (capacity providers on EC2): no local equivalent.
    "CreateCapacityProvider", "DeleteCapacityProvider", "GetCapacityProvider", "ListCapacityProviders",
    "UpdateCapacityProvider", "ListFunctionVersionsByCapacityProvider", "GetFunctionScalingConfig",
    "PutFunctionScalingConfig",
}

ROLE = "arn:aws:iam::123456789012:role/r"
ZIP = zip_source({"lambda_function.py": "def lambda_handler(event, context):\n    return {'ok': True}\n"})
LAYER_ZIP = zip_source({"python/shared.py": "X = 1\n"})
PUBLISHER = "arn:aws:signer:us-east-1:123456789012:/signing-profiles/p/abcdefghij"
F = "covered"
D = "covered-durable"
APPROVAL = zip_source({"lambda_function.py": (
    "from aws_durable_execution_sdk_python import durable_execution\n"
    "@durable_execution\n"
    "def handler(event, context):\n"
    "    return context.create_callback(name='approval').result()\n")})


def _calls(ctx):
    """(operation, kwargs) in an order where each call finds what it needs."""
    arn = f"arn:aws:lambda:us-east-1:123456789012:function:{F}"
    return [
        ("CreateFunction", dict(FunctionName=F, Runtime="python3.12", Role=ROLE, Handler="lambda_function.lambda_handler",
                                Code={"ZipFile": ZIP}, Tags={"k": "v"})),
        ("GetFunction", dict(FunctionName=F)),
        ("GetFunctionConfiguration", dict(FunctionName=F)),
        ("ListFunctions", {}),
        ("UpdateFunctionConfiguration", dict(FunctionName=F, MemorySize=256)),
        ("UpdateFunctionCode", dict(FunctionName=F, ZipFile=ZIP)),
        ("Invoke", dict(FunctionName=F, Payload=b"{}")),
        ("InvokeAsync", dict(FunctionName=F, InvokeArgs=b"{}")),
        ("InvokeWithResponseStream", dict(FunctionName=F, Payload=b"{}")),
        ("PublishVersion", dict(FunctionName=F)),
        ("ListVersionsByFunction", dict(FunctionName=F)),
        ("CreateAlias", dict(FunctionName=F, Name="live", FunctionVersion="1")),
        ("GetAlias", dict(FunctionName=F, Name="live")),
        ("UpdateAlias", dict(FunctionName=F, Name="live", Description="d")),
        ("ListAliases", dict(FunctionName=F)),
        ("PutFunctionConcurrency", dict(FunctionName=F, ReservedConcurrentExecutions=5)),
        ("GetFunctionConcurrency", dict(FunctionName=F)),
        ("DeleteFunctionConcurrency", dict(FunctionName=F)),
        ("PutProvisionedConcurrencyConfig", dict(FunctionName=F, Qualifier="live", ProvisionedConcurrentExecutions=1)),
        ("GetProvisionedConcurrencyConfig", dict(FunctionName=F, Qualifier="live")),
        ("ListProvisionedConcurrencyConfigs", dict(FunctionName=F)),
        ("DeleteProvisionedConcurrencyConfig", dict(FunctionName=F, Qualifier="live")),
        ("PutFunctionEventInvokeConfig", dict(FunctionName=F, MaximumRetryAttempts=1)),
        ("UpdateFunctionEventInvokeConfig", dict(FunctionName=F, MaximumRetryAttempts=0)),
        ("GetFunctionEventInvokeConfig", dict(FunctionName=F)),
        ("ListFunctionEventInvokeConfigs", dict(FunctionName=F)),
        ("DeleteFunctionEventInvokeConfig", dict(FunctionName=F)),
        ("AddPermission", dict(FunctionName=F, StatementId="s3", Action="lambda:InvokeFunction",
                               Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::b")),
        ("GetPolicy", dict(FunctionName=F)),
        ("RemovePermission", dict(FunctionName=F, StatementId="s3")),
        ("PutResourcePolicy", dict(ResourceArn=arn, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Sid": "sns", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
             "Action": "lambda:InvokeFunction", "Resource": arn}]}))),
        ("GetResourcePolicy", dict(ResourceArn=arn)),
        ("DeleteResourcePolicy", dict(ResourceArn=arn)),
        ("TagResource", dict(Resource=arn, Tags={"a": "b"})),
        ("ListTags", dict(Resource=arn)),
        ("UntagResource", dict(Resource=arn, TagKeys=["a"])),
        ("GetAccountSettings", {}),
        ("CreateFunctionUrlConfig", dict(FunctionName=F, AuthType="NONE", Cors={"AllowOrigins": ["*"]})),
        ("GetFunctionUrlConfig", dict(FunctionName=F)),
        ("UpdateFunctionUrlConfig", dict(FunctionName=F, AuthType="AWS_IAM")),
        ("ListFunctionUrlConfigs", dict(FunctionName=F)),
        ("DeleteFunctionUrlConfig", dict(FunctionName=F)),
        ("PutFunctionRecursionConfig", dict(FunctionName=F, RecursiveLoop="Allow")),
        ("GetFunctionRecursionConfig", dict(FunctionName=F)),
        ("PutRuntimeManagementConfig", dict(FunctionName=F, UpdateRuntimeOn="FunctionUpdate")),
        ("GetRuntimeManagementConfig", dict(FunctionName=F)),
        ("CreateCodeSigningConfig", dict(AllowedPublishers={"SigningProfileVersionArns": [PUBLISHER]})),
        ("ListCodeSigningConfigs", {}),
        ("GetCodeSigningConfig", lambda: dict(CodeSigningConfigArn=ctx["csc"])),
        ("UpdateCodeSigningConfig", lambda: dict(CodeSigningConfigArn=ctx["csc"], Description="d")),
        ("PutFunctionCodeSigningConfig", lambda: dict(FunctionName=F, CodeSigningConfigArn=ctx["csc"])),
        ("GetFunctionCodeSigningConfig", dict(FunctionName=F)),
        ("ListFunctionsByCodeSigningConfig", lambda: dict(CodeSigningConfigArn=ctx["csc"])),
        ("DeleteFunctionCodeSigningConfig", dict(FunctionName=F)),
        ("DeleteCodeSigningConfig", lambda: dict(CodeSigningConfigArn=ctx["csc"])),
        ("PublishLayerVersion", dict(LayerName="shared", Content={"ZipFile": LAYER_ZIP})),
        ("GetLayerVersion", dict(LayerName="shared", VersionNumber=1)),
        ("GetLayerVersionByArn", dict(Arn="arn:aws:lambda:us-east-1:123456789012:layer:shared:1")),
        ("ListLayerVersions", dict(LayerName="shared")),
        ("ListLayers", {}),
        ("AddLayerVersionPermission", dict(LayerName="shared", VersionNumber=1, StatementId="all",
                                           Action="lambda:GetLayerVersion", Principal="*")),
        ("GetLayerVersionPolicy", dict(LayerName="shared", VersionNumber=1)),
        ("RemoveLayerVersionPermission", dict(LayerName="shared", VersionNumber=1, StatementId="all")),
        ("DeleteLayerVersion", dict(LayerName="shared", VersionNumber=1)),
        ("CreateEventSourceMapping", lambda: dict(FunctionName=F, EventSourceArn=ctx["queue"], BatchSize=5)),
        ("GetEventSourceMapping", lambda: dict(UUID=ctx["uuid"])),
        ("ListEventSourceMappings", dict(FunctionName=F)),
        ("UpdateEventSourceMapping", lambda: dict(UUID=ctx["uuid"], BatchSize=2)),
        ("DeleteEventSourceMapping", lambda: dict(UUID=ctx["uuid"])),
        ("CreateFunction", lambda: dict(FunctionName=D, Runtime="python3.12", Role=ROLE, Code={"ZipFile": APPROVAL},
                                        Handler="lambda_function.handler", Layers=[ctx["sdk"]],
                                        DurableConfig={"ExecutionTimeout": 3600})),
        ("Invoke", dict(FunctionName=D, Qualifier="$LATEST", InvocationType="Event", DurableExecutionName="one")),
        ("GetDurableExecution", lambda: dict(DurableExecutionArn=ctx["dex"], IncludeExecutionData=True)),
        ("GetDurableExecutionHistory", lambda: dict(DurableExecutionArn=ctx["dex"], IncludeExecutionData=True)),
        ("ListDurableExecutionsByFunction", dict(FunctionName=D, Statuses=["RUNNING"])),
        ("SendDurableExecutionCallbackHeartbeat", lambda: dict(CallbackId=ctx["callback"])),
        ("PauseDurableExecution", lambda: dict(DurableExecutionArn=ctx["dex"], Reason="r")),
        ("ResumeDurableExecution", lambda: dict(DurableExecutionArn=ctx["dex"])),
        ("SendDurableExecutionCallbackSuccess", lambda: dict(CallbackId=ctx["callback"], Result=b'"yes"')),
        ("StopDurableExecution", lambda: dict(DurableExecutionArn=ctx["dex"])),
        ("DeleteDurableExecution", lambda: dict(DurableExecutionArn=ctx["dex"])),
        ("Invoke", dict(FunctionName=D, Qualifier="$LATEST", InvocationType="Event", DurableExecutionName="two")),
        ("GetDurableExecutionHistory", lambda: dict(DurableExecutionArn=ctx["dex"])),
        ("SendDurableExecutionCallbackFailure", lambda: dict(CallbackId=ctx["callback"], Error={"ErrorMessage": "no"})),
        ("DeleteFunction", dict(FunctionName=D)),
        ("DeleteAlias", dict(FunctionName=F, Name="live")),
        ("DeleteFunction", dict(FunctionName=F, Qualifier="1")),
        ("DeleteFunction", dict(FunctionName=F)),
    ]


def _type_error(shape, value, where):
    """Why `value` (raw JSON) does not fit `shape`, or None."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return f"{where}: expected an object"
        for name, item in value.items():
            if name not in shape.members:
                return f"{where}: member {name} is not in {shape.name}"
            if item is not None and (problem := _type_error(shape.members[name], item, f"{where}.{name}")):
                return problem
        missing = [m for m in shape.required_members if m not in value]
        return f"{where}: required {missing} missing" if missing else None
    if kind == "list":
        if not isinstance(value, list):
            return f"{where}: expected a list"
        return next((p for i, v in enumerate(value) if (p := _type_error(shape.member, v, f"{where}[{i}]"))), None)
    if kind == "map":
        if not isinstance(value, dict):
            return f"{where}: expected a map"
        return next((p for k, v in value.items() if (p := _type_error(shape.value, v, f"{where}[{k}]"))), None)
    expected = {"string": str, "blob": str, "boolean": bool, "timestamp": (str, int, float),
                "integer": int, "long": int, "double": (int, float), "float": (int, float)}[kind]
    if not isinstance(value, expected) or (kind in ("integer", "long", "double", "float") and isinstance(value, bool)):
        return f"{where}: {value!r} is not a {kind}"
    if kind == "string" and shape.enum and value not in shape.enum:
        return f"{where}: {value!r} is not one of {shape.enum}"
    return None


def _body_members(shape):
    """The output members that travel in the JSON body (not headers, status code or a raw payload)."""
    if shape is None or shape.serialization.get("payload"):
        return None
    return {n: m for n, m in shape.members.items() if "location" not in m.serialization}


@pytest.fixture(scope="module")
def runtime():
    with lambdakit.Runtime() as service:
        yield service


def test_every_operation_is_served_or_listed_as_out_of_scope():
    unclassified = set(MODEL.operation_names) - SERVED - OUT_OF_SCOPE
    assert unclassified == set()
    assert SERVED & OUT_OF_SCOPE == set()
    assert SERVED <= set(MODEL.operation_names)
    print(f"served {len(SERVED)} of {len(MODEL.operation_names)} operations")


def test_every_served_operation_answers_in_its_output_shape(runtime):
    client = lambda_client(runtime.endpoint_url)
    raw = {}
    client.meta.events.register("before-parse.lambda.*",
                                lambda operation_model, response_dict, **_: raw.update(body=response_dict["body"]))
    ctx = {"queue": runtime.local_aws().client("sqs").create_queue(QueueName="covered")["QueueUrl"]}
    ctx["queue"] = runtime.local_aws().client("sqs").get_queue_attributes(
        QueueUrl=ctx["queue"], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    ctx["sdk"] = runtime.durable_sdk_layer()
    called, problems, validated = set(), [], set()
    for name, kwargs in _calls(ctx):
        kwargs = kwargs() if callable(kwargs) else kwargs
        method = getattr(client, botocore.xform_name(name))
        response = method(**kwargs)
        if name == "InvokeWithResponseStream":
            list(response["EventStream"])
        called.add(name)
        members = _body_members(MODEL.operation_model(name).output_shape)
        if members is not None and raw.get("body"):
            shape = MODEL.operation_model(name).output_shape
            problem = _type_error(shape, json.loads(raw["body"]), name)
            validated.add(name)
            if problem:
                problems.append(problem)
        if "CodeSigningConfig" in response:
            ctx.setdefault("csc", response["CodeSigningConfig"]["CodeSigningConfigArn"])
        if "UUID" in response:
            ctx.setdefault("uuid", response["UUID"])
        if response.get("DurableExecutionArn"):
            ctx["dex"] = response["DurableExecutionArn"]
        for event in response.get("Events", ()):
            if event["EventType"] == "CallbackStarted":
                ctx["callback"] = event["CallbackStartedDetails"]["CallbackId"]
    assert problems == []
    assert SERVED - called == CALLED_BY_HANDLERS
    assert len(validated) >= 45  # every operation with a JSON body (not 204s, Invoke's payload, streams)


def test_the_shape_check_catches_a_stray_member_a_missing_one_and_a_bad_enum():
    shape = MODEL.operation_model("GetFunctionConfiguration").output_shape
    assert "not in" in _type_error(shape, {"FunctionName": "f", "Extra": 1}, "x")
    assert "is not one of" in _type_error(shape, {"State": "Sleeping"}, "x")
    layer = MODEL.operation_model("GetLayerVersionPolicy").output_shape
    assert _type_error(layer, {"Policy": 1}, "x") == "x.Policy: 1 is not a string"
    csc = MODEL.operation_model("GetCodeSigningConfig").output_shape
    assert "required" in _type_error(csc, {"CodeSigningConfig": {"CodeSigningConfigId": "c"}}, "x")
