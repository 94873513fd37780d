"""Durable functions: AWS's durable execution SDK, unchanged and packaged as a layer, running
against lambdakit's durable execution service, through the Python API and through boto3."""

import io
import os
import json
import zipfile

import boto3
import botocore.session
import pytest
from botocore.config import Config

from lambdakit import Runtime

CREDENTIALS = dict(region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
DAY_S = 86_400

ORDER = '''
from aws_durable_execution_sdk_python import DurableContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration

@durable_step
def charge(step_context, order):
    print("charging", order)
    return {"charged": order}

@durable_execution
def handler(event, context: DurableContext):
    receipt = context.step(charge(event["order"]))
    context.wait(Duration.from_days(1))
    return {"done": receipt}
'''

APPROVAL = '''
from aws_durable_execution_sdk_python import DurableContext, durable_execution

@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(name="approval")
    return {"approved": callback.result()}
'''

FLAKY = '''
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

POLICY = StepConfig(retry_strategy=create_retry_strategy(
    RetryStrategyConfig(max_attempts=3, initial_delay=Duration.from_seconds(10), backoff_rate=2.0)))

def reserve(step_context):
    print("attempt", step_context.attempt)
    if step_context.attempt < 3:
        raise RuntimeError(f"warehouse busy (attempt {step_context.attempt})")
    return "reserved"

@durable_execution
def handler(event, context: DurableContext):
    return context.step(reserve, name="reserve", config=POLICY)
'''


@pytest.fixture(scope="module")
def runtime():
    with Runtime() as runtime:
        layer = runtime.durable_sdk_layer()
        for name, source in (("orders", ORDER), ("approval", APPROVAL), ("flaky", FLAKY)):
            runtime.create_function(name, source, handler="lambda_function.handler", runtime="python3.11",
                                    layers=[layer], timeout=30,
                                    durable_config={"ExecutionTimeout": 7 * DAY_S, "RetentionPeriodInDays": 1})
        yield runtime


def events(runtime, arn):
    return runtime.get_durable_execution_history(arn, include_execution_data=True)["Events"]


def types(runtime, arn):
    return [e["EventType"] for e in events(runtime, arn)]


def test_one_day_wait_finishes_at_once_on_the_virtual_clock_and_replay_skips_the_done_step(runtime):
    start = runtime.clock.now_ms()
    started = runtime.invoke("orders:$LATEST", {"order": 42}, invocation_type="Event",
                             durable_execution_name="order-42")
    assert started.status_code == 202
    arn = started.durable_execution_arn
    assert arn.startswith("arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST/durable-execution/order-42/")
    assert runtime.get_durable_execution(arn)["Status"] == "RUNNING"  # suspended in its wait
    done = runtime.wait_durable_execution(arn)
    assert done["Status"] == "SUCCEEDED"
    assert json.loads(done["Result"]) == {"done": {"charged": 42}}
    assert done["EndTimestamp"] - done["StartTimestamp"] >= DAY_S
    assert runtime.clock.now_ms() - start >= DAY_S * 1000
    assert types(runtime, arn) == ["ExecutionStarted", "StepStarted", "StepSucceeded", "WaitStarted",
                                   "InvocationCompleted", "WaitSucceeded", "InvocationCompleted",
                                   "ExecutionSucceeded"]
    logs = [e.message for e in runtime.log_events("orders")]
    assert sum(m.startswith("charging") for m in logs) == 1  # the replay returned the stored result
    assert sum(m.startswith("START RequestId") for m in logs) == 2
    assert len(runtime.durable_execution(arn).invocations) == 2


def test_execution_name_is_idempotent(runtime):
    first = runtime.invoke("orders:$LATEST", {"order": 7}, invocation_type="Event", durable_execution_name="o7")
    again = runtime.invoke("orders:$LATEST", {"order": 7}, invocation_type="Event", durable_execution_name="o7")
    assert again.durable_execution_arn == first.durable_execution_arn
    with pytest.raises(Exception, match="DurableExecutionAlreadyStartedException"):
        runtime.invoke("orders:$LATEST", {"order": 8}, invocation_type="Event", durable_execution_name="o7")
    with pytest.raises(Exception, match="unqualified function name"):
        runtime.invoke("orders", {"order": 9}, invocation_type="Event")


def test_callback_completed_from_the_notebook(runtime):
    arn = runtime.invoke("approval:$LATEST", {}, invocation_type="Event").durable_execution_arn
    runtime.wait_durable_execution(arn)  # nothing is due: it waits for the callback
    assert runtime.get_durable_execution(arn)["Status"] == "RUNNING"
    started = [e for e in events(runtime, arn) if e["EventType"] == "CallbackStarted"]
    assert len(started) == 1 and started[0]["Name"] == "approval"
    callback_id = started[0]["CallbackStartedDetails"]["CallbackId"]
    runtime.send_durable_execution_callback_success(callback_id, b"yes")  # the SDK hands the raw text back
    done = runtime.wait_durable_execution(arn)
    assert done["Status"] == "SUCCEEDED" and json.loads(done["Result"]) == {"approved": "yes"}
    assert types(runtime, arn)[-4:] == ["InvocationCompleted", "CallbackSucceeded", "InvocationCompleted",
                                        "ExecutionSucceeded"]
    with pytest.raises(Exception, match="CallbackTimeoutException"):
        runtime.send_durable_execution_callback_success(callback_id, b'"again"')


def test_failing_step_is_retried_per_its_policy(runtime):
    arn = runtime.invoke("flaky:$LATEST", {}, invocation_type="Event").durable_execution_arn
    done = runtime.wait_durable_execution(arn)
    assert done["Status"] == "SUCCEEDED" and json.loads(done["Result"]) == "reserved"
    steps = [e for e in events(runtime, arn) if e["EventType"].startswith("Step")]
    assert [e["EventType"] for e in steps] == ["StepStarted", "StepFailed", "StepStarted", "StepFailed",
                                              "StepStarted", "StepSucceeded"]
    retries = [e["StepFailedDetails"]["RetryDetails"] for e in steps if e["EventType"] == "StepFailed"]
    assert [r["CurrentAttempt"] for r in retries] == [1, 2]
    assert all(r["NextAttemptDelaySeconds"] >= 1 for r in retries)
    assert steps[-1]["StepSucceededDetails"]["RetryDetails"] == {"CurrentAttempt": 3}
    # each retry waited its delay before the next attempt started
    assert steps[2]["EventTimestamp"] - steps[1]["EventTimestamp"] >= retries[0]["NextAttemptDelaySeconds"]
    assert len(runtime.durable_execution(arn).invocations) == 3


def test_stop_pause_and_resume(runtime):
    arn = runtime.invoke("approval:$LATEST", {}, invocation_type="Event").durable_execution_arn
    runtime.pause_durable_execution(arn, reason="maintenance")
    assert runtime.get_durable_execution(arn)["Status"] == "PAUSED"
    runtime.resume_durable_execution(arn)
    assert runtime.get_durable_execution(arn)["Status"] == "RUNNING"
    stopped = runtime.stop_durable_execution(arn, {"ErrorType": "Cancelled", "ErrorMessage": "order withdrawn"})
    assert stopped["StopTimestamp"] > 0
    assert runtime.get_durable_execution(arn)["Status"] == "STOPPED"
    assert types(runtime, arn)[-3:] == ["ExecutionPaused", "ExecutionResumed", "ExecutionStopped"]
    listed = runtime.list_durable_executions_by_function("approval", statuses=["STOPPED"])["DurableExecutions"]
    assert [e["DurableExecutionArn"] for e in listed] == [arn]


def test_retention_forgets_ended_executions(runtime):
    arn = runtime.invoke("orders:$LATEST", {"order": 1}, invocation_type="Event").durable_execution_arn
    runtime.wait_durable_execution(arn)
    runtime.advance(hours=25)  # RetentionPeriodInDays is 1
    with pytest.raises(Exception, match="ResourceNotFoundException"):
        runtime.get_durable_execution(arn)


# ------------------------------------------------------------------ through boto3
def _zip(source):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", source)
    return buffer.getvalue()


def _check_shape(value, shape, path="$"):
    """Every member is in botocore's output shape, with the type it declares."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), path
        for key, member in value.items():
            assert key in shape.members, f"{path}.{key} is not in {shape.name}"
            _check_shape(member, shape.members[key], f"{path}.{key}")
        for required in shape.required_members:
            assert required in value, f"{path} lacks {required}"
    elif kind == "list":
        assert isinstance(value, list), path
        for i, item in enumerate(value):
            _check_shape(item, shape.member, f"{path}[{i}]")
    elif kind in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), path
    elif kind == "boolean":
        assert isinstance(value, bool), path
    elif kind == "timestamp":
        assert isinstance(value, (int, float)), path
    elif kind in ("string", "blob"):
        assert isinstance(value, str), path


def test_boto3_end_to_end_with_history_in_botocore_shapes(runtime):
    client = boto3.client("lambda", endpoint_url=runtime.endpoint_url,
                          config=Config(retries={"max_attempts": 0}), **CREDENTIALS)
    layer = runtime.durable_sdk_layer()
    created = client.create_function(
        FunctionName="orders-rest", Runtime="python3.11", Role="arn:aws:iam::123456789012:role/r",
        Handler="lambda_function.handler", Code={"ZipFile": _zip(ORDER)}, Layers=[layer], Timeout=30,
        DurableConfig={"ExecutionTimeout": 3 * DAY_S})
    assert created["DurableConfig"] == {"ExecutionTimeout": 3 * DAY_S, "RetentionPeriodInDays": 14}
    started = client.invoke(FunctionName="orders-rest", Qualifier="$LATEST", InvocationType="Event",
                            Payload=json.dumps({"order": 5}), DurableExecutionName="rest-5")
    arn = started["DurableExecutionArn"]
    assert started["StatusCode"] == 202 and "/durable-execution/rest-5/" in arn
    runtime.wait_durable_execution(arn)
    described = client.get_durable_execution(DurableExecutionArn=arn, IncludeExecutionData=True)
    assert described["Status"] == "SUCCEEDED" and json.loads(described["Result"]) == {"done": {"charged": 5}}
    listed = client.list_durable_executions_by_function(FunctionName="orders-rest")["DurableExecutions"]
    assert [e["DurableExecutionName"] for e in listed] == ["rest-5"]
    history = client.get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=True)
    assert [e["EventType"] for e in history["Events"]][-2:] == ["InvocationCompleted", "ExecutionSucceeded"]
    model = botocore.session.get_session().get_service_model("lambda")
    raw = runtime.get_durable_execution_history(arn, include_execution_data=True)
    _check_shape(raw, model.operation_model("GetDurableExecutionHistory").output_shape)
    _check_shape(runtime.get_durable_execution(arn, True), model.operation_model("GetDurableExecution").output_shape)
    # what GetDurableExecutionState and CheckpointDurableExecution send the SDK
    operations = [op.wire(True) for op in runtime.durable_execution(arn).operations.values()]
    assert {op["Type"] for op in operations} == {"EXECUTION", "STEP", "WAIT"}
    _check_shape({"Operations": operations}, model.operation_model("GetDurableExecutionState").output_shape)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_durable_execution(DurableExecutionArn=arn.replace("rest-5", "nope"))


def test_callback_through_boto3(runtime):
    client = boto3.client("lambda", endpoint_url=runtime.endpoint_url,
                          config=Config(retries={"max_attempts": 0}), **CREDENTIALS)
    arn = client.invoke(FunctionName="approval", Qualifier="$LATEST", InvocationType="Event",
                        Payload=b"{}")["DurableExecutionArn"]
    runtime.wait_durable_execution(arn)
    history = client.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    callback_id = next(e["CallbackStartedDetails"]["CallbackId"] for e in history
                       if e["EventType"] == "CallbackStarted")
    client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b"ok")
    runtime.wait_durable_execution(arn)
    done = client.get_durable_execution(DurableExecutionArn=arn, IncludeExecutionData=True)
    assert done["Status"] == "SUCCEEDED" and json.loads(done["Result"]) == {"approved": "ok"}
    with pytest.raises(client.exceptions.CallbackTimeoutException):
        client.send_durable_execution_callback_failure(CallbackId=callback_id, Error={"ErrorMessage": "late"})


def test_one_day_wait_on_the_real_clock_with_a_time_scale():
    with Runtime(clock="real") as runtime:
        runtime.durable_time_scale = DAY_S / 2  # a day of waiting lasts two real seconds
        runtime.create_function("orders", ORDER, handler="lambda_function.handler", runtime="python3.11",
                                layers=[runtime.durable_sdk_layer()], timeout=30,
                                durable_config={"ExecutionTimeout": 3 * DAY_S})
        arn = runtime.invoke("orders:$LATEST", {"order": 3}, invocation_type="Event").durable_execution_arn
        done = runtime.wait_durable_execution(arn, timeout=60)
        assert done["Status"] == "SUCCEEDED"
        assert types(runtime, arn).count("InvocationCompleted") == 2


# ------------------------------------------------------------ widget, bill and magic
def test_timeline_text_twin_and_bill(runtime):
    from lambdakit.cost.durable import DURABLE_OPERATION
    from lambdakit.notebook.widgets.durable import durable_timeline
    arn = runtime.invoke("flaky:$LATEST", {}, invocation_type="Event").durable_execution_arn
    runtime.wait_durable_execution(arn)
    widget = durable_timeline(runtime, arn)
    text = repr(widget)
    assert "STEP           reserve               SUCCEEDED" in text and "3 attempts" in text
    assert text.count(" replay ") == 2 and " first " in text
    bill = widget.facts.bill
    execution = runtime.durable_execution(arn)
    assert bill.invocations == 3 and bill.operations == execution.operations_billed == 6  # 3 STARTs, 2 RETRYs, 1 SUCCEED
    assert bill.operations_cost == 6 * DURABLE_OPERATION.value
    assert bill.total == bill.compute + bill.operations_cost and bill.compute > 0


def test_durable_magics_start_callback_show_stop():
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    import lambdakit
    from lambdakit.notebook import default
    fresh = lambdakit.Runtime()
    previous = default.set_default_runtime(fresh)
    environ = dict(os.environ)  # %load_ext points boto3 at the runtime through os.environ
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "lambdakit")

    def run(line):
        with capture_output() as captured:
            shell.run_cell(f"%lambda {line}")
        return captured.stdout + "".join(o.data["text/plain"] for o in captured.outputs)

    try:
        fresh.create_function("approval", APPROVAL, handler="lambda_function.handler", runtime="python3.11",
                              layers=[fresh.durable_sdk_layer()], durable_config={"ExecutionTimeout": DAY_S})
        assert "order-1  RUNNING" in run("durable start approval:$LATEST --event '{}' --name order-1")
        shown = run("durable show order-1")
        assert "CALLBACK       approval              STARTED" in shown
        callback_id = shown.split("CallbackId ")[1].split()[0]
        assert "succeeded" in run(f"durable callback {callback_id} --result '\"ok\"'")
        assert "order-1  SUCCEEDED" in run("durable wait order-1")
        assert "order-1  SUCCEEDED" in run("durable list approval")
        run("durable start approval:$LATEST --name order-2")
        assert "order-2  STOPPED" in run("durable stop order-2")
        assert "give one of --result, --error" in run(f"durable callback {callback_id}")
    finally:
        default.set_default_runtime(previous)
        fresh.close()
        InteractiveShell.clear_instance()  # the next test module makes a shell of its own
        os.environ.clear()
        os.environ.update(environ)
