%%lambda process
import json

def lambda_handler(event, context):
    data = event.get("data", [])
    body = {
        "original": data,
        "processed": [x * x for x in data],
        "count": len(data),
        "memoryLimit": f"{context.memory_limit_in_mb}MB",
        "remainingTime": f"{context.get_remaining_time_in_millis()}ms",
    }
    return {"statusCode": 200, "body": json.dumps(body)}
