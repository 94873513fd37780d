"""Load tests: many requests to one function, sent from the kernel to real environments.

    run = load_test("api", concurrency=100, n=1_000, payload={"q": 1})
    run.wait()                 # or keep working: the test runs on its own threads
    print(run.result().text())

How requests are sent:

- `concurrency=C` keeps C requests in flight: each of C senders sends its next request when
  the answer to the previous one arrives (a closed loop, as `hey -c` or `ab -c` do).
- `rate=R` sends R requests per second whatever the answers (an open loop).
- `n=N` requests in all, or `duration=S` seconds of sending.

Real clock: a thread pool sends from the kernel through `Runtime.invoke`; `load_test`
returns at once with a running `LoadTest` (in Jupyter, with a live progress display), or
waits for the end with `wait=True` (the default outside a Jupyter kernel).

Virtual clock: requests are placed in virtual time (C senders start at one instant; at rate R
request k is sent at k/R s) and run one at a time, in time order, through `Runtime.invoke_at`,
so the run is the same every time; `load_test` returns when it is over.

Every request leaves exactly one invocation record, including those throttled with a 429;
the result is computed from those records, found by request id.
"""

import heapq
import math
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ..core.errors import LambdaError, TooManyRequestsException
from ..core.records import THROTTLED
from ..runtime.functions import split_name

# Virtual clock: the least time between two requests of one closed-loop sender. A 429, or a
# handler that declares no work, takes no virtual time in the service; on the wire each
# takes a few ms. A simulation parameter of lambdakit, not an AWS figure.
ROUND_TRIP_MS = 1.0
# Real clock: at most this many requests in flight from the kernel (threads).
MAX_IN_FLIGHT = 1_000
# How often a live display refreshes (seconds).
REFRESH_S = 0.25


@dataclass(frozen=True)
class LoadTestResult:
    """What a load test did: one record per request, and the counts the summary prints."""

    function: str
    clock: str
    mode: str                   # "concurrency 100" or "rate 50/s"
    requests: int               # requests sent
    records: tuple              # the InvocationRecord of each request, in the order answered
    elapsed_s: float            # first request sent to last answer (virtual seconds on the virtual clock)
    refused: tuple = ()         # (error code, count): requests the service refused without a record

    @property
    def outcomes(self):
        """{outcome: requests}: ok, function_error, timeout, throttled, oom, crash."""
        return dict(Counter(r.outcome for r in self.records))

    @property
    def throttles(self):
        return sum(1 for r in self.records if r.outcome == THROTTLED)

    @property
    def throttles_by_reason(self):
        return dict(Counter(r.error_type for r in self.records if r.outcome == THROTTLED))

    @property
    def cold_starts(self):
        return sum(1 for r in self.records if r.cold)

    @property
    def unrecorded(self):
        """Requests the service accepted without leaving a record: always 0."""
        return self.requests - len(self.records) - sum(n for _, n in self.refused)

    def latency_ms(self, q):
        """Nearest-rank percentile `q` of INIT + INVOKE over the requests that ran."""
        ran = sorted(r.init_ms + r.duration_ms for r in self.records if r.outcome != THROTTLED)
        if not ran:
            return None
        return ran[max(1, math.ceil(len(ran) * q / 100)) - 1]

    def text(self):
        """The printed twin of the live display."""
        outcomes = ", ".join(f"{name} {count}" for name, count in sorted(self.outcomes.items()))
        lines = [f"Load test of {self.function} ({self.clock} clock, {self.mode}): {self.requests} requests "
                 f"in {self.elapsed_s:.2f} s",
                 f"  outcomes: {outcomes or 'none'}"]
        for reason, count in sorted(self.throttles_by_reason.items()):
            lines.append(f"  throttled ({reason}): {count}")
        for code, count in self.refused:
            lines.append(f"  refused ({code}): {count}")
        lines.append(f"  cold starts: {self.cold_starts}")
        if self.latency_ms(50) is not None:
            lines.append("  latency (INIT + INVOKE): " + ", ".join(
                f"p{q} {self.latency_ms(q):.2f} ms" for q in (50, 90, 99)) + f", max {self.latency_ms(100):.2f} ms")
        lines.append(f"  records: {len(self.records)} for {self.requests} requests"
                     + (" (every request accounted for)" if self.unrecorded == 0 else f" ({self.unrecorded} missing)"))
        return "\n".join(lines)

    def __repr__(self):
        return self.text()


class LoadTest:
    """A load test in progress (real clock) or finished: `wait()`, `result()`, `stop()`."""

    def __init__(self, runtime, function, payload, qualifier, concurrency, rate, n, duration):
        self.runtime = runtime
        self.function, self.payload, self.qualifier = function, payload, qualifier
        self.concurrency, self.rate, self.n, self.duration = concurrency, rate, n, duration
        self.mode = f"concurrency {concurrency}" if concurrency else f"rate {rate:g}/s"
        self._lock = threading.Lock()
        self._claimed = 0           # requests the senders have taken the right to send
        self._request_ids = []      # in the order answered
        self._refused = Counter()   # error code -> requests refused without a record
        self._answered = Counter()  # outcome -> answers so far (for the live display)
        self._stopping = threading.Event()
        self._finished = threading.Event()
        # Records are collected as they are made: the runtime keeps only its latest ones.
        self._records = {}
        self._stop_collecting = runtime.records.subscribe(
            lambda record: self._records.__setitem__(record.request_id, record))
        self._result = None
        self._started = None
        self._ended = None

    # ------------------------------------------------------------------ reading
    @property
    def done(self):
        return self._finished.is_set()

    def progress(self):
        """(requests sent, answers by outcome, seconds so far)."""
        with self._lock:
            sent, answered = len(self._request_ids), dict(self._answered)
        if self._started is None:
            return sent, answered, 0.0
        return sent, answered, self._elapsed_s()

    def wait(self, timeout=None):
        """Wait for the end (at most `timeout` seconds); return the LoadTestResult."""
        if not self._finished.wait(timeout):
            raise TimeoutError(f"the load test of {self.function} was still running after {timeout} s")
        return self._result

    def result(self):
        """The LoadTestResult, waiting for the end if need be."""
        return self.wait()

    def stop(self):
        """Send no more requests; those in flight finish."""
        self._stopping.set()

    def __repr__(self):
        if self.done:
            return self._result.text()
        sent, answered, elapsed = self.progress()
        total = f"/{self.n}" if self.n else ""
        return (f"LoadTest({self.function}, {self.mode}: {sent}{total} sent, {sum(answered.values())} answered, "
                f"{elapsed:.1f} s)")

    # ------------------------------------------------------------------ sending
    def _more(self, sent, at_s):
        """May another request go out, `sent` having gone and `at_s` seconds in?"""
        if self._stopping.is_set():
            return False
        if self.n is not None:
            return sent < self.n
        return at_s < self.duration

    def _claim(self, at_s):
        """Reserve the right to send one more request; False when the test is over."""
        with self._lock:
            if not self._more(self._claimed, at_s):
                return False
            self._claimed += 1
            return True

    def _answer(self, request_id, outcome):
        with self._lock:
            self._request_ids.append(request_id)
            self._answered[outcome] += 1

    def _refuse(self, error):
        with self._lock:
            self._refused[error.code] += 1

    def _send_now(self, at_ms=None):
        """One request (at `at_ms` on the virtual clock); returns when it was answered (ms) or None."""
        try:
            if at_ms is None:
                result = self.runtime.invoke(self.function, self.payload, qualifier=self.qualifier)
            else:
                result = self.runtime.invoke_at(self.function, self.payload, at_ms, qualifier=self.qualifier)
        except TooManyRequestsException as throttle:
            self._answer(throttle.request_id, THROTTLED)
            return None if at_ms is None else at_ms + ROUND_TRIP_MS
        except LambdaError as error:
            self._refuse(error)
            return None if at_ms is None else at_ms + ROUND_TRIP_MS
        self._answer(result.request_id, result.record.outcome)
        return None if at_ms is None else max(result.record.end_ms, at_ms + ROUND_TRIP_MS)

    # real clock
    def _run_real(self):
        self._started = time.monotonic()
        try:
            if self.concurrency:
                with ThreadPoolExecutor(self.concurrency, thread_name_prefix="lambdakit-load") as pool:
                    for _ in range(self.concurrency):
                        pool.submit(self._sender)
            else:
                self._dispatch_at_rate()
        finally:
            self._finish(time.monotonic())

    def _sender(self):
        while self._claim(time.monotonic() - self._started):
            self._send_now()

    def _dispatch_at_rate(self):
        interval = 1.0 / self.rate
        workers = min(MAX_IN_FLIGHT, max(1, math.ceil(self.rate * 30)))
        with ThreadPoolExecutor(workers, thread_name_prefix="lambdakit-load") as pool:
            k = 0
            while True:
                due = self._started + k * interval
                delay = due - time.monotonic()
                if delay > 0 and self._stopping.wait(delay):
                    break
                if not self._claim(due - self._started):
                    break
                pool.submit(self._send_now)
                k += 1

    # virtual clock
    def _run_virtual(self):
        clock = self.runtime.clock
        start = clock.now_ms()
        self._started = start
        last = start
        order = 0
        if self.concurrency:
            senders = [(start, i) for i in range(self.concurrency)]
        else:
            senders = [(start, 0)]
        heapq.heapify(senders)
        while senders:
            at_ms, sender = heapq.heappop(senders)
            if not self._claim((at_ms - start) / 1000.0):
                continue
            clock.advance_to(at_ms)
            answered = self._send_now(at_ms)
            last = max(last, answered)
            order += 1
            if self.concurrency:
                heapq.heappush(senders, (answered, sender))
            else:
                heapq.heappush(senders, (start + order * 1000.0 / self.rate, 0))
        clock.advance_to(last)
        self._finish(last)

    def _elapsed_s(self):
        end = self._ended
        if self.runtime.clock.virtual:
            now = end if end is not None else self.runtime.clock.now_ms()
            return (now - self._started) / 1000.0
        return (end if end is not None else time.monotonic()) - self._started

    def _finish(self, ended):
        self._ended = ended
        with self._lock:
            wanted = list(self._request_ids)
            refused = tuple(sorted(self._refused.items()))
        self._stop_collecting()
        found = self._records
        self._result = LoadTestResult(
            self.function, self.runtime.clock.name, self.mode, len(wanted) + sum(n for _, n in refused),
            tuple(found[rid] for rid in wanted if rid in found), self._elapsed_s(), refused)
        self._finished.set()


def load_test(function, *, concurrency=None, rate=None, n=None, duration=None, payload=None,
              qualifier=None, runtime=None, wait=None, display=True):
    """Send `n` requests (or `duration` seconds of them) to `function` with `concurrency`
    in flight or at `rate` per second; see the module's docstring. Returns a LoadTest."""
    from ..notebook import default
    runtime = runtime or default.default_runtime()
    if (concurrency is None) == (rate is None):
        raise ValueError("give one of concurrency= (requests in flight) or rate= (requests per second)")
    if (n is None) == (duration is None):
        raise ValueError("give one of n= (requests) or duration= (seconds)")
    if concurrency is not None and (isinstance(concurrency, bool) or not isinstance(concurrency, int)
                                    or not 1 <= concurrency <= MAX_IN_FLIGHT):
        raise ValueError(f"concurrency must be a whole number from 1 to {MAX_IN_FLIGHT}")
    if rate is not None and not rate > 0:
        raise ValueError("rate must be a positive number of requests per second")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise ValueError("n must be a positive whole number of requests")
    if duration is not None and not duration > 0:
        raise ValueError("duration must be a positive number of seconds")
    name, qualifier = split_name(function, qualifier)
    runtime.get_function_configuration(name, qualifier)  # it must exist before anything is sent
    test = LoadTest(runtime, name, payload, qualifier, concurrency, rate, n, duration)
    live = display and _in_kernel()
    if runtime.clock.virtual:
        test._run_virtual()
    else:
        threading.Thread(target=test._run_real, name="lambdakit-load-test", daemon=True).start()
    if live:
        from ..notebook.widgets.loadtest import show
        show(test, REFRESH_S)
    if wait or (wait is None and not _in_kernel()):
        test.wait()
    return test


def _in_kernel():
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None
