"""Checks for lesson 8, event sources I. Each check runs the learner's function against its
own local AWS services (moto) on a fresh runtime."""

import io
import json
import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone

from lambdakit.course.checking import deployed, handler_source, learner_random
from lambdakit.course.exercises import exercise, expect, fail
from lambdakit.events import scheduled_event

LOGGER = """
import boto3
import urllib.parse
from datetime import datetime

s3_client = boto3.client('s3')
dynamodb = boto3.resource('dynamodb')

def lambda_handler(event, context):
    for record in event['Records']:
        bucket = record['s3']['bucket']['name']
        key = urllib.parse.unquote_plus(record['s3']['object']['key'])
        response = s3_client.head_object(Bucket=bucket, Key=key)
        dynamodb.Table('FileProcessingLog').put_item(Item={
            'file_key': key, 'bucket_name': bucket, 'file_size': response['ContentLength'],
            'processed_at': datetime.now().isoformat(), 'status': 'processed'})
"""
HELLO = """
def lambda_handler(event, context):
    return {"statusCode": 200, "body": "hello"}
"""


@contextmanager
def local_aws(code, name, **settings):
    with deployed(code, name, **settings) as lam:
        aws = lam.local_aws(kernel_env=False)
        yield lam, aws


def _allow_s3(lam, function, bucket):
    """The statement S3 needs in the function's policy before a notification may name it."""
    lam.add_permission(function, f"s3-{bucket}", "lambda:InvokeFunction", "s3.amazonaws.com",
                       source_arn=f"arn:aws:s3:::{bucket}", source_account="123456789012")


def _rgba_png(size):
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGBA", size, (200, 30, 30, 128)).save(buffer, "PNG")
    return buffer.getvalue()


@exercise("8.1")
def thumbnail(code):
    from PIL import Image
    code = handler_source(code)
    with local_aws(code, "thumbnail", memory=512, timeout=30, layer_packages=("pillow",),
                   env={"THUMBNAIL_BUCKET": "photos-thumbnails"}) as (lam, aws):
        s3 = aws.client("s3")
        for bucket in ("photos", "photos-thumbnails"):
            s3.create_bucket(Bucket=bucket)
        _allow_s3(lam, "thumbnail", "photos")
        aws.add_s3_trigger("photos", "thumbnail")
        rng = learner_random("8.1")
        size = (rng.randint(300, 900), rng.randint(200, 700))
        s3.put_object(Bucket="photos", Key="uploads/My Cat.png", Body=_rgba_png(size))
        deliveries = aws.settle(timeout=120)
        results = [r for r in lam.records if r.function == "thumbnail"]
        photos = [o["Key"] for o in s3.list_objects_v2(Bucket="photos").get("Contents", [])]
        thumbs = [o["Key"] for o in s3.list_objects_v2(Bucket="photos-thumbnails").get("Contents", [])]
        body = s3.get_object(Bucket="photos-thumbnails", Key=thumbs[0])["Body"].read() if len(thumbs) == 1 else b""
        logs = [e.message for e in lam.log_events("thumbnail")]
    errors = [r for r in results if r.outcome != "ok"]
    if errors and not aws.loops and len(photos) == 1:
        # An S3 event is asynchronous: a failing one is retried twice, so 3 invocations
        # here are retries of one error, not recursion.
        printed = " | ".join(line.strip() for message in logs for line in message.splitlines()
                             if re.match(r"\s*\[?\w*(Error|Exception)\b", line))[:300]
        fail(f"the function failed on the upload ({len(results)} invocations: the first and Lambda's "
             f"retries): {errors[-1].error_type}; its log: {printed or 'nothing useful'}",
             {"NoSuchKey": "The key in an S3 event is URL-encoded: 'My Cat.png' arrives as 'My+Cat.png'.",
              "OSError": "JPEG has no alpha channel: an RGBA image must become RGB before it is saved as JPEG.",
              }.get(errors[-1].error_type, "Read the error in the function's log."))
    expect(len(results) == 1 and not aws.loops,
           f"one upload invoked the function {len(results)} times: the function triggers itself.",
           "Write the thumbnail to os.environ['THUMBNAIL_BUCKET'], not to the bucket the event names.")
    expect(photos == ["uploads/My Cat.png"], f"the source bucket now holds {photos}.",
           "Nothing may be written back to the source bucket.")
    if len(thumbs) != 1:
        printed = " | ".join(line for line in logs if "Error" in line or "error" in line)[:300]
        fail(f"the thumbnail bucket holds {thumbs}; expected one thumbnail. The function answered "
             f"{deliveries[0].request_id and 'with'} logs: {printed or 'nothing useful'}.",
             "Decode the key with urllib.parse.unquote_plus, and convert RGBA images to RGB before saving as JPEG.")
    image = Image.open(io.BytesIO(body))
    longer = max(size)
    expected = tuple(max(1, round(side * 100 / longer)) for side in size)
    expect(image.format == "JPEG" and max(image.size) == 100 and all(abs(a - b) <= 1 for a, b in zip(image.size, expected)),
           f"from a {size[0]} x {size[1]} upload the thumbnail is a {image.format} of {image.size}; expected a "
           "JPEG 100 pixels on its longer side, in the upload's proportions.",
           "Image.thumbnail((100, 100)) keeps the aspect ratio; resize((100, 100)) does not.")
    return f"one invocation, one JPEG 100 pixels on its longer side in the thumbnail bucket: {thumbs[0]}"


@exercise("8.2")
def logger_trigger(notification):
    if not isinstance(notification, dict) or "LambdaFunctionConfigurations" not in notification:
        fail("notification should stay a dict with LambdaFunctionConfigurations.")
    uploads = [("uploads/test-file.txt", b"Hello Lambda!\n"), ("uploads/My Notes 2026.txt", b"x" * 42),
               ("uploads/photo.jpg", b"jpeg"), ("test-file.txt", b"outside the prefix")]
    with local_aws(LOGGER, "S3ProcessorFunction", timeout=30) as (lam, aws):
        lam.create_function("HelloWorldFunction", HELLO)
        for function in ("S3ProcessorFunction", "HelloWorldFunction"):  # the lab's console added both
            _allow_s3(lam, function, "lambda-demo-bucket-unique-name")
        s3 = aws.client("s3")
        s3.create_bucket(Bucket="lambda-demo-bucket-unique-name")
        aws.client("dynamodb").create_table(
            TableName="FileProcessingLog", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "file_key", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "file_key", "AttributeType": "S"}])
        try:
            s3.put_bucket_notification_configuration(Bucket="lambda-demo-bucket-unique-name",
                                                     NotificationConfiguration=notification)
        except Exception as error:
            fail(f"S3 refuses the configuration: {error}")
        for key, body in uploads:
            s3.put_object(Bucket="lambda-demo-bucket-unique-name", Key=key, Body=body)
        aws.settle(timeout=120)
        invoked = sorted(r.function for r in lam.records)
        items = {item["file_key"]["S"]: int(item["file_size"]["N"])
                 for item in aws.client("dynamodb").scan(TableName="FileProcessingLog")["Items"]}
    expect("HelloWorldFunction" not in invoked, "the uploads still invoke HelloWorldFunction.",
           "The trigger must name S3ProcessorFunction's ARN.")
    expected = {"uploads/test-file.txt": 14, "uploads/My Notes 2026.txt": 42}
    expect(items == expected, f"the table holds {items}; expected {expected}.",
           "Only keys with the prefix uploads/ and the suffix .txt: add a suffix rule.")
    return "2 of 4 uploads logged: prefix uploads/, suffix .txt, to S3ProcessorFunction"


RUNNING = [{"Name": "instance-state-name", "Values": ["running"]}]
RUNS = 3   # of the job in 8.3, 5 minutes apart


def _fleet(ec2, rng):
    """More reservations than one page of describe_instances holds (EC2 pages large fleets;
    moto's server, like AWS, returns 100 reservations a page), some of two instances, a few
    stopped; the number of running instances and what the first page alone would count."""
    sizes = [rng.choice((1, 1, 2)) for _ in range(100 + rng.randint(10, 30))]
    with ThreadPoolExecutor(4) as pool:  # moto takes ~40 ms a reservation; side by side, a quarter
        reservations = list(pool.map(
            lambda n: ec2.run_instances(ImageId="ami-12c6146b", MinCount=n, MaxCount=n)["Instances"], sizes))
    stopped = rng.sample(reservations, rng.randint(3, 8))
    ec2.stop_instances(InstanceIds=[i["InstanceId"] for r in stopped for i in r])
    first_page = ec2.describe_instances(Filters=RUNNING)
    return (sum(len(r) for r in reservations if r not in stopped),
            sum(len(r["Instances"]) for r in first_page["Reservations"]))


@exercise("8.3")
def ec2_metrics(code):
    code = handler_source(code)
    with local_aws(code, "EC2MonitoringFunction", timeout=30) as (lam, aws):
        running, first_page = _fleet(aws.client("ec2"), learner_random("8.3"))
        start = lam.clock.now_ms()
        for minute in range(0, RUNS * 5, 5):
            lam.advance(seconds=max(0, start + minute * 60_000 - lam.clock.now_ms()) / 1000)
            result = lam.invoke("EC2MonitoringFunction", scheduled_event("EC2MonitoringSchedule",
                                                                         now=lam.clock.now_ms()))
            if result.function_error:
                fail(f"the job failed: {result.result.get('errorType')}: {result.result.get('errorMessage')}")
        stats = aws.client("cloudwatch").get_metric_statistics(
            Namespace="Custom/EC2", MetricName="RunningInstances",
            StartTime=datetime(2025, 1, 1, tzinfo=timezone.utc), EndTime=datetime(2027, 1, 1, tzinfo=timezone.utc),
            Period=60, Statistics=["Maximum", "SampleCount"])["Datapoints"]
        lam.update_function_configuration("EC2MonitoringFunction", env={
            "AWS_ENDPOINT_URL_EC2": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"})
        broken = lam.invoke("EC2MonitoringFunction", scheduled_event("EC2MonitoringSchedule"))
    values = sorted({point["Maximum"] for point in stats})
    samples = sum(point["SampleCount"] for point in stats)
    if values == [first_page]:
        fail(f"CloudWatch received {first_page} running instances, the first page's count; the fleet has "
             f"{running}.", "describe_instances answers one page at a time: read every page.")
    expect(samples == RUNS and values == [running],
           f"CloudWatch received {int(samples)} datapoints with values {values}; expected {RUNS}, each {running}.",
           "Count the instances of every reservation of every page, in the running state only.")
    expect(broken.function_error == "Unhandled",
           f"with EC2 unreachable the invocation succeeded with {json.dumps(broken.result)[:120]}.",
           "In the except block, log the error and then raise it again.")
    return f"{RUNS} datapoints of every running instance, page after page; a failure is a function error Lambda can retry"
