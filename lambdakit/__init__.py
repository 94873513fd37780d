"""lambdakit: a hands-on AWS Lambda course and a faithful local Lambda runtime.

The public API: `Runtime` (a local Lambda service), `work` (declared work in handler
code), the service errors, and the records every meter and widget reads; the kernel's
default runtime and what the magics do with it (`default_runtime`, `deploy`, `invoke`,
`reset`, `use_clock`); `layers` (lambdakit.runtime.layers: `installed_layer` packages an
installed library as a layer); `power_tune` (lambdakit.cost.tuning); `load_test` (lambdakit.scale.loadtest);
and `%load_ext lambdakit` for `%%lambda` and `%lambda`.
"""

from .notebook.default import default_runtime, deploy, invoke, reset, use_clock
from .core.errors import (InvalidParameterValueException, LambdaError, RequestEntityTooLargeException,
                     ResourceConflictException, ResourceNotFoundException, TooManyRequestsException,
                     ValidationException)
from .scale.loadtest import load_test
from .core.records import InvocationRecord
from .runtime import layers
from .runtime.envtime import work
from .runtime.result import InvocationResult
from .runtime.service import Runtime
from .cost.tuning import power_tune

__all__ = ["Runtime", "InvocationResult", "InvocationRecord", "work", "LambdaError",
           "InvalidParameterValueException", "RequestEntityTooLargeException", "ResourceConflictException",
           "ResourceNotFoundException", "TooManyRequestsException", "ValidationException",
           "default_runtime", "deploy", "invoke", "reset", "use_clock", "layers", "power_tune", "load_test"]


def load_ipython_extension(ipython):
    """`%load_ext lambdakit`: the magics load here, so importing lambdakit stays light."""
    from .notebook.magics import load_ipython_extension as load
    load(ipython)
