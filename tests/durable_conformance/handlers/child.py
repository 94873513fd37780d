"""Handlers for the child context suite (3-x). 3-12 (a crash between StepStarted and
StepSucceeded on the first invocation only) has none: a handler cannot tell its first
invocation from a replay without state outside the execution."""

_HEAD = '''
import json
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import ChildConfig, Duration, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy
from aws_durable_execution_sdk_python.config import JitterStrategy
from aws_durable_execution_sdk_python.serdes import SerDes

NO_RETRY = StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(max_attempts=1)))

def fail(sc):
    raise RuntimeError("step failed")
'''


def _h(body):
    return _HEAD + body


HANDLERS = {
    "3-1": _h('''
@durable_execution
def handler(event, context):
    return context.run_in_child_context(lambda child: child.step(lambda sc: event["Input"]), name="child")
'''),
    "3-2": _h('''
@durable_execution
def handler(event, context):
    value = event["Input"]["value"]
    return context.run_in_child_context(lambda child: child.step(lambda sc: value), name=event["Input"]["name"])
'''),
    "3-3": _h('''
def body(child, value):
    first = child.step(lambda sc: value)
    return child.step(lambda sc: first)

@durable_execution
def handler(event, context):
    return context.run_in_child_context(lambda child: body(child, event["Input"]), name="child")
'''),
    "3-4": _h('''
@durable_execution
def handler(event, context):
    return context.run_in_child_context(lambda child: child.step(fail, config=NO_RETRY), name="child")
'''),
    "3-5": _h('''
@durable_execution
def handler(event, context):
    try:
        return context.run_in_child_context(lambda child: child.step(fail, config=NO_RETRY), name="child")
    except Exception:
        return context.step(lambda sc: event["Input"])
'''),
    "3-6": _h('''
def outer(child, value):
    child.step(lambda sc: value)
    return child.run_in_child_context(lambda inner: inner.step(lambda sc: value), name="inner")

@durable_execution
def handler(event, context):
    return context.run_in_child_context(lambda child: outer(child, event["Input"]), name="child")
'''),
    "3-7": _h('''
def flaky(sc, value):
    if sc.attempt < 2:
        raise RuntimeError("first attempt fails")
    return value

RETRY = StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(
    max_attempts=3, initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE)))

@durable_execution
def handler(event, context):
    return context.run_in_child_context(lambda child: child.step(lambda sc: flaky(sc, event["Input"]), config=RETRY), name="child")
'''),
    "3-8": _h('''
RETRY = StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(
    max_attempts=2, initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE)))

@durable_execution
def handler(event, context):
    return context.run_in_child_context(lambda child: child.step(fail, config=RETRY), name="child")
'''),
    "3-9": _h('''
@durable_execution
def handler(event, context):
    value = context.run_in_child_context(lambda child: child.step(lambda sc: event["Input"]), name="child")
    context.wait(Duration.from_seconds(1))
    return value
'''),
    "3-10": _h('''
def body(child, value):
    result = child.step(lambda sc: value)
    child.wait(Duration.from_seconds(1))
    return result

@durable_execution
def handler(event, context):
    return context.run_in_child_context(lambda child: body(child, event["Input"]), name="child")
'''),
    "3-11": _h('''
def body(child, value):
    child.logger.info(value)
    small = child.step(lambda sc: value)
    return small * (300 * 1024 // max(1, len(small)) + 1)

@durable_execution
def handler(event, context):
    big = context.run_in_child_context(lambda child: body(child, event["Input"]), name="child")
    context.wait(Duration.from_seconds(1))
    return len(big)
'''),
    "3-13": _h('''
def body(child, value):
    child.wait(Duration.from_seconds(1))
    return value

@durable_execution
def handler(event, context):
    value = context.run_in_child_context(lambda child: body(child, event["Input"]), name="child")
    return context.step(lambda sc: value)
'''),
    "3-14": _h('''
class Upper(SerDes):
    def serialize(self, value, ctx):
        return value.upper()
    def deserialize(self, data, ctx):
        return data

@durable_execution
def handler(event, context):
    return context.run_in_child_context(lambda child: child.step(lambda sc: event["Input"]),
                                        name="child", config=ChildConfig(serdes=Upper()))
'''),
    "3-15": _h('''
def body(child):
    raise RuntimeError("child failed")

@durable_execution
def handler(event, context):
    return context.run_in_child_context(body, name="child")
'''),
    "3-16": _h('''
@durable_execution
def handler(event, context):
    return context.run_in_child_context(lambda child: None, name="child")
'''),
    "3-17": _h('''
def body(child, value):
    child.logger.info(value)
    return value

@durable_execution
def handler(event, context):
    value = context.run_in_child_context(lambda child: body(child, event["Input"]), name="child")
    context.wait(Duration.from_seconds(1))
    return value
'''),
    "3-18": _h('''
def body(child, value):
    result = child.step(lambda sc: value)
    child.wait(Duration.from_seconds(1))
    return result

@durable_execution
def handler(event, context):
    value = context.run_in_child_context(lambda child: body(child, event["Input"]), name="child")
    result = context.step(lambda sc: value)
    context.wait(Duration.from_seconds(1))
    return result
'''),
}
