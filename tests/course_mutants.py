"""Answers to every graded exercise for tests/test_course_mutations.py: per exercise, at
least two different correct ones ("correct") and at least three wrong ones ("wrong": one
"hard-coded", one "anti-pattern" (what the lesson warns against), one "off" (a wrong unit
or threshold)). Each answer is the learner's cell source (or a list of cells)."""


def _process_data(year_expr, imports="from datetime import datetime, timezone", verification="age >= 18",
                  module=""):
    return f"""%%lambda process-data-fixed
import json
{imports}
{module}
def lambda_handler(event, context):
    name = event.get('name', 'Guest')
    age = event.get('age', 18)
    birth_year = {year_expr} - age
    return {{'statusCode': 200, 'body': json.dumps({{'message': f'Hello {{name}}!',
            'birth_year': birth_year, 'verification': {verification}}})}}
"""


def _process(body_value="json.dumps(body)", memory='f"{context.memory_limit_in_mb}MB"',
             remaining='f"{context.get_remaining_time_in_millis()}ms"', processed="[x * x for x in data]"):
    return f"""%%lambda process
import json

def lambda_handler(event, context):
    data = event.get("data", [])
    body = {{"original": data, "processed": {processed}, "count": len(data),
            "memoryLimit": {memory}, "remainingTime": {remaining}}}
    return {{"statusCode": 200, "body": {body_value}}}
"""


MONTHLY_COST = """
import math
def my_monthly_cost(invocations, duration_ms, memory_mb, free_tier=False):
    billed_ms = math.ceil(Decimal(str(duration_ms)))
    gb_seconds = Decimal(invocations) * billed_ms * memory_mb / {mb} / {ms}
    requests = Decimal(invocations)
    if free_tier:
        requests = {free_requests}
        gb_seconds = {free_gb_s}
    return requests * Decimal("0.0000002") + gb_seconds * Decimal("0.0000166667")
"""


def _monthly(mb="1024", ms="1000", free_requests="max(requests - 1_000_000, 0)",
             free_gb_s="max(gb_seconds - 400_000, 0)"):
    return MONTHLY_COST.format(mb=mb, ms=ms, free_requests=free_requests, free_gb_s=free_gb_s)



_API_1536 = 'api_design = {"memory_mb": 1536, "provisioned": 0, "p99_ms": 261}'


def _worker(memory, invocation, cap, bill):
    return (f'worker_design = {{"memory_mb": {memory}, "invocation": "{invocation}", "max_concurrency": {cap}}}\n'
            f"month_bill = {bill}")


def _log(request_id="context.aws_request_id", emit="print(json.dumps(log_data))"):
    return f"""%%lambda structured-log
import json

def lambda_handler(event, context):
    log_data = {{'level': 'INFO', 'message': 'Processing request',
                'request_id': {request_id}, 'user_id': event.get('user_id')}}
    {emit}
"""


def _batch(condition="context.get_remaining_time_in_millis() < 500"):
    return f"""%%lambda batch-worker
from lambdakit import work

def lambda_handler(event, context):
    items = event["items"]
    processed = 0
    for item in items:
        if {condition}:
            break
        work(io_ms=400)
        processed += 1
    return {{"processed": processed, "remaining": len(items) - processed}}
"""


def _lazy(module="MODEL = None", get="MODEL = MODEL or load_model()", personal="event.get('personal')"):
    return f"""%%lambda recommender-lazy --memory 1024
from lambdakit import work

def load_model():
    work(io_ms=800)
    return {{"weights": [0.2, 0.5, 0.3]}}

{module}

def lambda_handler(event, context):
    global MODEL
    if not {personal}:
        return {{"recommendation": "popular"}}
    {get}
    work(cpu_ms=20)
    return {{"recommendation": max(range(3), key=lambda i: MODEL["weights"][i])}}
"""


def _nightly(warm_up="event.get('warmer') is True"):
    return f"""%%lambda nightly-report
import json
from datetime import datetime

def lambda_handler(event, context):
    if {warm_up}:
        return {{'statusCode': 200, 'body': 'Warm-up successful'}}
    return {{'statusCode': 200, 'body': json.dumps({{'processed': True, 'at': datetime.now().isoformat()}})}}
"""



def _order(handled="raise"):
    return f"""%%lambda place-order
import json
import os

def charge(order):
    if os.environ.get("PAYMENTS_DOWN"):
        raise ConnectionError("payment service unavailable")
    return {{"charged": order["amount"]}}

def lambda_handler(event, context):
    try:
        receipt = charge(event)
        return {{"statusCode": 200, "body": json.dumps(receipt)}}
    except Exception as e:
        print(f"Error processing order {{event.get('order_id')}}: {{e}}")
        {handled}
"""


def _charge(guard):
    return f"""%%lambda charge-order --timeout 10
import json
import boto3

sqs = boto3.client("sqs")
QUEUE_URL = sqs.get_queue_url(QueueName="charges")["QueueUrl"]
dynamodb = boto3.client("dynamodb")

def lambda_handler(event, context):
{guard}
    sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=json.dumps({{"order_id": event["order_id"], "amount": event["amount"]}}))
    return {{"charged": event["order_id"]}}
"""


CONDITIONAL_WRITE = """    try:
        dynamodb.put_item(TableName="processed-orders", Item={"order_id": {"S": event["order_id"]}},
                          ConditionExpression="attribute_not_exists(order_id)")
    except dynamodb.exceptions.ConditionalCheckFailedException:
        return {"charged": event["order_id"], "duplicate": True}"""


READ_FIRST = """    seen = dynamodb.get_item(TableName="processed-orders", Key={"order_id": {"S": event["order_id"]}})
    if "Item" in seen:
        return {"charged": event["order_id"], "duplicate": True}"""
UNCONDITIONAL_WRITE = """
    dynamodb.put_item(TableName="processed-orders", Item={"order_id": {"S": event["order_id"]}})"""


def _thumbnail(target="os.environ['THUMBNAIL_BUCKET']", key="urllib.parse.unquote_plus(record['s3']['object']['key'])",
               shrink="image.thumbnail((100, 100))", convert="image = image.convert('RGB')"):
    return f"""%%lambda thumbnail-fixed
import boto3
import os
import urllib.parse
from io import BytesIO
from PIL import Image

s3 = boto3.client('s3')

def lambda_handler(event, context):
    record = event['Records'][0]
    bucket = record['s3']['bucket']['name']
    key = {key}
    image = Image.open(BytesIO(s3.get_object(Bucket=bucket, Key=key)['Body'].read()))
    {shrink}
    {convert}
    buffer = BytesIO()
    image.save(buffer, format='JPEG')
    s3.put_object(Bucket={target}, Key=f"thumbnails/{{key}}", Body=buffer.getvalue())
"""


def _words(loop="while true; do", after_error="continue", error_path="error",
           error_body="""-d '{"errorType": "MissingText", "errorMessage": "the event has no text"}'""",
           count="", reverse="", answer=r'''"{\"words\": $COUNT, \"reversed\": \"$REVERSED\"}"'''):
    """Exercise 11.3's bootstrap (the solution when called without arguments)."""
    walk = 'for WORD in $TEXT; do\n    REVERSED="$WORD${REVERSED:+ }$REVERSED"\n    COUNT=$((COUNT + 1))\n  done'
    if count or reverse:
        walk = f"{walk}\n  {count}\n  {reverse}"
    return f"""%%lambda words --runtime provided.al2023
#!/bin/bash
API="http://${{AWS_LAMBDA_RUNTIME_API}}/2018-06-01/runtime"
{loop}
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -D "$HEADERS" "$API/invocation/next")
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  if ! echo "$EVENT" | grep -q '"text": *"'; then
    curl -sS -o /dev/null "$API/invocation/$REQUEST_ID/{error_path}" {error_body}
    {after_error}
  fi
  TEXT=$(echo "$EVENT" | sed 's/.*"text": *"\\([^"]*\\)".*/\\1/')
  REVERSED=""
  COUNT=0
  {walk}
  curl -sS -o /dev/null "$API/invocation/$REQUEST_ID/response" -d {answer}
done
"""


WORDS_TAC = r"""%%lambda words --runtime provided.al2023
#!/bin/bash
set -euo pipefail
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
HEADERS=/tmp/headers
PATTERN='"text": *"([a-z ]*)"'
while :; do
  EVENT=$(curl -sS -D "$HEADERS" "$API/invocation/next")
  ID=$(sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: *\([^[:space:]]*\).*/\1/p' "$HEADERS")
  if [[ $EVENT =~ $PATTERN ]]; then
    TEXT="${BASH_REMATCH[1]}"
    COUNT=$(echo $TEXT | wc -w)
    REVERSED=$(echo $TEXT | tr ' ' '\n' | tac | paste -sd' ')
    curl -sS -o /dev/null -X POST "$API/invocation/$ID/response" -d "{\"words\": $COUNT, \"reversed\": \"$REVERSED\"}"
  else
    curl -sS -o /dev/null -X POST "$API/invocation/$ID/error" -H "Lambda-Runtime-Function-Error-Type: Function.MissingText" \
      -d '{"errorType": "MissingText", "errorMessage": "the event has no text"}'
  fi
done
"""


def _ec2(count, on_error="raise"):
    return f"""%%lambda EC2MonitoringFunction --timeout 30
import boto3

cloudwatch = boto3.client('cloudwatch')
ec2 = boto3.client('ec2')
FILTERS = [{{'Name': 'instance-state-name', 'Values': ['running']}}]

def lambda_handler(event, context):
    try:
{count}
        cloudwatch.put_metric_data(Namespace='Custom/EC2', MetricData=[
            {{'MetricName': 'RunningInstances', 'Value': running, 'Unit': 'Count'}}])
        return {{'running_instances': running}}
    except Exception as e:
        print(f"Error: {{e}}")
        {on_error}
"""


PAGINATOR = """        running = 0
        for page in ec2.get_paginator('describe_instances').paginate(Filters=FILTERS):
            for reservation in page['Reservations']:
                running += len(reservation['Instances'])"""
NEXT_TOKEN = """        running, kwargs = 0, {'Filters': FILTERS}
        while True:
            page = ec2.describe_instances(**kwargs)
            running += sum(len(r['Instances']) for r in page['Reservations'])
            if not page.get('NextToken'):
                break
            kwargs['NextToken'] = page['NextToken']"""


def _orders(on_error="failures.append({'itemIdentifier': record['messageId']})", after="return {'batchItemFailures': failures}"):
    return f"""%%lambda orders-partial
def process(body):
    if body.startswith("POISON"):
        raise ValueError(f"cannot parse {{body}}")

def lambda_handler(event, context):
    failures = []
    for record in event['Records']:
        try:
            process(record['body'])
        except Exception as error:
            print(f"failed {{record['messageId']}}: {{error}}")
            {on_error}
    {after}
"""


def _emf(namespace="'MyApp'", value="100", unit="'Count'", dimension="context.function_name", emit="print(json.dumps(metrics))"):
    return f"""%%lambda emf-metrics
import json
import time

def lambda_handler(event, context):
    metrics = {{'_aws': {{'Timestamp': int(time.time() * 1000), 'CloudWatchMetrics': [{{
                    'Namespace': {namespace}, 'Dimensions': [['FunctionName']],
                    'Metrics': [{{'Name': 'ItemsProcessed', 'Unit': {unit}}}]}}]}},
               'FunctionName': {dimension}, 'ItemsProcessed': {value}}}
    {emit}
"""


LOGS = """logs = {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": "arn:aws:logs:*:*:*"}
"""


def _policies(s3_resource="arn:aws:s3:::lambda-demo-bucket-unique-name/*", logs="logs", s3_action='["s3:GetObject"]'):
    return LOGS + f"""policies = {{
    "S3ProcessorFunction": {{"Version": "2012-10-17", "Statement": [{logs},
        {{"Effect": "Allow", "Action": {s3_action}, "Resource": "{s3_resource}"}},
        {{"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": "arn:aws:dynamodb:*:*:table/FileProcessingLog"}}]}},
    "EC2MonitoringFunction": {{"Version": "2012-10-17", "Statement": [{logs},
        {{"Effect": "Allow", "Action": ["ec2:DescribeInstances", "cloudwatch:PutMetricData"], "Resource": "*"}}]}},
}}"""


def _notification(arn="arn:aws:lambda:us-east-1:123456789012:function:S3ProcessorFunction",
                  rules='[{"Name": "prefix", "Value": "uploads/"}, {"Name": "suffix", "Value": ".txt"}]',
                  events='["s3:ObjectCreated:*"]'):
    return f"""notification = {{"LambdaFunctionConfigurations": [{{"LambdaFunctionArn": "{arn}", "Events": {events},
    "Filter": {{"Key": {{"FilterRules": {rules}}}}}}}]}}"""



def _approval(reserve='context.step(lambda step_context: "reserved", name="reserve")',
              wait="context.wait(Duration.from_days(2))",
              approved='context.create_callback(name="approval").result()'):
    return f"""approval_code = \'\'\'
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import Duration

@durable_execution
def handler(event, context):
    {reserve}
    {wait}
    approved = {approved}
    return {{"order": event["order"], "approved": approved}}
\'\'\'"""


MUTANTS = {
    # ------------------------------------------------------------------ lesson 1
    "1.1": {
        "correct": {"literal": "my_body = '\"Hello from Lambda!\"'",
                    "json.dumps": "my_body = json.dumps('Hello from Lambda!')"},
        "wrong": {"hard-coded: the guide's": "my_body = 'Hello from Lambda!'",
                  "anti-pattern: a Python repr": "my_body = \"'Hello from Lambda!'\"",
                  "off: bytes": "my_body = b'\"Hello from Lambda!\"'"},
    },
    "1.2": {
        "correct": {
            "datetime utc": _process_data("datetime.now(timezone.utc).year"),
            "time.gmtime": _process_data("time.gmtime().tm_year", imports="import time"),
        },
        "wrong": {
            "hard-coded": _process_data("2025"),
            "anti-pattern: year read once, at INIT": _process_data(
                "YEAR", module="YEAR = datetime.now(timezone.utc).year"),
            "off: 18 is not an adult": _process_data("datetime.now(timezone.utc).year", verification="age > 18"),
        },
    },
    "1.3": {
        "correct": {"comprehension": _process(),
                    "map and str()": _process(memory='str(context.memory_limit_in_mb) + "MB"',
                                              remaining='str(context.get_remaining_time_in_millis()) + "ms"',
                                              processed="list(map(lambda x: x ** 2, data))")},
        "wrong": {"hard-coded: 128MB": _process(memory='"128MB"'),
                  "anti-pattern: body left a dict": _process(body_value="body"),
                  "off: seconds, not ms": _process(remaining='f"{context.get_remaining_time_in_millis() / 1000}ms"'),
                  "off: doubled, not squared": _process(processed="[x * 2 for x in data]")},
    },
    # ------------------------------------------------------------------ lesson 2
    "2.1": {
        "correct": {"print json.dumps": _log(),
                    "sys.stdout.write": _log(emit="import sys; sys.stdout.write(json.dumps(log_data) + '\\n')")},
        "wrong": {"hard-coded: a fixed id": _log(request_id="'8f5e2c1a-0000-4000-8000-000000000000'"),
                  "anti-pattern: a Python dict, not JSON": _log(emit="print(log_data)"),
                  "off: a shortened id": _log(request_id="context.aws_request_id[:8]")},
    },
    "2.2": {
        "correct": {"list": "counter_prediction = [1, 2, 3, 1, 2, 1]",
                    "tuple": "counter_prediction = (1, 2, 3, 1, 2, 1)"},
        "wrong": {"hard-coded: every call fresh": "counter_prediction = [1, 1, 1, 1, 1, 1]",
                  "anti-pattern: never reclaimed": "counter_prediction = [1, 2, 3, 4, 5, 6]",
                  "off: a configuration change keeps the environment": "counter_prediction = [1, 2, 3, 1, 2, 3]",
                  "off: strings": "counter_prediction = ['1', '2', '3', '1', '2', '1']"},
    },
    "2.3": {
        "correct": {"check before each item": _batch(),
                    "while loop": _batch().replace("for item in items:\n        if context.get_remaining_time_in_millis() < 500:\n            break",
                                                  "while processed < len(items) and context.get_remaining_time_in_millis() >= 500:")},
        "wrong": {"hard-coded: seven items": _batch("processed == 7"),
                  "anti-pattern: no deadline check": _batch("False"),
                  "off: seconds, not ms": _batch("context.get_remaining_time_in_millis() < 0.5")},
    },
    # ------------------------------------------------------------------ lesson 3
    "3.1": {
        "correct": {"a number": "cold_starts = 5", "counted": "cold_starts = len([0, 25, 40, 52, 70])"},
        "wrong": {"hard-coded: the first request only": "cold_starts = 1",
                  "anti-pattern: every request cold": "cold_starts = 9",
                  "off: a 15-minute reclaim": "cold_starts = 3",
                  "off: a string": "cold_starts = '5'"},
    },
    "3.2": {
        "correct": {"MODEL or load_model()": _lazy(),
                    "lru_cache": _lazy(module="from functools import lru_cache\nMODEL = None\nload_model = lru_cache(maxsize=None)(load_model)",
                                       get="MODEL = load_model()")},
        "wrong": {"hard-coded: never loads": _lazy(get="MODEL = {'weights': [0.2, 0.5, 0.3]}"),
                  "anti-pattern: loaded at INIT": _lazy(module="MODEL = load_model()", get="pass"),
                  "off: loaded on every personal request": _lazy(get="MODEL = load_model()"),
                  "off: loaded for every request": _lazy(personal="[MODEL := MODEL or load_model(), event.get('personal')][1]")},
    },
    "3.3": {
        "correct": {"is True": _nightly(), "== True and a dict": _nightly("isinstance(event, dict) and event.get('warmer') == True")},
        "wrong": {"hard-coded: never warms up": _nightly("False"),
                  "anti-pattern: every schedule is a warm-up": _nightly("event.get('source') == 'aws.events' or event.get('warmer') is True"),
                  "off: the wrong marker": _nightly("event.get('warm') is True")},
    },
    # ------------------------------------------------------------------ lesson 4
    "4.1": {
        "correct": {"Decimal": _monthly(),
                    "floats": """
import math
def my_monthly_cost(invocations, duration_ms, memory_mb, free_tier=False):
    gb_s = invocations * math.ceil(duration_ms) / 1000 * (memory_mb / 1024)
    requests = invocations
    if free_tier:
        gb_s, requests = max(0.0, gb_s - 400_000), max(0, requests - 1_000_000)
    return round(requests * 0.2 / 1_000_000 + gb_s * 0.0000166667, 9)
"""},
        "wrong": {"hard-coded: the pricing page's answer": "def my_monthly_cost(*a, **k):\n    return Decimal('18.73337')",
                  "anti-pattern: 100 ms billing": _monthly().replace("math.ceil(Decimal(str(duration_ms)))",
                                                                      "math.ceil(Decimal(str(duration_ms)) / 100) * 100"),
                  "off: 1,000 MB to the GB": _monthly(mb="1000"),
                  "off: a negative free tier": _monthly(free_requests="requests - 1_000_000", free_gb_s="gb_seconds - 400_000")},
    },
    "4.2": {
        "correct": {"rounded": "s4_corrected = (0.62, 0.0)", "dollar strings": "s4_corrected = ('$0.62', '$0.00')"},
        "wrong": {"hard-coded: the README's": "s4_corrected = (0.63, 0.0)",
                  "anti-pattern: 0.128 GB": "s4_corrected = (round(25_600 * 0.0000166667 + 0.2, 2), 0)",
                  "off: no free tier": "s4_corrected = (0.62, 0.62)",
                  "off: no request charge": "s4_corrected = (0.42, 0.0)"},
    },
    "4.3": {
        "correct": {"rounded": "functions_in_free_tier = 1.23",
                    "exact": "functions_in_free_tier = Decimal(400_000) / (Decimal('0.125') * 2_592_000)"},
        "wrong": {"hard-coded: the guide's": "functions_in_free_tier = 4",
                  "anti-pattern: the old 3.6M GB-s": "functions_in_free_tier = 3_600_000 / (0.125 * 2_592_000)",
                  "off: 0.128 GB": "functions_in_free_tier = 400_000 / (0.128 * 2_592_000)"},
    },
    # ------------------------------------------------------------------ lesson 5
    "5.1": {
        "correct": {"int": "memory_for_api = 1536", "from a table": "memory_for_api = {'best': 1536}['best']"},
        "wrong": {"hard-coded: the largest": "memory_for_api = 4096",
                  "anti-pattern: the smallest, too slow": "memory_for_api = 128",
                  "off: fast enough, not cheapest": "memory_for_api = 1769"},
    },
    "5.2": {
        "correct": {"Decimal": """s2_comparison = {"cost_128": Decimal(128) / 1024 * 5 * Decimal("0.0000166667"),
    "cost_1024": Decimal("0.0000166667"), "percent_cheaper": Decimal("37.5"), "small_memory_suits": "io-bound"}""",
                    "floats": """s2_comparison = {"cost_128": 0.625 * 0.0000166667, "cost_1024": 0.0000166667,
    "percent_cheaper": 37.5, "small_memory_suits": "io-bound"}"""},
        "wrong": {"hard-coded: the guide's": """s2_comparison = {"cost_128": 0.00001067, "cost_1024": 0.0000166667,
    "percent_cheaper": 36, "small_memory_suits": "io-bound"}""",
                  "anti-pattern: small memory for CPU work": """s2_comparison = {"cost_128": 0.625 * 0.0000166667,
    "cost_1024": 0.0000166667, "percent_cheaper": 37.5, "small_memory_suits": "cpu-bound"}""",
                  "off: 1,000 MB to the GB": """s2_comparison = {"cost_128": 0.64 * 0.0000166667,
    "cost_1024": 1.024 * 0.0000166667, "percent_cheaper": 37.5, "small_memory_suits": "io-bound"}"""},
    },
    "5.3": {
        "correct": {"rounded": "cost_per_1000_at_1536 = 0.0368",
                    "exact": "cost_per_1000_at_1536 = 1000 * (Decimal('1.465') * Decimal('1.5') * Decimal('0.0000166667') + Decimal('0.0000002'))"},
        "wrong": {"hard-coded: the table's": "cost_per_1000_at_1536 = 0.024638",
                  "anti-pattern: no request charge": "cost_per_1000_at_1536 = 1000 * 1.465 * 1.5 * 0.0000166667",
                  "off: 1.536 GB": "cost_per_1000_at_1536 = 1000 * (1.465 * 1.536 * 0.0000166667 + 0.0000002)"},
    },
    # ------------------------------------------------------------------ lesson 6
    "6.1": {
        "correct": {"ints": "concurrency_needed = (105, 100)", "computed": "concurrency_needed = [round(350 * 0.3), round(40 * 2.5)]"},
        "wrong": {"hard-coded: the request rates": "concurrency_needed = (350, 40)",
                  "anti-pattern: divided, not multiplied": "concurrency_needed = (350 / 0.3, 40 / 2.5)",
                  "off: milliseconds": "concurrency_needed = (350 * 300, 40 * 2500)"},
    },
    "6.2": {
        "correct": {"sum": "two_wave_throttles = 1500",
                    "worked": "two_wave_throttles = (1500 - 1000) + (1500 - 5 * 100)"},
        "wrong": {"hard-coded: the first wave's": "two_wave_throttles = 500",
                  "anti-pattern: refilled once every 10 seconds": "two_wave_throttles = 2000",
                  "off: the second wave all admitted": "two_wave_throttles = 1000",
                  "off: a float": "two_wave_throttles = 1500.5"},
    },
    "6.3": {
        "correct": {"numbers": 'throttled = {"A": 0, "C": 300}', "computed": 'throttled = {"A": 150 - 150, "C": 1000 - (1000 - 200 - 100)}'},
        "wrong": {"hard-coded: nothing throttled": 'throttled = {"A": 0, "C": 0}',
                  "anti-pattern: idle reservations shared": 'throttled = {"A": 0, "C": 100}',
                  "off: A over its reservation": 'throttled = {"A": 50, "C": 300}'},
    },
    # ------------------------------------------------------------------ lesson 7
    "7.1": {
        "correct": {"list": "attempt_seconds = [0, 60, 180]", "tuple": "attempt_seconds = (0, 1 * 60, 3 * 60)"},
        "wrong": {"hard-coded: immediate retries": "attempt_seconds = [0, 0, 0]",
                  "anti-pattern: retried until it works": "attempt_seconds = [0, 60, 180, 300]",
                  "off: minutes, not seconds": "attempt_seconds = [0, 1, 3]"},
    },
    "9.2": {
        "correct": {"numbers": "retry_limited = (5, 10)", "worked": "retry_limited = [1 + (1 + 2) + 1, 10]"},
        "wrong": {"hard-coded: one per batch": "retry_limited = (3, 10)",
                  "anti-pattern: bisection": "retry_limited = (5, 1)",
                  "off: retried forever": "retry_limited = (7, 10)"},
    },
    "9.3": {
        "correct": {"rounded": """scenario_3 = {"invocations": 1_000_000, "shards_at_full_parallelization": 10,
    "list_price": 16.87, "after_free_tier": 10.00}""",
                    "computed": """scenario_3 = {"invocations": 100_000_000 // 100, "shards_at_full_parallelization": 100 // 10,
    "list_price": billing.monthly_cost(1_000_000, 1000, 1024), "after_free_tier": billing.monthly_cost(1_000_000, 1000, 1024, free_tier=True)}"""},
        "wrong": {"hard-coded: one per record": """scenario_3 = {"invocations": 100_000_000, "shards_at_full_parallelization": 10,
    "list_price": 16.87, "after_free_tier": 10.00}""",
                  "anti-pattern: one shard per execution": """scenario_3 = {"invocations": 1_000_000, "shards_at_full_parallelization": 100,
    "list_price": 16.87, "after_free_tier": 10.00}""",
                  "off: no free tier": """scenario_3 = {"invocations": 1_000_000, "shards_at_full_parallelization": 10,
    "list_price": 16.87, "after_free_tier": 16.87}"""},
    },
    # ------------------------------------------------------------------ lesson 10
    "10.1": {
        "correct": {"strings": 'routing = {"FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.1}}}',
                    "an int key": 'routing = {"FunctionVersion": 1, "RoutingConfig": {"AdditionalVersionWeights": {2: 0.10}}}'},
        "wrong": {"hard-coded: all to version 2": 'routing = {"FunctionVersion": "2", "RoutingConfig": {}}',
                  "anti-pattern: the primary weighted too": 'routing = {"FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": {"1": 0.9, "2": 0.1}}}',
                  "off: percent, not a fraction": 'routing = {"FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": {"2": 10}}}',
                  "off: reversed": 'routing = {"FunctionVersion": "2", "RoutingConfig": {"AdditionalVersionWeights": {"1": 0.1}}}'},
    },
    "10.2": {
        "correct": {"computed": "sd = math.sqrt(1000 * 0.1 * 0.9)\ncanary_range = (100, 100 - 1.96 * sd, 100 + 1.96 * sd)",
                    "rounded": "canary_range = (100, 81.4, 118.6)"},
        "wrong": {"hard-coded: exactly 100": "canary_range = (100, 100, 100)",
                  "anti-pattern: sqrt(n p) without (1 - p)": "sd = math.sqrt(100)\ncanary_range = (100, 100 - 1.96 * sd, 100 + 1.96 * sd)",
                  "off: one standard deviation": "sd = math.sqrt(90)\ncanary_range = (100, 100 - sd, 100 + sd)"},
    },
    "10.3": {
        "correct": {"list": """
def canary_verdict(records, primary, canary, max_error_rate=0.01):
    mine = [r for r in records if r.version == canary]
    if not mine:
        return ("wait", None)
    rate = sum(r.outcome != "ok" for r in mine) / len(mine)
    return ("rollback" if rate > max_error_rate else "promote", rate)
""", "counters": """
def canary_verdict(records, primary, canary, max_error_rate=0.01):
    total = errors = 0
    for record in records:
        if record.version == canary:
            total += 1
            errors += record.outcome != "ok"
    if total == 0:
        return "wait", None
    return ("promote" if errors <= max_error_rate * total else "rollback"), errors / total
"""},
        "wrong": {"hard-coded: always promote": "def canary_verdict(records, primary, canary, max_error_rate=0.01):\n    return ('promote', 0.0)",
                  "anti-pattern: both versions' errors": """
def canary_verdict(records, primary, canary, max_error_rate=0.01):
    if not any(r.version == canary for r in records):
        return ("wait", None)
    rate = sum(r.outcome != "ok" for r in records) / len(records)
    return ("rollback" if rate > max_error_rate else "promote", rate)
""", "off: rolls back at the threshold": """
def canary_verdict(records, primary, canary, max_error_rate=0.01):
    mine = [r for r in records if r.version == canary]
    if not mine:
        return ("wait", None)
    rate = sum(r.outcome != "ok" for r in mine) / len(mine)
    return ("rollback" if rate >= max_error_rate else "promote", rate)
""", "off: only function errors count": """
def canary_verdict(records, primary, canary, max_error_rate=0.01):
    mine = [r for r in records if r.version == canary]
    if not mine:
        return ("wait", None)
    rate = sum(r.outcome == "function_error" for r in mine) / len(mine)
    return ("rollback" if rate > max_error_rate else "promote", rate)
"""},
    },
    # ------------------------------------------------------------------ lesson 11
    "11.2": {
        "correct": {"set": "importable_layouts = {'b', 'd'}", "list": "importable_layouts = ['d', 'B']"},
        "wrong": {"hard-coded: everything": "importable_layouts = {'a', 'b', 'c', 'd', 'e', 'f'}",
                  "anti-pattern: the guide's python/lib": "importable_layouts = {'b', 'c'}",
                  "off: python3.11": "importable_layouts = {'b', 'e'}"},
    },
    "11.3": {
        "correct": {"sed and a for loop": _words(),
                    "bash regex, wc, tac": WORDS_TAC},
        "wrong": {"hard-coded: the lesson's example": _words(answer=r'''"{\"words\": 6, \"reversed\": \"be to not or be to\"}"'''),
                  "anti-pattern: one event, then exit": _words(loop="for ONCE in 1; do"),
                  "anti-pattern: ends after an error": _words(after_error="exit 1"),
                  "anti-pattern: the error as a response": _words(error_path="response"),
                  "off: counts the spaces": _words(count=r'''COUNT=$(echo -n "$TEXT" | tr -cd ' ' | wc -c)'''),
                  "off: error type in the header only": _words(
                      error_body=r"""-H 'Lambda-Runtime-Function-Error-Type: Function.MissingText' -d 'the event has no text'"""),
                  "off: letters reversed": _words(reverse='''REVERSED=$(echo -n "$TEXT" | rev)''')},
    },
    # ------------------------------------------------------------------ lesson 12
    "12.1": {
        "correct": {"regex": """
def summarize_reports(lines):
    gb_seconds = Decimal(0)
    cold_starts = 0
    for line in lines:
        billed = int(re.search(r"Billed Duration: (\\d+) ms", line).group(1))
        memory = int(re.search(r"Memory Size: (\\d+) MB", line).group(1))
        gb_seconds += Decimal(billed) * memory / 1024 / 1000
        cold_starts += "Init Duration" in line
    return {"invocations": len(lines), "cold_starts": cold_starts, "gb_seconds": gb_seconds}
""", "split on tabs": """
def summarize_reports(lines):
    total, cold = Decimal(0), 0
    for line in lines:
        fields = dict(part.split(": ", 1) for part in line.split("\\t")[1:] if ": " in part)
        total += Decimal(fields["Billed Duration"].split()[0]) * Decimal(fields["Memory Size"].split()[0]) / 1024 / 1000
        cold += "Init Duration" in fields
    return {"invocations": len(lines), "cold_starts": cold, "gb_seconds": total}
"""},
        "wrong": {"hard-coded": "def summarize_reports(lines):\n    return {'invocations': 6, 'cold_starts': 2, 'gb_seconds': Decimal('1')}",
                  "anti-pattern: Duration, not Billed Duration": """
def summarize_reports(lines):
    gb_seconds = Decimal(0)
    for line in lines:
        ms = Decimal(re.search(r"\\tDuration: ([\\d.]+) ms", line).group(1))
        memory = int(re.search(r"Memory Size: (\\d+) MB", line).group(1))
        gb_seconds += ms * memory / 1024 / 1000
    return {"invocations": len(lines), "cold_starts": sum("Init Duration" in l for l in lines), "gb_seconds": gb_seconds}
""", "off: a float": """
def summarize_reports(lines):
    gb_seconds = 0.0
    for line in lines:
        billed = int(re.search(r"Billed Duration: (\\d+) ms", line).group(1))
        memory = int(re.search(r"Memory Size: (\\d+) MB", line).group(1))
        gb_seconds += billed * memory / 1024 / 1000
    return {"invocations": len(lines), "cold_starts": sum("Init Duration" in l for l in lines), "gb_seconds": gb_seconds}
"""},
    },
    "12.3": {
        "correct": {"window": """
def first_alarm(datapoints, threshold, m, n):
    for minute in range(len(datapoints)):
        window = datapoints[max(0, minute - n + 1):minute + 1]
        if sum(value > threshold for value in window) >= m:
            return minute
    return None
""", "deque": """
from collections import deque
def first_alarm(datapoints, threshold, m, n):
    window = deque(maxlen=n)
    for minute, value in enumerate(datapoints):
        window.append(value > threshold)
        if sum(window) >= m:
            return minute
"""},
        "wrong": {"hard-coded": "def first_alarm(datapoints, threshold, m, n):\n    return 6",
                  "anti-pattern: one breach is enough": """
def first_alarm(datapoints, threshold, m, n):
    return next((i for i, v in enumerate(datapoints) if v > threshold), None)
""", "off: at or above the threshold": """
def first_alarm(datapoints, threshold, m, n):
    for minute in range(len(datapoints)):
        window = datapoints[max(0, minute - n + 1):minute + 1]
        if sum(value >= threshold for value in window) >= m:
            return minute
    return None
"""},
    },
    # ------------------------------------------------------------------ lesson 13
    "13.1": {
        "correct": {"1536 MB, the cheapest that meets the goal": 'api_design = {"memory_mb": 1536, "provisioned": 0, "p99_ms": 261}',
                    "1769 MB, a full vCPU": 'api_design = {"memory_mb": 1769, "provisioned": 0, "p99_ms": 230.0}'},
        "wrong": {"hard-coded: the lesson's first guess": 'api_design = {"memory_mb": 1024, "provisioned": 0, "p99_ms": 376}',
                  "hard-coded: a p99 not measured": 'api_design = {"memory_mb": 1536, "provisioned": 0, "p99_ms": 120}',
                  "anti-pattern: provisioned concurrency for a p99 goal": 'api_design = {"memory_mb": 1536, "provisioned": 2, "p99_ms": 261}',
                  "anti-pattern: the largest memory, unmeasured": 'api_design = {"memory_mb": 10240, "provisioned": 0, "p99_ms": 230}',
                  "off: the p99 in seconds": 'api_design = {"memory_mb": 1536, "provisioned": 0, "p99_ms": 0.261}',
                  "off: memory in GB": 'api_design = {"memory_mb": 1.5, "provisioned": 0, "p99_ms": 261}'},
    },
    "13.2": {
        "correct": {"a queue, 768 MB": [_API_1536, _worker(768, "queue", 2, "13.80")],
                    "async, 1280 MB, beside a 1769 MB API": [
                        'api_design = {"memory_mb": 1769, "provisioned": 0, "p99_ms": 230}',
                        _worker(1280, "async", 2, "Decimal('15.06')")]},
        "wrong": {"hard-coded: one weekday's bill times 30": [_API_1536, _worker(768, "queue", 2, "14.79")],
                  "anti-pattern: the API waits for the invoice": [_API_1536, _worker(768, "sync", 2, "13.80")],
                  "anti-pattern: no cap on the worker": [_API_1536, _worker(768, "queue", None, "13.80")],
                  "anti-pattern: sized on a weekday, not the sale": [_API_1536, _worker(512, "queue", 2, "13.45")],
                  "off: more workers than connections": [_API_1536, _worker(768, "queue", 5, "13.80")],
                  "off: the bill in cents": [_API_1536, _worker(768, "queue", 2, "1380")]},
    },
    "13.3": {
        "correct": {"a durable function": 'long_step = {"choice": "durable", "invocations_per_order": 2}',
                    "Step Functions, two Lambda tasks": 'long_step = {"choice": "step_functions", "invocations_per_order": 1 + 1}'},
        "wrong": {"hard-coded: one invocation per order": 'long_step = {"choice": "durable", "invocations_per_order": 1}',
                  "anti-pattern: the API waits for the warehouse": 'long_step = {"choice": "sync", "invocations_per_order": 1}',
                  "anti-pattern: one asynchronous invocation": 'long_step = {"choice": "async", "invocations_per_order": 1}',
                  "off: the wait counted as an invocation": 'long_step = {"choice": "durable", "invocations_per_order": 3}'},
    },
    "7.2": {
        "correct": {"re-raised": _order(), "wrapped": _order("raise RuntimeError(f'order {event.get(\"order_id\")} failed') from e")},
        "wrong": {"hard-coded: always charged": _order("return {'statusCode': 200, 'body': json.dumps({'charged': 42})}"),
                  "anti-pattern: a 500 returned": _order("return {'statusCode': 500, 'body': json.dumps({'error': str(e)})}"),
                  "off: None returned": _order("return None")},
    },
    "7.3": {
        "correct": {"conditional put_item": _charge(CONDITIONAL_WRITE),
                    "the error code": _charge(CONDITIONAL_WRITE.replace(
                        "except dynamodb.exceptions.ConditionalCheckFailedException:",
                        "except Exception as error:\n        if error.response['Error']['Code'] != 'ConditionalCheckFailedException':\n            raise")),
                    "a read first, then the conditional put": _charge(READ_FIRST + "\n" + CONDITIONAL_WRITE)},
        "wrong": {"anti-pattern: read, then an unconditional write": _charge(READ_FIRST + UNCONDITIONAL_WRITE),
                  "anti-pattern: read, then write, with the resource API": _charge("""    table = boto3.resource("dynamodb").Table("processed-orders")
    if "Item" in table.get_item(Key={"order_id": event["order_id"]}):
        return {"charged": event["order_id"], "duplicate": True}
    table.put_item(Item={"order_id": event["order_id"]})"""),
                  "hard-coded: remembered in the environment": _charge("""    global SEEN
    SEEN = globals().get('SEEN', set())
    if event["order_id"] in SEEN:
        return {"charged": event["order_id"], "duplicate": True}
    SEEN.add(event["order_id"])"""),
                  "anti-pattern: no guard": _charge("    pass"),
                  "off: a duplicate raises": _charge(CONDITIONAL_WRITE.replace(
                      'return {"charged": event["order_id"], "duplicate": True}', "raise"))},
    },
    "8.1": {
        "correct": {"thumbnail()": _thumbnail(),
                    "resize by ratio": _thumbnail(shrink="ratio = 100 / max(image.size); image = image.resize((max(1, round(image.width * ratio)), max(1, round(image.height * ratio))))")},
        "wrong": {"hard-coded: a fixed 100 x 100": _thumbnail(shrink="image = image.resize((100, 100))"),
                  "anti-pattern: back into the source bucket": _thumbnail(target="bucket"),
                  "off: the RGBA image saved as JPEG": _thumbnail(convert="pass"),
                  "off: the key not decoded": _thumbnail(key="record['s3']['object']['key']")},
    },
    "8.2": {
        "correct": {"prefix and suffix": _notification(),
                    "suffix first, ObjectCreated:Put": _notification(
                        rules='[{"Name": "suffix", "Value": ".txt"}, {"Name": "prefix", "Value": "uploads/"}]',
                        events='["s3:ObjectCreated:Put"]')},
        "wrong": {"hard-coded: the guide's function": _notification(arn="arn:aws:lambda:us-east-1:123456789012:function:HelloWorldFunction"),
                  "anti-pattern: every upload": _notification(rules='[{"Name": "prefix", "Value": "uploads/"}]'),
                  "off: on removal": _notification(events='["s3:ObjectRemoved:*"]')},
    },
    "8.3": {
        "correct": {"paginator": _ec2(PAGINATOR), "NextToken loop": _ec2(NEXT_TOKEN)},
        "wrong": {"hard-coded: three": _ec2("        running = 3"),
                  "anti-pattern: the error swallowed": _ec2(PAGINATOR, on_error="return {'statusCode': 500}"),
                  "off: the first page only": _ec2("        page = ec2.describe_instances(Filters=FILTERS)\n"
                                                   "        running = sum(len(r['Instances']) for r in page['Reservations'])"),
                  "off: every state counted": _ec2(PAGINATOR.replace("paginate(Filters=FILTERS)", "paginate()"))},
    },
    "9.1": {
        "correct": {"batchItemFailures": _orders(),
                    "collected ids": _orders(on_error="failures.append(record['messageId'])",
                                             after="return {'batchItemFailures': [{'itemIdentifier': i} for i in failures]}")},
        "wrong": {"hard-coded: nothing failed": _orders(after="return {'batchItemFailures': []}"),
                  "anti-pattern: the whole batch fails": _orders(on_error="raise"),
                  "off: the wrong key": _orders(on_error="failures.append({'id': record['messageId']})")},
    },
    "11.1": {
        "correct": {"AWSLambdaBasicExecutionRole's logs": _policies(),
                    "each function's own log group": _policies(logs='{"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/*"}',
                                                               s3_resource="arn:aws:s3:::lambda-demo-bucket-unique-name/uploads/*")},
        "wrong": {"hard-coded: the guide's bucket": _policies(s3_resource="arn:aws:s3:::lambda-demo-bucket/*"),
                  "anti-pattern: logs:* on *": _policies(logs='{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}'),
                  "off: s3:* on the bucket": _policies(s3_action='"s3:*"')},
    },
    "12.2": {
        "correct": {"print": _emf(), "stdout write": _emf(emit="import sys; sys.stdout.write(json.dumps(metrics) + '\\n')")},
        "wrong": {"hard-coded: a fixed dimension": _emf(dimension="'my-function'"),
                  "anti-pattern: a Python dict printed": _emf(emit="print(metrics)"),
                  "off: milliseconds as the unit": _emf(unit="'Milliseconds'")},
    },
    # ------------------------------------------------------------------ lesson 14
    "14.1": {
        "correct": {"lambdas": _approval(),
                    "named functions, 48 hours": _approval(
                        reserve='context.step(reserve_stock, name="reserve")',
                        wait="context.wait(Duration.from_hours(48))").replace(
                        "@durable_execution", 'def reserve_stock(step_context):\n    return "reserved"\n\n@durable_execution')},
        "wrong": {"hard-coded: approved without asking": _approval(approved='"yes"'),
                  "anti-pattern: the reservation outside a step": _approval(reserve='reserved = "reserved"'),
                  "anti-pattern: not durable, the decorator only in a comment": _approval().replace(
                      "@durable_execution\n", "# @durable_execution\n"),
                  "off: two hours, not two days": _approval(wait="context.wait(Duration.from_hours(2))")},
    },
    "14.2": {
        "correct": {"tuple": "replay_prints = (3, 1)", "list": "replay_prints = [1 + 2, 1]"},
        "wrong": {"hard-coded: once each": "replay_prints = (1, 1)",
                  "anti-pattern: steps run again on replay": "replay_prints = (3, 3)",
                  "off: one per wait, not per invocation": "replay_prints = (2, 1)"},
    },
    "14.3": {
        "correct": {"numbers": "retried_workflow_requests = (5, 1.00)",
                    "Decimal": "retried_workflow_requests = [1 + 2 + 2, Decimal('0.2') * 5]"},
        "wrong": {"hard-coded: one request": "retried_workflow_requests = (1, 0.20)",
                  "anti-pattern: retries inside one invocation": "retried_workflow_requests = (3, 0.60)",
                  "off: dollars per order, not per million": "retried_workflow_requests = (5, 0.000001)"},
    },
}
