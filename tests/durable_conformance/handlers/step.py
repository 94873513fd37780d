"""Handlers for the step suite (1-x), written from each requirement's `handler` text with AWS's SDK."""

_HEAD = '''
from aws_durable_execution_sdk_python import DurableContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration, StepConfig, StepSemantics
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy
from aws_durable_execution_sdk_python.config import JitterStrategy
from aws_durable_execution_sdk_python.serdes import SerDes
import json, os
'''


def _h(body):
    return _HEAD + body


HANDLERS = {
    "1-1": _h('''
@durable_execution
def handler(event, context):
    return context.step(lambda sc: f"Hello, {event['Input']}!")
'''),
    "1-2": _h('''
@durable_execution
def handler(event, context):
    return context.step(lambda sc: f"Hello, {event['Input']}!", name="custom_step_name")
'''),
    "1-3": _h('''
@durable_execution
def handler(event, context):
    first = context.step(lambda sc: "first")
    return context.step(lambda sc: first + "_second")
'''),
    "1-4": _h('''
@durable_execution
def handler(event, context):
    data = event["Input"]
    return context.step(lambda sc: {"user": {"name": data["name"], "tags": data["tags"]}, "count": len(data["tags"])})
'''),
    "1-5": _h('''
@durable_execution
def handler(event, context):
    return context.step(lambda sc: None)
'''),
    "1-6": _h('''
class Upper(SerDes):
    def serialize(self, value, ctx):
        return json.dumps(value.upper() if isinstance(value, str) else value)
    def deserialize(self, data, ctx):
        return json.loads(data)

@durable_execution
def handler(event, context):
    return context.step(lambda sc: event["Input"], config=StepConfig(serdes=Upper()))
'''),
    "1-7": _h('''
def greet(sc, name):
    sc.logger.info(f"greeting {name}")
    return f"Hello, {name}!"

@durable_execution
def handler(event, context):
    return context.step(lambda sc: greet(sc, event["Input"]))
'''),
    "1-8": _h('''
@durable_execution
def handler(event, context):
    value = context.step(lambda sc: "computed")
    context.wait(Duration.from_seconds(2))
    return value
'''),
    "1-9": _h('''
@durable_execution
def handler(event, context):
    value = context.step(lambda sc: "cached_value")
    context.wait(Duration.from_seconds(1))
    return value
'''),
    "1-10": _h('''
def fail(sc):
    raise ValueError("permanent failure")

@durable_execution
def handler(event, context):
    try:
        context.step(fail, config=StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(max_attempts=1))))
    except Exception as e:
        caught = str(e)
    context.wait(Duration.from_seconds(1))
    return caught
'''),
    "1-11": _h('''
def unreliable(sc):
    if sc.attempt < 2:
        raise RuntimeError("first attempt fails")
    return "Operation succeeded"

@durable_execution
def handler(event, context):
    return context.step(unreliable, config=StepConfig(retry_strategy=create_retry_strategy(
        RetryStrategyConfig(max_attempts=3, initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE))))
'''),
    "1-12": _h('''
def always(sc):
    raise RuntimeError("always fails")

@durable_execution
def handler(event, context):
    return context.step(always, config=StepConfig(retry_strategy=create_retry_strategy(
        RetryStrategyConfig(max_attempts=4, initial_delay=Duration.from_seconds(1), backoff_rate=1,
                            jitter_strategy=JitterStrategy.NONE))))
'''),
    "1-13": _h('''
def flaky(sc):
    if sc.attempt < 3:
        raise RuntimeError(f"attempt {sc.attempt} fails")
    return "ok"

@durable_execution
def handler(event, context):
    return context.step(flaky)
'''),
    "1-14": _h('''
def flaky(sc):
    if sc.attempt < 3:
        raise RuntimeError(f"attempt {sc.attempt} fails")
    return "ok"

@durable_execution
def handler(event, context):
    return context.step(flaky, config=StepConfig(retry_strategy=create_retry_strategy(
        RetryStrategyConfig(max_attempts=5, initial_delay=Duration.from_seconds(2), backoff_rate=3,
                            jitter_strategy=JitterStrategy.NONE))))
'''),
    "1-15": _h('''
class TransientError(Exception):
    pass

def flaky(sc):
    if sc.attempt < 2:
        raise TransientError("transient")
    return "ok"

@durable_execution
def handler(event, context):
    return context.step(flaky, config=StepConfig(retry_strategy=create_retry_strategy(
        RetryStrategyConfig(max_attempts=3, initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE,
                            retryable_error_types=[TransientError]))))
'''),
    "1-16": _h('''
class TransientError(Exception):
    pass

class OtherError(Exception):
    pass

def flaky(sc):
    raise TransientError("transient")

@durable_execution
def handler(event, context):
    return context.step(flaky, config=StepConfig(retry_strategy=create_retry_strategy(
        RetryStrategyConfig(max_attempts=3, retryable_error_types=[OtherError]))))
'''),
    "1-17": _h('''
def crash(sc, value):
    sc.logger.info(value)
    os._exit(1)

@durable_execution
def handler(event, context):
    return context.step(lambda sc: crash(sc, event["Input"]), name="at_most_once_flaky_step",
                        config=StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY,
                                          retry_strategy=create_retry_strategy(RetryStrategyConfig(max_attempts=1))))
'''),
    "1-18": _h('''
def crash_once(sc, value):
    sc.logger.info(value)
    if sc.attempt < 2:
        os._exit(1)
    return "succeeded on second attempt"

@durable_execution
def handler(event, context):
    return context.step(lambda sc: crash_once(sc, event["Input"]),
                        config=StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY,
                                          retry_strategy=create_retry_strategy(RetryStrategyConfig(
                                              max_attempts=3, initial_delay=Duration.from_seconds(1)))))
'''),
    "1-19": _h('''
def fail(sc):
    raise RuntimeError("always fails")

@durable_execution
def handler(event, context):
    return context.step(fail, config=StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(max_attempts=1))))
'''),
    "1-20": _h('''
def fail(sc):
    raise RuntimeError("fails")

@durable_execution
def handler(event, context):
    try:
        return context.step(fail, config=StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(max_attempts=1))))
    except Exception:
        return context.step(lambda sc: "fallback_result")
'''),
}
