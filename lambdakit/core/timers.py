"""Things the service does at times of their own choosing: schedules and event source pollers.

A driver has `due_ms()`, the epoch milliseconds of its next step (None while it waits for
nothing), and `step(at_ms)`, which does that step as of `at_ms`. It may also have `poke()`,
called when the world outside may have changed (a learner sent messages, time moved).

On the virtual clock nothing runs by itself: `Runtime.advance()` calls `run_until()`, which
runs every step due up to the new time in time order (ties in the order the drivers were
added), with the clock set to each step's time, so a run gives the same steps every time.
On the real clock each driver gets a thread that sleeps until its next step is due.
"""

import logging
import threading

log = logging.getLogger("lambdakit.core.timers")

# How often a real-clock driver with nothing due looks again (seconds): a simulation
# parameter of lambdakit, not an AWS figure.
REAL_IDLE_WAIT_S = 0.2
# A virtual run_until() that takes more steps than this is a driver that never gets
# anywhere (a bug), not a busy day: stop it with an error instead of hanging the kernel.
MAX_STEPS_PER_RUN = 2_000_000


class Timers:
    def __init__(self, clock):
        self.clock = clock
        self._drivers = []
        self._threads = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._closed = False

    def add(self, driver):
        with self._lock:
            if self._closed:
                raise RuntimeError("the runtime is closed")
            self._drivers.append(driver)
            if not self.clock.virtual:
                stop = threading.Event()
                thread = threading.Thread(target=self._run_real, args=(driver, stop), daemon=True,
                                          name=f"lambdakit-{type(driver).__name__}")
                self._threads[id(driver)] = (thread, stop)
                thread.start()
        return driver

    def remove(self, driver):
        with self._lock:
            if driver in self._drivers:
                self._drivers.remove(driver)
            thread, stop = self._threads.pop(id(driver), (None, None))
        if thread is not None:
            stop.set()
            if thread is not threading.current_thread():
                thread.join()

    @property
    def drivers(self):
        with self._lock:
            return list(self._drivers)

    # ------------------------------------------------------------ virtual clock
    def run_until(self, target_ms):
        """Run every step due at or before `target_ms`, then leave the clock at `target_ms`."""
        drivers = self.drivers
        for driver in drivers:
            getattr(driver, "poke", _nothing)()
        for _ in range(MAX_STEPS_PER_RUN):
            best = None
            for driver in self.drivers:
                due = driver.due_ms()
                if due is not None and due <= target_ms and (best is None or due < best[0]):
                    best = (due, driver)
            if best is None:
                break
            due, driver = best
            self.clock.advance_to(due)
            driver.step(due)
        else:
            raise RuntimeError(f"timers: more than {MAX_STEPS_PER_RUN} steps before {target_ms}")
        self.clock.advance_to(target_ms)

    # --------------------------------------------------------------- real clock
    def _run_real(self, driver, stop):
        while not stop.is_set() and not self._stopped.is_set():
            due = driver.due_ms()
            now = self.clock.now_ms()
            if due is None or due > now:
                wait = REAL_IDLE_WAIT_S if due is None else min((due - now) / 1000.0, REAL_IDLE_WAIT_S)
                stop.wait(wait)
                continue
            try:
                driver.step(now)
            except Exception:  # a failed step is logged and tried again; the thread lives on
                log.exception("lambdakit: %r failed a step", driver)
                stop.wait(REAL_IDLE_WAIT_S)

    def close(self):
        with self._lock:
            self._closed = True
            threads = list(self._threads.values())
            self._threads.clear()
            self._drivers.clear()
        self._stopped.set()
        for thread, stop in threads:
            stop.set()
        for thread, _ in threads:
            if thread is not threading.current_thread():
                thread.join()


def _nothing():
    pass
