"""Function configuration is validated as CreateFunction / UpdateFunctionConfiguration
validate it: AWS's exception names, HTTP statuses and message texts. No process runs here."""

import pytest

from lambdakit import (InvalidParameterValueException, RequestEntityTooLargeException,
                       ResourceConflictException, ResourceNotFoundException, ValidationException)

CODE = "def lambda_handler(event, context):\n    return event\n"
ARN = "arn:aws:lambda:us-east-1:123456789012:function"


def constraint(value, member, text):
    return f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {text}"


def create_fails(service, name="f", **settings):
    with pytest.raises(Exception) as caught:
        service.create_function(name, CODE, **settings)
    assert name not in [f["FunctionName"] for f in service.list_functions()]
    return caught.value


def test_defaults_are_lambdas(virtual):
    config = virtual.create_function("f", CODE)
    assert (config["MemorySize"], config["Timeout"], config["EphemeralStorage"]) == (128, 3, {"Size": 512})
    assert config["Handler"] == "lambda_function.lambda_handler"
    assert config["Architectures"] == ["x86_64"]
    assert config["FunctionArn"] == f"{ARN}:f"
    assert config["Version"] == "$LATEST"


@pytest.mark.parametrize("name", ["a", "my-function_2", "A" * 64])
def test_valid_names(virtual, name):
    assert virtual.create_function(name, CODE)["FunctionName"] == name


def test_name_longer_than_64_characters(virtual):
    error = create_fails(virtual, "a" * 65)
    assert isinstance(error, ValidationException) and error.status == 400
    assert error.message == constraint("a" * 65, "functionName", "Member must have length less than or equal to 64")


@pytest.mark.parametrize("name", ["my function", "my.function", "fünf", "a/b"])
def test_name_outside_the_pattern(virtual, name):
    error = create_fails(virtual, name)
    assert type(error).__name__ == "ValidationException"
    assert error.message.startswith(constraint(name, "functionName", "Member must satisfy regular expression pattern: "))


def test_empty_name(virtual):
    error = create_fails(virtual, "")
    assert error.message == constraint("", "functionName", "Member must have length greater than or equal to 1")


@pytest.mark.parametrize("memory, text", [
    (127, "Member must have value greater than or equal to 128"),
    (64, "Member must have value greater than or equal to 128"),
    (10_241, "Member must have value less than or equal to 10240"),
])
def test_memory_out_of_range(virtual, memory, text):
    error = create_fails(virtual, memory_size=memory)
    assert isinstance(error, ValidationException)
    assert error.message == constraint(memory, "memorySize", text)


@pytest.mark.parametrize("memory", [128, 129, 1_769, 10_240])
def test_memory_in_1_mb_steps(virtual, memory):
    assert virtual.create_function("f", CODE, memory_size=memory)["MemorySize"] == memory


@pytest.mark.parametrize("timeout, text", [
    (0, "Member must have value greater than or equal to 1"),
    (901, "Member must have value less than or equal to 900"),
])
def test_timeout_out_of_range(virtual, timeout, text):
    error = create_fails(virtual, timeout=timeout)
    assert isinstance(error, ValidationException)
    assert error.message == constraint(timeout, "timeout", text)


@pytest.mark.parametrize("timeout", [1, 900])
def test_timeout_limits_accepted(virtual, timeout):
    assert virtual.create_function("f", CODE, timeout=timeout)["Timeout"] == timeout


@pytest.mark.parametrize("storage, text", [
    (511, "Member must have value greater than or equal to 512"),
    (10_241, "Member must have value less than or equal to 10240"),
])
def test_ephemeral_storage_out_of_range(virtual, storage, text):
    error = create_fails(virtual, ephemeral_storage=storage)
    assert isinstance(error, ValidationException)
    assert error.message == constraint(storage, "ephemeralStorage.size", text)


def test_ephemeral_storage_limits_accepted(virtual):
    assert virtual.create_function("f", CODE, ephemeral_storage=10_240)["EphemeralStorage"] == {"Size": 10_240}


def test_course_short_names_for_settings(virtual):
    config = virtual.create_function("f", CODE, memory=256, storage=1024, env={"AB": "1"}, arch="arm64")
    assert (config["MemorySize"], config["EphemeralStorage"]["Size"]) == (256, 1024)
    assert (config["Environment"], config["Architectures"]) == ({"Variables": {"AB": "1"}}, ["arm64"])


def test_memory_must_be_an_integer(virtual):
    assert isinstance(create_fails(virtual, memory_size="512"), InvalidParameterValueException)
    assert isinstance(create_fails(virtual, memory_size=True), InvalidParameterValueException)


def test_environment_variables_over_4_kb(virtual):
    error = create_fails(virtual, environment={"BIG": "x" * 4_090})
    assert isinstance(error, InvalidParameterValueException) and error.status == 400
    assert error.message.startswith(
        "Lambda was unable to configure your environment variables because the environment "
        "variables you have provided exceeded the 4KB limit. String measured: {\"BIG\":\"xxx")


def test_environment_variables_just_under_4_kb(virtual):
    value = "x" * (4 * 1024 - len('{"BIG":""}'))
    assert virtual.create_function("f", CODE, environment={"BIG": value})["Environment"]["Variables"]["BIG"] == value


@pytest.mark.parametrize("key", ["AWS_REGION", "AWS_LAMBDA_FUNCTION_NAME", "AWS_ACCESS_KEY_ID",
                                 "LAMBDA_TASK_ROOT", "AWS_LAMBDA_RUNTIME_API", "AWS_SESSION_TOKEN"])
def test_reserved_environment_keys(virtual, key):
    error = create_fails(virtual, environment={"MINE": "1", key: "x"})
    assert isinstance(error, InvalidParameterValueException)
    assert error.message == (
        "Lambda was unable to configure your environment variables because the environment variables "
        "you have provided contains reserved keys that are currently not supported for modification. "
        f"Reserved keys used in this request: {key}")


@pytest.mark.parametrize("key", ["1BAD", "A", "_HANDLER", "MY-VAR"])
def test_environment_key_pattern(virtual, key):
    # The pattern also keeps out _HANDLER and _X_AMZN_TRACE_ID, and one-letter names.
    error = create_fails(virtual, environment={key: "x"})
    assert isinstance(error, ValidationException)
    assert error.message == constraint(
        f"{{{key}=x}}", "environment.variables", "Map keys must satisfy constraint: "
        "[Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]")


@pytest.mark.parametrize("architecture", ["x86", "arm", "aarch64"])
def test_architecture(virtual, architecture):
    error = create_fails(virtual, architecture=architecture)
    assert isinstance(error, ValidationException)
    assert error.message == constraint(f"[{architecture}]", "architectures",
                                       "Member must satisfy constraint: [Member must satisfy enum value set: "
                                       "[x86_64, arm64]]")


@pytest.mark.parametrize("runtime", ["python3.11", "python3.12", "python3.13"])
def test_python_runtimes(virtual, runtime):
    assert virtual.create_function("f", CODE, runtime=runtime)["Runtime"] == runtime


@pytest.mark.parametrize("runtime", ["nodejs22.x", "nodejs24.x", "provided.al2023", "provided.al2"])
def test_runtime_api_runtimes(virtual, runtime):
    config = virtual.create_function("f", CODE, runtime=runtime)
    assert config["Runtime"] == runtime
    assert config["Handler"] == ("index.handler" if runtime.startswith("nodejs") else "function.handler")


@pytest.mark.parametrize("runtime", ["nodejs20.x", "python", "cobol"])
def test_other_runtimes_refused(virtual, runtime):
    error = create_fails(virtual, runtime=runtime)
    assert isinstance(error, InvalidParameterValueException)
    assert error.message.startswith(f"Value {runtime} at 'runtime' failed to satisfy constraint: "
                                    "Member must satisfy enum value set: [")


def test_handler_with_whitespace(virtual):
    error = create_fails(virtual, handler="lambda_function. handler")
    assert isinstance(error, ValidationException)


def test_existing_function(virtual):
    virtual.create_function("f", CODE)
    with pytest.raises(ResourceConflictException) as caught:
        virtual.create_function("f", CODE)
    assert (caught.value.status, caught.value.message) == (409, "Function already exist: f")


def test_unknown_function(virtual):
    with pytest.raises(ResourceNotFoundException) as caught:
        virtual.invoke("nope", {})
    assert (caught.value.status, caught.value.message) == (404, f"Function not found: {ARN}:nope")
    with pytest.raises(ResourceNotFoundException):
        virtual.get_function_configuration("nope")


def test_unknown_qualifier(virtual):
    virtual.create_function("f", CODE)
    with pytest.raises(ResourceNotFoundException) as caught:
        virtual.invoke("f", {}, qualifier="7")
    assert caught.value.message == f"Function not found: {ARN}:f:7"


def test_update_configuration_is_validated_and_leaves_the_old_one(virtual):
    virtual.create_function("f", CODE, memory_size=256)
    with pytest.raises(ValidationException):
        virtual.update_function_configuration("f", memory_size=64)
    with pytest.raises(InvalidParameterValueException):
        virtual.update_function_configuration("f", environment={"AWS_REGION": "eu-west-1"})
    assert virtual.get_function_configuration("f")["MemorySize"] == 256
    assert virtual.update_function_configuration("f", timeout=30)["Timeout"] == 30


def test_names_partial_and_full_arns(virtual):
    virtual.create_function("f", CODE)
    for name in ("f", "function:f", "123456789012:function:f", f"{ARN}:f"):
        assert virtual.get_function_configuration(name)["FunctionName"] == "f"


def test_invocation_type_is_validated(virtual):
    virtual.create_function("f", CODE)
    with pytest.raises(InvalidParameterValueException) as caught:
        virtual.invoke("f", {}, invocation_type="Sync")
    assert "Member must satisfy enum value set: [Event, RequestResponse, DryRun]" in caught.value.message


def test_request_over_6_mb_is_refused_before_running(virtual):
    virtual.create_function("f", CODE)
    with pytest.raises(RequestEntityTooLargeException) as caught:
        virtual.invoke("f", {"data": "x" * (6 * 1024 * 1024)})
    assert caught.value.status == 413
    assert caught.value.message == "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    assert virtual.records == [] and virtual.environments() == []


def test_async_request_over_1_mb_is_refused(virtual):
    virtual.create_function("f", CODE)
    with pytest.raises(RequestEntityTooLargeException) as caught:
        virtual.invoke("f", "x" * (1024 * 1024 + 1), invocation_type="Event")
    assert caught.value.message == "1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)"
