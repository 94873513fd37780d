%%lambda nightly-report
import json
import os
from datetime import datetime

TABLE_NAME = os.environ.get('TABLE_NAME', 'DefaultTable')

def lambda_handler(event, context):
    # Early return for warm-up calls: only our own pinger sends this marker
    if event.get('warmer') is True:
        return {'statusCode': 200, 'body': 'Warm-up successful'}

    try:
        result = process_event(event)
        return {'statusCode': 200, 'body': json.dumps(result)}
    except Exception as e:
        print(f"Error processing event: {str(e)}")
        return {'statusCode': 500, 'body': json.dumps({'error': 'Internal server error'})}

def process_event(event):
    return {'processed': True, 'timestamp': datetime.now().isoformat()}
