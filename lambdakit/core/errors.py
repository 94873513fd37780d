"""Service errors, named after AWS Lambda's error codes, with AWS's HTTP status and text.

The Python API raises these; the REST API turns them into the same JSON body and status
AWS sends, so botocore raises the exception of the same name.
"""


class LambdaError(Exception):
    """An error of the Lambda service (not of the function)."""

    code = "ServiceException"
    status = 500

    def __init__(self, message, **fields):
        super().__init__(message)
        self.message = message
        self.fields = fields  # extra members AWS puts in the body, e.g. Type, Reason

    def __str__(self):
        return f"{self.code}: {self.message}"

    def to_body(self):
        return {"Type": "User", "message": self.message, **self.fields}


def _error(name, status, doc):
    return type(name, (LambdaError,), {"code": name, "status": status, "__doc__": doc})


ValidationException = _error("ValidationException", 400, "A parameter failed its constraint.")
InvalidParameterValueException = _error(
    "InvalidParameterValueException", 400, "One of the parameters in the request is not valid.")
InvalidRequestContentException = _error(
    "InvalidRequestContentException", 400, "The request body could not be parsed as JSON.")
ResourceNotFoundException = _error(
    "ResourceNotFoundException", 404, "The resource specified in the request does not exist.")
ResourceConflictException = _error(
    "ResourceConflictException", 409, "The resource already exists, or another operation is in progress.")
PreconditionFailedException = _error(
    "PreconditionFailedException", 412, "The RevisionId does not match.")
# What Lambda answers for a request over a size limit (an Invoke payload, a CreateFunction
# body). botocore's model lists RequestTooLargeException instead, so boto3 raises this one as
# a plain ClientError, as it does against AWS.
RequestEntityTooLargeException = _error(
    "RequestEntityTooLargeException", 413, "The request payload exceeded the Invoke request body limit.")
TooManyRequestsException = _error(
    "TooManyRequestsException", 429, "The request throughput limit was exceeded.")
ProvisionedConcurrencyConfigNotFoundException = _error(
    "ProvisionedConcurrencyConfigNotFoundException", 404, "The specified configuration does not exist.")
CodeStorageExceededException = _error(
    "CodeStorageExceededException", 400, "Code storage limit exceeded.")
ServiceException = _error("ServiceException", 500, "The Lambda service had an internal error.")
RecursiveInvocationException = _error(
    "RecursiveInvocationException", 400, "Lambda stopped an invocation that was part of a recursive loop.")
# botocore's model documents RecursiveInvocationException (400) with this text.
RECURSIVE_INVOCATION_MESSAGE = ("Lambda has detected your function being invoked in a recursive loop with "
                                "other Amazon Web Services resources and stopped your function's invocation.")


def validation_error(value, member, constraint):
    """AWS's single-constraint ValidationException, e.g. for MemorySize 64."""
    return ValidationException(
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: {constraint}")


def function_not_found(arn):
    return ResourceNotFoundException(f"Function not found: {arn}")
