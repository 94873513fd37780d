"""Function states and the AWS CLI's waiters, through an unmodified boto3 client."""

import pytest

import lambdakit
from lambdakit.runtime.package import zip_source
from loopback import lambda_client

ROLE = "arn:aws:iam::123456789012:role/r"
CODE = {"ZipFile": zip_source({"lambda_function.py": "def lambda_handler(e, c):\n    return 1\n"})}
FAST = {"Delay": 1, "MaxAttempts": 3}


@pytest.fixture(scope="module")
def client():
    with lambdakit.Runtime() as runtime:
        yield lambda_client(runtime.endpoint_url)


def test_create_is_pending_then_active_for_the_waiter(client):
    created = client.create_function(FunctionName="states", Runtime="python3.12", Role=ROLE,
                                     Handler="lambda_function.lambda_handler", Code=CODE)
    assert (created["State"], created["StateReasonCode"]) == ("Pending", "Creating")
    client.get_waiter("function_active_v2").wait(FunctionName="states", WaiterConfig=FAST)
    assert client.get_function_configuration(FunctionName="states")["State"] == "Active"


def test_update_is_in_progress_then_successful_for_the_waiter(client):
    updated = client.update_function_configuration(FunctionName="states", MemorySize=256)
    assert updated["LastUpdateStatus"] == "InProgress"
    client.get_waiter("function_updated_v2").wait(FunctionName="states", WaiterConfig=FAST)
    assert client.get_function(FunctionName="states")["Configuration"]["LastUpdateStatus"] == "Successful"
    assert client.update_function_code(FunctionName="states", **CODE)["LastUpdateStatus"] == "InProgress"


def test_a_published_version_is_pending_then_active(client):
    published = client.publish_version(FunctionName="states")
    assert published["State"] == "Pending"
    client.get_waiter("published_version_active").wait(FunctionName="states", Qualifier=published["Version"],
                                                       WaiterConfig=FAST)
    assert client.publish_version(FunctionName="states")["State"] == "Active"  # unchanged: the same version
