"""Function configuration, validated as CreateFunction / UpdateFunctionConfiguration validate it.

A configuration is a frozen value; a published version keeps its own copy.
"""

import json
import re
from dataclasses import dataclass, field, replace

from . import limits
from .errors import InvalidParameterValueException, validation_error

_NAME_RE = re.compile(limits.FUNCTION_NAME_PATTERN)
_NAME_PATTERN_TEXT = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?"
    r"(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?")
_HANDLER_RE = re.compile(r"[^\s]+")
_ENV_KEY_RE = re.compile(r"[a-zA-Z]([a-zA-Z0-9_])+")


@dataclass(frozen=True)
class FunctionConfig:
    name: str
    handler: str = limits.DEFAULT_HANDLER
    runtime: str = limits.DEFAULT_RUNTIME
    memory_size: int = limits.MEMORY_DEFAULT_MB
    timeout: int = limits.TIMEOUT_DEFAULT_S
    ephemeral_storage: int = limits.EPHEMERAL_DEFAULT_MB
    architecture: str = limits.DEFAULT_ARCHITECTURE
    environment: tuple = ()  # sorted (key, value) pairs, so the config stays hashable
    description: str = ""
    layers: tuple = ()
    log_format: str = "Text"
    role: str = f"arn:aws:iam::{limits.ACCOUNT_ID}:role/lambda-role"

    @property
    def env(self):
        return dict(self.environment)

    @property
    def arn(self):
        return function_arn(self.name)

    def with_changes(self, **changes):
        """A new, validated configuration; the name never changes."""
        if "environment" in changes and isinstance(changes["environment"], dict):
            changes["environment"] = tuple(sorted(changes["environment"].items()))
        if "layers" in changes:  # a list would make the frozen configuration unhashable
            changes["layers"] = tuple(changes["layers"] or ())
        return validate(replace(self, **changes))


def function_arn(name, qualifier=None):
    arn = f"arn:aws:lambda:{limits.REGION}:{limits.ACCOUNT_ID}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def make_config(name, **settings):
    """Build and validate a configuration from snake_case settings."""
    env = settings.pop("environment", None) or {}
    if not isinstance(env, dict):
        raise InvalidParameterValueException("Environment variables must be a map of strings to strings.")
    settings["environment"] = tuple(sorted(env.items()))
    settings["layers"] = tuple(settings.get("layers") or ())
    if settings.get("handler") is None and isinstance(settings.get("runtime"), str):
        settings["handler"] = limits.default_handler(settings["runtime"])
    return validate(FunctionConfig(name=name, **settings))


def validate_name(name):
    """Check a plain function name (not an ARN) the way the Lambda API does."""
    if not isinstance(name, str) or not name:
        raise validation_error(name, "functionName", "Member must have length greater than or equal to 1")
    if len(name) > limits.FUNCTION_NAME_MAX:
        raise validation_error(name, "functionName",
                               f"Member must have length less than or equal to {limits.FUNCTION_NAME_MAX}")
    if not _NAME_RE.fullmatch(name):
        raise validation_error(name, "functionName",
                               f"Member must satisfy regular expression pattern: {_NAME_PATTERN_TEXT}")
    return name


def check_int(value, member, low, high=None):
    """An integer API member from `low` to `high` (None: no upper bound), refused as AWS refuses it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameterValueException(f"{member} must be an integer, got {value!r}.")
    if value < low:
        raise validation_error(value, member, f"Member must have value greater than or equal to {low}")
    if high is not None and value > high:
        raise validation_error(value, member, f"Member must have value less than or equal to {high}")


def _check_environment(env):
    for key, value in env:
        if not isinstance(key, str) or not _ENV_KEY_RE.fullmatch(key):
            raise validation_error(
                "{" + ", ".join(f"{k}={v}" for k, v in env) + "}", "environment.variables",
                "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: "
                "[a-zA-Z]([a-zA-Z0-9_])+]")
        if not isinstance(value, str):
            raise InvalidParameterValueException(
                f"Environment variable {key} must be a string, got {type(value).__name__}.")
    reserved = sorted(k for k, _ in env if k in limits.RESERVED_ENV_KEYS)
    if reserved:
        raise InvalidParameterValueException(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not supported "
            f"for modification. Reserved keys used in this request: {', '.join(reserved)}")
    measured = json.dumps(dict(env), separators=(",", ":"))
    if len(measured.encode()) > limits.ENV_VARS_MAX_BYTES:
        raise InvalidParameterValueException(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided exceeded the 4KB limit. String measured: " + measured)


def validate(config):
    """Return the configuration if AWS would accept it; raise AWS's error if not."""
    validate_name(config.name)
    check_int(config.memory_size, "memorySize", limits.MEMORY_MIN_MB, limits.MEMORY_MAX_MB)
    check_int(config.timeout, "timeout", limits.TIMEOUT_MIN_S, limits.TIMEOUT_MAX_S)
    check_int(config.ephemeral_storage, "ephemeralStorage.size",
              limits.EPHEMERAL_MIN_MB, limits.EPHEMERAL_MAX_MB)
    if config.runtime not in limits.RUNTIMES:
        raise InvalidParameterValueException(
            f"Value {config.runtime} at 'runtime' failed to satisfy constraint: Member must satisfy "
            f"enum value set: [{', '.join(limits.RUNTIMES)}] or be a valid ARN")
    if config.architecture not in limits.ARCHITECTURES:
        raise validation_error(f"[{config.architecture}]", "architectures",
                               "Member must satisfy constraint: [Member must satisfy enum value set: "
                               "[x86_64, arm64]]")
    if not isinstance(config.handler, str) or not _HANDLER_RE.fullmatch(config.handler) \
            or len(config.handler) > 128:
        raise validation_error(config.handler, "handler",
                               r"Member must satisfy regular expression pattern: [^\s]+")
    if len(config.layers) > limits.LAYERS_MAX:
        raise InvalidParameterValueException(
            f"Cannot reference more than {limits.LAYERS_MAX} layers.")
    if config.log_format not in ("Text", "JSON"):
        raise validation_error(config.log_format, "loggingConfig.logFormat",
                               "Member must satisfy enum value set: [Text, JSON]")
    _check_environment(config.environment)
    return config


def vcpus(memory_mb):
    """CPU share Lambda allocates for a memory size: 1 vCPU at 1,769 MB, 6 at 10,240 MB.

    AWS documents those two points only, and 10,240 / 1,769 is 5.79, not 6. lambdakit's model:
    memory / 1,769 up to five vCPUs (8,845 MB), then a straight line to six at the maximum.
    """
    share = memory_mb / limits.MB_PER_VCPU
    below_top = limits.VCPUS_MAX - 1
    if share <= below_top:
        return share
    knee_mb = below_top * limits.MB_PER_VCPU
    return below_top + (memory_mb - knee_mb) / (limits.MEMORY_MAX_MB - knee_mb)
