"""An event source mapping's configuration: validated as CreateEventSourceMapping and
UpdateEventSourceMapping validate it, and described in AWS's EventSourceMappingConfiguration
shape. No pollers here (sqs.py, streams.py), no HTTP (api/operations.py).

Sources lambdakit maps: SQS queues (standard and FIFO) in local AWS, and Kinesis and
DynamoDB streams (lambdakit.esm.streams). Figures from the Lambda Developer Guide's pages
on each source and the CreateEventSourceMapping API reference, checked on limits.CHECKED.
"""

import json
from dataclasses import dataclass, fields, replace

from ..core import limits
from ..core.config import check_int
from ..core.errors import InvalidParameterValueException, validation_error

SQS, KINESIS, DYNAMODB = "sqs", "kinesis", "dynamodb"
STREAMS = (KINESIS, DYNAMODB)
BATCH_SIZE_DEFAULT = {SQS: 10, KINESIS: 100, DYNAMODB: 100}
BATCH_SIZE_MAX = 10_000
FIFO_BATCH_SIZE_MAX = 10
BATCHING_WINDOW_MAX_S = 300
# Above this batch size an SQS mapping needs a batching window.
SQS_BATCH_WITHOUT_WINDOW_MAX = 10
PARALLELIZATION_MAX = 10
RETRY_ATTEMPTS_MAX = 10_000
RECORD_AGE_MIN_S, RECORD_AGE_MAX_S = 60, 604_800
TUMBLING_WINDOW_MAX_S = 900
MAXIMUM_CONCURRENCY_MIN, MAXIMUM_CONCURRENCY_MAX = 2, 1_000
STARTING_POSITIONS = ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"

# Settings only streams take: an SQS mapping given one is refused.
_STREAM_ONLY = {"starting_position": "StartingPosition", "parallelization_factor": "ParallelizationFactor",
                "maximum_retry_attempts": "MaximumRetryAttempts",
                "maximum_record_age_in_seconds": "MaximumRecordAgeInSeconds",
                "bisect_batch_on_function_error": "BisectBatchOnFunctionError",
                "destination_config": "DestinationConfig",
                "tumbling_window_in_seconds": "TumblingWindowInSeconds"}


def source_kind(arn):
    """sqs, kinesis or dynamodb, from an event source ARN; anything else is refused."""
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) < 6 or parts[0] != "arn":
        raise InvalidParameterValueException("Unrecognized event source.")
    service = parts[2]
    if service == DYNAMODB and "/stream/" not in parts[5]:
        raise InvalidParameterValueException(
            f"Unrecognized event source, must be kinesis, dynamodb stream or sqs. Unsupported source arn : {arn}")
    if service not in (SQS, KINESIS, DYNAMODB):
        raise InvalidParameterValueException(
            f"Unrecognized event source, must be kinesis, dynamodb stream or sqs. Unsupported source arn : {arn}")
    return service


def is_fifo(arn):
    return arn.endswith(".fifo")


@dataclass(frozen=True)
class MappingConfig:
    """What the mapping does; members in snake_case, one per API member."""
    event_source_arn: str
    function_arn: str
    enabled: bool = True
    batch_size: int | None = None
    maximum_batching_window_in_seconds: int = 0
    function_response_types: tuple = ()
    filter_patterns: tuple = ()              # FilterCriteria.Filters[].Pattern, JSON text
    maximum_concurrency: int | None = None   # ScalingConfig (SQS)
    starting_position: str | None = None
    starting_position_timestamp: float | None = None
    parallelization_factor: int = 1
    maximum_retry_attempts: int = -1
    maximum_record_age_in_seconds: int = -1
    bisect_batch_on_function_error: bool = False
    on_failure: str | None = None            # DestinationConfig.OnFailure.Destination
    tumbling_window_in_seconds: int = 0

    @property
    def kind(self):
        return source_kind(self.event_source_arn)

    @property
    def reports_item_failures(self):
        return REPORT_BATCH_ITEM_FAILURES in self.function_response_types

    def with_changes(self, **changes):
        return validate(replace(self, **changes))


def from_settings(function_arn, event_source_arn, settings):
    """A MappingConfig from the Python API's keyword settings (the REST members in snake_case;
    nested members in AWS's shape: scaling_config={"MaximumConcurrency": 5},
    destination_config={"OnFailure": {"Destination": ARN}}, filter_criteria={"Filters": [...]})."""
    kind = source_kind(event_source_arn)
    _refuse_stream_only(kind, settings)
    if kind != SQS and settings.get("scaling_config") is not None:
        raise InvalidParameterValueException("Unsupported ScalingConfig parameter for given event source mapping type.")
    values = {"event_source_arn": event_source_arn, "function_arn": function_arn}
    values.update(_members(settings))
    if values.get("batch_size") is None:
        values["batch_size"] = BATCH_SIZE_DEFAULT[kind]
    if kind in STREAMS and values.get("starting_position") is None:
        raise InvalidParameterValueException(
            "1 validation error detected: Value null at 'startingPosition' failed to satisfy "
            "constraint: Member must not be null.")
    return validate(MappingConfig(**values))


def changes_from_settings(config, settings):
    """The members UpdateEventSourceMapping may change, checked against the mapping's source."""
    for fixed in ("event_source_arn", "starting_position", "starting_position_timestamp"):
        if settings.get(fixed) is not None:
            raise InvalidParameterValueException(
                f"Unsupported {_member_name(fixed)} parameter for UpdateEventSourceMapping.")
    _refuse_stream_only(config.kind, settings)
    return _members(settings)


def _refuse_stream_only(kind, settings):
    if kind == SQS:
        for name, member in _STREAM_ONLY.items():
            if settings.get(name) is not None:
                raise InvalidParameterValueException(
                    f"Unsupported {member} parameter for given event source mapping type.")


def _member_name(name):
    return "".join(part.capitalize() for part in name.split("_"))


def _members(settings):
    known = {f.name for f in fields(MappingConfig)} | {"scaling_config", "destination_config", "filter_criteria"}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise TypeError(f"unknown event source mapping settings: {', '.join(unknown)}")
    values = {k: v for k, v in settings.items()
              if v is not None and k not in ("scaling_config", "destination_config", "filter_criteria")}
    moment = values.get("starting_position_timestamp")
    if hasattr(moment, "timestamp"):
        values["starting_position_timestamp"] = moment.timestamp()
    if "function_response_types" in values:
        values["function_response_types"] = tuple(values["function_response_types"])
    scaling = settings.get("scaling_config")
    if scaling is not None:
        values["maximum_concurrency"] = scaling.get("MaximumConcurrency")
    destination = settings.get("destination_config")
    if destination is not None:
        if destination.get("OnSuccess"):
            raise InvalidParameterValueException(
                "Unsupported DestinationConfig parameter for given event source mapping type.")
        values["on_failure"] = (destination.get("OnFailure") or {}).get("Destination") or None
    criteria = settings.get("filter_criteria")
    if criteria is not None:
        values["filter_patterns"] = tuple(f.get("Pattern") for f in criteria.get("Filters") or ())
    return values


def validate(config):
    kind = config.kind
    check_int(config.batch_size, "batchSize", 1, BATCH_SIZE_MAX)
    check_int(config.maximum_batching_window_in_seconds, "maximumBatchingWindowInSeconds", 0, BATCHING_WINDOW_MAX_S)
    if kind == SQS:
        fifo = is_fifo(config.event_source_arn)
        if config.batch_size > SQS_BATCH_WITHOUT_WINDOW_MAX and config.maximum_batching_window_in_seconds == 0:
            raise InvalidParameterValueException(
                "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
        if fifo and config.batch_size > FIFO_BATCH_SIZE_MAX:
            raise InvalidParameterValueException("Batch size must not exceed 10 for FIFO queues")
        if fifo and config.maximum_batching_window_in_seconds:
            raise InvalidParameterValueException("Batching window is not supported for FIFO queues")
        if config.maximum_concurrency is not None:
            check_int(config.maximum_concurrency, "scalingConfig.maximumConcurrency",
                      MAXIMUM_CONCURRENCY_MIN, MAXIMUM_CONCURRENCY_MAX)
    else:
        if config.starting_position not in STARTING_POSITIONS:
            raise validation_error(config.starting_position, "startingPosition",
                                   "Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]")
        if kind == DYNAMODB and config.starting_position == "AT_TIMESTAMP":
            raise InvalidParameterValueException(
                f"Unsupported starting position for arn type: {config.event_source_arn}")
        if config.starting_position == "AT_TIMESTAMP" and config.starting_position_timestamp is None:
            raise InvalidParameterValueException(
                "StartingPositionTimestamp must be provided when StartingPosition is AT_TIMESTAMP.")
        check_int(config.parallelization_factor, "parallelizationFactor", 1, PARALLELIZATION_MAX)
        check_int(config.maximum_retry_attempts, "maximumRetryAttempts", -1, RETRY_ATTEMPTS_MAX)
        check_int(config.maximum_record_age_in_seconds, "maximumRecordAgeInSeconds", -1, RECORD_AGE_MAX_S)
        if 0 <= config.maximum_record_age_in_seconds < RECORD_AGE_MIN_S:
            raise InvalidParameterValueException(
                f"Invalid MaximumRecordAgeInSeconds value {config.maximum_record_age_in_seconds}: "
                f"it must be -1 or between {RECORD_AGE_MIN_S} and {RECORD_AGE_MAX_S}.")
        check_int(config.tumbling_window_in_seconds, "tumblingWindowInSeconds", 0, TUMBLING_WINDOW_MAX_S)
        if config.on_failure is not None and source_kind_of_destination(config.on_failure) is None:
            raise InvalidParameterValueException(
                "The provided destination config DestinationConfig(onSuccess=null, onFailure=OnFailure"
                f"(destination={config.on_failure})) is invalid.")
    for response_type in config.function_response_types:
        if response_type != REPORT_BATCH_ITEM_FAILURES:
            raise validation_error(list(config.function_response_types), "functionResponseTypes",
                                   "Member must satisfy constraint: [Member must satisfy enum value set: "
                                   "[ReportBatchItemFailures]]")
    for pattern in config.filter_patterns:
        try:
            if not isinstance(json.loads(pattern), dict):
                raise ValueError
        except (TypeError, ValueError):
            raise InvalidParameterValueException("Invalid filter pattern definition.")
    return config


def source_kind_of_destination(arn):
    """sqs, sns or s3 for an on-failure destination ARN; None for anything else."""
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) >= 6 and parts[0] == "arn" and parts[2] in ("sqs", "sns", "s3"):
        return parts[2]
    return None


def describe(uuid, config, state, last_modified_ms, last_result):
    """EventSourceMappingConfiguration, as Get/Create/Update/Delete return it."""
    reply = {"UUID": uuid, "BatchSize": config.batch_size,
             "MaximumBatchingWindowInSeconds": config.maximum_batching_window_in_seconds,
             "EventSourceArn": config.event_source_arn, "FunctionArn": config.function_arn,
             "LastModified": last_modified_ms / 1000.0, "State": state,
             "FunctionResponseTypes": list(config.function_response_types),
             "EventSourceMappingArn":
                 f"arn:aws:lambda:{limits.REGION}:{limits.ACCOUNT_ID}:event-source-mapping:{uuid}"}
    if config.filter_patterns:
        reply["FilterCriteria"] = {"Filters": [{"Pattern": p} for p in config.filter_patterns]}
    if config.kind == SQS:
        reply["StateTransitionReason"] = "USER_INITIATED"
        if config.maximum_concurrency is not None:
            reply["ScalingConfig"] = {"MaximumConcurrency": config.maximum_concurrency}
        return reply
    reply.update({
        "StateTransitionReason": "User action", "StartingPosition": config.starting_position,
        "ParallelizationFactor": config.parallelization_factor, "LastProcessingResult": last_result,
        "DestinationConfig": {"OnFailure": {"Destination": config.on_failure} if config.on_failure else {}},
        "MaximumRecordAgeInSeconds": config.maximum_record_age_in_seconds,
        "BisectBatchOnFunctionError": config.bisect_batch_on_function_error,
        "MaximumRetryAttempts": config.maximum_retry_attempts,
        "TumblingWindowInSeconds": config.tumbling_window_in_seconds})
    if config.starting_position_timestamp is not None:
        reply["StartingPositionTimestamp"] = config.starting_position_timestamp
    return reply
