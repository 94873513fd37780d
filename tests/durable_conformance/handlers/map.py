"""Handlers for the map suite (9-x)."""

_HEAD = '''
import json
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.concurrency.models import BatchItem, BatchResult, CompletionReason
from aws_durable_execution_sdk_python.config import (BatchItemStatus, CompletionConfig, Duration, MapConfig,
                                                     NestingType)
from aws_durable_execution_sdk_python.serdes import JsonSerDes, SerDes

def seq(**completion):
    return MapConfig(max_concurrency=1, completion_config=CompletionConfig(**completion))

def boom(ctx, item, index, items):
    if item == "bad":
        raise RuntimeError("item failed")
    return item

def project(result, *keys):
    values = {"completionReason": result.completion_reason.value, "status": result.status.value,
              "successCount": result.success_count, "failureCount": result.failure_count,
              "totalCount": result.total_count}
    return {key: values[key] for key in keys}

ALL = ("completionReason", "status", "successCount", "failureCount", "totalCount")
SOME = ("completionReason", "successCount", "failureCount", "totalCount")

def upper(ctx, item, index, items):
    return item.upper()

class OpSerde(SerDes):
    def serialize(self, value, ctx):
        return "OPSERDE:" + ",".join(value.get_results())
    def deserialize(self, data, ctx):
        items = [BatchItem(i, BatchItemStatus.SUCCEEDED, v) for i, v in enumerate(data[len("OPSERDE:"):].split(","))]
        return BatchResult(items, CompletionReason.ALL_COMPLETED)
'''


def _h(body):
    return _HEAD + body


HANDLERS = {
    "9-1": _h('''
@durable_execution
def handler(event, context):
    greet = lambda ctx, item, index, items: ctx.step(lambda sc: f"Hello, {item}!")
    return context.map(event["Input"], greet, name="map", config=seq()).get_results()
'''),
    "9-2": _h('''
@durable_execution
def handler(event, context):
    return context.map(event["Input"], lambda ctx, item, index, items: item * 2, config=seq()).get_results()
'''),
    "9-3": _h('''
@durable_execution
def handler(event, context):
    return context.map(event["Input"], lambda ctx, item, index, items: item + index, config=seq()).get_results()
'''),
    "9-4": _h('''
@durable_execution
def handler(event, context):
    return context.map(event["Input"], lambda ctx, item, index, items: item, config=seq()).get_results()
'''),
    "9-5": _h('''
@durable_execution
def handler(event, context):
    return project(context.map(["ok", "bad", "never"], boom, config=seq(tolerated_failure_count=0)), *ALL)
'''),
    "9-6": _h('''
@durable_execution
def handler(event, context):
    context.map(["bad", "never"], boom, config=seq(tolerated_failure_count=0)).throw_if_error()
'''),
    "9-7": _h('''
@durable_execution
def handler(event, context):
    result = context.map(["a", "b", "c", "d"], boom, config=seq(min_successful=2))
    return project(result, "completionReason", "successCount", "totalCount")
'''),
    "9-8": _h('''
@durable_execution
def handler(event, context):
    return project(context.map(["a", "bad", "c"], boom, config=seq(tolerated_failure_count=1)), *ALL)
'''),
    "9-9": _h('''
@durable_execution
def handler(event, context):
    return project(context.map(["bad", "bad", "c"], boom, config=seq(tolerated_failure_count=1)), *SOME)
'''),
    "9-10": _h('''
@durable_execution
def handler(event, context):
    return project(context.map(["bad", "bad", "c", "d"], boom, config=seq(tolerated_failure_percentage=25)), *SOME)
'''),
    "9-11": _h('''
@durable_execution
def handler(event, context):
    return context.map(["r0", "r1", "r2"], boom, config=MapConfig(max_concurrency=2)).get_results()
'''),
    "9-12": _h('''
@durable_execution
def handler(event, context):
    config = MapConfig(max_concurrency=1, nesting_type=NestingType.FLAT)
    return context.map(["fa", "fb"], lambda ctx, item, index, items: ctx.step(lambda sc: item), config=config).get_results()
'''),
    "9-13": _h('''
@durable_execution
def handler(event, context):
    config = MapConfig(max_concurrency=1, item_namer=lambda item, index: f"item-{item}")
    return context.map(event["Input"], lambda ctx, item, index, items: item * 10, config=config).get_results()
'''),
    "9-14": _h('''
class Wrapped(SerDes):
    def serialize(self, value, ctx):
        return "wrapped:" + value
    def deserialize(self, data, ctx):
        return data[len("wrapped:"):]

@durable_execution
def handler(event, context):
    return context.map(["x", "y"], upper, config=MapConfig(max_concurrency=1, item_serdes=Wrapped())).get_results()
'''),
    "9-15": _h('''
def iteration(ctx, item, index, items):
    if index == 1:
        ctx.wait(Duration.from_seconds(1))
    return ctx.step(lambda sc: item)

@durable_execution
def handler(event, context):
    return context.map(["r0", "r1"], iteration, config=seq()).get_results()
'''),
    "9-16": _h('''
@durable_execution
def handler(event, context):
    result = context.map([0, 1, 2, 3], lambda ctx, item, index, items: str(item) * 70_000, config=seq())
    return {"successCount": result.success_count, "totalCount": result.total_count}
'''),
    "9-17": _h('''
@durable_execution
def handler(event, context):
    results = context.map(["a", "b"], upper, config=seq()).get_results()
    context.wait(Duration.from_seconds(1))
    return results
'''),
    "9-18": _h('''
@durable_execution
def handler(event, context):
    result = project(context.map(["ok", "bad"], boom, config=seq(tolerated_failure_count=1)), *ALL)
    context.wait(Duration.from_seconds(1))
    return result
'''),
    "9-19": _h('''
@durable_execution
def handler(event, context):
    return context.map(["x", "y"], upper, config=MapConfig(max_concurrency=1, serdes=OpSerde(), item_serdes=JsonSerDes())).get_results()
'''),
    "9-20": _h('''
@durable_execution
def handler(event, context):
    results = context.map(["x", "y"], upper, config=MapConfig(max_concurrency=1, serdes=OpSerde(), item_serdes=JsonSerDes())).get_results()
    context.wait(Duration.from_seconds(1))
    return results
'''),
}
