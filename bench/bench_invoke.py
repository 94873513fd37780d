"""Invoke and environment-creation timings of the local runtime, beside their floors.

    .venv/bin/python bench/bench_invoke.py [--invokes N] [--environments N]

Prints, in one run:
- warm invoke through the Python API (`Runtime.invoke`), real clock and virtual clock,
  beside a direct Python call of the same handler and a bare pipe round trip between two
  processes (the floor for "one process per environment");
- environment creation excluding user INIT (hand-over to a spare the zygote forked ahead,
  cgroups, the sandbox where the host allows one (mounting the code and /tmp, pivot_root,
  becoming sbx_user1051 in a user namespace), limits, runtime set-up, import of an empty
  handler module: the wall time of a cold invoke minus a warm one), beside a fresh
  `python -c pass`. The header says which isolation applied (Runtime.isolation).

The same two figures for a Node.js function (nodejs22.x, lambdakit's Node.js runtime on the
machine's node) and for AWS's custom runtime tutorial (provided.al2023: a shell script that
runs curl twice per event), both through the Runtime API, beside a fresh `node -e 0`.

Wall times depend on what else the machine is doing (the header prints the load average);
the CPU figures much less so.

Functions run at 1,769 MB (one full vCPU): on the real clock each environment's cgroup
limits its CPU to the memory size's share, as Lambda does, so at 128 MB (about 7% of a
CPU) every figure here would mostly measure that throttle.
"""

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import lambdakit  # noqa: E402

MEMORY_MB = 1_769
HANDLER = "def lambda_handler(event, context):\n    return event\n"
NODE_HANDLER = "export const handler = async (event) => event;\n"
TUTORIAL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures",
                        "custom-runtime-tutorial")
# (label, runtime, code): the functions measured through the Runtime API
FOREIGN = (("nodejs22.x", "nodejs22.x", NODE_HANDLER),
           ("provided.al2023 (tutorial)", "provided.al2023", TUTORIAL))
EVENT = {"key": "value"}


def _summary(samples_s):
    ordered = sorted(samples_s)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000.0, p99 * 1000.0


def _line(label, samples_s, note=""):
    median, p99 = _summary(samples_s)
    print(f"  {label:<46} median {median:9.4f} ms   p99 {p99:9.4f} ms   {note}".rstrip())


def _cpu_ns(pid):
    """CPU time a process has used (Linux: /proc/PID/schedstat), or None."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0])
    except OSError:
        return None


def warm_invokes(clock, count, runtime="python3.12", code=HANDLER):
    """Wall time of each warm invoke, and the CPU one costs the kernel and the environment
    (CPU does not depend on what else the machine is doing; wall time does)."""
    with lambdakit.Runtime(clock=clock) as rt:
        rt.create_function("bench", code, memory_size=MEMORY_MB, runtime=runtime)
        for _ in range(min(200, count)):
            rt.invoke("bench", EVENT)
        env_pid = rt.environments("bench")[0].pid
        samples = []
        kernel_cpu, env_cpu = time.process_time(), _cpu_ns(env_pid)
        for _ in range(count):
            start = time.perf_counter()
            rt.invoke("bench", EVENT)
            samples.append(time.perf_counter() - start)
        kernel_cpu = (time.process_time() - kernel_cpu) / count * 1e6
        env_cpu = None if env_cpu is None else (_cpu_ns(env_pid) - env_cpu) / count / 1e3
    cpu = f"CPU per invoke: kernel {kernel_cpu:.0f} us" + ("" if env_cpu is None else f", environment {env_cpu:.0f} us")
    return samples, cpu


def direct_calls(count):
    namespace = {}
    exec(HANDLER, namespace)
    handler = namespace["lambda_handler"]
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        handler(EVENT, None)
        samples.append(time.perf_counter() - start)
    return samples


def _echo(conn):
    while True:
        message = conn.recv()
        if message is None:
            return
        conn.send(message)


def pipe_round_trips(count):
    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.get_context("fork").Process(target=_echo, args=(theirs,))
    child.start()
    message = ("invoke", {"payload": json.dumps(EVENT).encode()})
    for _ in range(200):
        ours.send(message)
        ours.recv()
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        ours.send(message)
        ours.recv()
        samples.append(time.perf_counter() - start)
    ours.send(None)
    child.join()
    return samples


def environment_creations(count, warm_median_s, runtime="python3.12", code=HANDLER):
    """Cold invoke wall time of fresh functions with an empty module, minus a warm invoke;
    and the CPU a new environment costs: the kernel's thread, the environment's process up
    to its first answer, the zygote (which forks the next spare after the hand-over)."""
    with lambdakit.Runtime(clock="real") as rt:
        for i in range(count + 1):
            rt.create_function(f"cold{i}", code, memory_size=MEMORY_MB, runtime=runtime)
        rt.invoke("cold0", EVENT)  # the zygote's own start-up is paid once per Runtime
        zygote = rt._pool.zygote.process.pid
        walls, inits, kernel_ms, env_ms = [], [], [], []
        zygote_start = _cpu_ns(zygote)
        for i in range(1, count + 1):
            start, cpu = time.perf_counter(), time.thread_time()
            result = rt.invoke(f"cold{i}", EVENT)
            walls.append(time.perf_counter() - start - warm_median_s)
            kernel_ms.append((time.thread_time() - cpu) * 1000.0)
            env_cpu = _cpu_ns(rt.environments(f"cold{i}")[0].pid)
            if env_cpu is not None:
                env_ms.append(env_cpu / 1e6)
            inits.append(result.init_ms / 1000.0)
            rt.delete_function(f"cold{i}")
        zygote_ms = None if zygote_start is None else (_cpu_ns(zygote) - zygote_start) / count / 1e6
    cpu = f"CPU per environment: kernel {statistics.median(kernel_ms):.1f} ms"
    if env_ms:
        cpu += f", environment {statistics.median(env_ms):.1f} ms"
    if zygote_ms is not None:
        cpu += f", zygote {zygote_ms:.1f} ms"
    return walls, inits, cpu


def fresh_interpreters(count, command=(sys.executable, "-c", "pass")):
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        subprocess.run(command, check=True)
        samples.append(time.perf_counter() - start)
    return samples


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invokes", type=int, default=5_000)
    parser.add_argument("--environments", type=int, default=50)
    parser.add_argument("--foreign-invokes", type=int, default=500,
                        help="warm invokes of each Runtime API function")
    parser.add_argument("--foreign-environments", type=int, default=20)
    args = parser.parse_args()

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    with lambdakit.Runtime() as runtime:
        sandboxed = "sandboxed environments" if runtime.isolation["sandbox"] else "no sandbox"
    print(f"lambdakit bench: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load}, "
          f"functions at {MEMORY_MB} MB (1 vCPU), {sandboxed}")
    print(f"warm invoke ({args.invokes} invokes after 200 warm-up; target <= 0.3 ms median)")
    real, cpu = warm_invokes("real", args.invokes)
    _line("Runtime.invoke, real clock", real, cpu)
    _line("Runtime.invoke, virtual clock", *warm_invokes("virtual", args.invokes))
    _line("direct Python call of the handler", direct_calls(args.invokes))
    _line("bare pipe round trip between two processes", pipe_round_trips(args.invokes))

    print(f"environment creation ({args.environments} environments; target <= 10 ms median)")
    walls, inits, cpu = environment_creations(args.environments, _summary(real)[0] / 1000.0)
    _line("cold minus warm invoke, empty module", walls, cpu)
    _line("  of which Init Duration (REPORT)", inits)
    _line("fresh `python -c pass`", fresh_interpreters(20))

    print(f"through the Runtime API ({args.foreign_invokes} warm invokes, "
          f"{args.foreign_environments} environments each)")
    for label, runtime, code in FOREIGN:
        warm, cpu = warm_invokes("real", args.foreign_invokes, runtime, code)
        _line(f"{label}: warm invoke", warm, cpu)
        walls, inits, cpu = environment_creations(args.foreign_environments, _summary(warm)[0] / 1000.0,
                                                  runtime, code)
        _line(f"{label}: new environment", walls, cpu)
    if shutil.which("node"):
        _line("fresh `node -e 0`", fresh_interpreters(20, ("node", "-e", "0")))


if __name__ == "__main__":
    main()
