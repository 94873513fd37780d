%%lambda batch-worker
from lambdakit import work

def lambda_handler(event, context):
    items = event["items"]
    processed = 0
    for item in items:
        if context.get_remaining_time_in_millis() < 500:
            break
        work(io_ms=400)   # process one item
        processed += 1
    return {"processed": processed, "remaining": len(items) - processed}
