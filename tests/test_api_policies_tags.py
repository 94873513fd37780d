"""Resource policies, layer version permissions, tags and account settings, as the AWS CLI
drives them (through an unmodified boto3 client; assertions on what boto3 returns)."""

import json

import pytest

import lambdakit
from loopback import lambda_client

ACCOUNT = "123456789012"
ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:"
SOURCE = "def lambda_handler(event, context):\n    return 'ok'\n"


@pytest.fixture(scope="module")
def runtime():
    with lambdakit.Runtime() as service:
        yield service


@pytest.fixture(scope="module")
def client(runtime):
    return lambda_client(runtime.endpoint_url)


@pytest.fixture
def function(runtime, request):
    name = request.node.name.replace("[", "-").replace("]", "")[:64]
    runtime.create_function(name, SOURCE)
    yield name
    runtime.delete_function(name)


def code_of(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def test_add_permission_for_an_s3_bucket_then_get_and_remove_it(client, function):
    added = client.add_permission(FunctionName=function, StatementId="s3invoke", Action="lambda:InvokeFunction",
                                  Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::my-bucket",
                                  SourceAccount=ACCOUNT)
    assert added["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert json.loads(added["Statement"]) == {
        "Sid": "s3invoke", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction", "Resource": ARN + function,
        "Condition": {"StringEquals": {"AWS:SourceAccount": ACCOUNT},
                      "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::my-bucket"}}}
    policy = client.get_policy(FunctionName=function)
    document = json.loads(policy["Policy"])
    assert (document["Version"], document["Id"], [s["Sid"] for s in document["Statement"]]) == \
        ("2012-10-17", "default", ["s3invoke"])
    with pytest.raises(client.exceptions.ResourceConflictException):
        client.add_permission(FunctionName=function, StatementId="s3invoke", Action="lambda:InvokeFunction",
                              Principal="s3.amazonaws.com")
    with pytest.raises(client.exceptions.PreconditionFailedException):
        client.remove_permission(FunctionName=function, StatementId="s3invoke", RevisionId="stale")
    client.remove_permission(FunctionName=function, StatementId="s3invoke", RevisionId=policy["RevisionId"])
    with pytest.raises(client.exceptions.ResourceNotFoundException) as excinfo:
        client.get_policy(FunctionName=function)
    assert code_of(excinfo) == ("ResourceNotFoundException", "The resource you requested does not exist.")
    with pytest.raises(client.exceptions.ResourceNotFoundException) as excinfo:
        client.remove_permission(FunctionName=function, StatementId="s3invoke")
    assert code_of(excinfo)[1] == "Statement s3invoke is not found in resource policy."


def test_policy_revision_ids_are_stable_and_checked(client, runtime, function):
    first = client.add_permission(FunctionName=function, StatementId="a", Action="lambda:InvokeFunction",
                                  Principal=ACCOUNT)
    assert json.loads(first["Statement"])["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    revision = client.get_policy(FunctionName=function)["RevisionId"]
    assert client.get_policy(FunctionName=function)["RevisionId"] == revision
    with pytest.raises(client.exceptions.PreconditionFailedException):
        client.add_permission(FunctionName=function, StatementId="b", Action="lambda:InvokeFunction",
                              Principal="*", RevisionId="00000000-0000-4000-8000-000000000000")
    client.add_permission(FunctionName=function, StatementId="b", Action="lambda:InvokeFunctionUrl",
                          Principal="*", FunctionUrlAuthType="NONE", RevisionId=revision)
    assert runtime.invoke_allowed(function, None, "*", "lambda:InvokeFunctionUrl", url_auth_type="NONE")
    assert not runtime.invoke_allowed(function, None, "*", "lambda:InvokeFunctionUrl", url_auth_type="AWS_IAM")


def test_permissions_on_an_alias_are_its_own(client, function):
    client.publish_version(FunctionName=function)
    client.create_alias(FunctionName=function, Name="live", FunctionVersion="1")
    added = client.add_permission(FunctionName=function, Qualifier="live", StatementId="x",
                                  Action="lambda:InvokeFunction", Principal="sns.amazonaws.com")
    assert json.loads(added["Statement"])["Resource"] == ARN + function + ":live"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_policy(FunctionName=function)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.add_permission(FunctionName=function, Qualifier="nope", StatementId="x",
                              Action="lambda:InvokeFunction", Principal="sns.amazonaws.com")


def test_bad_action_and_statement_id_are_validation_errors(client, function):
    with pytest.raises(client.exceptions.ClientError) as excinfo:
        client.add_permission(FunctionName=function, StatementId="bad id", Action="lambda:InvokeFunction",
                              Principal="s3.amazonaws.com")
    assert code_of(excinfo)[0] == "ValidationException"
    with pytest.raises(client.exceptions.ClientError) as excinfo:
        client.add_permission(FunctionName=function, StatementId="ok", Action="s3:GetObject",
                              Principal="s3.amazonaws.com")
    assert code_of(excinfo)[0] == "ValidationException"


def test_layer_version_permissions(client):
    published = client.publish_layer_version(LayerName="shared", Content={"ZipFile": _zip()})
    version = published["Version"]
    added = client.add_layer_version_permission(LayerName="shared", VersionNumber=version, StatementId="everyone",
                                                Action="lambda:GetLayerVersion", Principal="*",
                                                OrganizationId="o-abcdefghij")
    assert json.loads(added["Statement"]) == {
        "Sid": "everyone", "Effect": "Allow", "Principal": "*", "Action": "lambda:GetLayerVersion",
        "Resource": published["LayerVersionArn"],
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}}
    policy = client.get_layer_version_policy(LayerName="shared", VersionNumber=version)
    assert policy["RevisionId"] == added["RevisionId"]
    client.remove_layer_version_permission(LayerName="shared", VersionNumber=version, StatementId="everyone")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_layer_version_policy(LayerName="shared", VersionNumber=version)
    with pytest.raises(client.exceptions.ClientError) as excinfo:
        client.add_layer_version_permission(LayerName="shared", VersionNumber=version, StatementId="x",
                                            Action="lambda:InvokeFunction", Principal="*")
    assert code_of(excinfo)[0] == "ValidationException"


def _zip():
    return lambdakit.runtime.package.zip_source({"python/shared.py": "X = 1\n"})


def test_tags_on_create_tag_untag_and_list(client):
    client.create_function(FunctionName="tagged", Runtime="python3.12", Role=f"arn:aws:iam::{ACCOUNT}:role/r",
                           Handler="lambda_function.lambda_handler",
                           Code={"ZipFile": lambdakit.runtime.package.zip_source({"lambda_function.py": SOURCE})},
                           Tags={"team": "course", "stage": "dev"})
    arn = ARN + "tagged"
    assert client.list_tags(Resource=arn)["Tags"] == {"team": "course", "stage": "dev"}
    assert client.get_function(FunctionName="tagged")["Tags"] == {"team": "course", "stage": "dev"}
    client.tag_resource(Resource=arn, Tags={"stage": "prod", "cost-center": "42"})
    client.untag_resource(Resource=arn, TagKeys=["team", "cost-center"])
    assert client.list_tags(Resource=arn)["Tags"] == {"stage": "prod"}
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.tag_resource(Resource=arn, Tags={"aws:reserved": "x"})
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.tag_resource(Resource=arn, Tags={f"k{i}": "v" for i in range(50)})
    client.delete_function(FunctionName="tagged")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.list_tags(Resource=arn)


def test_account_settings(client, runtime, function):
    settings = client.get_account_settings()
    assert settings["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert settings["AccountLimit"]["CodeSizeZipped"] == 50 * 1024 * 1024
    assert settings["AccountUsage"]["FunctionCount"] == len(runtime.list_functions())


def test_create_function_with_publish_returns_the_new_version(client):
    created = client.create_function(FunctionName="published", Runtime="python3.12",
                                     Role=f"arn:aws:iam::{ACCOUNT}:role/r", Handler="lambda_function.lambda_handler",
                                     Code={"ZipFile": lambdakit.runtime.package.zip_source(
                                         {"lambda_function.py": SOURCE})}, Publish=True)
    assert (created["Version"], created["FunctionArn"]) == ("1", ARN + "published:1")
    with pytest.raises(client.exceptions.InvalidParameterValueException) as excinfo:
        client.delete_function(FunctionName="published", Qualifier="$LATEST")
    assert code_of(excinfo)[1] == "$LATEST version cannot be deleted without deleting the function."
    assert client.get_function(FunctionName="published")["Configuration"]["FunctionName"] == "published"
    client.delete_function(FunctionName="published")


def test_revision_id_is_the_same_in_every_process(runtime):
    import subprocess
    import sys
    script = ("import lambdakit\nwith lambdakit.Runtime() as rt:\n"
              f"    print(rt.create_function('same', {SOURCE!r})['RevisionId'])\n")
    ids = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          check=True).stdout.strip() for _ in range(2)}
    assert len(ids) == 1 and ids != {""}


def test_tags_on_an_event_source_mapping_go_with_it(client, runtime, function):
    queue = runtime.local_aws().client("sqs").create_queue(QueueName="tagged-mapping")["QueueUrl"]
    queue_arn = runtime.local_aws().client("sqs").get_queue_attributes(
        QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mapping = client.create_event_source_mapping(FunctionName=function, EventSourceArn=queue_arn)
    arn = mapping["EventSourceMappingArn"]
    client.tag_resource(Resource=arn, Tags={"owner": "orders"})
    assert client.list_tags(Resource=arn)["Tags"] == {"owner": "orders"}
    client.delete_event_source_mapping(UUID=mapping["UUID"])
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.list_tags(Resource=arn)
