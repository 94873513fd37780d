"""The per-kernel default Runtime, and the functions a notebook calls on it.

Every `%lambda` and `%%lambda` command is one of these functions (or a `Runtime` method on
`default_runtime()`) behind a parser, so Python users and magics share one code path. The
default runtime uses the virtual clock: a lesson prints the same numbers on every run.
This is the package's only module-level mutable state.
"""

import atexit

from ..core.errors import ResourceNotFoundException
from ..runtime.service import Runtime

_default = None


def default_runtime():
    """The kernel's Runtime, created on first use (virtual clock, seed 0)."""
    global _default
    if _default is None:
        _install(Runtime(clock="virtual", seed=0))
    return _default


def set_default_runtime(runtime):
    """Make `runtime` (or None: one made on next use) the default; return the previous one.

    Nothing is closed: tests swap in their own runtime and put the previous one back.
    """
    previous = _default
    _install(runtime)
    return previous


# Called with each new default runtime; the notebook extension uses it to point boto3 at it.
_listeners = []


def _install(runtime):
    global _default
    _default = runtime
    for listener in _listeners if runtime is not None else ():
        listener(runtime)


def on_new_runtime(listener):
    """Call `listener(runtime)` now (if there is a default runtime) and on every replacement."""
    if listener not in _listeners:
        _listeners.append(listener)
    if _default is not None:
        listener(_default)


def reset(clock=None, seed=0, start=None):
    """A fresh default runtime: no functions, no records. `clock` defaults to the current one."""
    old = _default
    clock = clock or (old.clock.name if old else "virtual")
    new = Runtime(clock=clock, seed=seed, start=start)
    if old is not None:
        old.close()
    _install(new)
    return new


def use_clock(clock, seed=0, start=None):
    """Switch the default runtime to the `real` or `virtual` clock.

    A runtime's clock is fixed, so this starts a new runtime and re-creates each function's
    $LATEST (code, configuration, reserved concurrency) in it. Published versions, aliases,
    records and logs stay with the old runtime, which is closed. Returns the names carried.
    """
    old = default_runtime()
    new = Runtime(clock=clock, seed=seed, start=start)
    try:
        carried = [_copy_function(old, new, description) for description in old.list_functions()]
    except BaseException:
        new.close()
        raise
    old.close()
    _install(new)
    return carried


def _copy_function(old, new, description):
    name = description["FunctionName"]
    location = old.get_function(name)["Code"]["Location"]
    new.create_function(
        name, location.removeprefix("file://"), handler=description["Handler"],
        runtime=description["Runtime"], memory_size=description["MemorySize"],
        timeout=description["Timeout"], environment=description["Environment"]["Variables"],
        ephemeral_storage=description["EphemeralStorage"]["Size"],
        architecture=description["Architectures"][0],
        layers=[layer["Arn"] for layer in description["Layers"]],
        log_format=description["LoggingConfig"]["LogFormat"], description=description["Description"])
    reserved = old.get_function_concurrency(name).get("ReservedConcurrentExecutions")
    if reserved is not None:
        new.put_function_concurrency(name, reserved)
    return name


def function_exists(name):
    try:
        default_runtime().get_function_configuration(name)
    except ResourceNotFoundException:
        return False
    return True


def deploy(name, code, *, publish=False, reserved=None, **settings):
    """Create the function, or update it: what re-running a `%%lambda` cell does.

    A new function gets `settings` (CreateFunction). An existing one gets its configuration
    changes first (UpdateFunctionConfiguration, so invalid settings change nothing), then
    the new code (UpdateFunctionCode: $LATEST changes and its warm environments are
    retired). Settings not given keep their current values. Returns the configuration.
    """
    runtime = default_runtime()
    if function_exists(name):
        if settings:
            runtime.update_function_configuration(name, **settings)
        description = runtime.update_function_code(name, code, publish=publish)
    else:
        description = runtime.create_function(name, code, publish=publish, **settings)
    if reserved is not None:
        runtime.put_function_concurrency(name, reserved)
    return description


def invoke(function_name, payload=None, invocation_type="RequestResponse", qualifier=None,
           log_type=None, client_context=None):
    """Invoke a function of the default runtime; see `Runtime.invoke`."""
    return default_runtime().invoke(function_name, payload, invocation_type, qualifier,
                                    log_type, client_context)


def _close_default():
    if _default is not None:
        _default.close()


atexit.register(_close_default)
