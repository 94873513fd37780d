%%lambda structured-log
import json

def lambda_handler(event, context):
    log_data = {
        'level': 'INFO',
        'message': 'Processing request',
        'request_id': context.aws_request_id,
        'user_id': event.get('user_id')
    }
    print(json.dumps(log_data))
