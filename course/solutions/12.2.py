%%lambda emf-metrics
import json
import time

def lambda_handler(event, context):
    metrics = {
        '_aws': {
            'Timestamp': int(time.time() * 1000),
            'CloudWatchMetrics': [{
                'Namespace': 'MyApp',
                'Dimensions': [['FunctionName']],
                'Metrics': [{'Name': 'ItemsProcessed', 'Unit': 'Count'}]
            }]
        },
        'FunctionName': context.function_name,
        'ItemsProcessed': 100
    }
    print(json.dumps(metrics))
