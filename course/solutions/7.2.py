%%lambda place-order
import json
import os

def charge(order):
    if os.environ.get("PAYMENTS_DOWN"):
        raise ConnectionError("payment service unavailable")
    return {"charged": order["amount"]}

def lambda_handler(event, context):
    try:
        receipt = charge(event)
        return {"statusCode": 200, "body": json.dumps(receipt)}
    except Exception as e:
        print(f"Error processing order {event.get('order_id')}: {e}")
        raise
