"""Handlers for the chained invoke suite (5-x), and the target functions they invoke (durable
functions of their own, as the package's stack deploys them)."""

_HEAD = '''
import json
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import Duration, InvokeConfig
from aws_durable_execution_sdk_python.serdes import SerDes

ECHO, FAIL = "conf-target-echo:$LATEST", "conf-target-fail:$LATEST"
'''

TARGETS = {
    "conf-target-echo": '''
from aws_durable_execution_sdk_python import durable_execution

@durable_execution
def handler(event, context):
    return event
''',
    "conf-target-fail": '''
from aws_durable_execution_sdk_python import durable_execution

@durable_execution
def handler(event, context):
    raise RuntimeError("target failed")
''',
}


def _h(body):
    return _HEAD + body


HANDLERS = {
    "5-1": _h('''
@durable_execution
def handler(event, context):
    return context.invoke(ECHO, event["Input"])
'''),
    "5-2": _h('''
@durable_execution
def handler(event, context):
    return context.invoke(ECHO, event["Input"]["payload"], name=event["Input"]["name"])
'''),
    "5-3": _h('''
@durable_execution
def handler(event, context):
    return context.invoke(ECHO, event["Input"])
'''),
    "5-4": _h('''
@durable_execution
def handler(event, context):
    return context.invoke(ECHO, None)
'''),
    "5-5": _h('''
@durable_execution
def handler(event, context):
    return context.invoke(FAIL, {})
'''),
    "5-6": _h('''
@durable_execution
def handler(event, context):
    try:
        return context.invoke(FAIL, {})
    except Exception:
        return "fallback"
'''),
    "5-7": _h('''
@durable_execution
def handler(event, context):
    return len(context.invoke(ECHO, "x" * 200_000))
'''),
    "5-8": _h('''
@durable_execution
def handler(event, context):
    return context.invoke(ECHO, event["Input"]["payload"], config=InvokeConfig(tenant_id=event["Input"]["tenantId"]))
'''),
    "5-9": _h('''
@durable_execution
def handler(event, context):
    result = context.invoke(ECHO, {"n": 1})
    context.wait(Duration.from_seconds(1))
    return result
'''),
    "5-10": _h('''
@durable_execution
def handler(event, context):
    try:
        result = context.invoke(FAIL, {})
    except Exception:
        result = "caught"
    context.wait(Duration.from_seconds(1))
    return result
'''),
    "5-11": _h('''
@durable_execution
def handler(event, context):
    value = context.step(lambda sc: {"from": "step"})
    return context.invoke(ECHO, value)
'''),
    "5-12": _h('''
@durable_execution
def handler(event, context):
    value = context.invoke(ECHO, {"from": "invoke"})
    return context.step(lambda sc: value)
'''),
    "5-13": _h('''
@durable_execution
def handler(event, context):
    return context.run_in_child_context(lambda child: child.invoke(ECHO, {"in": "child"}))
'''),
    "5-14": _h('''
@durable_execution
def handler(event, context):
    first = context.invoke(ECHO, {"n": 1})
    second = context.invoke(ECHO, {"n": 2})
    return [first, second]
'''),
    "5-15": _h('''
class Upper(SerDes):
    def serialize(self, value, ctx):
        return json.dumps({k: v.upper() for k, v in value.items()})
    def deserialize(self, data, ctx):
        return json.loads(data)

@durable_execution
def handler(event, context):
    return context.invoke(ECHO, event["Input"], config=InvokeConfig(serdes_payload=Upper()))
'''),
    "5-16": _h('''
class UpperResult(SerDes):
    def serialize(self, value, ctx):
        return json.dumps(value)
    def deserialize(self, data, ctx):
        return data.upper()

@durable_execution
def handler(event, context):
    return context.invoke(ECHO, event["Input"], config=InvokeConfig(serdes_result=UpperResult()))
'''),
}
