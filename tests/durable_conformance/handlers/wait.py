"""Handlers for the wait suite (2-x)."""

_HEAD = '''
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import Duration
'''

HANDLERS = {
    "2-1": _HEAD + '''
@durable_execution
def handler(event, context):
    context.wait(Duration.from_seconds(2))
''',
    "2-2": _HEAD + '''
@durable_execution
def handler(event, context):
    context.wait(Duration.from_seconds(2), name="custom_wait_name")
''',
    "2-3": _HEAD + '''
@durable_execution
def handler(event, context):
    context.wait(Duration.from_seconds(2), name="wait-1")
    context.wait(Duration.from_seconds(2), name="wait-2")
    return {"completedWaits": 2}
''',
    "2-4": _HEAD + '''
@durable_execution
def handler(event, context):
    context.wait(Duration.from_minutes(1))
''',
    "2-5": _HEAD + '''
@durable_execution
def handler(event, context):
    context.wait(Duration.from_hours(1))
''',
}
