"""Simulator throughput: a month of traffic (10 million requests) through the fast path; with
--queue, the same traffic as SQS messages behind a mapping capped at MaximumConcurrency 2
(the queue's fast path, where some messages wait).

Each size runs in a fresh subprocess: the simulation twice, each time followed by the
baseline, a bare Python loop over as many items; the best of each is kept, since other
work on the machine only ever adds time. The ratio of the two is what compares across
machines. Peak RSS shows whether memory grows with the number of invocations.
Usage: python bench/bench_sim.py [--quick] [--queue]
"""

import json
import resource
import subprocess
import sys
import time

REPEATS = 2
MONTH_S = 30 * 86_400
REQUESTS_PER_MONTH = 10_000_000


def scenario(days, queue):
    from lambdakit.scale.sim import Diurnal, LogNormal, Scenario, SimFunction, SqsSource, Workload

    fn = SimFunction("api", duration=LogNormal(median_ms=80, sigma=0.5), memory_mb=512, timeout_s=3)
    traffic = Diurnal(mean_rps=REQUESTS_PER_MONTH / MONTH_S, swing=0.6)
    source = SqsSource(maximum_concurrency=2) if queue else None
    return Scenario([fn], [Workload("api", traffic, source=source)], duration_s=days * 86_400, bucket_s=60.0)


def run_one(days, queue):
    """Child process: simulate and time the baseline REPEATS times, print one JSON line."""
    from lambdakit.scale.sim import simulate

    wall = cpu = baseline = float("inf")
    for _ in range(REPEATS):
        started, started_cpu = time.perf_counter(), time.process_time()
        report = simulate(scenario(days, queue), seed=1, engine="fast").report
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - started_cpu)
        fn = report.functions[0]
        started = time.perf_counter()
        for _ in range(fn.requests):
            pass
        baseline = min(baseline, time.perf_counter() - started)
    print(json.dumps({
        "days": days, "requests": fn.requests, "seconds": wall, "cpu_seconds": cpu, "baseline": baseline,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cold_starts": sum(v.cold_starts for v in report.versions),
        "p99_ms": fn.latency.percentile(99), "peak_concurrency": fn.concurrency.max,
        "delayed": fn.queue.delayed, "p99_wait_ms": fn.queue.wait.percentile(99),
    }))


def main(quick, queue):
    runs = []
    for days in ((1, 3) if quick else (3, 30)):
        out = subprocess.run([sys.executable, __file__, "--child", str(days), *(["--queue"] if queue else [])],
                             check=True,
                             capture_output=True, text=True).stdout
        runs.append(json.loads(out))
    for run in runs:
        print(f"{run['days']:>3} days: {run['requests']:>11,} requests in {run['seconds']:6.2f} s "
              f"({run['seconds'] / run['requests'] * 1e9:4.0f} ns each, CPU {run['cpu_seconds']:.2f} s); "
              f"bare loop over as many: "
              f"{run['baseline']:.2f} s; ratio {run['seconds'] / run['baseline']:4.1f}x; peak RSS "
              f"{run['peak_rss_mb']:.0f} MB; {run['cold_starts']:,} cold starts, "
              f"p99 {run['p99_ms']} ms, peak concurrency {run['peak_concurrency']}"
              + (f"; {run['delayed']:,} messages waited, p99 wait {run['p99_wait_ms']} ms" if queue else ""))
    small, large = runs
    print(f"memory: {large['requests'] / small['requests']:.1f}x the requests, "
          f"{large['peak_rss_mb'] / small['peak_rss_mb']:.2f}x the peak RSS")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        run_one(int(sys.argv[2]), queue="--queue" in sys.argv)
    else:
        main(quick="--quick" in sys.argv, queue="--queue" in sys.argv)
