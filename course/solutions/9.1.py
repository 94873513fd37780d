%%lambda orders-partial
import json

def process(body):
    if body.startswith("POISON"):
        raise ValueError(f"cannot parse {body}")
    print(f"processed {body}")

def lambda_handler(event, context):
    failures = []
    for record in event['Records']:
        try:
            process(record['body'])
        except Exception as error:
            print(f"failed {record['messageId']}: {error}")
            failures.append({'itemIdentifier': record['messageId']})
    return {'batchItemFailures': failures}
