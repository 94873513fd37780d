"""The seeds' handlers run unchanged and answer as AWS would: S0's Hello World and
"Process Data" handlers, and S3's HelloWorldFunction with its API Gateway test event.
(The handlers are copied here verbatim so the suite does not depend on the seed files.)"""

import json

# S0 (000_408c98d8e3c1f375.txt), "Write Your Code".
S0_HELLO = '''import json

def lambda_handler(event, context):
    """
    This is your Lambda function handler.
    
    event: contains the event data (what triggered the function)
    context: contains function execution information
    """
    
    # Log something
    print("Lambda function executed!")
    print(f"Event received: {event}")
    
    # Return a response
    return {
        'statusCode': 200,
        'body': json.dumps('Hello from Lambda!')
    }
'''

# S0, "More Complex Example: Process Data".
S0_PROCESS_DATA = '''import json
import math

def lambda_handler(event, context):
    """Process user data"""
    
    # Get data from the event
    name = event.get('name', 'Guest')
    age = event.get('age', 18)
    
    # Do something with it
    birth_year = 2025 - age
    
    # Return result
    return {
        'statusCode': 200,
        'body': json.dumps({
            'message': f'Hello {name}!',
            'birth_year': birth_year,
            'verification': age >= 18
        })
    }
'''

# S3 (003_b113cee2aee2a696.txt), "1.2 Function Code (Python)".
S3_HELLO_WORLD = '''import json
import datetime

def lambda_handler(event, context):
    """
    Simple Hello World Lambda function
    """
    
    # Get current timestamp
    current_time = datetime.datetime.now().isoformat()
    
    # Extract information from event
    source_ip = event.get('requestContext', {}).get('identity', {}).get('sourceIp', 'unknown')
    user_agent = event.get('headers', {}).get('User-Agent', 'unknown')
    
    # Create response
    response_body = {
        'message': 'Hello from AWS Lambda!',
        'timestamp': current_time,
        'source_ip': source_ip,
        'user_agent': user_agent,
        'event_received': event
    }
    
    return {
        'statusCode': 200,
        'headers': {
            'Content-Type': 'application/json',
            'Access-Control-Allow-Origin': '*'
        },
        'body': json.dumps(response_body, indent=2)
    }
'''

# S3, "1.3 Test the Function": the HelloWorldTest event.
S3_TEST_EVENT = {
    "httpMethod": "GET",
    "path": "/hello",
    "headers": {
        "User-Agent": "Mozilla/5.0"
    },
    "requestContext": {
        "identity": {
            "sourceIp": "192.168.1.100"
        }
    }
}


def test_s0_hello_world(virtual):
    # S0 is set up on the console as my-first-function, Python 3.11, x86_64.
    virtual.create_function("my-first-function", S0_HELLO, runtime="python3.11", architecture="x86_64")
    result = virtual.invoke("my-first-function", {})
    # The seed shows 'Hello from Lambda!'; json.dumps keeps the quotes (course-plan E15).
    assert result.result == {"statusCode": 200, "body": '"Hello from Lambda!"'}
    assert result.payload == b'{"statusCode": 200, "body": "\\"Hello from Lambda!\\""}'
    assert result.function_error is None
    lines = result.log.splitlines()
    assert lines[1:3] == ["Lambda function executed!", "Event received: {}"]


def test_s0_process_data(make_runtime):
    # The year is written into the handler, so the answer holds whatever the clock says;
    # the course runs it with the virtual clock in 2025, when the seed was written.
    runtime = make_runtime(clock="virtual", start="2025-06-01T00:00:00Z")
    runtime.create_function("process-data", S0_PROCESS_DATA)
    result = runtime.invoke("process-data", {"name": "Alice", "age": 25})
    assert result.result == {"statusCode": 200,
                             "body": '{"message": "Hello Alice!", "birth_year": 2000, "verification": true}'}
    guest = runtime.invoke("process-data", {}).result
    assert json.loads(guest["body"]) == {"message": "Hello Guest!", "birth_year": 2007, "verification": True}


def test_s3_hello_world_function(make_runtime):
    runtime = make_runtime(clock="virtual", start="2025-06-01T09:30:00Z")
    runtime.create_function("HelloWorldFunction", S3_HELLO_WORLD)
    result = runtime.invoke("HelloWorldFunction", S3_TEST_EVENT)
    assert result.function_error is None
    response = result.result
    assert response["statusCode"] == 200
    assert response["headers"] == {"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"}
    assert response["body"] == json.dumps({
        "message": "Hello from AWS Lambda!",
        "timestamp": "2025-06-01T09:30:00.150000",  # Lambda's clock is UTC; INIT took the modelled 150 ms
        "source_ip": "192.168.1.100",
        "user_agent": "Mozilla/5.0",
        "event_received": S3_TEST_EVENT,
    }, indent=2)


def test_seed_handlers_on_the_real_clock(real):
    real.create_function("hello", S0_HELLO)
    real.create_function("process", S0_PROCESS_DATA)
    real.create_function("world", S3_HELLO_WORLD)
    assert real.invoke("hello", {}).result["body"] == '"Hello from Lambda!"'
    assert json.loads(real.invoke("process", {"name": "Alice", "age": 25}).result["body"])["birth_year"] == 2000
    body = json.loads(real.invoke("world", S3_TEST_EVENT).result["body"])
    assert (body["source_ip"], body["user_agent"]) == ("192.168.1.100", "Mozilla/5.0")
