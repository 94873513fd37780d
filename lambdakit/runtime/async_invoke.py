"""Asynchronous invocation as the Runtime's API: accepting Event invocations, running their
attempts, and the event invoke configuration (retries, maximum age, destinations) per
function, version or alias. The queue and its retries live in asyncq.py."""

from ..core.errors import RECURSIVE_INVOCATION_MESSAGE, LambdaError, RecursiveInvocationException
from . import eventconfig
from .asyncq import QueuedEvent
from .functions import LATEST, split_name
from .result import InvocationResult


class AsyncInvocation:
    """Mixed into Runtime: its Event invocations and their settings."""

    def _accept_event(self, name, qualifier, body, at_ms, trace_id):
        """Queue an Event invocation (lambdakit.runtime.asyncq) and answer 202."""
        request_id = self.clock.request_id()
        with self._lock:
            if self._asyncq not in self.timers.drivers:
                self.timers.add(self._asyncq)
        self._asyncq.accept(QueuedEvent(request_id, name, qualifier, body, at_ms, trace_id))
        return InvocationResult(202, b"", request_id, None, None, "")

    def stop_recursive_event(self, name, body, at_ms, *, qualifier=None, trace_id=None):
        """An Event invocation that recursive loop detection stopped (lambdakit.aws.loops): it
        is accepted and never run; it goes to the function's DLQ or on-failure destination, if
        configured, as AWS sends it. Returns its request id."""
        request_id = self.clock.request_id()
        event = QueuedEvent(request_id, name, qualifier, body, at_ms, trace_id)
        self._asyncq.stop(event, RecursiveInvocationException(RECURSIVE_INVOCATION_MESSAGE))
        return request_id

    def _run_event_attempt(self, event, arrival_ms):
        """One attempt of a queued event, resolved afresh (an alias may have moved)."""
        with self._lock:
            function = self._function(event.function)
            number, invoked_arn = function.resolve(event.qualifier, self.clock.random().random())
            version = function.version(number)
        return self._invoke_sync(function, version, invoked_arn, event.body, None, event.request_id, "Event",
                                 arrival_ms=arrival_ms, trace_id=event.trace_id, qualifier=event.qualifier,
                                 attempt=event.attempts)

    def _event_settings(self, name, qualifier):
        """(EventInvokeConfig in force, DLQ target ARN) for events invoked with `qualifier`."""
        with self._lock:
            function = self._functions.get(name)
            if function is None:
                return eventconfig.EventInvokeSettings(None, None, None, None, 0.0).config, None
            settings = function.event_invoke_config.get(eventconfig.key(qualifier))
            config = settings.config if settings else eventconfig.EventInvokeSettings(None, None, None, None, 0.0).config
            return config, function.dead_letter_target

    def _executed_version(self, name, qualifier):
        """The version an event would have run (for the record of one that never ran)."""
        try:
            return self.get_function_configuration(name, qualifier)["Version"]
        except LambdaError:
            return qualifier or LATEST

    def put_function_event_invoke_config(self, name, qualifier=None, **settings):
        """PutFunctionEventInvokeConfig: replaces the settings. Keywords: maximum_retry_attempts,
        maximum_event_age_in_seconds, destination_config ({"OnSuccess": {"Destination": ARN},
        "OnFailure": {...}}), or on_success= / on_failure= ARNs."""
        return self._put_event_settings(name, qualifier, settings, replace=True)

    def update_function_event_invoke_config(self, name, qualifier=None, **settings):
        """UpdateFunctionEventInvokeConfig: changes only the settings named."""
        return self._put_event_settings(name, qualifier, settings, replace=False)

    def _put_event_settings(self, name, qualifier, settings, replace):
        name, qualifier = split_name(name, qualifier)
        destinations = dict(settings.pop("destination_config", None) or {})
        for member, shortcut in (("OnSuccess", "on_success"), ("OnFailure", "on_failure")):
            if shortcut in settings:
                destinations[member] = {"Destination": settings.pop(shortcut)}
        if settings.keys() - {"maximum_retry_attempts", "maximum_event_age_in_seconds"}:
            raise TypeError(f"unknown settings: {sorted(settings)}")
        with self._lock:
            function = self._function(name)
            if qualifier not in (None, LATEST):
                function.resolve(qualifier, 0.0)  # the version or alias must exist
            base = None if replace else function.event_invoke_config.get(eventconfig.key(qualifier))
            made = eventconfig.make(name, self.clock.now_ms(), destination_config=destinations or None,
                                    base=base, **settings)
            function.event_invoke_config[eventconfig.key(qualifier)] = made
            return eventconfig.describe(name, qualifier, made)

    def get_function_event_invoke_config(self, name, qualifier=None):
        name, qualifier = split_name(name, qualifier)
        with self._lock:
            settings = self._function(name).event_invoke_config.get(eventconfig.key(qualifier))
            if settings is None:
                raise eventconfig.not_found(name, qualifier)
            return eventconfig.describe(name, qualifier, settings)

    def delete_function_event_invoke_config(self, name, qualifier=None):
        name, qualifier = split_name(name, qualifier)
        with self._lock:
            if self._function(name).event_invoke_config.pop(eventconfig.key(qualifier), None) is None:
                raise eventconfig.not_found(name, qualifier)

    def list_function_event_invoke_configs(self, name):
        name, _ = split_name(name)
        with self._lock:
            configs = self._function(name).event_invoke_config
            return [eventconfig.describe(name, q, configs[q]) for q in sorted(configs)]

    @property
    def async_outcomes(self):
        """How each asynchronous event ended (lambdakit.scale.sim.AsyncOutcome), in the order they ended."""
        return list(self._asyncq.outcomes)

    @property
    def async_deliveries(self):
        """Every message sent to a DLQ or destination (lambdakit.runtime.destinations.Delivery)."""
        return list(self._asyncq.deliveries)

    def async_outcome(self, request_id):
        """How the event `request_id` ended, or None while it is still queued or running."""
        return self._asyncq.outcome(request_id)

    def settle(self, timeout=60.0):
        """Let every asynchronous event end; return the outcomes. On the virtual clock this
        moves the clock through the retries (a day of them takes no time); on the real clock it
        waits, at most `timeout` seconds."""
        return self._asyncq.settle(timeout)
