"""Memory of the kernel and of one warm environment as invocations pile up.

    .venv/bin/python bench/bench_memory.py [--invokes N] [--clock virtual|real]

Prints resident memory after 1,000 warm invokes (the baseline, measured in the same run)
and after N (100,000 by default), for the kernel process (this one, with ipykernel and the
notebook front imported, as the learner's kernel has them) and for the environment, and the
growth between them: both must stay flat (within 10%). The runtime keeps its latest
records only (Runtime(records_kept=...), 10,000 by default) with exact totals for bills.
"""

import argparse
import gc
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import lambdakit  # noqa: E402
# What the learner's kernel holds besides the runtime, so "kernel" means that process.
import ipykernel.ipkernel  # noqa: E402,F401
import lambdakit.notebook.magics  # noqa: E402,F401
import lambdakit.notebook.widgets.billing  # noqa: E402,F401
import lambdakit.notebook.widgets.card  # noqa: E402,F401

HANDLER = "def lambda_handler(event, context):\n    print('one line of log')\n    return event\n"
BASELINE_INVOKES = 1_000


def rss_kb(pid="self"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def invoke_until(rt, done, target, event):
    while done < target:
        rt.invoke("echo", event)
        done += 1
        if done % 10_000 == 0:
            print(f"  ... {done:,} invokes", flush=True)
    return done


def measure(rt):
    gc.collect()
    (env,) = rt.environments("echo")
    return rss_kb(), rss_kb(env.pid)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invokes", type=int, default=100_000)
    parser.add_argument("--clock", choices=("virtual", "real"), default="virtual")
    args = parser.parse_args()
    event = {"key": "value"}
    with lambdakit.Runtime(clock=args.clock) as rt:
        rt.create_function("echo", HANDLER, memory=1769)
        started = time.monotonic()
        done = invoke_until(rt, 0, BASELINE_INVOKES, event)
        kernel_1k, env_1k = measure(rt)
        done = invoke_until(rt, done, args.invokes, event)
        kernel_n, env_n = measure(rt)
        elapsed = time.monotonic() - started
        print(f"lambdakit memory bench: {args.invokes:,} warm invokes ({args.clock} clock) in {elapsed:.0f} s; "
              f"{len(rt.records):,} records kept of {rt.records.total:,}")
        for label, base, after in (("kernel", kernel_1k, kernel_n), ("environment", env_1k, env_n)):
            growth = (after - base) / base * 100.0
            verdict = "flat" if abs(growth) <= 10.0 else "GROWS"
            print(f"  {label:<12} after {BASELINE_INVOKES:,}: {base / 1024:7.1f} MB   after {args.invokes:,}: "
                  f"{after / 1024:7.1f} MB   {growth:+5.1f}%  ({verdict}; target within 10%)")


if __name__ == "__main__":
    main()
