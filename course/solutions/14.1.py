approval_code = '''
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import Duration

@durable_execution
def handler(event, context):
    context.step(lambda step_context: "reserved", name="reserve")
    context.wait(Duration.from_days(2))
    approved = context.create_callback(name="approval").result()
    return {"order": event["order"], "approved": approved}
'''
