"""Handlers for the wait_for_callback suite (7-x)."""

_HEAD = '''
import json
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, WaitForCallbackConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy
from aws_durable_execution_sdk_python.serdes import SerDes

def submit(callback_id, ctx):
    pass
'''


def _h(body):
    return _HEAD + body


HANDLERS = {
    "7-1": _h('''
@durable_execution
def handler(event, context):
    return context.wait_for_callback(submit, name=event["Input"])
'''),
    "7-2": _h('''
@durable_execution
def handler(event, context):
    return context.wait_for_callback(submit, name="approval")
'''),
    "7-3": _h('''
@durable_execution
def handler(event, context):
    return context.wait_for_callback(lambda callback_id, ctx: None)
'''),
    "7-4": _h('''
@durable_execution
def handler(event, context):
    return context.wait_for_callback(submit, name=event["Input"])
'''),
    "7-5": _h('''
@durable_execution
def handler(event, context):
    return context.wait_for_callback(submit, name=event["Input"],
                                     config=WaitForCallbackConfig(timeout=Duration.from_seconds(3)))
'''),
    "7-6": _h('''
@durable_execution
def handler(event, context):
    try:
        return context.wait_for_callback(submit, name=event["Input"])
    except Exception:
        return "recovered"
'''),
    "7-7": _h('''
def broken(callback_id, ctx):
    raise RuntimeError("submitter failed")

@durable_execution
def handler(event, context):
    return context.wait_for_callback(broken, name=event["Input"], config=WaitForCallbackConfig(
        retry_strategy=create_retry_strategy(RetryStrategyConfig(
            max_attempts=2, initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE))))
'''),
    "7-8": _h('''
@durable_execution
def handler(event, context):
    return context.run_in_child_context(lambda child: child.wait_for_callback(submit, name=event["Input"]),
                                        name="wrapper")
'''),
    "7-9": _h('''
@durable_execution
def handler(event, context):
    context.wait_for_callback(submit, name="first")
    return context.wait_for_callback(submit, name="second")
'''),
    "7-10": _h('''
@durable_execution
def handler(event, context):
    context.wait(Duration.from_seconds(1))
    context.step(lambda sc: {"fixed": True})
    return context.wait_for_callback(submit, name=event["Input"])
'''),
    "7-11": _h('''
class Json(SerDes):
    def serialize(self, value, ctx):
        return json.dumps(value)
    def deserialize(self, data, ctx):
        return json.loads(data)

@durable_execution
def handler(event, context):
    return context.wait_for_callback(submit, name=event["Input"], config=WaitForCallbackConfig(serdes=Json()))["status"]
'''),
    "7-12": _h('''
@durable_execution
def handler(event, context):
    return context.wait_for_callback(submit, name=event["Input"],
                                     config=WaitForCallbackConfig(heartbeat_timeout=Duration.from_seconds(5)))
'''),
    "7-13": _h('''
@durable_execution
def handler(event, context):
    return context.wait_for_callback(submit, name=event["Input"],
                                     config=WaitForCallbackConfig(heartbeat_timeout=Duration.from_seconds(10)))
'''),
    "7-14": _h('''
@durable_execution
def handler(event, context):
    try:
        return context.wait_for_callback(submit, name=event["Input"],
                                         config=WaitForCallbackConfig(timeout=Duration.from_seconds(3)))
    except Exception:
        return "timed-out-handled"
'''),
    "7-15": _h('''
@durable_execution
def handler(event, context):
    return context.wait_for_callback(submit, name=event["Input"])
'''),
}
