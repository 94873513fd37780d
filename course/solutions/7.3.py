%%lambda charge-order --timeout 10
import json
import boto3

sqs = boto3.client("sqs")
QUEUE_URL = sqs.get_queue_url(QueueName="charges")["QueueUrl"]
dynamodb = boto3.client("dynamodb")

def process_event(event):
    sqs.send_message(QueueUrl=QUEUE_URL,
                     MessageBody=json.dumps({"order_id": event["order_id"], "amount": event["amount"]}))
    return {"charged": event["order_id"]}

def lambda_handler(event, context):
    try:
        dynamodb.put_item(TableName="processed-orders",
                          Item={"order_id": {"S": event["order_id"]}},
                          ConditionExpression="attribute_not_exists(order_id)")
    except dynamodb.exceptions.ConditionalCheckFailedException:
        print(f"Already processed order {event['order_id']}")
        return {"charged": event["order_id"], "duplicate": True}
    return process_event(event)
