%%lambda process-data-fixed
import json
from datetime import datetime, timezone

def lambda_handler(event, context):
    name = event.get('name', 'Guest')
    age = event.get('age', 18)
    birth_year = datetime.now(timezone.utc).year - age
    return {
        'statusCode': 200,
        'body': json.dumps({
            'message': f'Hello {name}!',
            'birth_year': birth_year,
            'verification': age >= 18
        })
    }
