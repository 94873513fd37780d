"""Lambda's internal queue for asynchronous (Event) invocations: attempts, retries, endings.

An accepted event is attempted at once; after a function error, a throttle or a system error
lambdakit.scale.async_retry says when it is tried again or how it ends. Every accepted event ends
exactly one way, Success, RetriesExhausted or EventAgeExceeded, as an `AsyncOutcome` in
`outcomes`, and its ending is delivered to the DLQ and destinations (destinations.py).

One rule beyond async_retry, from the Developer Guide: an event throttled because the
function's reserved concurrency is 0 goes to the DLQ / on-failure destination at once,
without retries. Which condition its record carries is not documented; lambdakit says
RetriesExhausted (ZERO_RESERVED_CONDITION) and approximateInvokeCount 0.

And one from recursive loop detection: an event it stops is never attempted; AWS "will stop the
next invocation and send the event to a Dead-Letter Queue or on-failure destination, if
configured" (AWS's loop detection notice, June 2023; lambda-facts §8, §13). `stop` ends it so,
with RetriesExhausted (RECURSIVE_LOOP_CONDITION, undocumented too) and approximateInvokeCount 0.

The queue is a lambdakit.core.timers driver (`due_ms`, `step`):

- Real clock: each attempt runs in a thread of its own, so a slow handler never holds up
  other events; retries start when the timer thread finds them due.
- Virtual clock: attempts run one at a time, at their instants. An event accepted on the
  kernel's (main) thread is attempted before `invoke` returns, so a notebook sees the
  same records on every run; one accepted on another thread (an S3 notification, the REST
  API) is attempted on the queue's own thread. Retries run when the clock is moved past
  them: `Runtime.advance()`, or `Runtime.settle()`, which runs the queue to its end.
"""

import heapq
import itertools
import logging
import threading
from dataclasses import dataclass

from ..scale.async_retry import RETRIES_EXHAUSTED, SUCCESS, NextStep, after_function_error, after_throttle
from ..scale.concurrency import RESERVED_LIMIT_EXCEEDED
from ..core.errors import LambdaError, TooManyRequestsException
from ..scale.sim.report import AsyncOutcome
from .destinations import Ending, deliver_ending

log = logging.getLogger("lambdakit.asyncq")

ZERO_RESERVED_CONDITION = RETRIES_EXHAUSTED
RECURSIVE_LOOP_CONDITION = RETRIES_EXHAUSTED


@dataclass
class QueuedEvent:
    """An event in the queue and what has happened to it so far."""

    request_id: str
    function: str
    qualifier: str | None
    body: bytes
    accepted_ms: float
    trace_id: str | None = None
    attempts: int = 0           # records written for it, throttled attempts included
    invocations: int = 0        # attempts that ran
    function_errors: int = 0
    throttles: int = 0          # throttles and system errors
    last: object = None         # the InvocationResult of the last attempt that ran


class AsyncQueue:
    def __init__(self, runtime):
        self.runtime = runtime
        self.clock = runtime.clock
        self.outcomes = []          # AsyncOutcome, in the order events ended
        self.deliveries = []        # destinations.Delivery, in the order they were made
        self._ended = {}            # request id -> AsyncOutcome
        self._due = []              # heap: (due ms, order, QueuedEvent)
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._running = 0           # attempts (and endings) in progress
        self._runner = threading.Lock()  # virtual clock: one attempt at a time
        self._runner_owner = None
        self._background = None    # virtual clock: the thread for events accepted off the main thread
        self._wanted = False
        self._closed = False

    def __repr__(self):
        with self._cond:
            return f"AsyncQueue(waiting={len(self._due)}, running={self._running}, ended={len(self.outcomes)})"

    # ------------------------------------------------------------------ accepting
    def accept(self, event):
        """Queue an accepted event; it is attempted at once (see the module's docstring)."""
        with self._cond:
            self._push(event.accepted_ms, event)
        if not self.clock.virtual:
            self._start_due(self.clock.now_ms())
        elif threading.current_thread() is threading.main_thread():
            self._run_due(self.clock.now_ms())
        else:
            self._wake_background()

    def stop(self, event, refusal):
        """End an accepted event without attempting it (loop detection stopped it): to the DLQ
        and on-failure destination, like any failed event; `refusal` is the error why."""
        self._end(event, RECURSIVE_LOOP_CONDITION, event.accepted_ms, refusal)

    def outcome(self, request_id):
        """How the event ended, or None while it is still in the queue."""
        with self._cond:
            return self._ended.get(request_id)

    @property
    def pending(self):
        """Events accepted that have not ended yet."""
        with self._cond:
            return len(self._due) + self._running

    def _push(self, due_ms, event):
        heapq.heappush(self._due, (due_ms, next(self._order), event))
        self._cond.notify_all()

    # ------------------------------------------------------------ timers driver
    def due_ms(self):
        with self._cond:
            return self._due[0][0] if self._due and not self._closed else None

    def step(self, at_ms):
        if self.clock.virtual:
            self._run_due(at_ms)
        else:
            self._start_due(self.clock.now_ms())

    # ---------------------------------------------------------------- running
    def _take_due(self, upto_ms):
        with self._cond:
            if not self._due or self._due[0][0] > upto_ms or self._closed:
                return None
            due_ms, _, event = heapq.heappop(self._due)
            self._running += 1
            return due_ms, event

    def _start_due(self, now_ms):
        while (taken := self._take_due(now_ms)) is not None:
            threading.Thread(target=self._attempt, args=(taken[1], now_ms), daemon=True,
                             name="lambdakit-event").start()

    def _run_due(self, upto_ms):
        """Virtual clock: attempt, in order, every event due at or before `upto_ms`."""
        if self._runner_owner == threading.get_ident():
            return  # accepted during an attempt on this thread: the loop below takes it
        with self._runner:
            self._runner_owner = threading.get_ident()
            try:
                while (taken := self._take_due(upto_ms)) is not None:
                    due_ms, event = taken
                    self._attempt(event, max(due_ms, self.clock.now_ms()))
            finally:
                self._runner_owner = None

    def _wake_background(self):
        with self._cond:
            self._wanted = True
            if self._background is None:
                self._background = threading.Thread(target=self._serve_background, daemon=True,
                                                    name="lambdakit-async-queue")
                self._background.start()
            self._cond.notify_all()

    def _serve_background(self):
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._wanted or self._closed)
                if self._closed:
                    return
                self._wanted = False
            self._run_due(self.clock.now_ms())

    # --------------------------------------------------------------- attempts
    def _attempt(self, event, at_ms):
        try:
            try:
                step = self._try(event, at_ms)
            except Exception:  # lambdakit itself failed: a system error, retried as AWS does
                if self._closed:
                    return  # the runtime closed under the attempt: its environments are gone
                log.exception("lambdakit: an attempt of event %s failed inside the service", event.request_id)
                event.throttles += 1
                step = after_throttle(self._config(event), first_seen_ms=event.accepted_ms, throttled_ms=at_ms,
                                      throttles=event.throttles)
            if step.retry:
                with self._cond:
                    self._push(step.at_ms, event)
            else:
                self._end(event, step.condition, step.at_ms)
        finally:
            with self._cond:
                self._running -= 1
                self._cond.notify_all()

    def _try(self, event, at_ms):
        event.attempts += 1
        config = self._config(event)
        try:
            result = self.runtime._run_event_attempt(event, at_ms)
        except TooManyRequestsException as throttle:
            event.throttles += 1
            if throttle.fields.get("Reason") == RESERVED_LIMIT_EXCEEDED and self._reserved_is_zero(event):
                return NextStep(at_ms, ZERO_RESERVED_CONDITION)
            return after_throttle(config, first_seen_ms=event.accepted_ms, throttled_ms=at_ms,
                                  throttles=event.throttles)
        except LambdaError:  # the function or alias is gone: Lambda's own error, retried until too old
            event.throttles += 1
            return after_throttle(config, first_seen_ms=event.accepted_ms, throttled_ms=at_ms,
                                  throttles=event.throttles)
        event.invocations += 1
        event.last = result
        ended_ms = result.record.end_ms
        if result.function_error is None:
            return NextStep(ended_ms, SUCCESS)
        event.function_errors += 1
        return after_function_error(config, first_seen_ms=event.accepted_ms, ended_ms=ended_ms,
                                    function_errors=event.function_errors)

    def _config(self, event):
        return self.runtime._event_settings(event.function, event.qualifier)[0]

    def _reserved_is_zero(self, event):
        try:
            reserved = self.runtime.get_function_concurrency(event.function)
        except LambdaError:
            return False
        return reserved.get("ReservedConcurrentExecutions") == 0

    def _end(self, event, condition, at_ms, refusal=None):
        version = event.last.executed_version if event.last else \
            self.runtime._executed_version(event.function, event.qualifier)
        ending = Ending(event.request_id, event.function, version, condition, event.invocations,
                        event.body, event.last, at_ms, refusal)
        config, dead_letter_target = self.runtime._event_settings(event.function, event.qualifier)
        try:
            deliveries = deliver_ending(self.runtime, ending, config.on_success, config.on_failure,
                                        dead_letter_target)
        except Exception:  # the event has ended all the same; the outcome says where it went
            log.exception("lambdakit: delivering the ending of event %s failed", event.request_id)
            deliveries = []
        outcome = AsyncOutcome(event.request_id, event.function, event.qualifier, condition, event.accepted_ms,
                               at_ms, event.attempts, event.invocations, tuple(d.kind for d in deliveries))
        with self._cond:
            self.deliveries.extend(deliveries)
            self.outcomes.append(outcome)
            self._ended[event.request_id] = outcome
            self._cond.notify_all()

    # ---------------------------------------------------------------- settling
    def settle(self, timeout=None):
        """Run or wait until every accepted event has ended; return the outcomes.

        Virtual clock: the clock moves to each retry in turn (other timers run on the way).
        Real clock: waits up to `timeout` seconds, then raises TimeoutError."""
        if self.clock.virtual:
            while True:
                with self._cond:
                    # An attempt on the queue's own thread ends before the queue can be called empty.
                    self._cond.wait_for(lambda: self._due or not self._running)
                    if not self._due:
                        return list(self.outcomes)
                    due_ms = self._due[0][0]
                self.runtime.timers.run_until(max(due_ms, self.clock.now_ms()))
        with self._cond:
            if not self._cond.wait_for(lambda: not self._due and not self._running, timeout):
                raise TimeoutError(f"{len(self._due) + self._running} asynchronous events had not ended "
                                   f"after {timeout} s")
            return list(self.outcomes)

    def close(self):
        with self._cond:
            self._closed = True
            self._cond.notify_all()
