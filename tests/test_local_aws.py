"""Local AWS for handler code: moto's server as a real process on 127.0.0.1, unmodified boto3
in handlers and in the kernel, S3 notifications that invoke functions with S3's event, and
Lambda's recursive loop detection. The seeds' hands-on labs run here with their code as
the seeds print it.
"""

import functools
import io
import json
import os
import socket
import urllib.request
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError
from PIL import Image

from lambdakit import layers
from lambdakit.aws import LOOP_LIMIT
from lambdakit.events.eventbridge import scheduled_event
from loopback import listening_addresses

# Seed 003, step 2.1: the S3 -> DynamoDB logger, as printed.
SEED_S3_LOGGER = '''
import json
import boto3
import urllib.parse
from datetime import datetime

# Initialize AWS clients
s3_client = boto3.client('s3')
dynamodb = boto3.resource('dynamodb')

def lambda_handler(event, context):
    """
    Process S3 events - log file uploads to DynamoDB
    """
    
    # Process each record in the event
    for record in event['Records']:
        # Get bucket and object key
        bucket = record['s3']['bucket']['name']
        key = urllib.parse.unquote_plus(record['s3']['object']['key'])
        
        print(f"Processing file: {key} from bucket: {bucket}")
        
        try:
            # Get object metadata
            response = s3_client.head_object(Bucket=bucket, Key=key)
            file_size = response['ContentLength']
            last_modified = response['LastModified'].isoformat()
            
            # Log to DynamoDB (optional)
            table = dynamodb.Table('FileProcessingLog')
            table.put_item(
                Item={
                    'file_key': key,
                    'bucket_name': bucket,
                    'file_size': file_size,
                    'processed_at': datetime.now().isoformat(),
                    'last_modified': last_modified,
                    'status': 'processed'
                }
            )
            
            print(f"Successfully processed {key}")
            
        except Exception as e:
            print(f"Error processing {key}: {str(e)}")
            raise e
    
    return {
        'statusCode': 200,
        'body': json.dumps(f'Successfully processed {len(event["Records"])} files')
    }
'''

# Seed 000, hands-on exercise: the image thumbnail generator, as printed (bugs included).
SEED_THUMBNAIL = '''
import json
import boto3
import os
from PIL import Image
from io import BytesIO

s3 = boto3.client('s3')

def lambda_handler(event, context):
    """Create thumbnail from uploaded image"""
    
    try:
        # Get bucket and key from S3 event
        bucket = event['Records'][0]['s3']['bucket']['name']
        key = event['Records'][0]['s3']['object']['key']
        
        # Download original image
        response = s3.get_object(Bucket=bucket, Key=key)
        image_data = response['Body'].read()
        
        # Open and process image
        image = Image.open(BytesIO(image_data))
        image.thumbnail((100, 100))  # Create 100x100 thumbnail
        
        # Save thumbnail
        thumbnail_key = f"thumbnails/{key}"
        buffer = BytesIO()
        image.save(buffer, format='JPEG')
        buffer.seek(0)
        
        # Upload thumbnail
        s3.put_object(
            Bucket=bucket,
            Key=thumbnail_key,
            Body=buffer.getvalue(),
            ContentType='image/jpeg'
        )
        
        return {
            'statusCode': 200,
            'body': json.dumps(f'Thumbnail created: {thumbnail_key}')
        }
    
    except Exception as e:
        return {
            'statusCode': 500,
            'body': json.dumps(f'Error: {str(e)}')
        }
'''

@functools.lru_cache(maxsize=None)
def _pillow_zip():
    return layers.installed_layer("pillow")


def pillow_layer(runtime):
    """Pillow as AWS requires it to be packaged: in a layer (AWS's runtime does not have it)."""
    return runtime.publish_layer_version("pillow", _pillow_zip())["LayerVersionArn"]


# Seed 003, step 4.1: the scheduled EC2 metrics function, as printed.
SEED_EC2_METRICS = '''
import json
import boto3
from datetime import datetime

# Initialize CloudWatch client
cloudwatch = boto3.client('cloudwatch')
ec2 = boto3.client('ec2')

def lambda_handler(event, context):
    """
    Scheduled function to monitor EC2 instances and send custom metrics
    """
    
    try:
        # Get all running EC2 instances
        response = ec2.describe_instances(
            Filters=[
                {
                    'Name': 'instance-state-name',
                    'Values': ['running']
                }
            ]
        )
        
        running_instances = 0
        for reservation in response['Reservations']:
            running_instances += len(reservation['Instances'])
        
        # Send custom metric to CloudWatch
        cloudwatch.put_metric_data(
            Namespace='Custom/EC2',
            MetricData=[
                {
                    'MetricName': 'RunningInstances',
                    'Value': running_instances,
                    'Unit': 'Count',
                    'Timestamp': datetime.now()
                }
            ]
        )
        
        print(f"Found {running_instances} running instances")
        
        return {
            'statusCode': 200,
            'body': json.dumps({
                'message': 'Metrics sent successfully',
                'running_instances': running_instances,
                'timestamp': datetime.now().isoformat()
            })
        }
        
    except Exception as e:
        print(f"Error: {str(e)}")
        return {
            'statusCode': 500,
            'body': json.dumps({
                'error': str(e)
            })
        }
'''

LOG_TABLE = "FileProcessingLog"


@pytest.fixture
def aws(virtual):
    return virtual.local_aws()


def allow_s3(runtime, function, bucket, qualifier=None):
    """The permission S3 needs before a bucket's notification may name the function."""
    runtime.add_permission(function, f"s3-{bucket}", "lambda:InvokeFunction", "s3.amazonaws.com", qualifier=qualifier,
                           source_arn=f"arn:aws:s3:::{bucket}", source_account="123456789012")


def jpeg(width=640, height=480, color=(200, 40, 40)):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="JPEG")
    return buffer.getvalue()


def create_log_table(aws):
    aws.client("dynamodb").create_table(
        TableName=LOG_TABLE, KeySchema=[{"AttributeName": "file_key", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "file_key", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")


def logged_items(aws):
    items = aws.resource("dynamodb").Table(LOG_TABLE).scan()["Items"]
    return {item["file_key"]: item for item in items}


def keys(aws, bucket, prefix=""):
    listed = aws.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


# ------------------------------------------------------------------ endpoints and credentials
def test_kernel_and_handlers_reach_moto_with_dummy_credentials_only(virtual, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEYOFALEARNER")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "https://s3.example.com")
    aws = virtual.local_aws()
    assert aws.url.startswith("http://127.0.0.1:")
    assert os.environ["AWS_ENDPOINT_URL"] == aws.url
    assert os.environ["AWS_ACCESS_KEY_ID"] == "ASIALAMBDAKITLOCAL00"
    assert "AWS_PROFILE" not in os.environ and "AWS_ENDPOINT_URL_S3" not in os.environ
    virtual.create_function("whoami", '''
import os, boto3
def lambda_handler(event, context):
    sts = boto3.client("sts").get_caller_identity()
    return {"endpoint": os.environ["AWS_ENDPOINT_URL"], "key": os.environ["AWS_ACCESS_KEY_ID"],
            "account": sts["Account"], "buckets": [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]}
''')
    import boto3
    boto3.client("s3").create_bucket(Bucket="made-in-the-kernel")  # plain boto3, no endpoint_url
    result = virtual.invoke("whoami", {}).result
    assert result == {"endpoint": aws.url, "key": "ASIALAMBDAKITLOCAL00", "account": "123456789012",
                      "buckets": ["made-in-the-kernel"]}

    virtual.close()
    assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAREALKEYOFALEARNER"
    assert os.environ["AWS_PROFILE"] == "production"
    assert os.environ["AWS_ENDPOINT_URL_S3"] == "https://s3.example.com"
    assert "AWS_ENDPOINT_URL" not in os.environ
    assert "AWS_ENDPOINT_URL" not in virtual.handler_environment


def test_close_stops_the_server_process(virtual):
    aws = virtual.local_aws()
    assert virtual.local_aws() is aws  # one per runtime
    port = int(aws.url.rsplit(":", 1)[1])
    process = aws._process
    assert process.poll() is None
    virtual.close()
    assert aws.closed and process.poll() is not None
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_the_server_listens_on_loopback_only(aws):
    port = int(aws.url.rsplit(":", 1)[1])
    assert listening_addresses(port) == {"127.0.0.1"}
    with urllib.request.urlopen(aws.url + "/moto-api/data.json", timeout=10) as response:
        assert response.status == 200


def test_handlers_use_s3_dynamodb_sqs_and_sns_unchanged(virtual, aws):
    virtual.create_function("services", '''
import json, boto3
s3 = boto3.client("s3")
dynamodb = boto3.resource("dynamodb")
sqs = boto3.client("sqs")
sns = boto3.client("sns")

def lambda_handler(event, context):
    s3.put_object(Bucket="data", Key="greeting.txt", Body=b"hi")
    dynamodb.Table("Visits").put_item(Item={"id": "home", "count": 1})
    queue = sqs.get_queue_url(QueueName="jobs")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="direct")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    sns.publish(TopicArn=topic, Message="fan-out")
    return {"object": s3.get_object(Bucket="data", Key="greeting.txt")["Body"].read().decode()}
''', timeout=30)
    aws.client("s3").create_bucket(Bucket="data")
    aws.client("dynamodb").create_table(
        TableName="Visits", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    sqs, sns = aws.client("sqs"), aws.client("sns")
    queue = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                  Attributes={"RawMessageDelivery": "true"})

    result = virtual.invoke("services", {})

    assert result.function_error is None, result.payload
    assert result.result == {"object": "hi"}
    item = aws.resource("dynamodb").Table("Visits").get_item(Key={"id": "home"})["Item"]
    assert item["count"] == 1
    bodies = sorted(m["Body"] for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"])
    assert bodies == ["direct", "fan-out"]


def test_seed_ec2_metrics_lab(virtual, aws):
    ec2 = aws.client("ec2")
    started = ec2.run_instances(ImageId="ami-12c6146b", MinCount=5, MaxCount=5)["Instances"]
    ec2.stop_instances(InstanceIds=[i["InstanceId"] for i in started[:2]])
    virtual.create_function("EC2MonitoringFunction", SEED_EC2_METRICS, timeout=30)

    result = virtual.invoke("EC2MonitoringFunction", scheduled_event("EC2MonitoringSchedule"))

    body = json.loads(result.result["body"])
    assert result.result["statusCode"] == 200, body
    assert body["running_instances"] == 3
    stats = aws.client("cloudwatch").get_metric_statistics(
        Namespace="Custom/EC2", MetricName="RunningInstances",
        StartTime=datetime(2025, 12, 31, tzinfo=timezone.utc),
        EndTime=datetime(2026, 1, 2, tzinfo=timezone.utc), Period=300, Statistics=["Average"])
    assert [point["Average"] for point in stats["Datapoints"]] == [3.0]


# ------------------------------------------------------------------ S3 notifications
def test_seed_s3_logger_lab_filters_and_url_encoded_keys(virtual, aws):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="lambda-demo-bucket-unique-name")
    create_log_table(aws)
    virtual.create_function("S3ProcessorFunction", SEED_S3_LOGGER, timeout=30)
    allow_s3(virtual, "S3ProcessorFunction", "lambda-demo-bucket-unique-name")
    # The seed's trigger: all object create events, prefix uploads/, suffix .txt, set with boto3.
    s3.put_bucket_notification_configuration(
        Bucket="lambda-demo-bucket-unique-name",
        NotificationConfiguration={"LambdaFunctionConfigurations": [{
            "LambdaFunctionArn": virtual.get_function_configuration("S3ProcessorFunction")["FunctionArn"],
            "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"},
                                               {"Name": "suffix", "Value": ".txt"}]}}}]})

    for key, body in [("uploads/test-file.txt", b"Hello Lambda!\n"), ("uploads/My Report 100%.txt", b"x" * 42),
                      ("uploads/photo.jpg", b"jpeg"), ("test-file.txt", b"outside the prefix")]:
        s3.put_object(Bucket="lambda-demo-bucket-unique-name", Key=key, Body=body)
    deliveries = aws.settle()

    assert [d.notice.key for d in deliveries] == ["uploads/test-file.txt", "uploads/My Report 100%.txt"]
    sent_keys = [d.event["Records"][0]["s3"]["object"]["key"] for d in deliveries]
    assert sent_keys == ["uploads/test-file.txt", "uploads/My+Report+100%25.txt"]
    record = deliveries[0].event["Records"][0]
    assert record["eventName"] == "ObjectCreated:Put" and record["eventSource"] == "aws:s3"
    assert record["s3"]["object"]["size"] == 14
    assert [r.invocation_type for r in virtual.records] == ["Event", "Event"]
    assert all(r.outcome == "ok" for r in virtual.records)
    items = logged_items(aws)
    assert sorted(items) == ["uploads/My Report 100%.txt", "uploads/test-file.txt"]
    assert items["uploads/test-file.txt"]["file_size"] == 14
    assert items["uploads/My Report 100%.txt"]["status"] == "processed"


def test_thumbnail_lab_end_to_end_upload_thumbnail_then_logged(virtual, aws):
    """Upload -> the seed's thumbnail generator -> thumbnail in S3 -> the seed's logger ->
    DynamoDB item. The trigger's prefix keeps thumbnails/ out of the generator's own input,
    the fix AWS's tutorial teaches for seed 000's recursion bug."""
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="photos")
    create_log_table(aws)
    virtual.create_function("thumbnail", SEED_THUMBNAIL, timeout=30, memory=512, layers=[pillow_layer(virtual)])
    virtual.create_function("logger", SEED_S3_LOGGER, timeout=30)
    allow_s3(virtual, "thumbnail", "photos")
    aws.add_s3_trigger("photos", "thumbnail", prefix="uploads/", suffix=".jpg")
    allow_s3(virtual, "logger", "photos")
    aws.add_s3_trigger("photos", "logger", prefix="thumbnails/")

    s3.put_object(Bucket="photos", Key="uploads/cat.jpg", Body=jpeg(640, 480))
    deliveries = aws.settle()

    assert [(d.function, d.notice.key) for d in deliveries] == [
        ("thumbnail", "uploads/cat.jpg"), ("logger", "thumbnails/uploads/cat.jpg")]
    assert keys(aws, "photos") == ["thumbnails/uploads/cat.jpg", "uploads/cat.jpg"]
    thumbnail = s3.get_object(Bucket="photos", Key="thumbnails/uploads/cat.jpg")
    assert thumbnail["ContentType"] == "image/jpeg"
    data = thumbnail["Body"].read()
    assert Image.open(io.BytesIO(data)).size == (100, 75)  # thumbnail() keeps the aspect ratio
    item = logged_items(aws)["thumbnails/uploads/cat.jpg"]
    assert item["file_size"] == len(data) and item["bucket_name"] == "photos"
    assert sorted(r.function for r in virtual.records) == ["logger", "thumbnail"]


def test_seed_thumbnail_on_its_own_bucket_is_stopped_after_16(virtual, aws):
    """Seed 000's setup (trigger on s3:ObjectCreated:*, thumbnails written to the same bucket)
    loops; Lambda's loop detection lets 16 invocations run and drops the 17th event."""
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="my-photos")
    virtual.create_function("thumbnail", SEED_THUMBNAIL, timeout=30, memory=512, layers=[pillow_layer(virtual)])
    allow_s3(virtual, "thumbnail", "my-photos")
    aws.add_s3_trigger("my-photos", "thumbnail")

    s3.put_object(Bucket="my-photos", Key="photo.jpg", Body=jpeg())
    deliveries = aws.settle(timeout=120)

    assert LOOP_LIMIT == 16
    assert len([r for r in virtual.records if r.function == "thumbnail"]) == 16
    assert [d.chain_count for d in deliveries] == list(range(1, 18))
    assert [d.dropped for d in deliveries] == [None] * 16 + ["RecursiveLoop"]
    assert len(keys(aws, "my-photos", "thumbnails/")) == 16
    assert keys(aws, "my-photos")[-1] == "thumbnails/" * 16 + "photo.jpg"
    [loop] = aws.loops
    assert (loop.function, loop.bucket, loop.invocations) == ("thumbnail", "my-photos", 16)
    assert loop.key == "thumbnails/" * 16 + "photo.jpg"
    assert "stopped a recursive loop" in str(loop)


LOOPING_COPIER = '''
import boto3, urllib.parse
s3 = boto3.client("s3")
def lambda_handler(event, context):
    key = urllib.parse.unquote_plus(event["Records"][0]["s3"]["object"]["key"])
    s3.put_object(Bucket="loop", Key="again/" + key, Body=b"1")
'''


def test_a_stopped_loop_event_lands_in_the_dlq_and_on_failure_destination(virtual, aws):
    """Lambda "will stop the next invocation and send the event to a Dead-Letter Queue or
    on-failure destination, if configured" (AWS's loop detection notice): both get it, in the
    local SQS, with the fields AWS sends a failed asynchronous event's."""
    sqs = aws.client("sqs")
    dlq_url = sqs.create_queue(QueueName="loop-dlq")["QueueUrl"]
    failures_url = sqs.create_queue(QueueName="loop-failures")["QueueUrl"]
    arn = "arn:aws:sqs:us-east-1:123456789012:"
    aws.client("s3").create_bucket(Bucket="loop")
    virtual.create_function("copier", LOOPING_COPIER, timeout=30,
                            dead_letter_config={"TargetArn": arn + "loop-dlq"})
    virtual.put_function_event_invoke_config("copier", on_failure=arn + "loop-failures")
    allow_s3(virtual, "copier", "loop")
    aws.add_s3_trigger("loop", "copier")

    aws.client("s3").put_object(Bucket="loop", Key="a.txt", Body=b"1")
    deliveries = aws.settle()
    virtual.settle()

    assert len(virtual.records) == LOOP_LIMIT  # the stopped event never ran, and costs nothing
    stopped = deliveries[-1]
    assert (stopped.dropped, stopped.chain_count) == ("RecursiveLoop", LOOP_LIMIT + 1)
    outcome = virtual.async_outcome(stopped.request_id)
    assert (outcome.condition, outcome.invocations, outcome.destinations) == (
        "RetriesExhausted", 0, ("on_failure", "dead_letter_queue"))

    [letter] = sqs.receive_message(QueueUrl=dlq_url, MessageAttributeNames=["All"])["Messages"]
    assert json.loads(letter["Body"]) == stopped.event
    attributes = {name: value["StringValue"] for name, value in letter["MessageAttributes"].items()}
    assert attributes == {
        "RequestID": stopped.request_id, "ErrorCode": "400",
        "ErrorMessage": "Lambda has detected your function being invoked in a recursive loop with other "
                        "Amazon Web Services resources and stopped your function's invocation."}

    [failure] = sqs.receive_message(QueueUrl=failures_url)["Messages"]
    record = json.loads(failure["Body"])
    assert record["requestContext"] == {
        "requestId": stopped.request_id, "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:copier:$LATEST",
        "condition": "RetriesExhausted", "approximateInvokeCount": 0}
    assert record["requestPayload"] == stopped.event
    assert "responseContext" not in record and record["version"] == "1.0"


def test_a_stopped_loop_event_without_a_dlq_or_destination_is_only_dropped(virtual, aws):
    aws.client("s3").create_bucket(Bucket="loop")
    virtual.create_function("copier", LOOPING_COPIER, timeout=30)
    allow_s3(virtual, "copier", "loop")
    aws.add_s3_trigger("loop", "copier")
    aws.client("s3").put_object(Bucket="loop", Key="a.txt", Body=b"1")
    stopped = aws.settle()[-1]
    virtual.settle()
    assert stopped.dropped == "RecursiveLoop"
    assert virtual.async_outcome(stopped.request_id).destinations == ()
    assert virtual.async_deliveries == []


def test_each_upload_starts_its_own_chain(virtual, aws):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="copies")
    virtual.create_function("copier", '''
import boto3, urllib.parse
s3 = boto3.client("s3")
def lambda_handler(event, context):
    record = event["Records"][0]["s3"]
    key = urllib.parse.unquote_plus(record["object"]["key"])
    if key.count("copy-") < 2:
        s3.copy_object(Bucket="copies", Key="copy-" + key, CopySource={"Bucket": "copies", "Key": key})
''', timeout=30)
    allow_s3(virtual, "copier", "copies")
    aws.add_s3_trigger("copies", "copier")
    for name in ("a.txt", "b.txt"):
        s3.put_object(Bucket="copies", Key=name, Body=b"1")
    deliveries = aws.settle()
    chains = sorted((d.notice.key, d.chain_count, d.notice.event_name) for d in deliveries)
    assert chains == [("a.txt", 1, "s3:ObjectCreated:Put"), ("b.txt", 1, "s3:ObjectCreated:Put"),
                      ("copy-a.txt", 2, "s3:ObjectCreated:Copy"), ("copy-b.txt", 2, "s3:ObjectCreated:Copy"),
                      ("copy-copy-a.txt", 3, "s3:ObjectCreated:Copy"),
                      ("copy-copy-b.txt", 3, "s3:ObjectCreated:Copy")]
    assert not aws.loops


def test_object_removed_event(virtual, aws):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="logs")
    virtual.create_function("on-delete", "def lambda_handler(event, context):\n    return event\n")
    allow_s3(virtual, "on-delete", "logs")
    aws.add_s3_trigger("logs", "on-delete", events=["s3:ObjectRemoved:*"], suffix=".log")
    s3.put_object(Bucket="logs", Key="old/app 1.log", Body=b"...")
    s3.put_object(Bucket="logs", Key="keep.txt", Body=b"...")
    s3.delete_object(Bucket="logs", Key="old/app 1.log")
    s3.delete_object(Bucket="logs", Key="keep.txt")
    [delivery] = aws.settle()
    record = delivery.event["Records"][0]
    assert record["eventName"] == "ObjectRemoved:Delete"
    assert record["s3"]["object"]["key"] == "old/app+1.log"
    assert set(record["s3"]["object"]) == {"key", "sequencer"}  # no size or eTag for a delete


def test_a_notification_for_a_missing_function_is_refused(virtual, aws):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="orphans")
    missing = "arn:aws:lambda:us-east-1:123456789012:function:does-not-exist"
    with pytest.raises(ClientError) as caught:
        s3.put_bucket_notification_configuration(
            Bucket="orphans", NotificationConfiguration={"LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": missing, "Events": ["s3:ObjectCreated:*"]}]})
    assert caught.value.response["Error"]["Code"] == "InvalidArgument"
    assert "Unable to validate the following destination configurations" in str(caught.value)
    assert s3.get_bucket_notification_configuration(Bucket="orphans").get("LambdaFunctionConfigurations") is None


def test_s3_needs_the_function_policy_to_allow_it_for_that_bucket(virtual, aws):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="guarded")
    virtual.create_function("guarded-fn", "def lambda_handler(event, context):\n    return 1\n")
    arn = virtual.get_function_configuration("guarded-fn")["FunctionArn"]
    config = {"LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]}

    def refusal():
        with pytest.raises(ClientError) as caught:
            s3.put_bucket_notification_configuration(Bucket="guarded", NotificationConfiguration=config)
        return caught.value.response["Error"]

    # No statement, a statement for another bucket, one for another account: S3 refuses, as AWS does.
    for source_arn, source_account in ((None, None), ("arn:aws:s3:::other", "123456789012"),
                                       ("arn:aws:s3:::guarded", "210987654321")):
        if source_arn:
            virtual.add_permission("guarded-fn", "s3", "lambda:InvokeFunction", "s3.amazonaws.com",
                                   source_arn=source_arn, source_account=source_account)
        error = refusal()
        assert (error["Code"], error["Message"]) == \
            ("InvalidArgument", "Unable to validate the following destination configurations")
        assert error["ArgumentValue"] == f"Not authorized to invoke function [{arn}]"
        if source_arn:
            virtual.remove_permission("guarded-fn", "s3")
    virtual.add_permission("guarded-fn", "s3", "lambda:InvokeFunction", "s3.amazonaws.com",
                           source_arn="arn:aws:s3:::guarded", source_account="123456789012")
    s3.put_bucket_notification_configuration(Bucket="guarded", NotificationConfiguration=config)
    s3.put_object(Bucket="guarded", Key="one", Body=b"1")
    [delivered] = aws.settle()
    assert delivered.request_id and not delivered.dropped

    # The permission removed later: Lambda refuses S3's invoke, and the event is dropped.
    virtual.remove_permission("guarded-fn", "s3")
    s3.put_object(Bucket="guarded", Key="two", Body=b"2")
    [_, dropped] = aws.settle()
    assert dropped.request_id is None
    assert dropped.dropped.startswith("AccessDeniedException: s3.amazonaws.com is not authorized to perform: "
                                      f"lambda:InvokeFunction on resource: {arn}")
    assert [r.function for r in virtual.records] == ["guarded-fn"]


def test_a_qualified_arn_invokes_that_alias(virtual, aws):
    virtual.create_function("versioned",
                            "def lambda_handler(event, context):\n    return context.invoked_function_arn\n",
                            publish=True)
    virtual.create_alias("versioned", "live", "1")
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="aliased")
    allow_s3(virtual, "versioned", "aliased", qualifier="live")
    aws.add_s3_trigger("aliased", "versioned", qualifier="live")
    s3.put_object(Bucket="aliased", Key="k", Body=b"")
    [delivery] = aws.settle()
    assert (delivery.function, delivery.qualifier) == ("versioned", "live")
    assert [r.version for r in virtual.records] == ["1"]
