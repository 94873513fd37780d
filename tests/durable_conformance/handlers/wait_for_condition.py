"""Handlers for the wait_for_condition suite (6-x)."""

_HEAD = '''
import json
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy
from aws_durable_execution_sdk_python.serdes import SerDes
from aws_durable_execution_sdk_python.waits import (WaitForConditionConfig, WaitForConditionDecision,
                                                    WaitStrategyConfig, create_wait_strategy)

def until(limit, delay=1):
    def strategy(state, attempts):
        if state >= limit:
            return WaitForConditionDecision.stop_polling()
        return WaitForConditionDecision.continue_waiting(Duration.from_seconds(delay))
    return strategy

def count(limit, start=0, name=None):
    return dict(check=lambda state, ctx: state + 1,
                config=WaitForConditionConfig(wait_strategy=until(limit), initial_state=start), name=name)
'''


def _h(body):
    return _HEAD + body


HANDLERS = {
    "6-1": _h('''
@durable_execution
def handler(event, context):
    return context.wait_for_condition(**count(event["Input"]))
'''),
    "6-2": _h('''
@durable_execution
def handler(event, context):
    return context.wait_for_condition(lambda state, ctx: state,
                                      WaitForConditionConfig(wait_strategy=until(5), initial_state=5))
'''),
    "6-3": _h('''
@durable_execution
def handler(event, context):
    return context.wait_for_condition(**count(2, name="poll-status"))
'''),
    "6-4": _h('''
@durable_execution
def handler(event, context):
    return context.wait_for_condition(**count(event["Input"], start=5))
'''),
    "6-5": _h('''
@durable_execution
def handler(event, context):
    return context.wait_for_condition(lambda state, ctx: state + 1, WaitForConditionConfig(
        wait_strategy=until(event["Input"], delay=2), initial_state=0))
'''),
    "6-6": _h('''
@durable_execution
def handler(event, context):
    strategy = create_wait_strategy(WaitStrategyConfig(should_continue_polling=lambda state: True, max_attempts=3,
                                                       initial_delay=Duration.from_seconds(1), backoff_rate=1,
                                                       jitter_strategy=JitterStrategy.NONE))
    return context.wait_for_condition(lambda state, ctx: state + 1,
                                      WaitForConditionConfig(wait_strategy=strategy, initial_state=0))
'''),
    "6-7": _h('''
def broken(state, ctx):
    raise RuntimeError("check failed")

@durable_execution
def handler(event, context):
    return context.wait_for_condition(broken, WaitForConditionConfig(wait_strategy=until(1), initial_state=0))
'''),
    "6-8": _h('''
def broken(state, ctx):
    raise RuntimeError("check failed")

@durable_execution
def handler(event, context):
    try:
        return context.wait_for_condition(broken, WaitForConditionConfig(wait_strategy=until(1), initial_state=0))
    except Exception:
        return "recovered"
'''),
    "6-9": _h('''
def check(state, ctx):
    attempts = state["attempts"] + 1
    return {"status": "DONE" if attempts >= 2 else "PENDING", "attempts": attempts}

def strategy(state, attempts):
    if state["status"] == "PENDING":
        return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))
    return WaitForConditionDecision.stop_polling()

@durable_execution
def handler(event, context):
    return context.wait_for_condition(check, WaitForConditionConfig(
        wait_strategy=strategy, initial_state={"status": "PENDING", "attempts": 0}))
'''),
    "6-10": _h('''
@durable_execution
def handler(event, context):
    return context.wait_for_condition(lambda state, ctx: None, WaitForConditionConfig(
        wait_strategy=lambda state, attempts: WaitForConditionDecision.stop_polling(), initial_state=0))
'''),
    "6-11": _h('''
class Encoded(SerDes):
    def serialize(self, value, ctx):
        return json.dumps({"encoded": value})
    def deserialize(self, data, ctx):
        return json.loads(data)["encoded"]

def strategy(state, attempts):
    if len(state) < 2:
        return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))
    return WaitForConditionDecision.stop_polling()

@durable_execution
def handler(event, context):
    return context.wait_for_condition(lambda state, ctx: state + "x", WaitForConditionConfig(
        wait_strategy=strategy, initial_state="", serdes=Encoded()))
'''),
    "6-12": _h('''
@durable_execution
def handler(event, context):
    final = context.wait_for_condition(**count(event["Input"]))
    return context.step(lambda sc: final * 10)
'''),
    "6-13": _h('''
@durable_execution
def handler(event, context):
    first = context.wait_for_condition(**count(2))
    return context.wait_for_condition(**count(4, start=first))
'''),
}
