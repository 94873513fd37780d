"""Handlers for the callback suite (4-x)."""

_HEAD = '''
import json
from datetime import datetime
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration
from aws_durable_execution_sdk_python.serdes import SerDes
'''


def _h(body):
    return _HEAD + body


HANDLERS = {
    "4-1": _h('''
@durable_execution
def handler(event, context):
    return context.create_callback(name=event["Input"]).result()
'''),
    "4-2": _h('''
@durable_execution
def handler(event, context):
    return context.create_callback(name="approval").result()
'''),
    "4-3": _h('''
@durable_execution
def handler(event, context):
    return context.create_callback(name=event["Input"], config=CallbackConfig(timeout=Duration.from_seconds(5))).result()
'''),
    "4-4": _h('''
@durable_execution
def handler(event, context):
    return context.create_callback(name=event["Input"],
                                   config=CallbackConfig(heartbeat_timeout=Duration.from_seconds(5))).result()
'''),
    "4-5": _h('''
@durable_execution
def handler(event, context):
    return context.create_callback(name=event["Input"],
                                   config=CallbackConfig(heartbeat_timeout=Duration.from_seconds(10))).result()
'''),
    "4-6": _h('''
@durable_execution
def handler(event, context):
    return context.create_callback(name=event["Input"]).result()
'''),
    "4-7": _h('''
@durable_execution
def handler(event, context):
    callback = context.create_callback(name=event["Input"])
    context.step(lambda sc: "work")
    return callback.result()
'''),
    "4-8": _h('''
@durable_execution
def handler(event, context):
    callback = context.create_callback(name=event["Input"], config=CallbackConfig(timeout=Duration.from_seconds(5)))
    context.step(lambda sc: "work")
    return callback.result()
'''),
    "4-9": _h('''
@durable_execution
def handler(event, context):
    callback = context.create_callback(name=event["Input"])
    context.wait(Duration.from_seconds(5))
    return callback.result()
'''),
    "4-10": _h('''
@durable_execution
def handler(event, context):
    callback = context.create_callback(name=event["Input"])
    context.wait(Duration.from_seconds(5))
    return callback.result()
'''),
    "4-11": _h('''
@durable_execution
def handler(event, context):
    callback = context.create_callback(name=event["Input"], config=CallbackConfig(timeout=Duration.from_seconds(3)))
    context.wait(Duration.from_seconds(6))
    return callback.result()
'''),
    "4-12": _h('''
@durable_execution
def handler(event, context):
    result = context.create_callback(name=event["Input"]).result()
    context.wait(Duration.from_seconds(2))
    return result
'''),
    "4-13": _h('''
@durable_execution
def handler(event, context):
    try:
        message = context.create_callback(name=event["Input"]).result()
    except Exception as error:
        message = f"callback failed: {error}"
    context.wait(Duration.from_seconds(2))
    return message
'''),
    "4-14": _h('''
@durable_execution
def handler(event, context):
    try:
        message = context.create_callback(name=event["Input"],
                                          config=CallbackConfig(timeout=Duration.from_seconds(3))).result()
    except Exception as error:
        message = f"callback timed out: {error}"
    context.wait(Duration.from_seconds(2))
    return message
'''),
    "4-15": _h('''
class Typed(SerDes):
    def serialize(self, value, ctx):
        return json.dumps(value)
    def deserialize(self, data, ctx):
        value = json.loads(data)
        stamp = datetime.fromisoformat(value["timestamp"].replace("Z", "+00:00"))
        return {**value, "timestamp": int(stamp.timestamp())}

@durable_execution
def handler(event, context):
    return {"received": context.create_callback(name=event["Input"], config=CallbackConfig(serdes=Typed())).result()}
'''),
    "4-16": _h('''
class Number(SerDes):
    def serialize(self, value, ctx):
        return json.dumps(value)
    def deserialize(self, data, ctx):
        return int(json.loads(data))

@durable_execution
def handler(event, context):
    count = context.create_callback(name=event["Input"], config=CallbackConfig(serdes=Number())).result()
    return {"count": count, "doubled": count * 2}
'''),
    "4-17": _h('''
@durable_execution
def handler(event, context):
    a = context.create_callback(name=event["Input"][0]).result()
    b = context.create_callback(name=event["Input"][1]).result()
    return [a, b]
'''),
    "4-18": _h('''
@durable_execution
def handler(event, context):
    a = context.create_callback(name=event["Input"][0])
    b = context.create_callback(name=event["Input"][1])
    return [a.result(), b.result()]
'''),
    "4-19": _h('''
@durable_execution
def handler(event, context):
    a = context.create_callback(name=event["Input"][0])
    b = context.create_callback(name=event["Input"][1])
    second = b.result()
    return [a.result(), second]
'''),
}
