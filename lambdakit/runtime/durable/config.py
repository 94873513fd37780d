"""DurableConfig: what makes a function durable, validated as CreateFunction validates it.

Ranges from botocore's Lambda model (service-2.json, 1.44.18, checked 2026-12-06); the default
retention from SAM's and CDK's DurableConfig documentation (14 days, checked 2026-12-06).
"""

from ...core.errors import validation_error

EXECUTION_TIMEOUT_MAX_S = 31_622_400      # 366 days: also the bound of a paused execution
RETENTION_DAYS_MIN, RETENTION_DAYS_MAX = 1, 90
RETENTION_DAYS_DEFAULT = 14


def durable_config(value):
    """A DurableConfig ({"ExecutionTimeout": s, "RetentionPeriodInDays": d}) checked and completed."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise validation_error(value, "durableConfig", "Member must be a structure")
    unknown = set(value) - {"ExecutionTimeout", "RetentionPeriodInDays", "KMSKeyArn"}
    if unknown:
        raise validation_error(sorted(unknown), "durableConfig", "Member must have no unknown fields")
    timeout = value.get("ExecutionTimeout", EXECUTION_TIMEOUT_MAX_S)
    if not _int_in(timeout, 1, EXECUTION_TIMEOUT_MAX_S):
        raise validation_error(timeout, "durableConfig.executionTimeout",
                               f"Member must have value between 1 and {EXECUTION_TIMEOUT_MAX_S}")
    retention = value.get("RetentionPeriodInDays", RETENTION_DAYS_DEFAULT)
    if not _int_in(retention, RETENTION_DAYS_MIN, RETENTION_DAYS_MAX):
        raise validation_error(retention, "durableConfig.retentionPeriodInDays",
                               f"Member must have value between {RETENTION_DAYS_MIN} and {RETENTION_DAYS_MAX}")
    config = {"RetentionPeriodInDays": retention, "ExecutionTimeout": timeout}
    if value.get("KMSKeyArn"):
        config["KMSKeyArn"] = value["KMSKeyArn"]
    return config


def _int_in(value, low, high):
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
