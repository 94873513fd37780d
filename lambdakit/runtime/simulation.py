"""Simulations of a Runtime's own functions: what `Runtime.simulate()` builds and runs.

A lesson measures a function for real, then asks what a month of traffic would do to it.
Each simulated function (lambdakit.scale.sim.SimFunction) takes from the real one:

- its memory, timeout and architecture; its reserved concurrency, provisioned concurrency
  configurations, aliases, asynchronous settings ($LATEST's) and dead-letter queue;
- its handler durations, measured: `sim.Empirical` over the INVOKE durations of its records
  that ran, its error rate from the same records, its INIT from its cold starts (the mean;
  lambdakit.core.modelled's runtime INIT if it never started cold) and its Max Memory Used (the
  highest seen). A function with fewer than `samples` such records is invoked with
  `payload` until it has them, so those invocations appear among the runtime's records.

The scenario has the runtime's account limit and idle-reclaim assumption, and starts at the
runtime's clock. Weighted routing is not carried over: an alias sends all its traffic to
its version in the simulation.
"""

import statistics

from ..core.records import FUNCTION_ERROR, THROTTLED
from ..scale.sim import Empirical, Scenario, SimFunction, Workload, simulate

DEFAULT_SAMPLES = 20


def measured(runtime, name, *, samples=DEFAULT_SAMPLES, payload=None):
    """The records of `name` that ran (invoking it until there are `samples` of them)."""
    ran = [r for r in runtime.records if r.function == name and r.outcome != THROTTLED]
    while len(ran) < samples:
        result = runtime.invoke(name, payload)
        ran.append(result.record)
    return ran


def sim_function(runtime, name, *, samples=DEFAULT_SAMPLES, payload=None):
    """A SimFunction with `name`'s configuration and measured behaviour."""
    config = runtime.get_function_configuration(name)
    ran = measured(runtime, name, samples=samples, payload=payload)
    cold = [r.init_ms for r in ran if r.cold]
    settings, dead_letter_queue = runtime._event_settings(name, None)
    reserved = runtime.get_function_concurrency(name).get("ReservedConcurrentExecutions")
    provisioned = {c["FunctionArn"].rsplit(":", 1)[1]: c["RequestedProvisionedConcurrentExecutions"]
                   for c in runtime.list_provisioned_concurrency_configs(name)}
    aliases = {a["Name"]: a["FunctionVersion"] for a in runtime.list_aliases(name)}
    return SimFunction(
        name, duration=Empirical(tuple(r.duration_ms for r in ran)), memory_mb=config["MemorySize"],
        timeout_s=config["Timeout"], architecture=config["Architectures"][0],
        init_ms=statistics.fmean(cold) if cold else runtime.modelled.runtime_init_ms,
        max_memory_used_mb=max(r.max_memory_used_mb for r in ran),
        error_rate=sum(r.outcome == FUNCTION_ERROR for r in ran) / len(ran),
        reserved=reserved, provisioned=provisioned, aliases=aliases,
        event_invoke_config=settings, dead_letter_queue=dead_letter_queue)


def scenario(runtime, workloads, *, duration_s=None, samples=DEFAULT_SAMPLES, payload=None, bucket_s=60.0):
    """A Scenario of `workloads`: sim.Workload objects, or {"name" or "name:qualifier": traffic}."""
    if isinstance(workloads, dict):
        workloads = [Workload(name, traffic, qualifier=qualifier)
                     for (name, qualifier), traffic in ((_split(key), t) for key, t in workloads.items())]
    names = sorted({w.function for w in workloads})
    functions = [sim_function(runtime, name, samples=samples, payload=payload) for name in names]
    return Scenario(functions, workloads, duration_s, account_limit=runtime.account_concurrency,
                    idle_reclaim_s=runtime.modelled.idle_reclaim_s, bucket_s=bucket_s,
                    start_ms=runtime.clock.now_ms())


def run(runtime, workloads, *, duration_s=None, samples=DEFAULT_SAMPLES, payload=None, bucket_s=60.0,
        seed=0, records=False, engine="auto"):
    return simulate(scenario(runtime, workloads, duration_s=duration_s, samples=samples, payload=payload,
                             bucket_s=bucket_s), seed=seed, records=records, engine=engine)


def _split(key):
    name, _, qualifier = key.partition(":")
    return name, qualifier or None
