"""Parameters AWS does not publish, which lambdakit must model.

Each is a named, documented simulation assumption, not an AWS guarantee; output that
depends on one says so. Lessons may change them (e.g. `Runtime(idle_reclaim_s=300)`).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Modelled:
    # How long an idle environment stays warm before Lambda reclaims it. Observed in the
    # wild at roughly 5 to 15 minutes; AWS gives no figure.
    idle_reclaim_s: float = 600.0
    # Virtual clock: platform and Python runtime start-up before the function's own INIT
    # code runs (AWS describes Python cold starts as typically 100-300 ms in all).
    runtime_init_ms: float = 150.0
    # Virtual clock: memory the Python runtime itself occupies before the function's code
    # allocates anything (a hello-world Python function reports about this much).
    runtime_memory_mb: int = 40
    # Virtual clock: how long an invocation of a runtime that speaks the Runtime API (Node.js,
    # custom runtimes) lasts. Their code reads the real clock, so lambdakit cannot simulate
    # their time; a fixed figure keeps records and bills deterministic.
    foreign_invoke_ms: float = 1.0
    # CPU during an on-demand environment's INIT, in vCPUs, when the memory size's own share
    # is smaller. AWS's serverless guide: on-demand functions "use a full vCPU
    # (non-throttled)" during initialisation; provisioned concurrency gets no burst. Its
    # documentation gives no figure.
    init_vcpus: float = 1.0


DEFAULT = Modelled()
