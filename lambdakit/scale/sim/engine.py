"""The exact simulator: a discrete-event loop over arrivals, completions and retries.

Every attempt is admitted by the same ConcurrencyAccount the real service uses and leaves
one InvocationRecord, exactly as a real run does. Asynchronous events follow
lambdakit.scale.async_retry until each one succeeds, runs out of retries or grows too old;
SQS messages wait in their queue (queues.py) until one invocation succeeds, the redrive
policy moves them to the DLQ or they expire. Any scenario runs here; the fast paths (fast.py,
fast_queue.py) only take the common cases, faster.
"""

import heapq
from itertools import chain, count, repeat

from ..async_retry import SUCCESS, after_function_error, after_throttle
from ..concurrency import PROVISIONED
from ...core.errors import TooManyRequestsException
from ...core.records import FUNCTION_ERROR, OK, THROTTLED, TIMEOUT, InvocationRecord
from ...cost.pricing import billed_duration_ms
from .aggregate import Aggregator
from .environments import EnvironmentPool
from .queues import PROCESSED, Message, Queue
from .report import AsyncOutcome
from .scenario import EVENT, REQUEST_RESPONSE
from .streams import Draws, request_ids, stream, traffic_stream

# At one instant, executions that end free their slots before new attempts start.
_FREE, _START = 0, 1
TIMEOUT_ERROR_TYPE = "Sandbox.Timedout"


class _Function(Draws):
    """A function's settings, its random draws, and each duration's Billed Duration."""

    def __init__(self, spec, seed):
        super().__init__(spec, seed)
        self.spec = spec
        self.billed = {init: [billed_duration_ms(ms, init) for ms in self.durations]
                       for init in (0.0, spec.init_ms)}


class _Event:
    """An asynchronous event in Lambda's internal queue."""

    __slots__ = ("request_id", "function", "qualifier", "accepted_ms", "attempts", "invocations",
                 "function_errors", "throttles")

    def __init__(self, request_id, function, qualifier, accepted_ms):
        self.request_id, self.function, self.qualifier = request_id, function, qualifier
        self.accepted_ms = accepted_ms
        self.attempts = self.invocations = self.function_errors = self.throttles = 0


class ExactEngine:
    def __init__(self, scenario, seed, keep_records):
        self.scenario = scenario
        self.account = scenario.account()
        self.aggregator = Aggregator(scenario.bucket_s * 1000.0,
                                     functions=[w.function for w in scenario.workloads])
        self.records = [] if keep_records else None
        self.outcomes = [] if keep_records else None
        self.now = 0.0
        self._functions = {spec.name: _Function(spec, seed) for spec in scenario.functions}
        self._pools = {}                       # (function, version) -> EnvironmentPool
        self._environment_ids = (f"env-{n}" for n in count(1))
        # Only kept records show request ids; a run that keeps none skips making them.
        self._request_ids = request_ids(stream(seed, "request-ids")) if keep_records else repeat(None)
        self._queue = []                       # (time, phase, order, action, arguments)
        self._order = count()
        # Provisioned environments are initialised before any traffic arrives.
        self._provisioned_idle = {(spec.name, qualifier): [next(self._environment_ids) for _ in range(n)]
                                  for spec in scenario.functions for qualifier, n in spec.provisioned}
        for index, workload in enumerate(scenario.workloads):
            chunks = workload.traffic.chunks(traffic_stream(seed, index), scenario.horizon_ms)
            queue = Queue(workload) if workload.source is not None else None
            self._next_arrival(workload, chain.from_iterable(chunks), queue)

    def run(self):
        queue = self._queue
        while queue:
            self.now, _, _, action, arguments = heapq.heappop(queue)
            action(*arguments)
        return self.aggregator.report(max(self.now, self.scenario.horizon_ms or 0.0))

    def _at(self, at_ms, phase, action, *arguments):
        heapq.heappush(self._queue, (at_ms, phase, next(self._order), action, arguments))

    def _pool(self, function, version):
        key = (function, version)
        if key not in self._pools:
            self._pools[key] = EnvironmentPool(self.scenario.idle_reclaim_s * 1000.0)
        return self._pools[key]

    # -- arrivals and attempts -------------------------------------------------------------

    def _next_arrival(self, workload, arrivals, queue):
        for at_ms in arrivals:
            self._at(at_ms, _START, self._arrive, workload, arrivals, queue)
            return

    def _arrive(self, workload, arrivals, queue):
        self._next_arrival(workload, arrivals, queue)
        self.aggregator.request(workload.function)
        request_id = next(self._request_ids)
        if queue is not None:
            self.aggregator.message_sent(workload.function)
            queue.visible.append(Message(request_id, self.now))
            self._poll(queue)
            return
        event = None
        if workload.invocation_type == EVENT:
            event = _Event(request_id, workload.function, workload.qualifier, self.now)
        self._attempt(self._functions[workload.function], workload.qualifier, request_id,
                      workload.invocation_type, event)

    def _attempt(self, fn, qualifier, request_id, invocation_type, event, queue=None):
        """One attempt; `event` is an async _Event, or the queues.Message `queue`'s mapping received."""
        spec, now = fn.spec, self.now
        version = spec.version_of(qualifier)
        drawn, failed = next(fn.indices), next(fn.failures)
        attempt = 1
        if event is not None:
            event.attempts += 1
            attempt = event.attempts
        pool = self._pool(spec.name, version)
        warm = pool.warm(now)
        try:
            slot = self.account.acquire(spec.name, now, qualifier, warm_environment=warm)
        except TooManyRequestsException as throttle:
            self._write(InvocationRecord(
                spec.name, version, request_id, None, self.scenario.start_ms + now, 0.0, 0.0, 0,
                spec.memory_mb, 0, False, THROTTLED, spec.architecture,
                invocation_type=invocation_type, attempt=attempt, error_type=throttle.fields["Reason"]))
            if queue is not None:         # not deleted: received again after the visibility timeout
                self._at(queue.visible_again_ms(event), _START, self._visible, queue, event)
            elif event is not None:
                event.throttles += 1
                self._follow(event, after_throttle(
                    spec.event_invoke_config, first_seen_ms=event.accepted_ms, throttled_ms=now,
                    throttles=event.throttles))
            return
        if queue is not None:
            queue.running += 1
        if slot.pool == PROVISIONED:
            environment = self._provisioned_idle[(spec.name, qualifier)].pop()
        elif warm:
            environment = pool.take()
        else:
            pool.reclaim_all()
            environment = next(self._environment_ids)
        init = spec.init_ms if slot.new_environment else 0.0
        duration = fn.durations[drawn]
        timed_out = drawn >= fn.first_timeout
        outcome = TIMEOUT if timed_out else FUNCTION_ERROR if failed else OK
        self._write(InvocationRecord(
            spec.name, version, request_id, environment, self.scenario.start_ms + now, init, duration,
            fn.billed[init][drawn], spec.memory_mb, spec.max_memory_used_mb, slot.new_environment,
            outcome, spec.architecture, invocation_type=invocation_type, attempt=attempt,
            provisioned=slot.pool == PROVISIONED, error_type=TIMEOUT_ERROR_TYPE if timed_out else None))
        if event is not None and queue is None:
            event.invocations += 1
        self._at(now + init + duration, _FREE, self._end_execution, spec, slot, version, environment,
                 timed_out, outcome, event, queue)

    def _write(self, record):
        self.aggregator.add(record, start_ms=self.now)
        if self.records is not None:
            self.records.append(record)

    def _end_execution(self, spec, slot, version, environment, timed_out, outcome, event, queue):
        self.account.release(slot)
        if slot.pool == PROVISIONED:
            # A provisioned environment that timed out is replaced at once, under the same id.
            self._provisioned_idle[(spec.name, slot.qualifier)].append(environment)
        elif not timed_out:           # Lambda discards an environment whose invocation timed out
            self._pool(spec.name, version).put(environment, self.now)
        if queue is not None:
            self._end_receive(queue, event, outcome)
            return
        if event is None:
            return
        if outcome == OK:
            self._end_event(event, SUCCESS)
            return
        event.function_errors += 1
        self._follow(event, after_function_error(
            spec.event_invoke_config, first_seen_ms=event.accepted_ms, ended_ms=self.now,
            function_errors=event.function_errors))

    # -- SQS messages ----------------------------------------------------------------------

    def _poll(self, queue):
        """The mapping receives and invokes while it is under its limit and messages are visible."""
        while True:
            message, ending = queue.receive(self.now)
            if message is None:
                return
            if ending is not None:
                self._end_message(queue, message, ending)
                continue
            workload = queue.workload
            self.aggregator.message_received(workload.function)
            self._attempt(self._functions[workload.function], workload.qualifier, message.request_id,
                          REQUEST_RESPONSE, message, queue)

    def _end_receive(self, queue, message, outcome):
        queue.running -= 1
        if outcome == OK:
            self._end_message(queue, message, PROCESSED)
        else:                         # a failed message returns after the visibility timeout
            self._at(queue.visible_again_ms(message), _START, self._visible, queue, message)
        # Polled as a start, after every execution ending at this instant has freed its slot.
        self._at(self.now, _START, self._poll, queue)

    def _visible(self, queue, message):
        queue.visible.append(message)
        self._poll(queue)

    def _end_message(self, queue, message, ending):
        self.aggregator.message_finished(queue.workload.function, ending, message.received_ms - message.sent_ms)

    # -- asynchronous events ---------------------------------------------------------------

    def _follow(self, event, step):
        if step.retry:
            self._at(step.at_ms, _START, self._retry, event)
        else:
            self._at(step.at_ms, _START, self._end_event, event, step.condition)

    def _retry(self, event):
        self._attempt(self._functions[event.function], event.qualifier, event.request_id, EVENT, event)

    def _end_event(self, event, condition):
        spec = self._functions[event.function].spec
        destinations = _destinations(spec, condition)
        self.aggregator.event_finished(event.function, condition, destinations)
        if self.outcomes is not None:
            start = self.scenario.start_ms
            self.outcomes.append(AsyncOutcome(
                event.request_id, event.function, event.qualifier, condition, start + event.accepted_ms,
                start + self.now, event.attempts, event.invocations, destinations))


def _destinations(spec, condition):
    config = spec.event_invoke_config
    if condition == SUCCESS:
        return ("on_success",) if config.on_success else ()
    return tuple(name for name, target in (("on_failure", config.on_failure),
                                           ("dead_letter_queue", spec.dead_letter_queue)) if target)
