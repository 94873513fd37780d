"""Local DynamoDB (moto's server, through lambdakit.aws): requests are atomic, and reads can be
made to meet (LocalAws.meet_reads), so duplicates delivered at once race on every run."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

TABLE = "processed-orders"
KEY = {"order_id": {"S": "A-1"}}


@pytest.fixture
def aws(virtual):
    aws = virtual.local_aws(kernel_env=False)
    aws.client("dynamodb").create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}])
    return aws


def _at_once(n, work):
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(lambda _: work(), range(n)))


def test_reads_that_meet_all_see_the_table_before_any_write(aws):
    dynamodb = aws.client("dynamodb")

    def read_then_write():
        seen = "Item" in dynamodb.get_item(TableName=TABLE, Key=KEY)
        dynamodb.put_item(TableName=TABLE, Item=KEY)
        return seen

    with aws.meet_reads(TABLE, 4):
        assert _at_once(4, read_then_write) == [False] * 4
    # The meeting is over: a read now sees the item, and does not wait.
    assert "Item" in dynamodb.get_item(TableName=TABLE, Key=KEY)


def test_a_conditional_put_wins_once_even_after_reads_that_met(aws):
    dynamodb = aws.client("dynamodb")

    def read_then_conditional_put():
        dynamodb.get_item(TableName=TABLE, Key=KEY)
        try:
            dynamodb.put_item(TableName=TABLE, Item=KEY, ConditionExpression="attribute_not_exists(order_id)")
        except ClientError as error:
            return error.response["Error"]["Code"]
        return "won"

    with aws.meet_reads(TABLE, 8):
        outcomes = _at_once(8, read_then_conditional_put)
    assert sorted(outcomes) == ["ConditionalCheckFailedException"] * 7 + ["won"]


def test_a_write_ends_the_meeting_so_a_later_read_need_not_wait(aws):
    dynamodb = aws.client("dynamodb")
    with aws.meet_reads(TABLE, 2, timeout_s=600):
        dynamodb.put_item(TableName=TABLE, Item=KEY)
        reader = threading.Thread(target=dynamodb.get_item, kwargs={"TableName": TABLE, "Key": KEY})
        reader.start()
        reader.join(60)   # a read held at the meeting would wait its 600 s
        assert not reader.is_alive()


def test_a_read_alone_is_let_go_after_the_timeout(aws):
    dynamodb = aws.client("dynamodb")
    with aws.meet_reads(TABLE, 2, timeout_s=0.2):
        assert "Item" not in dynamodb.get_item(TableName=TABLE, Key=KEY)
