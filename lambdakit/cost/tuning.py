"""Memory power tuning, in the spirit of AWS Lambda Power Tuning: run a function at several
memory sizes, measure, model the CPU share, price each size and recommend one.

How a run goes (the public Runtime API only, as Power Tuning uses the Lambda API): for each
memory size, $LATEST gets that memory (UpdateFunctionConfiguration) and is published
(PublishVersion); the version is invoked ``invocations`` times in a row with ``payload``.
Afterwards $LATEST gets its memory back and the versions the run published are deleted,
so the function is left as it was. The invocations are real ones: they are in the
runtime's records and on its bill, as Power Tuning's are on the AWS bill.

What is measured and what is modelled depends on the clock; ``CpuModel`` says which
applies and every report prints it:

- ``declared`` (virtual clock): nothing is timed. The handler really runs; its duration is
  the work it declares with ``work(cpu_ms, io_ms, threads)``: io_ms as is, cpu_ms at
  min(threads, vCPUs(memory)) vCPUs, where vCPUs(m) = m / 1,769 (at most 6), the share
  AWS documents (1 vCPU at 1,769 MB). Exact and the same on every run.
- ``enforced`` (real clock, where the host lets the runtime give each environment a cgroup
  CPU quota): durations are measured wall time. The runtime caps each environment at
  vCPUs(m) cores of this machine (CFS quota per 100 ms period), so the share is applied by
  the kernel as it runs. Modelled: a core of this machine stands for a Lambda vCPU.
- ``scaled`` (real clock, no cgroups): the environment ran with whole cores, so its CPU
  time is rescaled afterwards. With d the measured duration, c the measured CPU time (the
  environment process, all threads), t the threads the handler keeps busy (the ``threads``
  argument) and k the cores of this machine, the CPU part of d took c / min(t, k) and
  would take c / min(t, vCPUs(m)) on Lambda:

      duration(m) = d - min(c / min(t, k), d) + c / min(t, vCPUs(m))

  (for single-threaded code, d - c + c / min(1, vCPUs(m))). Waiting (I/O, sleep) is
  unchanged. Billed duration and cost are the modelled ones; a modelled duration at or
  over the timeout counts as a timeout. Work declared with ``work()`` already waits out
  its share on the real clock, so use the virtual clock for declared work.

Statistics per size are Power Tuning's: durations are the handler's (REPORT Duration;
the INIT of cold starts is not included); the average is a trimmed mean that drops the
fastest and slowest ``discard`` fraction (default 20%); p50 and p90 are nearest-rank
percentiles of all successful invocations. Cost per invocation is the list price (us-east-1,
no free tier) of one request plus the average duration rounded up to 1 ms at that memory.

Strategies (Power Tuning's definitions): ``cost`` picks the cheapest size (ties: the
faster), ``speed`` the fastest (ties: the cheaper), ``balanced`` the lowest
weight x cost / max cost + (1 - weight) x duration / max duration, so weight 1 is cost
and 0 is speed. Sizes where any invocation failed are reported and never recommended.
"""

import math
import os
from dataclasses import dataclass
from decimal import Decimal

from ..core import limits
from .billing import invocation_cost
from ..core.config import make_config, vcpus
from .pricing import CHECKED, US_EAST_1, ceil_ms, format_usd
from ..core.records import OK, TIMEOUT

# AWS Lambda Power Tuning's own default (PowerValues in its template.yml) is 128, 256, 512,
# 1024, 1536, 3008; lambdakit adds 1769 (one vCPU, where single-threaded code stops
# speeding up) and 4096.
DEFAULT_MEMORY_SIZES = (128, 256, 512, 1024, 1536, 1769, 3008, 4096)
STRATEGIES = ("cost", "speed", "balanced")
COST_PLACES = 10       # a millisecond at 128 MB costs $0.0000000021

DECLARED, ENFORCED, SCALED = "declared", "enforced", "scaled"

_MEASURED = {
    DECLARED: "nothing is timed: the virtual clock runs the handler and counts the work it "
              "declares with work(cpu_ms, io_ms, threads).",
    ENFORCED: "the wall time of every invocation on this machine, each environment held to "
              "its CPU share by a cgroup quota.",
    SCALED: "the wall time and CPU time of every invocation on this machine, which ran "
            "with whole cores (no cgroup quota on this host).",
}
_MODELLED = {
    DECLARED: "the durations: declared cpu_ms runs at min(threads, vCPUs) vCPUs, io_ms as "
              "declared.",
    ENFORCED: "the CPU share: a quota of vCPUs cores of this machine, one core standing for "
              "a Lambda vCPU.",
    SCALED: "the CPU share, after the run: duration = wall - CPU / min(threads, cores) + "
            "CPU / min(threads, vCPUs), one core of this machine standing for a Lambda vCPU; "
            "billed duration and cost use it.",
}


class PowerTuningError(Exception):
    """No memory size could be measured (every size had failed invocations)."""


def cpu_model(runtime):
    """Which of ``declared``, ``enforced``, ``scaled`` a run on ``runtime`` uses (see above)."""
    if runtime.clock.virtual:
        return DECLARED
    return ENFORCED if runtime.isolation["process_and_cpu_limits_by_cgroup"] else SCALED


def machine_cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def scaled_duration_ms(duration_ms, cpu_ms, memory_mb, threads=1, cores=1):
    """The ``scaled`` model: measured wall time with its CPU part at Lambda's share of ``memory_mb``."""
    cpu_wall_ms = min(cpu_ms / min(threads, cores), duration_ms)
    return duration_ms - cpu_wall_ms + cpu_ms / min(threads, vcpus(memory_mb))


def trimmed_mean(values, discard):
    """Mean without the lowest and highest ``int(len * discard)`` values (Power Tuning's average)."""
    ordered = sorted(values)
    drop = int(len(ordered) * discard)
    kept = ordered[drop:len(ordered) - drop]
    return sum(kept) / len(kept)


def percentile(values, p):
    """Nearest-rank percentile: the smallest value with at least p% of values at or below it."""
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)), 1) - 1]


@dataclass(frozen=True)
class SizeResult:
    """One memory size: its invocations, their modelled durations, and the price."""
    memory_mb: int
    durations_ms: tuple        # modelled handler duration of each successful invocation
    records: tuple             # the InvocationRecords, in order
    failures: tuple            # (outcome, count) of invocations that did not succeed
    avg_ms: float | None
    p50_ms: float | None
    p90_ms: float | None
    cost: Decimal | None       # list price of one invocation of the average duration

    @property
    def vcpus(self):
        return vcpus(self.memory_mb)

    @property
    def ok(self):
        return not self.failures

    @property
    def cold_starts(self):
        return sum(1 for record in self.records if record.cold)


@dataclass(frozen=True)
class PowerTuning:
    """The result of ``power_tune``: one SizeResult per memory size, and the recommendation."""
    function: str
    architecture: str
    clock: str
    cpu_model: str
    invocations: int
    threads: int
    discard: float
    sizes: tuple
    strategy: str = "balanced"
    weight: float = 0.5

    @property
    def candidates(self):
        return tuple(size for size in self.sizes if size.ok)

    def best(self, strategy=None, weight=None):
        """The size ``strategy`` picks (default: the run's strategy and weight)."""
        strategy = strategy or self.strategy
        weight = self.weight if weight is None else weight
        _check_strategy(strategy, weight)
        sizes = self.candidates
        if strategy == "cost":
            return min(sizes, key=lambda s: (s.cost, s.avg_ms, s.memory_mb))
        if strategy == "speed":
            return min(sizes, key=lambda s: (s.avg_ms, s.cost, s.memory_mb))
        return min(sizes, key=lambda s: (balanced_value(s, sizes, weight), s.memory_mb))

    @property
    def recommendation(self):
        return self.best()

    @property
    def records(self):
        return tuple(record for size in self.sizes for record in size.records)

    def render(self):
        """The report as stable text: the table, each strategy's pick, and what is modelled."""
        out = [f"Power tuning {self.function} ({self.architecture}, {self.clock} clock): "
               f"{self.invocations} invocations at each of {len(self.sizes)} memory sizes",
               f"{'memory':>8}{'vCPUs':>7}{'avg ms':>12}{'p50 ms':>12}{'p90 ms':>12}"
               f"{'cost/invocation':>17}{'per 1M':>11}"]
        for size in self.sizes:
            out.append(_row(size))
        if not self.candidates:
            return "\n".join(out + ["No recommendation: every memory size had failed invocations."])
        for strategy in STRATEGIES:
            pick = self.best(strategy)
            rule = {"cost": "cheapest; ties go to the faster",
                    "speed": "fastest; ties go to the cheaper",
                    "balanced": f"weight {self.weight:g}: {self.weight:g} x cost/max + "
                                f"{1 - self.weight:g} x duration/max, lowest"}[strategy]
            out.append(f"{strategy:<9} -> {pick.memory_mb} MB ({rule})")
        best = self.recommendation
        weight = f", weight {self.weight:g}" if self.strategy == "balanced" else ""
        out += [
            f"Recommended ({self.strategy}{weight}): {best.memory_mb} MB, avg {best.avg_ms:,.2f} ms, "
            f"{format_usd(best.cost, COST_PLACES)} per invocation",
            f"Measured: {_MEASURED[self.cpu_model]}",
            f"Modelled ({self.cpu_model}): {_MODELLED[self.cpu_model]} vCPUs = memory / "
            f"{limits.MB_PER_VCPU:,} MB, at most {limits.VCPUS_MAX}"
            + (f"; threads {self.threads}." if self.cpu_model == SCALED else "."),
            f"Statistics: handler duration (INIT not included); avg drops the fastest and slowest "
            f"{self.discard:.0%}; cost = list price, {US_EAST_1.region}, checked {CHECKED}, of one "
            "request + the avg rounded up to 1 ms.",
        ]
        return "\n".join(out)

    def __repr__(self):
        return self.render()

    def _repr_pretty_(self, printer, cycle):
        printer.text(self.render())


def balanced_value(size, sizes, weight):
    """Power Tuning's balanced score of ``size`` among ``sizes`` (lower is better)."""
    max_cost = max(s.cost for s in sizes)
    max_duration = max(s.avg_ms for s in sizes) or 1.0  # a handler that takes no time at all
    return weight * float(size.cost / max_cost) + (1 - weight) * size.avg_ms / max_duration


def _row(size):
    head = f"{size.memory_mb:>8}{size.vcpus:>7.3f}"
    if not size.ok:
        failed = ", ".join(f"{count} {outcome}" for outcome, count in size.failures)
        return f"{head}  failed: {failed} of {len(size.records)} invocations"
    per_million = format_usd(size.cost * 1_000_000, 2)
    return (f"{head}{size.avg_ms:>12,.2f}{size.p50_ms:>12,.2f}{size.p90_ms:>12,.2f}"
            f"{format_usd(size.cost, COST_PLACES):>17}{per_million:>11}")


def _check_strategy(strategy, weight):
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, not {strategy!r}")
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight <= 1:
        raise ValueError(f"weight must be a number from 0 to 1, not {weight!r}")


def _check(function, memory_sizes, invocations, threads, discard, strategy, weight):
    _check_strategy(strategy, weight)
    sizes = tuple(memory_sizes)
    if not sizes:
        raise ValueError("give at least one memory size")
    for memory in sizes:
        make_config(function, memory_size=memory)  # AWS's error for a size Lambda refuses
    if len(set(sizes)) != len(sizes):
        raise ValueError(f"memory sizes repeat: {', '.join(map(str, sizes))}")
    if isinstance(invocations, bool) or not isinstance(invocations, int) or invocations < 1:
        raise ValueError(f"invocations must be a whole number of at least 1, not {invocations!r}")
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a whole number of at least 1, not {threads!r}")
    if not 0 <= discard < 0.5:
        raise ValueError(f"discard must be at least 0 and below 0.5, not {discard!r}")
    return tuple(sorted(sizes))


def power_tune(function, memory_sizes=DEFAULT_MEMORY_SIZES, payload=None, *, invocations=10,
               strategy="balanced", weight=0.5, threads=1, discard=0.2, runtime=None,
               progress=None, prices=US_EAST_1):
    """Run ``function`` ``invocations`` times at each memory size and report (a PowerTuning).

    ``runtime`` defaults to the kernel's default Runtime. ``progress(done, total, memory_mb)``
    is called after every invocation (e.g. a ``lambdakit.notebook.widgets.tuning.TuningProgress``).
    ``threads`` matters only to the ``scaled`` model (see the module's documentation).
    """
    if runtime is None:
        from ..notebook.default import default_runtime
        runtime = default_runtime()
    configuration = runtime.get_function_configuration(function)
    sizes = _check(function, memory_sizes, invocations, threads, discard, strategy, weight)
    model = cpu_model(runtime)
    run = _Run(runtime, configuration, model, threads, machine_cores(), prices)
    total = len(sizes) * invocations
    results = []
    try:
        for memory in sizes:
            version = run.publish(memory)
            records = []
            for _ in range(invocations):
                records.append(runtime.invoke(function, payload, qualifier=version).record)
                if progress is not None:
                    progress(len(results) * invocations + len(records), total, memory)
            results.append(run.measure(memory, records, discard))
    finally:
        run.restore()
    tuning = PowerTuning(function, configuration["Architectures"][0], runtime.clock.name, model,
                         invocations, threads, discard, tuple(results), strategy, weight)
    if not tuning.candidates:
        raise PowerTuningError(f"{function}: every memory size had failed invocations\n{tuning.render()}")
    return tuning


class _Run:
    """One tuning run's changes to the function, undone by ``restore``."""

    def __init__(self, runtime, configuration, model, threads, cores, prices):
        self.runtime = runtime
        self.name = configuration["FunctionName"]
        self.memory = configuration["MemorySize"]
        self.timeout_ms = configuration["Timeout"] * 1000
        self.architecture = configuration["Architectures"][0]
        self.storage = configuration["EphemeralStorage"]["Size"]
        self.model, self.threads, self.cores, self.prices = model, threads, cores, prices
        self.existing = {v["Version"] for v in runtime.list_versions_by_function(self.name)}
        self.published = []

    def publish(self, memory):
        self.runtime.update_function_configuration(self.name, memory_size=memory)
        version = self.runtime.publish_version(self.name, f"power tuning at {memory} MB")["Version"]
        if version not in self.existing:
            self.published.append(version)
        return version

    def restore(self):
        if self.runtime.get_function_configuration(self.name)["MemorySize"] != self.memory:
            self.runtime.update_function_configuration(self.name, memory_size=self.memory)
        for version in self.published:
            self.runtime.delete_function(self.name, version)

    def duration(self, record, memory):
        if self.model != SCALED:
            return record.duration_ms
        return scaled_duration_ms(record.duration_ms, record.cpu_ms, memory, self.threads, self.cores)

    def measure(self, memory, records, discard):
        durations, failures = [], {}
        for record in records:
            duration = self.duration(record, memory) if record.outcome == OK else None
            outcome = TIMEOUT if duration is not None and duration >= self.timeout_ms else record.outcome
            if outcome == OK:
                durations.append(duration)
            else:
                failures[outcome] = failures.get(outcome, 0) + 1
        if not durations:
            return SizeResult(memory, (), tuple(records), tuple(sorted(failures.items())),
                              None, None, None, None)
        avg = trimmed_mean(durations, discard)
        cost = invocation_cost(ceil_ms(avg), memory, architecture=self.architecture,
                               ephemeral_storage_mb=self.storage, prices=self.prices).total
        return SizeResult(memory, tuple(durations), tuple(records), tuple(sorted(failures.items())),
                          avg, percentile(durations, 50), percentile(durations, 90), cost)
