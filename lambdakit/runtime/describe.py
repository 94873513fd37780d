"""The configuration and alias descriptions the Lambda API returns (GetFunctionConfiguration,
ListFunctions, GetAlias, ...), built from the service's versions and aliases."""

import hashlib
import uuid

from ..core.config import function_arn
from . import logs
from .functions import LATEST


def describe_version(version, function):
    config = version.config
    arn = function_arn(config.name)
    description = {
        "FunctionName": config.name,
        "FunctionArn": arn if version.number == LATEST else f"{arn}:{version.number}",
        "Runtime": config.runtime, "Role": config.role, "Handler": config.handler,
        "CodeSize": version.code.size, "Description": version.description,
        "Timeout": config.timeout, "MemorySize": config.memory_size,
        "LastModified": version.last_modified, "CodeSha256": version.code.sha256,
        "Version": version.number,
        "Environment": {"Variables": config.env},
        "TracingConfig": {"Mode": "PassThrough"},
        "RevisionId": revision_id(version),
        "Layers": [{"Arn": arn} for arn in config.layers],
        "State": "Active", "LastUpdateStatus": "Successful", "PackageType": "Zip",
        "Architectures": [config.architecture],
        "EphemeralStorage": {"Size": config.ephemeral_storage},
        "LoggingConfig": {"LogFormat": config.log_format, "LogGroup": logs.log_group(config.name)},
    }
    if function.dead_letter_target:
        description["DeadLetterConfig"] = {"TargetArn": function.dead_letter_target}
    if function.durable_config is not None:
        description["DurableConfig"] = dict(function.durable_config)
    return description


def revision_id(version):
    """Changes with every update of the version, and is the same in every process (no hash())."""
    digest = hashlib.sha256(repr((version.config, version.code.sha256, version.revision)).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def describe_alias(name, alias):
    description = {"AliasArn": function_arn(name, alias.name), "Name": alias.name,
                   "FunctionVersion": alias.version, "Description": alias.description}
    if alias.weights:
        description["RoutingConfig"] = {"AdditionalVersionWeights": dict(alias.weights)}
    return description
