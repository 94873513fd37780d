"""lambdakit: a hands-on AWS Lambda course and a faithful local Lambda runtime.

The public API: `Runtime` (a local Lambda service), `work` (declared work in handler
code), the service errors, and the records every meter and widget reads.
"""

from .errors import (InvalidParameterValueException, LambdaError, RequestTooLargeException,
                     ResourceConflictException, ResourceNotFoundException, TooManyRequestsException,
                     ValidationException)
from .records import InvocationRecord
from .runtime.envtime import work
from .runtime.result import InvocationResult
from .runtime.service import Runtime

__all__ = ["Runtime", "InvocationResult", "InvocationRecord", "work", "LambdaError",
           "InvalidParameterValueException", "RequestTooLargeException", "ResourceConflictException",
           "ResourceNotFoundException", "TooManyRequestsException", "ValidationException"]
