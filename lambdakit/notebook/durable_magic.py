"""`%lambda durable ...`: start, list, show, send a callback to and stop durable executions.

The request is parsed in magic_requests (`Durable`; nothing runs on a bad line); this is its
action, registered with magics' `@action`; it calls the default Runtime's AWS-named durable methods.

    %lambda durable start orders:$LATEST --event '{"order": 42}' --name order-42
    %lambda durable list orders
    %lambda durable show order-42            (an execution name or ARN: the timeline widget)
    %lambda durable callback CALLBACK_ID --result '"approved"'     (or --error MESSAGE)
    %lambda durable wait order-42            (let it run: its waits and retries, at once on the virtual clock)
    %lambda durable stop order-42
"""

from IPython.display import display

from . import default
from .magic_requests import CommandError, Durable
from .magics import action


@action(Durable)
def run(request, shell):
    runtime = default.default_runtime()
    if request.verb == "start":
        payload = request.payload
        if request.event_variable is not None:
            if request.event_variable not in shell.user_ns:
                raise CommandError(f"%lambda durable start: --event {request.event_variable} is neither "
                                   "JSON nor the name of a variable in this notebook")
            payload = shell.user_ns[request.event_variable]
        started = runtime.invoke(request.target, payload, invocation_type="Event",
                                 durable_execution_name=request.execution_name)
        print(_line(runtime.get_durable_execution(started.durable_execution_arn)))
    elif request.verb == "list":
        name, _, qualifier = request.target.partition(":")
        found = runtime.list_durable_executions_by_function(name, qualifier or None)["DurableExecutions"]
        print("\n".join(_line(e) for e in found) or f"No durable executions of {name}.")
    elif request.verb == "callback":
        if request.result is not None:
            runtime.send_durable_execution_callback_success(request.target, request.result.encode())
        else:
            runtime.send_durable_execution_callback_failure(
                request.target, {"ErrorType": "Rejected", "ErrorMessage": request.error})
        print(f"Callback {request.target}: {'succeeded' if request.result is not None else 'failed'}")
    else:
        arn = _arn(runtime, request.target)
        if request.verb == "stop":
            runtime.stop_durable_execution(arn)
            print(_line(runtime.get_durable_execution(arn)))
        elif request.verb == "wait":  # on the virtual clock: through its waits and retries at once
            print(_line(runtime.wait_durable_execution(arn)))
        else:
            from .widgets.durable import durable_timeline
            display(durable_timeline(runtime, arn))


def _arn(runtime, target):
    """An execution ARN, or the ARN of the execution of that name (in any function)."""
    if target.startswith("arn:"):
        return target
    for execution in runtime.durable_executions():
        if execution["DurableExecutionName"] == target:
            return execution["DurableExecutionArn"]
    raise CommandError(f"%lambda durable: no durable execution named {target!r}")


def _line(described):
    return f"{described['DurableExecutionName']}  {described['Status']:<9}  {described['DurableExecutionArn']}"
