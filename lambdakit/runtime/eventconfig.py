"""Asynchronous invocation settings of a function, version or alias: what
Put/Get/Update/Delete/ListFunctionEventInvokeConfig(s) store and return.

PutFunctionEventInvokeConfig replaces the settings (what it leaves out is removed, so the
defaults apply again); UpdateFunctionEventInvokeConfig changes only what it names, each of
OnSuccess and OnFailure on its own. The values are validated by
lambdakit.scale.async_retry.EventInvokeConfig and the destinations by destinations.py.
"""

from dataclasses import dataclass

from ..scale.async_retry import EventInvokeConfig
from ..core.config import function_arn
from ..core.errors import InvalidRequestContentException, ResourceNotFoundException
from .destinations import check_destination

LATEST = "$LATEST"


@dataclass(frozen=True)
class EventInvokeSettings:
    retries: int | None          # MaximumRetryAttempts as set (None: not set, the default applies)
    max_age_s: int | None        # MaximumEventAgeInSeconds as set
    on_success: str | None
    on_failure: str | None
    last_modified_ms: float

    @property
    def config(self):
        """The settings in force, defaults filled in."""
        given = {"maximum_retry_attempts": self.retries, "maximum_event_age_s": self.max_age_s}
        return EventInvokeConfig(**{k: v for k, v in given.items() if v is not None},
                                 on_success=self.on_success, on_failure=self.on_failure)


def key(qualifier):
    """Settings made without a qualifier belong to $LATEST, as AWS reports them."""
    return qualifier or LATEST


def make(function_name, now_ms, *, maximum_retry_attempts=None, maximum_event_age_in_seconds=None,
         destination_config=None, base=None):
    """New settings from a Put (`base` None) or an Update of `base`; validated."""
    destinations = _destinations(destination_config)
    if base is None:
        base = EventInvokeSettings(None, None, None, None, now_ms)
    on_success = destinations.get("OnSuccess", base.on_success)
    on_failure = destinations.get("OnFailure", base.on_failure)
    settings = EventInvokeSettings(
        base.retries if maximum_retry_attempts is None else maximum_retry_attempts,
        base.max_age_s if maximum_event_age_in_seconds is None else maximum_event_age_in_seconds,
        check_destination(on_success, "destinationConfig.onSuccess.destination", function_name, on_success=True),
        check_destination(on_failure, "destinationConfig.onFailure.destination", function_name, on_success=False),
        now_ms)
    settings.config  # validates the numbers
    return settings


def _destinations(destination_config):
    """{"OnSuccess": arn, "OnFailure": arn} for the members given; "" or {} clears one."""
    if destination_config is None:
        return {}
    if not isinstance(destination_config, dict):
        raise InvalidRequestContentException("Could not parse request body into json: DestinationConfig must be an object")
    found = {}
    for member in ("OnSuccess", "OnFailure"):
        if member in destination_config:
            value = destination_config[member] or {}
            if not isinstance(value, dict):
                raise InvalidRequestContentException(
                    f"Could not parse request body into json: {member} must be an object")
            found[member] = value.get("Destination") or None
    return found


def describe(function_name, qualifier, settings):
    """The settings as the Lambda API returns them."""
    description = {"LastModified": round(settings.last_modified_ms / 1000.0, 3),
                   "FunctionArn": function_arn(function_name, key(qualifier))}
    if settings.retries is not None:
        description["MaximumRetryAttempts"] = settings.retries
    if settings.max_age_s is not None:
        description["MaximumEventAgeInSeconds"] = settings.max_age_s
    description["DestinationConfig"] = {
        "OnSuccess": {"Destination": settings.on_success} if settings.on_success else {},
        "OnFailure": {"Destination": settings.on_failure} if settings.on_failure else {}}
    return description


def not_found(function_name, qualifier):
    return ResourceNotFoundException(
        f"The function {function_arn(function_name, key(qualifier))} doesn't have an EventInvokeConfig")
