"""Handlers for the parallel suite (8-x)."""

_HEAD = '''
import json
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import (CompletionConfig, Duration, NestingType, ParallelBranch,
                                                     ParallelConfig)
from aws_durable_execution_sdk_python.serdes import SerDes

def seq(**completion):
    return ParallelConfig(max_concurrency=1, completion_config=CompletionConfig(**completion))

def const(value):
    return lambda ctx: value

def boom(ctx):
    raise RuntimeError("branch failed")

def project(result, *keys):
    values = {"completionReason": result.completion_reason.value, "status": result.status.value,
              "successCount": result.success_count, "failureCount": result.failure_count,
              "totalCount": result.total_count}
    return {key: values[key] for key in keys}

ALL = ("completionReason", "status", "successCount", "failureCount", "totalCount")
SOME = ("completionReason", "successCount", "failureCount", "totalCount")
'''


def _h(body):
    return _HEAD + body


HANDLERS = {
    "8-1": _h('''
@durable_execution
def handler(event, context):
    branches = [lambda ctx: ctx.step(lambda sc: "task-1"), lambda ctx: ctx.step(lambda sc: "task-2")]
    return context.parallel(branches, name="parallel", config=seq()).get_results()
'''),
    "8-2": _h('''
@durable_execution
def handler(event, context):
    return context.parallel([const("alpha"), const("beta")], config=seq()).get_results()
'''),
    "8-3": _h('''
@durable_execution
def handler(event, context):
    branches = [ParallelBranch(const("one"), name="first"), ParallelBranch(const("two"), name="second")]
    return context.parallel(branches, name="named", config=seq()).get_results()
'''),
    "8-4": _h('''
@durable_execution
def handler(event, context):
    return context.parallel([const("hello"), const(42), const({"k": "v"})], config=seq()).get_results()
'''),
    "8-5": _h('''
@durable_execution
def handler(event, context):
    return context.parallel([], config=seq()).get_results()
'''),
    "8-6": _h('''
@durable_execution
def handler(event, context):
    return project(context.parallel([const("ok"), boom, const("never")], config=seq(tolerated_failure_count=0)), *ALL)
'''),
    "8-7": _h('''
@durable_execution
def handler(event, context):
    result = context.parallel([boom, const("never")], config=seq(tolerated_failure_count=0))
    result.throw_if_error()
'''),
    "8-8": _h('''
@durable_execution
def handler(event, context):
    result = context.parallel([const("a"), const("b"), const("c"), const("d")], config=seq(min_successful=2))
    return project(result, "completionReason", "successCount", "totalCount")
'''),
    "8-9": _h('''
@durable_execution
def handler(event, context):
    return project(context.parallel([const("a"), boom, const("c")], config=seq(tolerated_failure_count=1)), *ALL)
'''),
    "8-10": _h('''
@durable_execution
def handler(event, context):
    return project(context.parallel([boom, boom, const("c")], config=seq(tolerated_failure_count=1)), *SOME)
'''),
    "8-11": _h('''
@durable_execution
def handler(event, context):
    return context.parallel([const("r0"), const("r1"), const("r2")], config=ParallelConfig(max_concurrency=2)).get_results()
'''),
    "8-12": _h('''
@durable_execution
def handler(event, context):
    branches = [lambda ctx: ctx.step(lambda sc: "fa"), lambda ctx: ctx.step(lambda sc: "fb")]
    return context.parallel(branches, config=ParallelConfig(max_concurrency=1, nesting_type=NestingType.FLAT)).get_results()
'''),
    "8-13": _h('''
@durable_execution
def handler(event, context):
    result = context.parallel([boom, boom, const("c"), const("d")], config=seq(tolerated_failure_percentage=25))
    return project(result, *SOME)
'''),
    "8-14": _h('''
def second(ctx):
    ctx.wait(Duration.from_seconds(2))
    return "b1"

@durable_execution
def handler(event, context):
    return context.parallel([lambda ctx: ctx.step(lambda sc: "b0"), second], config=seq()).get_results()
'''),
    "8-15": _h('''
class Wrapped(SerDes):
    def serialize(self, value, ctx):
        return json.dumps({"wrapped": value})
    def deserialize(self, data, ctx):
        return json.loads(data)["wrapped"]

@durable_execution
def handler(event, context):
    config = ParallelConfig(max_concurrency=1, item_serdes=Wrapped())
    return context.parallel([const("x"), const("y")], config=config).get_results()
'''),
    "8-16": _h('''
@durable_execution
def handler(event, context):
    return project(context.parallel([boom, boom, boom], config=seq(tolerated_failure_count=3)), *ALL)
'''),
    "8-17": _h('''
@durable_execution
def handler(event, context):
    return project(context.parallel([const("a"), boom, const("c")], config=seq(min_successful=3)), *ALL)
'''),
    "8-18": _h('''
@durable_execution
def handler(event, context):
    result = context.parallel([boom, boom, const("c"), const("d")], config=seq(min_successful=3, tolerated_failure_count=1))
    return project(result, *SOME)
'''),
    "8-19": _h('''
@durable_execution
def handler(event, context):
    return context.parallel([const("a"), const("b")], config=ParallelConfig(max_concurrency=0)).get_results()
'''),
    "8-20": _h('''
@durable_execution
def handler(event, context):
    result = context.parallel([const("a"), boom, const("c")], config=seq(tolerated_failure_count=1))
    return {"hasFailure": result.has_failure, "successCount": len(result.succeeded()),
            "failureCount": len(result.failed()), "errorCount": len([e for e in result.get_errors() if e])}
'''),
    "8-21": _h('''
def inner(ctx):
    branches = [lambda c: c.step(lambda sc: "i1"), lambda c: c.step(lambda sc: "i2")]
    return ctx.parallel(branches, config=seq()).get_results()

@durable_execution
def handler(event, context):
    return context.parallel([inner], config=seq()).get_results()
'''),
    "8-22": _h('''
@durable_execution
def handler(event, context):
    result = context.parallel([boom, const("b"), const("c"), const("d")], config=seq(tolerated_failure_percentage=25))
    return project(result, *ALL)
'''),
}
